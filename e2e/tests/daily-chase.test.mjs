// 催报 by unit (issue 17): one row per unit with its overdue and not-reported counts and whom to
// call (the unit registry's contact, which the office can set on the page), also for the current
// round before its deadline, and the same list as a workbook. On a phone and on a laptop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, useBrowser, shot } from '../browser.mjs';
import { SCREENS, CITY, account, at, fits, cityRounds } from './daily-lib.mjs';

useBrowser();

test('the chase list has one row per unit with its counts and contact, on the page and in the workbook', async () => {
  const admin = account(`admin_${CITY}`);
  for (const [i, screen] of SCREENS.entries()) {
    const page = await at(screen, admin.username);
    const rounds = await cityRounds(page);
    // The round past its due date, then the current one before it.
    const round = i === 0 ? rounds.find(r => r.period.endsWith('Q3')) : rounds.find(r => r.county_check);
    await page.goto(`${BASE}/rounds/${round.id}`);
    await Promise.all([page.waitForURL(/\/chase$/), page.click('a[href$="/chase"]')]);
    const rows = page.locator('#chase tbody tr[id^=unit-]');
    const ids = await rows.evaluateAll(trs => trs.map(t => t.id));
    assert.ok(ids.length > 0, `${screen.name}: units still owe reports`);
    assert.equal(new Set(ids).size, ids.length, 'one row per unit');
    const first = rows.first();
    const overdue = Number(await first.locator('td[data-label=逾期项数]').textContent());
    const open = Number((await first.locator('td[data-label=未报项数]').textContent()).match(/\d+/)[0]);
    assert.ok(open >= overdue, 'overdue reports are among those not reported');
    if (i === 1) assert.match(await page.textContent('main'), /尚未截止/, 'before the deadline there is still a list');
    // Contacts from the registry, a link to call.
    assert.ok(await page.locator('#chase a[href^="tel:"]').count() > 0, 'phone numbers to call');
    await fits(page, `${screen.name} chase list`);
    await shot(page, `daily-chase-${screen.name}`);

    // The office sets a unit's contact on the page.
    const row = rows.nth(1);
    await row.locator('details.inline-edit > summary').click();
    await row.locator('input[name=person]').fill(`赵${screen.name === 'phone' ? '主任' : '科长'}`);
    await row.locator('input[name=phone]').fill('0738-8123456');
    await Promise.all([page.waitForURL(/msg=/), row.locator('button[type=submit]').click()]);
    assert.match(await page.locator(`#${await row.getAttribute('id')}`).textContent(), /0738-8123456/);

    // The workbook: as many units as the page.
    const xlsx = await page.request.get(`${BASE}/rounds/${round.id}/late.xlsx`);
    assert.equal(xlsx.status(), 200);
    assert.match(xlsx.headers()['content-type'], /spreadsheetml/);
    assert.match(decodeURIComponent(xlsx.headers()['content-disposition']), /催报名单/);
    await page.context().close();
  }
});
