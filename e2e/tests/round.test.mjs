// A whole reporting round, walked in a real browser the way people do it:
// the office opens a round → a cooperating unit submits → the lead unit consolidates and submits →
// the reviewer returns it with a reason → the lead unit fixes and resubmits → the reviewer accepts.
// And a reporter who edits the URL to another unit's report gets 404.
//
// Run by scripts/e2e.sh, which starts `kesu demo` and sets KESU_URL and KESU_ACCOUNTS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, ACCOUNTS, useBrowser, signIn, shot } from '../browser.mjs';

useBrowser();

const byRole = role => ACCOUNTS.filter(a => a.role === role);

test('a round from opening to acceptance, and no peeking at other units', async () => {
  const admin = byRole('admin').find(a => a.region.length <= 4) ?? byRole('admin')[0];
  const reviewer = byRole('reviewer').find(r => r.region === admin.region) ?? byRole('reviewer')[0];

  // 1. The office opens a round for its plan.
  const office = await signIn(admin.username);
  await office.goto(`${BASE}/rounds`);
  await shot(office, '01-rounds');
  const planOption = office.locator('#open-round select[name=plan_id] option').first();
  const planId = await planOption.getAttribute('value');
  await office.selectOption('#open-round select[name=plan_id]', planId);
  await office.fill('#open-round input[name=period]', '2030年第一季度');
  await office.fill('#open-round input[name=due]', '2099-03-31');
  await office.fill('#open-round input[name=lock]', '2099-04-30');
  await Promise.all([office.waitForURL(/\/rounds\/\d+/), office.click('#open-round button[type=submit]')]);
  await shot(office, '02-matrix');
  const roundId = office.url().match(/\/rounds\/(\d+)/)[1];

  // Find a task of the new round with a lead and a cooperating unit that both have accounts.
  const matrix = await (await office.request.get(`${BASE}/api/v1/rounds/${roundId}/matrix`)).json();
  const reporterOf = unitId => ACCOUNTS.find(a => a.role === 'reporter' && a.unit_id === unitId);
  let lead, coop;
  for (const cell of matrix.cells.filter(c => c.role === 'lead' && reporterOf(c.unit_id))) {
    const other = matrix.cells.find(c => c.task_id === cell.task_id && c.role !== 'lead' && reporterOf(c.unit_id));
    if (other) { lead = cell; coop = other; break; }
  }
  assert.ok(lead && coop, 'the demo plan has a task with a lead and a cooperating unit');

  // 2. The cooperating unit writes and submits its input.
  const coopPage = await signIn(reporterOf(coop.unit_id).username);
  await coopPage.goto(`${BASE}/reports/${coop.report_id}`);
  await coopPage.fill('#content', '配合单位：开展科普讲座 3 场，参与 420 人次。');
  coopPage.once('dialog', d => d.accept());
  await Promise.all([coopPage.waitForURL(/msg=/), coopPage.click('button[value=submit]')]);
  assert.equal((await coopPage.textContent('#report-state')).trim(), '已提交');
  await shot(coopPage, '03-cooperating-submitted');

  // 3. The lead unit sees the cooperating unit's input in place, consolidates and submits.
  const leadPage = await signIn(reporterOf(lead.unit_id).username);
  await leadPage.goto(`${BASE}/reports/${lead.report_id}`);
  assert.ok((await leadPage.content()).includes('开展科普讲座 3 场'), 'lead sees the cooperating input');
  await leadPage.fill('#content', '汇总：本季度共开展科普活动 5 场（含配合单位 3 场），覆盖 800 人次。');
  leadPage.once('dialog', d => d.accept());
  await Promise.all([leadPage.waitForURL(/msg=/), leadPage.click('button[value=submit]')]);
  assert.equal((await leadPage.textContent('#report-state')).trim(), '已提交');
  await shot(leadPage, '04-lead-submitted');

  // 4. The reviewer returns it with a reason.
  const review = await signIn(reviewer.username);
  await review.goto(`${BASE}/reports/${lead.report_id}`);
  await review.fill('#reason', '请补充活动照片和签到表。');
  await Promise.all([review.waitForURL(/msg=/), review.click('button[value=return]')]);
  assert.equal((await review.textContent('#report-state')).trim(), '已退回');
  await shot(review, '05-returned');

  // 5. The lead unit sees the reason, fixes and resubmits.
  await leadPage.goto(`${BASE}/reports/${lead.report_id}`);
  assert.ok((await leadPage.content()).includes('请补充活动照片和签到表'));
  await leadPage.fill('#content', '汇总（已补充）：科普活动 5 场，覆盖 800 人次，照片与签到表见附件。');
  leadPage.once('dialog', d => d.accept());
  await Promise.all([leadPage.waitForURL(/msg=/), leadPage.click('button[value=submit]')]);
  assert.equal((await leadPage.textContent('#report-state')).trim(), '已提交');

  // 6. The reviewer accepts.
  await review.goto(`${BASE}/reports/${lead.report_id}`);
  await Promise.all([review.waitForURL(/msg=/), review.click('button[value=accept]')]);
  assert.equal((await review.textContent('#report-state')).trim(), '已通过');
  await shot(review, '06-accepted');

  // 7. A reporter edits the URL to a report of another unit: 404, nothing shown.
  const foreign = matrix.cells.find(c => c.unit_id !== coop.unit_id &&
    !(matrix.cells.some(m => m.task_id === c.task_id && m.unit_id === coop.unit_id)));
  assert.ok(foreign, 'a report of another unit exists');
  const res = await coopPage.goto(`${BASE}/reports/${foreign.report_id}`);
  assert.equal(res.status(), 404);
  await shot(coopPage, '07-foreign-404');

  // The office matrix shows the accepted report.
  await office.goto(`${BASE}/rounds/${roundId}`);
  assert.ok((await office.content()).includes('已通过'));
  await shot(office, '08-matrix-after');
});
