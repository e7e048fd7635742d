// The indicator dashboards in a real browser, the way the office uses them:
// a seed plan's dashboard with its table and SVG charts; drill-down from the city's number to a
// county and to the reports behind it; publishing a snapshot and reading it without signing in,
// with nothing private on it; and a reporter kept out of other regions' dashboards.
//
// Run by scripts/e2e.sh, which starts `kesu demo` and sets KESU_URL and KESU_ACCOUNTS. The demo
// has, in each city plan, a count target reported by the counties in a round within the plan's
// period: all accepted but the last county's, which is returned with a reason; the first accepted
// one carries a reviewer's internal comment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, ACCOUNTS, useBrowser, anonymousPage, signIn, shot } from '../browser.mjs';

useBrowser();

// The office of the first city (a 4-digit region) in the demo: its plan has county children.
const city = ACCOUNTS.find(a => a.role === 'admin' && a.region.length === 4).region;
const officeOf = (role, region) => ACCOUNTS.find(a => a.role === role && a.region === region);

/// The first number in a text: "3300人次" → 3300, "无数据" → null.
function numberIn(text) {
  const m = (text ?? '').replace(/,/g, '').match(/-?\d+(\.\d+)?/);
  return m ? Number(m[0]) : null;
}

/// From the home page to the city plan's dashboard, by the links people click.
async function openPlanDashboard(page) {
  await Promise.all([page.waitForURL(`${BASE}/dashboard`), page.click('header a[href="/dashboard"], nav a[href="/dashboard"]')]);
  const link = page.locator('main table a[href^="/dashboard/plans/"]').first();
  await Promise.all([page.waitForURL(/\/dashboard\/plans\/\d+$/), link.click()]);
  return Number(page.url().match(/\/dashboard\/plans\/(\d+)/)[1]);
}

/// The indicator rows of a plan dashboard: id, path, name, actual and progress as shown.
async function indicatorRows(page) {
  return page.$$eval('table.indicators tbody tr', trs => trs.map(tr => {
    const td = tr.querySelectorAll('td');
    return {
      id: tr.id,
      path: td[0].textContent.trim(),
      name: td[1].querySelector('a').textContent.trim(),
      actual: td[3].textContent.trim(),
      actualSort: Number(td[3].dataset.value),
      progressSort: Number(td[4].dataset.value),
      unitIsShare: td[2].textContent.includes('%'),
    };
  }));
}

test('the office opens a seed plan dashboard: indicator table, status chart and a progress bar per indicator', async () => {
  const page = await signIn(officeOf('reviewer', city).username);
  await openPlanDashboard(page);
  const rows = await indicatorRows(page);
  assert.ok(rows.length > 0, 'the plan has indicators');
  assert.ok(rows.some(r => r.actualSort > 0), 'at least one indicator has accepted data');

  // The status chart: four bars (met, on track, behind, no data), as wide as their counts.
  const status = page.locator('.charts svg[aria-label="指标状态"]');
  assert.equal(await status.count(), 1, 'the status chart is drawn');
  const statusBars = await status.locator('rect[stroke-width="0.5"]').evaluateAll(rs => rs.map(r => Number(r.getAttribute('width'))));
  assert.equal(statusBars.length, 4);
  const counts = await page.$$eval('.counts .count b', bs => bs.slice(0, 4).map(b => Number(b.textContent)));
  assert.equal(counts.reduce((a, b) => a + b, 0), rows.length, 'the counts add up to the indicators');
  const widest = Math.max(...statusBars);
  counts.forEach((n, i) => assert.equal(statusBars[i] > 0, n > 0, `status bar ${i} drawn iff its count is not zero`));
  assert.equal(statusBars[counts.indexOf(Math.max(...counts))], widest, 'the largest count has the widest bar');

  // One progress bar per indicator; its fill is the progress the table shows.
  const bars = page.locator('.charts .bars a.bar svg');
  assert.equal(await bars.count(), rows.length, 'a progress bar per indicator row');
  for (const [i, r] of rows.entries()) {
    const bar = bars.nth(i);
    assert.ok((await bar.getAttribute('aria-label')).startsWith(r.path), `bar ${i} is of ${r.path}`);
    const fills = await bar.locator('rect[y="24"]').evaluateAll(rs => rs.map(x => Number(x.getAttribute('width'))));
    const track = fills[0];
    if (r.progressSort >= 0) {
      assert.equal(fills.length, 2, `${r.path} ${r.name}: a track and a fill`);
      const expected = track * Math.min(r.progressSort, 1);
      assert.ok(Math.abs(fills[1] - expected) <= 1, `${r.path}: fill ${fills[1]} for progress ${r.progressSort}`);
    }
  }
  const withData = rows.find(r => r.progressSort > 0);
  const dataBar = bars.nth(rows.indexOf(withData));
  assert.ok(Number(await dataBar.locator('rect[y="24"]').nth(1).getAttribute('width')) > 0, 'an indicator with data has a visible bar');
  await shot(page, 'dash-01-plan');
});

