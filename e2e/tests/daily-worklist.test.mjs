// Work lists (issue 17): a reporter's 工作台 shows what needs doing first — a returned report
// within the first screen of a phone, 逾期N天 and 还可补报至…, filters — as cards; the clerk's
// 待办 counts lead to the reports waiting, a review leads on to the next one, a unit's
// submission is news for the office, and rounds are listed newest first with their state,
// dates that can be moved, and closing. On a phone and on a laptop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, useBrowser, shot } from '../browser.mjs';
import { SCREENS, CITY, account, office, at, fits, top } from './daily-lib.mjs';

useBrowser();

/** A reporter of the city with a returned report on its workbench (the demo returns some). */
const RETURNED_REPORTER = 'tb5';

test("a reporter's returned report is within the first screen, with what is overdue after it", async () => {
  for (const screen of SCREENS) {
    const page = await at(screen, RETURNED_REPORTER);
    const first = page.locator('#my-tasks .task-card').first();
    assert.match(await first.getAttribute('class'), /returned/, `${screen.name}: the first card is a returned report`);
    const bottom = (await top(first)) + (await first.evaluate(e => e.getBoundingClientRect().height));
    assert.ok(bottom <= screen.height, `${screen.name}: the returned report ends at ${bottom}px, within ${screen.height}px`);
    assert.match(await first.textContent(), /逾期\d+天|还有\d+天截止|截止/);
    // Cards, not a table wider than the phone.
    assert.equal(await page.locator('#my-tasks table').count(), 0);
    await fits(page, `${screen.name} workbench`);
    await shot(page, `daily-workbench-${screen.name}`);

    // The 逾期 chip filters to overdue reports, each saying by how much and until when.
    const chip = page.locator('#chips a.chip.overdue');
    if (await chip.count() > 0) {
      await Promise.all([page.waitForURL(/show=overdue/), chip.click()]);
      const cards = page.locator('#my-tasks .task-card');
      assert.ok(await cards.count() > 0);
      for (const text of await cards.allTextContents()) {
        assert.match(text, /逾期\d+天(，还可补报至 \d{4}-\d{2}-\d{2})?/);
      }
    }
    // Keyword filter.
    await page.goto(`${BASE}/?show=all&q=${encodeURIComponent('科普')}`);
    for (const t of await page.locator('#my-tasks .task-title').allTextContents()) assert.match(t, /科普/);
    await page.context().close();
  }
});

test("the clerk's to-do counts lead to the reports waiting and a review leads on to the next", async () => {
  const clerk = office('reviewer', CITY);
  for (const screen of SCREENS) {
    const page = await at(screen, clerk.username);
    const pending = page.locator('#todo-pending');
    const n = Number(await pending.locator('b').textContent());
    assert.ok(n > 1, `${screen.name}: reports wait for review (${n})`);
    assert.ok(await page.locator('#todo-late').isVisible() && await page.locator('#todo-fresh').isVisible());
    await Promise.all([page.waitForURL(`${BASE}/review`), pending.click()]);
    assert.match(await page.textContent('h1'), new RegExp(`待审核（${n}）`));
    await fits(page, `${screen.name} review queue`);
    await Promise.all([page.waitForURL(/\/reports\/\d+/), page.locator('main a.button', { hasText: '审核' }).first().click()]);
    const reviewed = page.url();
    await Promise.all([page.waitForURL(/msg=/), page.click('#review button[value=accept]')]);
    assert.match(await page.textContent('.flash'), /已通过/);
    const next = page.locator('#next a', { hasText: '下一份待审核' });
    assert.ok(await next.isVisible(), `${screen.name}: the next report waiting`);
    await Promise.all([page.waitForURL(/\/reports\/\d+#review/), next.click()]);
    assert.notEqual(page.url().split('#')[0], reviewed.split('?')[0], 'another report');
    assert.ok(await page.locator('#review').isVisible(), 'ready to review');
    await page.context().close();
  }
});

test('a submission is news for the office', async () => {
  const admin = account(`admin_${CITY}`);
  const page = await at(SCREENS[1], admin.username);
  // A draft of a unit with an account, submitted by its reporter.
  const { rounds } = await (await page.request.get(`${BASE}/api/v1/rounds`)).json();
  let draft;
  for (const round of rounds.filter(r => r.region_code === CITY && !r.county_check && !r.closed_at)) {
    const { cells } = await (await page.request.get(`${BASE}/api/v1/rounds/${round.id}/matrix`)).json();
    draft = cells.find(c => c.state === 'draft' && c.role === 'lead');
    if (draft) break;
  }
  assert.ok(draft, 'a draft to submit');
  const unit = await at(SCREENS[0], `tb${draft.unit_id}`);
  await unit.goto(`${BASE}/reports/${draft.report_id}`);
  unit.once('dialog', d => d.accept());
  await Promise.all([unit.waitForURL(/msg=/), unit.click('button[value=submit]')]);
  assert.equal((await unit.textContent('#report-state')).trim(), '已提交');
  await page.goto(`${BASE}/notifications`);
  const note = page.locator('main table tbody tr', { hasText: draft.unit_name }).first();
  assert.match(await note.textContent(), /新提交：/);
  await Promise.all([page.waitForURL(new RegExp(`/reports/${draft.report_id}`)), note.locator('a').click()]);
  await unit.context().close();
  await page.context().close();
});

test('rounds are newest first with their state; the office moves dates and closes a round', async () => {
  const admin = account(`admin_${CITY}`);
  for (const [i, screen] of SCREENS.entries()) {
    const page = await at(screen, admin.username);
    await page.goto(`${BASE}/rounds`);
    const periods = await page.locator('#rounds tbody tr td[data-label=轮次] a').allTextContents();
    const years = periods.map(p => p.match(/^(\d{4})年(第.季度|上半年|下半年|度)?/)).filter(Boolean).map(m => m[0]);
    assert.ok(years.length > 1);
    const order = ['第一季度', '上半年', '第二季度', '第三季度', '下半年', '第四季度', '度'];
    const key = p => Number(p.slice(0, 4)) * 10 + order.findIndex(o => p.endsWith(o));
    for (let k = 1; k < years.length; k++) assert.ok(key(years[k - 1]) >= key(years[k]), `newest first: ${years}`);
    assert.ok(await page.locator('#rounds .round-state').first().isVisible(), 'each round has its state');
    await fits(page, `${screen.name} rounds`);

    // A round of its own to reschedule and close.
    await page.fill('#open-round input[name=period]', `${2040 + i}年第一季度`);
    await page.fill('#open-round input[name=due]', `${2040 + i}-03-31`);
    await page.fill('#open-round input[name=lock]', `${2040 + i}-04-30`);
    await Promise.all([page.waitForURL(/\/rounds\/\d+/), page.click('#open-round button[type=submit]')]);
    await page.click('#round-admin > summary');
    await page.fill('#round-dates input[name=due]', `${2040 + i}-04-10`);
    await Promise.all([page.waitForURL(/msg=/), page.click('#round-dates button[type=submit]')]);
    assert.match(await page.textContent('main > p.muted'), new RegExp(`截止 ${2040 + i}-04-10`));
    await page.click('#round-admin > summary');
    page.once('dialog', d => d.accept());
    await Promise.all([page.waitForURL(/msg=/), page.click('#round-admin button.danger')]);
    assert.match(await page.textContent('main > p.muted'), /已关闭/);
    await fits(page, `${screen.name} round page`);
    await shot(page, `daily-round-closed-${screen.name}`);
    await page.context().close();
  }
});
