// What the daily-work browser tests (issue 17) share: the two screens they run on, signing in
// at a size, the checks every page passes (no sideways scrolling, no blocked script), and
// finding demo objects through the API. Not a test file itself (no `.test.` in its name).
import assert from 'node:assert/strict';
import { BASE, ACCOUNTS, signIn } from '../browser.mjs';

/** A phone held upright and a laptop. */
export const SCREENS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1366, height: 768 },
];

export const account = username => ACCOUNTS.find(a => a.username === username);
export const office = (role, region) => ACCOUNTS.find(a => a.role === role && a.region === region);
export const reporterOf = unitId => ACCOUNTS.find(a => a.role === 'reporter' && a.unit_id === unitId);
/** The first city with a county office account (the demo makes one for each city's first county). */
export const CITY = '4313';
export const COUNTY = ACCOUNTS.find(a => a.role === 'admin' && a.region.length === 6 && a.region.startsWith(CITY)).region;

/**
 * A page signed in as `username` on `screen`, collecting what the console says about blocked
 * content (a content-security-policy refusal would break a link or a button).
 */
export async function at(screen, username) {
  const page = await signIn(username);
  await page.setViewportSize({ width: screen.width, height: screen.height });
  page.blocked = [];
  page.on('console', m => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) page.blocked.push(m.text());
  });
  return page;
}

/** The page fits its screen: nothing sticks out sideways (tables scroll in their own box). */
export async function fits(page, what) {
  const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= inner + 1, `${what}: ${scroll}px wide on a ${inner}px screen`);
  assert.deepEqual(page.blocked, [], `${what}: blocked by the content-security policy`);
}

/** The top of an element in the page, in px from the top of the document. */
export async function top(locator) {
  return locator.evaluate(e => e.getBoundingClientRect().top + window.scrollY);
}

/** A JSON GET through a signed-in page's session. */
export async function api(page, path) {
  const res = await page.request.get(`${BASE}${path}`);
  assert.equal(res.status(), 200, `GET ${path}`);
  return res.json();
}

/** The form token of a signed-in page (its session's `_csrf`). */
export async function csrfOf(page) {
  return page.locator('input[name=_csrf]').first().getAttribute('value');
}

/** Rounds of the city plan, newest period first (as the office lists them). */
export async function cityRounds(page) {
  const { rounds } = await api(page, '/api/v1/rounds');
  return rounds.filter(r => r.region_code === CITY);
}
