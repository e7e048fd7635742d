// The services for citizens in a real browser on a phone-sized screen (390 × 844): a citizen
// finds a base, books a place at its activity, and checks in at the activity with the booking
// code — once online, once with the phone offline (the scan waits on the phone and is sent when
// it is back online, counted once). The office's statistics of volunteers, activities and
// participants follow.
//
// Run by scripts/e2e.sh against `kesu demo`. The demo's services (kesu_web::services_demo) give
// the first county of the first city plan a base (<county>科技馆) with an activity starting
// within the hour, and the account `shequ_demo` in one of its townships.
//
// The plan dashboard takes these figures for the targets the services answer (registered
// volunteers, people taking part in activities). The demo's five real plans have none (their 人次
// targets are about training), so the county office first brings in a small plan of its own
// through the plan-drafts page, as an office would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, ACCOUNTS, useBrowser, anonymousPage, signIn, shot } from '../browser.mjs';

useBrowser();

const community = ACCOUNTS.find(a => a.username === 'shequ_demo');
assert.ok(community, 'the demo has the services accounts');
const county = community.region.slice(0, 6);
const office = `admin_${county}`;

/// The figures of the office's services statistics page, by key.
async function figures(page) {
  await page.goto(`${BASE}/services`);
  const out = {};
  for (const row of await page.locator('#service-stats tbody tr').all()) {
    const key = await row.getAttribute('data-key');
    const text = (await row.locator('td.value').textContent()).trim();
    const n = Number(text);
    out[key] = Number.isFinite(n) ? n : 0;
  }
  return out;
}

/// The county's plan with two targets the services answer, uploaded and confirmed on the plan
/// drafts page; its id.
async function servicesPlan(page) {
  const text = [
    '娄星区2026年科普服务工作要点（服务核对）',
    '一、科普服务',
    '1.发展注册科技志愿者50人以上。（区科协负责）',
    '2.组织群众参加科普活动1000人次以上。（区科协负责）',
  ].join('\n');
  page.on('dialog', d => d.accept());
  await page.goto(`${BASE}/plans/drafts`);
  await page.setInputFiles('#upload input[name=file]', {
    name: '科普服务要点.txt', mimeType: 'text/plain', buffer: Buffer.from(text, 'utf8'),
  });
  await page.selectOption('#upload select[name=region]', county);
  await Promise.all([page.waitForURL(/\/plans\/drafts\/\d+/), page.click('#upload button[type=submit]')]);
  await Promise.all([page.waitForURL(/\/plans\/\d+/), page.click('#confirm button.primary')]);
  return page.url().match(/\/plans\/(\d+)/)[1];
}

/// The actual value of the plan dashboard's row about `words` (0 while it has no data), and
/// whether it comes from the services' records.
async function dashboardFigure(page, plan, words) {
  await page.goto(`${BASE}/dashboard/plans/${plan}`);
  const row = page.locator('tr[id^=indicator-]', { hasText: words }).first();
  const value = Number(await row.locator('td').nth(3).getAttribute('data-value'));
  return { value: Number.isFinite(value) && value > 0 ? value : 0, fed: (await row.locator('a.fed').count()) > 0 };
}

// The county office brings in its services plan once, for whichever test asks first.
let planOnce;
function thePlan() {
  planOnce ??= (async () => {
    const page = await signIn(office);
    const id = await servicesPlan(page);
    await page.context().close();
    return id;
  })();
  return planOnce;
}

/// A phone: 390 × 844.
async function phone() {
  const page = await anonymousPage();
  await page.setViewportSize({ width: 390, height: 844 });
  return page;
}

/// Nothing on the page is wider than the phone's screen.
async function fitsTheScreen(page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `page is ${width}px wide on a 390px screen: ${page.url()}`);
}

