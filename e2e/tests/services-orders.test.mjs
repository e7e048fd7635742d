// A volunteer service order in a real browser, from 点单 to 评价 with four accounts: a community
// asks (shequ_demo), the county office dispatches it to the city 科协 (admin_<county>), the 科协
// claims it (bumen_demo), the county's volunteer team accepts and completes it (duizhang_demo),
// and the community rates it. Each account sees only the buttons of its own steps; a return
// without a reason is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, ACCOUNTS, useBrowser, signIn, shot } from '../browser.mjs';

useBrowser();

const community = ACCOUNTS.find(a => a.username === 'shequ_demo');
const department = ACCOUNTS.find(a => a.username === 'bumen_demo');
assert.ok(community && department, 'the demo has the services accounts');
const county = community.region.slice(0, 6);

/// The order's state as its page shows it.
async function state(page) {
  return (await page.locator('#state').textContent()).trim();
}

/// The steps the page offers.
async function steps(page) {
  return page.locator('#steps form.step').evaluateAll(fs => fs.map(f => f.id.replace('step-', '')));
}

/// Submit a step's form and wait for the page to come back with its message.
async function take(page, step, fill = async () => {}) {
  const form = page.locator(`#step-${step}`);
  await fill(form);
  await Promise.all([page.waitForURL(/\/services\/orders\/\d+\?msg=/), form.locator('button[type=submit]').click()]);
}

test('an order goes from 点单 to 评价 through four accounts, each taking only its own step', async () => {
  const asker = await signIn(community.username);
  await asker.goto(`${BASE}/services/orders`);
  await asker.fill('#new-order input[name=title]', '青少年天文观测科普活动');
  await asker.fill('#new-order textarea[name=detail]', '社区暑期托管班约 30 名学生，希望安排一次天文观测。');
  await Promise.all([asker.waitForURL(/\/services\/orders\/\d+\?msg=/), asker.click('#new-order button[type=submit]')]);
  const orderUrl = asker.url().split('?')[0];
  assert.equal(await state(asker), '待派单');
  assert.deepEqual(await steps(asker), ['withdraw'], 'the asker may only withdraw now');

  // 派单: the county office sends it to the city 科协.
  const dispatcher = await signIn(`admin_${county}`);
  await dispatcher.goto(`${BASE}/services/orders`);
  assert.ok(await dispatcher.locator('#queue-dispatch a', { hasText: '青少年天文观测科普活动' }).count() > 0,
    'the order is in the dispatcher\'s list');
  await dispatcher.goto(orderUrl);
  await take(dispatcher, 'dispatch', async f => {
    await f.locator('select[name=to]').selectOption('department');
    await f.locator('select[name=unit_id]').selectOption(String(department.unit_id));
  });
  assert.equal(await state(dispatcher), '待领单');

  // 领单: the 科协. A return without a reason is refused first.
  const dept = await signIn(department.username);
  await dept.goto(`${BASE}/services/orders`);
  assert.ok(await dept.locator('#queue-department a', { hasText: '青少年天文观测科普活动' }).count() > 0);
  await dept.goto(orderUrl);
  assert.deepEqual((await steps(dept)).sort(), ['claim', 'return']);
  await dept.locator('#step-return input[name=reason]').evaluate(i => i.removeAttribute('required'));
  await take(dept, 'return');
  assert.match(await dept.locator('.flash').textContent(), /退回理由/);
  assert.equal(await state(dept), '待领单', 'nothing changed');
  await take(dept, 'claim');
  assert.equal(await state(dept), '待接单');

  // 接单 and 完成: the team's leader.
  const leader = await signIn('duizhang_demo');
  await leader.goto(`${BASE}/services/orders`);
  assert.ok(await leader.locator('#queue-team a', { hasText: '青少年天文观测科普活动' }).count() > 0);
  await leader.goto(orderUrl);
  assert.deepEqual(await steps(leader), ['accept']);
  await take(leader, 'accept');
  assert.equal(await state(leader), '服务中');
  await take(leader, 'complete', async f => {
    await f.locator('textarea[name=report]').fill('天文观测一场，学生 28 人，讲解月相与行星。');
  });
  assert.equal(await state(leader), '待评价');
  assert.deepEqual(await steps(leader), [], 'the team cannot rate its own work');

  // 评价: the asker.
  await asker.goto(orderUrl);
  assert.deepEqual(await steps(asker), ['rate']);
  await take(asker, 'rate', async f => {
    await f.locator('select[name=stars]').selectOption('5');
    await f.locator('input[name=comment]').fill('孩子们很喜欢');
  });
  assert.equal(await state(asker), '已评价');
  const history = await asker.locator('#events tbody tr td:nth-child(3)').allTextContents();
  assert.deepEqual(history.map(s => s.trim()), ['ask', 'dispatch', 'claim', 'accept', 'complete', 'rate']);
  await shot(asker, 'services-order-rated');

  // The completed order counts as a volunteer service in the office's statistics.
  await dispatcher.goto(`${BASE}/services`);
  const v = await dispatcher.locator('#service-stats tr[data-key=volunteer_services] td.value').textContent();
  assert.ok(Number(v.trim()) >= 1, `volunteer services counted: ${v}`);
});