test('drill-down: from the city number to a county to the accepted reports behind it', async () => {
  const page = await signIn(officeOf('reviewer', city).username);
  await openPlanDashboard(page);
  const rows = await indicatorRows(page);
  // A count with data (a share or coverage does not add up over counties).
  const row = rows.find(r => r.actualSort > 0 && !r.unitIsShare && /\d/.test(r.actual) && !r.actual.includes('达标'));
  assert.ok(row, 'an indicator with accepted values');

  // City level: the number is the row's; the counties' numbers add up to it.
  await Promise.all([page.waitForURL(/\/indicators\/\d+$/), page.click(`#${row.id} td:nth-child(2) a`)]);
  const cityValue = numberIn(await page.textContent('#node-value'));
  assert.equal(cityValue, row.actualSort, 'the drill-down starts from the number on the dashboard');
  const children = await page.$$eval('#children tbody tr', trs => trs.map(tr => ({
    code: tr.children[0].textContent.trim(),
    name: tr.children[1].textContent.trim(),
    value: Number(tr.children[2].dataset.value),
  })));
  assert.ok(children.length > 1, 'the city has counties');
  const own = await page.$$eval('#sources tbody tr', trs => trs.map(tr => Number(tr.children[4].textContent)));
  const sum = children.filter(c => c.value > 0).reduce((a, c) => a + c.value, 0) + own.reduce((a, b) => a + b, 0);
  assert.equal(sum, cityValue, 'city = its own reports + the sum of its counties');
  assert.ok(children.some(c => c.value < 0), 'a county whose report was returned shows no data');
  // The county comparison chart: a bar per county with data, as long as its number; none for
  // a county without data.
  const chart = page.locator('.chart svg[aria-label$="下级比较"]');
  assert.equal(await chart.count(), 1, 'the county comparison chart is drawn');
  const drawn = await chart.locator('g').evaluateAll(gs => gs.map(g => ({
    name: g.querySelector('title')?.textContent,
    width: g.querySelector('rect') ? Number(g.querySelector('rect').getAttribute('width')) : null,
  })));
  assert.deepEqual(drawn.map(d => d.name), children.map(c => c.name), 'a row per county, in table order');
  const scale = drawn.find(d => d.width > 0).width / children.find(c => c.value > 0).value;
  children.forEach((c, i) => {
    if (c.value > 0) assert.ok(Math.abs(drawn[i].width - c.value * scale) < 0.5, `${c.name}: bar ${drawn[i].width} for ${c.value}`);
    else assert.equal(drawn[i].width, null, `${c.name} has no data and no bar`);
  });
  await shot(page, 'dash-02-drill-city');

  // County level: click the county's number.
  const county = children.find(c => c.value > 0);
  const link = page.locator('#children tbody tr').filter({ hasText: county.code }).locator('td:nth-child(3) a');
  await Promise.all([page.waitForURL(new RegExp(`region=${county.code}$`)), link.click()]);
  assert.equal(numberIn(await page.textContent('#node-value')), county.value);
  assert.ok((await page.textContent('nav.crumbs')).includes(county.name));
  const sources = await page.$$eval('#sources tbody tr', trs => trs.map(tr => ({
    href: tr.querySelector('a').getAttribute('href'),
    value: Number(tr.children[4].textContent),
  })));
  assert.ok(sources.length > 0, 'the county lists its reports');
  assert.equal(sources.reduce((a, s) => a + s.value, 0), county.value, 'the reports add up to the county number');
  await shot(page, 'dash-03-drill-county');

  // The report behind it: accepted, with the value.
  await Promise.all([page.waitForURL(new RegExp(`${sources[0].href}$`)), page.click(`#sources a[href="${sources[0].href}"]`)]);
  assert.equal((await page.textContent('#report-state')).trim(), '已通过');
  const values = await page.$$eval('main table tbody tr td:nth-child(2)', tds => tds.map(td => td.textContent.trim()));
  assert.ok(values.some(v => numberIn(v) === sources[0].value), `the report shows ${sources[0].value}`);
  await shot(page, 'dash-04-report');
});

