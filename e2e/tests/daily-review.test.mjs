// Review belongs to the round's office (issue 17): a county office follows the city's rounds
// that involve its county (本区填报情况) and reads its county's reports there, but accepting one
// is refused; in a round that asks for 县级初审 the county office checks its county's report
// and passes it up, and the city's reviewer accepts it — both steps in the history. On a phone
// and on a laptop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, useBrowser, signIn, shot } from '../browser.mjs';
import { SCREENS, CITY, COUNTY, account, office, at, fits, api, csrfOf } from './daily-lib.mjs';

useBrowser();

/** The city rounds with their county reports (id, state, region), as the city office sees them. */
async function cityRoundsWithReports() {
  const page = await signIn(account(`admin_${CITY}`).username);
  const { rounds } = await api(page, '/api/v1/rounds');
  const out = [];
  for (const r of rounds.filter(r => r.region_code === CITY)) {
    const { cells } = await api(page, `/api/v1/rounds/${r.id}/matrix`);
    const reports = [];
    for (const c of cells) {
      // County units are the counties' offices on the county task: a unit named like a county.
      if (!/(区|县|市)$/.test(c.unit_name) || c.unit_name.startsWith('市')) continue;
      const rep = await api(page, `/api/v1/reports/${c.report_id}`);
      reports.push({ id: c.report_id, state: c.state, region: rep.report.region_code, version: c.version });
    }
    out.push({ round: r, reports });
  }
  await page.context().close();
  return out;
}

test('a county office sees its county in the city round, passes it up, and cannot accept', async () => {
  const rounds = await cityRoundsWithReports();
  const checked = rounds.find(r => r.round.county_check);
  const plain = rounds.find(r => !r.round.county_check && r.reports.some(x => x.region === COUNTY));
  assert.ok(checked && plain, 'the demo has a city round with 县级初审 and one without');
  const waiting = checked.reports.find(x => x.region === COUNTY && x.state === 'submitted');
  const passedUp = checked.reports.filter(x => x.state === 'prereviewed');
  assert.ok(waiting, 'the county report waits for the county check');
  assert.ok(passedUp.length >= SCREENS.length, 'reports the counties passed up');
  const countyAdmin = office('admin', COUNTY);
  const cityReviewer = office('reviewer', CITY);

  for (const [i, screen] of SCREENS.entries()) {
    const county = await at(screen, countyAdmin.username);
    // 本区填报情况 on its workbench and in the round.
    assert.ok(await county.locator('#home-rounds .tag', { hasText: '本区填报情况' }).count() > 0,
      `${screen.name}: the city rounds involving the county are listed`);
    await county.goto(`${BASE}/rounds/${plain.round.id}`);
    assert.match(await county.textContent('main'), /本区填报情况/);
    await fits(county, `${screen.name} county's view of the city round`);
    await shot(county, `daily-county-round-${screen.name}`);

    // Its county's report in a round without the check: readable, no review, accepting refused.
    const own = plain.reports.find(x => x.region === COUNTY);
    await county.goto(`${BASE}/reports/${own.id}`);
    assert.equal(await county.locator('#review').count(), 0, 'no review form for the county');
    const res = await county.request.post(`${BASE}/reports/${own.id}/review`, {
      form: { _csrf: await csrfOf(county), version: String(own.version), action: 'accept' },
      maxRedirects: 0,
    });
    assert.ok([403, 404].includes(res.status()), `${screen.name}: the county's acceptance is refused (${res.status()})`);

    // Another county's report in the checked round is not its to see.
    const other = checked.reports.find(x => x.region !== COUNTY);
    assert.equal((await county.goto(`${BASE}/reports/${other.id}`)).status(), 404);

    if (i === 0) {
      // The county's check: it passes its report up.
      await county.goto(`${BASE}/reports/${waiting.id}`);
      assert.equal(await county.locator('#review button[value=accept]').count(), 0, 'the county does not accept');
      await county.fill('#reason', '已核对培训台账。');
      await Promise.all([county.waitForURL(/msg=/), county.click('#review button[value=forward]')]);
      assert.equal((await county.textContent('#report-state')).trim(), '已初审');
      await shot(county, `daily-county-forwarded-${screen.name}`);
    }
    await county.context().close();

    // The city's reviewer decides on what the county passed up.
    const target = i === 0 ? waiting.id : passedUp.find(x => x.id !== waiting.id).id;
    const city = await at(screen, cityReviewer.username);
    await city.goto(`${BASE}/reports/${target}`);
    assert.match(await city.textContent('#history'), /县级初审通过（已提交 → 已初审）/);
    await Promise.all([city.waitForURL(/msg=/), city.click('#review button[value=accept]')]);
    assert.equal((await city.textContent('#report-state')).trim(), '已通过');
    const history = await city.textContent('#history');
    assert.ok(history.indexOf('县级初审通过') < history.indexOf('通过（已初审 → 已通过）'), 'both steps, in order');
    assert.ok(await city.locator('#next').isVisible(), 'the next report waiting, or that none is left');
    await fits(city, `${screen.name} city's review`);
    await shot(city, `daily-city-accepted-${screen.name}`);
    await city.context().close();
  }
});