/// Book `people` places at the demo activity from its base's page; the booking's code.
async function bookAtTheActivity(page, name, phoneNo, people) {
  await page.goto(`${BASE}/s`);
  await page.fill('input[name=q]', '科技馆');
  await Promise.all([page.waitForURL(/\/s\?/), page.click('#search button[type=submit]')]);
  await fitsTheScreen(page);
  const base = page.locator('#results a', { hasText: '科技馆' }).first();
  await Promise.all([page.waitForURL(/\/s\/resources\/\d+$/), base.click()]);
  await fitsTheScreen(page);
  const item = page.locator('#activities li', { hasText: '科普日体验活动' });
  await Promise.all([page.waitForURL(/\/s\/slots\/\d+\/book$/), item.locator('a.button').click()]);
  await page.fill('input[name=name]', name);
  await page.fill('input[name=phone]', phoneNo);
  await page.fill('input[name=people]', String(people));
  await Promise.all([page.waitForURL(/\/s\/bookings\//), page.click('#book button[type=submit]')]);
  await fitsTheScreen(page);
  const code = (await page.locator('#code').textContent()).trim();
  assert.match(code, /^[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}$/);
  assert.equal(await page.locator('.qr svg').count(), 1, 'the booking page shows its QR');
  assert.match(await page.locator('main').textContent(), /\*\*\*\*/, 'the phone number is masked');
  assert.ok(!(await page.content()).includes(phoneNo), 'the full phone number never shows');
  return code;
}

test('a citizen on a phone finds a base, books its activity, checks in with the code (online and queued offline), and the office statistics count it', async () => {
  const plan = await thePlan();
  const officePage = await signIn(office);
  const dashboardBefore = await dashboardFigure(officePage, plan, '参加科普活动');
  const before = await figures(officePage);
  assert.ok(before.volunteers > 0 && before.activities > 0, 'the demo has volunteers and activities');

  // The office prints the activity's check-in QR; its link is what a phone opens by scanning it.
  await officePage.goto(`${BASE}/services/activities`);
  await Promise.all([
    officePage.waitForURL(/\/services\/activities\/\d+$/),
    officePage.locator('#activities a', { hasText: '科普日体验活动' }).first().click(),
  ]);
  const checkinLink = await officePage.locator('#checkin-link').getAttribute('href');
  const activityPage = officePage.url();
  const peopleBefore = Number(await officePage.locator('#people').textContent());

  const page = await phone();
  const code = await bookAtTheActivity(page, '欧阳修', '13812345678', 2);
  await shot(page, 'services-booking-phone');

  // At the activity: scan the poster, type the code.
  await page.goto(checkinLink);
  await fitsTheScreen(page);
  await page.fill('#checkin input[name=code]', code);
  await page.click('#checkin button[type=submit]');
  await page.locator('#result.ok').waitFor();
  assert.match(await page.locator('#result').textContent(), /签到成功/);
  await shot(page, 'services-checkin-phone');
  // The same code again is refused with the reason, not counted twice.
  await page.fill('#checkin input[name=code]', code);
  await page.click('#checkin button[type=submit]');
  await page.locator('#result.no').waitFor();
  assert.match(await page.locator('#result').textContent(), /已于 .* 签到/);

  // A second booking, checked in while the phone has no connection.
  const second = await bookAtTheActivity(page, '李四', '13900001111', 1);
  await page.goto(checkinLink);
  await page.context().setOffline(true);
  await page.fill('#checkin input[name=code]', second);
  await page.click('#checkin button[type=submit]');
  await page.locator('#result.no', { hasText: '网络不可用' }).waitFor();
  assert.match(await page.locator('#queue').textContent(), /1 条签到等待联网提交/);
  await page.context().setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.locator('#result.ok', { hasText: '签到成功' }).waitFor();
  assert.equal(await page.locator('#queue').isHidden(), true, 'the queue is empty once sent');

  // The office sees three more people at its activity, and in its statistics.
  await officePage.goto(activityPage);
  assert.equal(Number(await officePage.locator('#people').textContent()), peopleBefore + 3);
  const after = await figures(officePage);
  assert.equal(after.participants, (before.participants ?? 0) + 3);
  assert.equal(after.activities, before.activities, 'booking does not add activities');
  await shot(officePage, 'services-stats');

  // The plan dashboard's participants indicator moved by the same three, from the records.
  const dashboardAfter = await dashboardFigure(officePage, plan, '参加科普活动');
  assert.equal(dashboardAfter.value, dashboardBefore.value + 3);
  assert.ok(dashboardAfter.fed, 'the value links to the services records');
  await shot(officePage, 'services-plan-dashboard');
  await officePage.goto(`${BASE}/services`);

  // The figure links to the records behind it.
  await Promise.all([
    officePage.waitForURL(/\/services\/stats\/records\?feed=participants/),
    officePage.locator('#service-stats tr[data-key=participants] a').click(),
  ]);
  assert.match(await officePage.locator('main').textContent(), /签到 #\d+/);
});

test('an office adding an activity and a volunteer moves its statistics', async () => {
  const plan = await thePlan();
  const page = await signIn(office);
  const volunteersBefore = await dashboardFigure(page, plan, '志愿者');
  const before = await figures(page);
  await page.goto(`${BASE}/services/volunteers`);
  await page.fill('#new-volunteer input[name=name]', '赵六');
  await page.fill('#new-volunteer input[name=phone]', '13512340000');
  await Promise.all([page.waitForURL(/\/services\/volunteers\?msg=/), page.click('#new-volunteer button[type=submit]')]);
  assert.match(await page.locator('.flash').textContent(), /志愿者编号/);
  await page.goto(`${BASE}/services/activities`);
  await page.fill('#new-activity input[name=title]', '气象科普进校园');
  await page.fill('#new-activity input[name=kind]', '进校园');
  const d = new Date(Date.now() + 2 * 86400e3);
  const day = d.toISOString().slice(0, 10);
  await page.fill('#new-activity input[name=start]', `${day}T09:00`);
  await page.fill('#new-activity input[name=end]', `${day}T11:00`);
  await Promise.all([page.waitForURL(/\/services\/activities\/\d+/), page.click('#new-activity button[type=submit]')]);
  const after = await figures(page);
  assert.equal(after.volunteers, before.volunteers + 1);
  // The plan's volunteers indicator counts the new volunteer.
  const volunteersAfter = await dashboardFigure(page, plan, '志愿者');
  assert.equal(volunteersAfter.value, volunteersBefore.value + 1);
  assert.ok(volunteersAfter.fed);
  // An activity counts in the quarter it is held: one held two days from now counts then.
  assert.ok(after.activities >= before.activities);
});