/// Every returned report of the city's plans, from the office's round matrices.
async function returnedReports(page) {
  const { rounds } = await (await page.request.get(`${BASE}/api/v1/rounds`)).json();
  const out = [];
  for (const r of rounds.filter(r => r.region_code === city)) {
    const m = await (await page.request.get(`${BASE}/api/v1/rounds/${r.id}/matrix`)).json();
    out.push(...m.cells.filter(c => c.state === 'returned'));
  }
  return out;
}

test('published snapshot: readable without signing in, with the indicators and nothing private', async () => {
  const reviewer = await signIn(officeOf('reviewer', city).username);
  await openPlanDashboard(reviewer);
  const rows = await indicatorRows(reviewer);

  // The private fields, as the office sees them: return reasons and reviewers' comments.
  const returned = await returnedReports(reviewer);
  assert.ok(returned.length > 0, 'the demo has returned reports');
  const reasons = new Set();
  for (const c of returned.slice(0, 40)) {
    await reviewer.goto(`${BASE}/reports/${c.report_id}`);
    const text = await reviewer.locator('p.error.card').textContent();
    reasons.add(text.replace('退回原因：', '').trim());
  }
  const county = returned.find(c => /[县区市]$/.test(c.unit_name) && c.unit_name.length <= 5 && c.role === 'responsible');
  assert.ok(county, 'a county report was returned');
  await reviewer.goto(`${BASE}/reports/${county.report_id}`);
  const countyReason = (await reviewer.locator('p.error.card').textContent()).replace('退回原因：', '').trim();
  assert.ok(countyReason.length >= 10, 'the county return reason is on the internal page');
  await shot(reviewer, 'dash-05-returned-internal');
  // The reviewer's comment on an accepted report behind an indicator (in its history).
  await openPlanDashboard(reviewer);
  const sourceLinks = await reviewer.$$eval('table.indicators td a[href^="/reports/"]', as => as.map(a => a.getAttribute('href')));
  const comments = [];
  for (const href of sourceLinks) {
    await reviewer.goto(`${BASE}${href}`);
    const lines = await reviewer.$$eval('ol.history li', lis => lis.map(li => li.textContent));
    for (const l of lines.filter(l => l.includes('已通过') && l.includes('审核意见：'))) {
      comments.push(l.slice(l.indexOf('审核意见：') + 5).trim());
    }
  }
  assert.ok(comments.length > 0, 'an accepted report carries an internal review comment');

  // The office publishes through the form on its region dashboard.
  const admin = await signIn(officeOf('admin', city).username);
  await Promise.all([admin.waitForURL(`${BASE}/dashboard`), admin.click('nav a[href="/dashboard"], header a[href="/dashboard"]')]);
  await Promise.all([admin.waitForURL(`${BASE}/dashboard/regions/${city}`), admin.click(`a[href="/dashboard/regions/${city}"]`)]);
  const form = admin.locator(`form[action="/dashboard/regions/${city}/publish"]`);
  assert.ok(await form.locator('input[type=checkbox]:checked').count() > 0, 'the plans are chosen');
  admin.once('dialog', d => d.accept());
  await Promise.all([admin.waitForURL(/msg=/), form.locator('button[type=submit]').click()]);
  const published = await admin.content();
  assert.ok(published.includes('已发布到公开页面'), `publishing said: ${(await admin.textContent('main')).slice(0, 300)} at ${admin.url()}`);
  await shot(admin, 'dash-06-published');

  // A stranger: a fresh context with no cookies.
  const stranger = await anonymousPage();
  assert.equal((await stranger.context().cookies()).length, 0);
  const res = await stranger.goto(`${BASE}/public/${city}`);
  assert.equal(res.status(), 200);
  assert.equal(new URL(stranger.url()).pathname, `/public/${city}`, 'not sent to the login page');
  assert.equal(await stranger.locator('input[type=password], form[action="/login"]').count(), 0, 'no login form');
  const html = await stranger.content();
  for (const r of rows) assert.ok(html.includes(r.name), `the public page shows ${r.name}`);
  const counted = rows.find(r => r.actualSort > 0 && !r.unitIsShare && !r.actual.includes('达标'));
  const publicActual = await stranger.locator('main table tbody tr').filter({ hasText: counted.name }).locator('td:nth-child(4)').first().textContent();
  assert.equal(numberIn(publicActual), counted.actualSort, 'the public number is the accepted one (returned values not counted)');
  assert.ok(await stranger.locator('main svg').count() >= rows.length, 'the progress bars are drawn');
  await shot(stranger, 'dash-07-public');
  // The report published with it.
  const reportHref = await stranger.locator('a[href$="/report.html"]').getAttribute('href');
  const report = await (await stranger.request.get(`${BASE}${reportHref}`)).text();

  // Nothing private: no reasons, comments, report links, users or reporter accounts.
  for (const [name, page] of [['public page', html], ['public report', report]]) {
    for (const r of [...reasons, countyReason]) assert.ok(!page.includes(r), `${name} leaks the return reason “${r}”`);
    for (const c of comments) assert.ok(!page.includes(c), `${name} leaks the review comment “${c}”`);
    assert.ok(!page.includes('/reports/'), `${name} links to internal reports`);
    assert.ok(!page.includes('退回原因') && !page.includes('审核意见'), `${name} has review fields`);
    for (const a of ACCOUNTS) {
      assert.ok(!new RegExp(`\\b${a.username}\\b`).test(page), `${name} names the account ${a.username}`);
      assert.ok(!page.includes(a.display_name), `${name} names the user ${a.display_name}`);
    }
    assert.ok(!page.includes('system-demo'), `${name} names the reviewer`);
  }
  await stranger.context().close();
});

