// Errors on the form and error pages (issue 17): an invalid round form comes back with the menu,
// the field's message beside the field and every value as typed — a period the office wrote its
// own way, a lock date before the due date, a round that exists; 404 and 403 pages sit inside
// the normal layout at phone width, in Chinese, and their "返回上一页" works under the site's
// content-security policy. On a phone and on a laptop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, useBrowser, shot } from '../browser.mjs';
import { SCREENS, CITY, account, at, fits, top } from './daily-lib.mjs';

useBrowser();

/** Fill the open-round form and send it; the response's status. */
async function openRound(page, { period, due, lock }) {
  await page.fill('#open-round input[name=period]', period);
  await page.fill('#open-round input[name=due]', due);
  await page.fill('#open-round input[name=lock]', lock);
  const [res] = await Promise.all([
    page.waitForResponse(r => r.request().method() === 'POST' && r.url().endsWith('/rounds')),
    page.click('#open-round button[type=submit]'),
  ]);
  await page.waitForLoadState('load');
  return res.status();
}

/** The message shown for `field`, and whether it sits right under its input. */
async function messageOf(page, field) {
  const message = page.locator(`#${field}-error`);
  const gap = (await top(message)) - (await top(page.locator(`#open-round input[name=${field}]`)));
  return { text: (await message.textContent()).trim(), beside: gap > 0 && gap < 80 };
}

test('a refused round form keeps the menu, the values and says why beside the field', async () => {
  for (const screen of SCREENS) {
    const page = await at(screen, account(`admin_${CITY}`).username);
    await page.goto(`${BASE}/rounds`);
    const plan = await page.inputValue('#open-round select[name=plan_id]');

    assert.equal(await openRound(page, { period: '27年一季度', due: '2027-03-31', lock: '2027-04-30' }), 422);
    assert.ok(await page.locator('header nav a[href="/rounds"]').isVisible(), `${screen.name}: the menu`);
    const period = await messageOf(page, 'period');
    assert.match(period.text, /^无法识别填报期间“27年一季度”/);
    assert.ok(period.beside, 'beside the period');
    assert.equal(await page.inputValue('#open-round input[name=period]'), '27年一季度');
    assert.equal(await page.inputValue('#open-round input[name=due]'), '2027-03-31');
    assert.equal(await page.inputValue('#open-round select[name=plan_id]'), plan);
    assert.doesNotMatch(await page.textContent('main'), /\(unknown period\)|出错了/);
    await fits(page, `${screen.name} refused round form`);
    await shot(page, `daily-round-form-${screen.name}`);

    assert.equal(await openRound(page, { period: '2027年第一季度', due: '2027-03-31', lock: '2027-03-01' }), 422);
    const lock = await messageOf(page, 'lock');
    assert.match(lock.text, /锁定日期（2027-03-01）不能早于截止日期（2027-03-31）/);
    assert.ok(lock.beside, 'beside the lock date');

    // A period the plan already has a round for.
    const existing = (await page.locator('#rounds tbody tr td[data-label=轮次] a').first().textContent()).split(' ')[0];
    assert.equal(await openRound(page, { period: existing, due: '2027-03-31', lock: '2027-04-30' }), 422);
    assert.match((await messageOf(page, 'period')).text, /已有.*填报轮次/);
    await page.context().close();
  }
});

test('404 and 403 pages are inside the layout and their back link works', async () => {
  const reporter = account('tb5');
  for (const screen of SCREENS) {
    const page = await at(screen, reporter.username);
    await page.goto(`${BASE}/`);
    // Followed from a page of the site, as a mistyped or stale link would be.
    const [res] = await Promise.all([
      page.waitForResponse(r => r.url().endsWith('/reports/987654321')),
      page.waitForURL(`${BASE}/reports/987654321`, { waitUntil: 'load' }),
      page.evaluate(() => { location.href = '/reports/987654321'; }),
    ]);
    assert.equal(res.status(), 404);
    assert.ok(await page.locator('header nav a[href="/"]').isVisible(), `${screen.name}: the menu on the 404 page`);
    assert.match(await page.textContent('#error'), /页面不存在或无权查看/);
    assert.doesNotMatch(await page.textContent('#error'), /not found/);
    await fits(page, `${screen.name} 404`);
    await shot(page, `daily-404-${screen.name}`);
    await Promise.all([page.waitForURL(`${BASE}/`), page.click('#error a[data-back]')]);

    const forbidden = await page.goto(`${BASE}/review`);
    assert.equal(forbidden.status(), 403);
    assert.ok(await page.locator('header nav').isVisible(), 'the menu on the 403 page');
    assert.match(await page.textContent('#error'), /没有权限/);
    // Opened directly (no page before it): the link still leads somewhere.
    await Promise.all([page.waitForURL(/\/($|\?)/), page.click('#error a[data-back]')]);
    await fits(page, `${screen.name} after the 403`);
    await page.context().close();
  }
});
