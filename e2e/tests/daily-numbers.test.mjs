// Numbers that agree (issue 17): the annual report's late and returned numbers for each round
// are the round page's 逾期 and 已退回; the comparison of counties' progress runs from 0 to 100%
// so that a low share never looks full. On a phone and on a laptop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, useBrowser, shot } from '../browser.mjs';
import { SCREENS, CITY, account, at, fits, cityRounds } from './daily-lib.mjs';

useBrowser();

const number = async (locator) => Number((await locator.textContent()).trim());

test("the annual report's late and returned numbers are the round pages'", async () => {
  const admin = account(`admin_${CITY}`);
  for (const screen of SCREENS) {
    const page = await at(screen, admin.username);
    const year = new Date().getFullYear();
    await page.goto(`${BASE}/dashboard/regions/${CITY}/annual.html?year=${year}`);
    const annual = {};
    for (const row of await page.locator('#late-rounds tbody tr').all()) {
      annual[await row.getAttribute('data-round')] = {
        late: await number(row.locator('td.late')),
        returned: await number(row.locator('td.returned')),
      };
    }
    const rounds = (await cityRounds(page)).filter(r => r.period.startsWith(String(year)));
    assert.ok(rounds.length > 0);
    let compared = 0;
    for (const r of rounds) {
      await page.goto(`${BASE}/rounds/${r.id}`);
      const count = label => number(page.locator('.counts a.count', { hasText: label }).locator('b'));
      const want = annual[String(r.id)] ?? { late: 0, returned: 0 };
      assert.equal(await count('逾期'), want.late, `${r.title}: 逾期`);
      assert.equal(await count('已退回'), want.returned, `${r.title}: 已退回`);
      compared += want.late + want.returned;
    }
    assert.ok(compared > 0, 'there were late or returned reports to compare');
    await fits(page, `${screen.name} round page`);
    await page.context().close();
  }
});

test('the counties comparison runs from 0 to 100%', async () => {
  const admin = account(`admin_${CITY}`);
  for (const screen of SCREENS) {
    const page = await at(screen, admin.username);
    await page.goto(`${BASE}/dashboard/regions/${CITY}`);
    const chart = page.locator('section.card .chart svg').first();
    const ticks = await chart.locator('text').allTextContents();
    assert.ok(ticks.includes('100'), `${screen.name}: the axis reaches 100 (${ticks.join(' ')})`);
    await fits(page, `${screen.name} region dashboard`);
    await shot(page, `daily-region-${screen.name}`);
    await page.context().close();
  }
});