test('a reporter gets 404 for other regions\' dashboards, and an office for another city\'s plan', async () => {
  // The plan of another city, as its own office finds it.
  const other = ACCOUNTS.find(a => a.role === 'admin' && a.region.length === 4 && a.region !== city).region;
  const otherOffice = await signIn(officeOf('admin', other).username);
  await otherOffice.goto(`${BASE}/dashboard`);
  const otherPlan = await otherOffice.locator('main table a[href^="/dashboard/plans/"]').first().getAttribute('href');
  const ownPage = await signIn(officeOf('admin', city).username);
  await ownPage.goto(`${BASE}/dashboard`);
  const ownPlan = await ownPage.locator('main table a[href^="/dashboard/plans/"]').first().getAttribute('href');

  // A county unit's reporter of this city.
  const reporter = ACCOUNTS.find(a => a.role === 'reporter' && a.region.length === 6 && a.region.startsWith(city));
  assert.ok(reporter, 'a county reporter');
  const page = await signIn(reporter.username);
  assert.equal((await page.goto(`${BASE}${ownPlan}`)).status(), 200, 'its own plan (its unit\'s view)');
  for (const url of [otherPlan, `/dashboard/regions/${other}`, `/dashboard/regions/${city}`,
                     `/dashboard/regions/${reporter.region}`, `${otherPlan}/indicators.xlsx`]) {
    const res = await page.goto(`${BASE}${url}`).catch(() => null);
    const status = res ? res.status() : (await page.request.get(`${BASE}${url}`)).status();
    assert.equal(status, 404, `${reporter.username} → ${url}`);
  }
  await page.goto(`${BASE}/dashboard/regions/${other}`);
  await shot(page, 'dash-08-reporter-404');
  assert.equal((await ownPage.goto(`${BASE}${otherPlan}`)).status(), 404, 'an office does not see another city\'s plan');
});
