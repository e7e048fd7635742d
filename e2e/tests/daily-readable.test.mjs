// Readable everywhere (issue 17): the audit log paged, filtered by Chinese action names and
// showing each change field by field, shorter than 5,000 px on a laptop; the leader's summary
// on one screen; the publish form's checkboxes next to their labels; the round page and the
// dashboards within a phone's width. On a phone and on a laptop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, useBrowser, shot } from '../browser.mjs';
import { SCREENS, CITY, account, office, at, fits, cityRounds } from './daily-lib.mjs';

useBrowser();

test('the audit log is paged, in Chinese, with each change field by field', async () => {
  const admin = account(`admin_${CITY}`);
  for (const screen of SCREENS) {
    const page = await at(screen, admin.username);
    await page.goto(`${BASE}/audit`);
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    if (screen.name === 'desktop') assert.ok(height < 5000, `the audit page is ${height}px tall`);
    const rows = page.locator('#audit tbody tr');
    assert.equal(await rows.count(), 50, 'a page of 50');
    const actions = await page.locator('#audit td[data-label=操作]').allTextContents();
    assert.ok(actions.every(a => !/^[a-z_]+\.[a-z_]+$/.test(a.trim())), `Chinese action names: ${actions.slice(0, 5)}`);
    assert.doesNotMatch(await page.textContent('#audit'), /\{"|":/, 'no raw JSON');
    assert.ok(await page.locator('#audit .changes .new').count() > 0, 'changes field by field');
    await fits(page, `${screen.name} audit`);
    await shot(page, `daily-audit-${screen.name}`);
    // The next page, then only acceptances, chosen by their Chinese name.
    await Promise.all([page.waitForURL(/page=2/), page.click('#pager a[rel=next]')]);
    assert.equal(await page.locator('#audit tbody tr').count() > 0, true);
    await page.selectOption('#audit-filters select[name=action]', { label: '报告：通过' });
    await Promise.all([page.waitForURL(/action=report.accept/), page.click('#audit-filters button[type=submit]')]);
    const only = await page.locator('#audit td[data-label=操作]').allTextContents();
    assert.ok(only.length > 0 && only.every(a => a.trim() === '报告：通过'), `${only.slice(0, 3)}`);
    await page.context().close();
  }
});

test("the leader's summary: reporting rate, overdue units, targets and the literacy share", async () => {
  const leader = office('viewer', CITY);
  for (const screen of SCREENS) {
    const page = await at(screen, leader.username);
    const summary = page.locator('#summary');
    const text = await summary.textContent();
    for (const part of ['报送率', '逾期最多的单位', '目标进展', '公民具备科学素质的比例']) assert.match(text, new RegExp(part));
    assert.match(text, /\d+(\.\d+)?%（\d+\/\d+）/, 'a reporting rate with its counts');
    if (screen.name === 'desktop') {
      const bottom = await summary.evaluate(e => e.getBoundingClientRect().bottom);
      assert.ok(bottom <= screen.height, `the summary ends at ${bottom}px, on one screen`);
    }
    await fits(page, `${screen.name} leader's summary`);
    await shot(page, `daily-leader-${screen.name}`);
    await page.context().close();
  }
});

test("the publish form's checkboxes sit next to their labels", async () => {
  const admin = account(`admin_${CITY}`);
  for (const screen of SCREENS) {
    const page = await at(screen, admin.username);
    await page.goto(`${BASE}/dashboard/regions/${CITY}`);
    await page.click('#publish-form details > summary');
    for (const label of await page.locator('#publish-form label.check').all()) {
      const [box, words] = await label.evaluate(l => {
        const b = l.querySelector('input').getBoundingClientRect();
        const t = l.querySelector('span').getBoundingClientRect();
        return [{ right: b.right, top: b.top, bottom: b.bottom }, { left: t.left, top: t.top }];
      });
      assert.ok(words.left - box.right >= 0 && words.left - box.right < 16, `${screen.name}: the box is right before its words`);
      assert.ok(Math.abs(words.top - box.top) < 12, `${screen.name}: on the same line`);
    }
    await fits(page, `${screen.name} publish form`);
    await page.context().close();
  }
});

test('the round page and the dashboards fit a phone', async () => {
  const admin = account(`admin_${CITY}`);
  for (const screen of SCREENS) {
    const page = await at(screen, admin.username);
    const [round] = await cityRounds(page);
    const { plans } = await (await page.request.get(`${BASE}/api/v1/plans`)).json();
    const plan = plans.find(p => p.region_code === CITY);
    for (const path of [`/rounds/${round.id}`, '/dashboard', `/dashboard/plans/${plan.id}`, `/dashboard/regions/${CITY}`, '/rounds', '/']) {
      await page.goto(`${BASE}${path}`);
      await fits(page, `${screen.name} ${path}`);
    }
    await page.context().close();
  }
});
