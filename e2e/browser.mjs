// What every browser test shares: the demo server's address and accounts (set by
// scripts/e2e.sh), Debian's chromium, signing in, and screenshots in e2e/artifacts/.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const BASE = process.env.KESU_URL;
export const ACCOUNTS = JSON.parse(readFileSync(process.env.KESU_ACCOUNTS, 'utf8'));
const SHOTS = new URL('./artifacts/', import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });

let browser;

/** Start chromium before the file's tests and close it after them. */
export function useBrowser() {
  before(async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
             '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  after(async () => { await browser?.close(); });
}

/** A page in a fresh context with no cookies: someone who has not signed in. */
export async function anonymousPage() {
  return (await browser.newContext({ locale: 'zh-CN' })).newPage();
}

/** A page signed in as one of the demo accounts. */
export async function signIn(username) {
  const account = ACCOUNTS.find(a => a.username === username);
  assert.ok(account, `no demo account ${username}`);
  const page = await anonymousPage();
  await page.goto(`${BASE}/login`);
  await page.fill('input[name=username]', account.username);
  await page.fill('input[name=password]', account.password);
  await Promise.all([page.waitForURL(`${BASE}/`), page.click('button[type=submit]')]);
  return page;
}

export async function shot(page, name) {
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
}
