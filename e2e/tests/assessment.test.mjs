// The annual assessment (考核) in a real browser: a county's own account self-scores an item
// and the city office sees it; the office's reviewer score that differs from the self score is
// refused without a reason and, with one, moves the county's total by the item's weighted
// change; and a county's account is kept out of other counties' forms and of reviewer scores.
//
// Run by scripts/e2e.sh, which starts `kesu demo` and sets KESU_URL and KESU_ACCOUNTS. The demo
// gives the first county of each city plan its own office admin (admin_<county code>), and the
// city its reviewer (shenhe_<city code>).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, ACCOUNTS, useBrowser, signIn, shot } from '../browser.mjs';

useBrowser();

// A county office account whose city has a reviewer: the county self-scores, the city reviews.
const county = ACCOUNTS.find(a => a.role === 'admin' && a.region.length === 6 &&
  ACCOUNTS.some(o => o.role === 'reviewer' && o.region === a.region.slice(0, 4)));
assert.ok(county, 'the demo has a county office account under a city with a reviewer');
const city = county.region.slice(0, 4);
const cityReviewer = ACCOUNTS.find(a => a.role === 'reviewer' && a.region === city);

/// The first number in a text: "30 × 1.5" → 30, "" → null.
function numberIn(text) {
  const m = (text ?? '').replace(/,/g, '').match(/-?\d+(\.\d+)?/);
  return m ? Number(m[0]) : null;
}

/// From the home page to a region's dashboard, by the links people click.
async function openRegionDashboard(page, code) {
  await Promise.all([page.waitForURL(`${BASE}/dashboard`), page.click('header a[href="/dashboard"], nav a[href="/dashboard"]')]);
  await Promise.all([page.waitForURL(`${BASE}/dashboard/regions/${code}`), page.click(`main a[href="/dashboard/regions/${code}"]`)]);
}

/// The county's own account, from its dashboard to its self-score form.
async function openSelfForm(page) {
  await openRegionDashboard(page, county.region);
  const link = page.getByRole('link', { name: '本地区考核自评' });
  await Promise.all([page.waitForURL(/\/assessment\/\d{4}\/self\//), link.click()]);
  return page.url().replace(BASE, '').split('?')[0];
}

/// The item a test scores: the first one scored by proportion of completion (任务落实), which a
/// reviewer score replaces; its id from the form row.
async function proportionalItem(page) {
  const rows = page.locator('table.assessment-items tbody tr');
  const n = await rows.count();
  for (let i = 0; i < n; i++) {
    const cells = rows.nth(i).locator('td');
    if ((await cells.nth(1).textContent()).trim() === '按完成比例') {
      return {
        id: await rows.nth(i).getAttribute('data-item'),
        name: (await cells.nth(0).textContent()).trim(),
      };
    }
  }
  assert.fail('the scheme has an item scored by proportion');
}

/// The county enters a self score and a note for the item and saves.
async function saveSelfScore(page, item, score, note) {
  await page.fill(`input[name="self_${item.id}"]`, String(score));
  await page.fill(`input[name="note_${item.id}"]`, note);
  await Promise.all([page.waitForURL(/msg=/), page.click('button:has-text("保存自评")')]);
}

/// The city office, from the home page to the child regions' assessment ranking.
async function openCityAssessment(page) {
  await openRegionDashboard(page, city);
  const link = page.locator(`main a[href^="/dashboard/regions/${city}/assessment?year="]`).first();
  await Promise.all([page.waitForURL(/\/assessment\?year=\d{4}$/), link.click()]);
  return page.url().replace(BASE, '');
}

/// What the ranking and the county's detail section show for the item.
async function shown(page, item) {
  const row = page.locator(`#c${county.region} tr[data-item="${item.id}"]`);
  const cells = row.locator('td');
  return {
    total: numberIn(await page.locator(`#ranking tr[data-code="${county.region}"] td.total`).textContent()),
    selfCell: (await row.locator('td.self').textContent()).trim(),
    weight: numberIn((await cells.nth(2).textContent()).split('×')[1]),
    counted: numberIn(await cells.last().textContent()),
    reviewer: await row.locator(`input[name="score_${item.id}"]`).inputValue(),
  };
}

test('a county self-scores an item with a note, and the city office sees both on its assessment page', async () => {
  const page = await signIn(county.username);
  await openSelfForm(page);
  const item = await proportionalItem(page);
  const note = `【自评说明】${item.name}：全年开展培训，台账齐全。`;
  await saveSelfScore(page, item, 21, note);
  assert.match(await page.textContent('.flash, main'), /已保存自评分/);
  assert.equal(await page.inputValue(`input[name="self_${item.id}"]`), '21', 'the form shows the saved score');
  assert.equal(await page.inputValue(`input[name="note_${item.id}"]`), note);
  await shot(page, 'assess-01-self-saved');

  const office = await signIn(cityReviewer.username);
  await openCityAssessment(office);
  const s = await shown(office, item);
  assert.ok(s.selfCell.startsWith('21'), `self score shown: “${s.selfCell}”`);
  assert.ok(s.selfCell.includes(note), 'the self note is shown to the office');
  assert.ok(s.selfCell.includes(county.username), 'with who entered it');
  await office.locator(`#c${county.region}`).scrollIntoViewIfNeeded();
  await shot(office, 'assess-02-office-sees-self');
  await page.context().close();
  await office.context().close();
});

test('a reviewer score unlike the self score is refused without a reason and, with one, moves the total by the weighted change', async () => {
  const page = await signIn(county.username);
  await openSelfForm(page);
  const item = await proportionalItem(page);
  await saveSelfScore(page, item, 21, '【自评说明】按台账自评。');
  await page.context().close();

  const office = await signIn(cityReviewer.username);
  const ranking = await openCityAssessment(office);
  const before = await shown(office, item);
  // A score unlike both the self score and any earlier reviewer score, so the test can rerun.
  const score = before.reviewer === '27' ? 26 : 27;
  // The page has a form per county: fill and save the county's own.
  const section = office.locator(`#c${county.region}`);
  const save = section.locator('button[type=submit]');

  // Without a reason: refused, naming the item; nothing stored.
  await section.locator(`input[name="score_${item.id}"]`).fill(String(score));
  await section.locator(`input[name="reason_${item.id}"]`).fill('');
  const [refused] = await Promise.all([office.waitForResponse(r => r.request().method() === 'POST'), save.click()]);
  assert.equal(refused.status(), 422);
  await office.waitForLoadState();
  const message = await office.textContent('body');
  assert.ok(message.includes(`“${item.name}”`), `the message names the item: ${message.slice(0, 300)}`);
  assert.ok(message.includes('须填写理由'), 'the message asks for a reason');
  await shot(office, 'assess-03-reason-required');
  await office.goto(`${BASE}${ranking}`);
  assert.deepEqual(await shown(office, item), before, 'nothing changed');

  // With a reason: saved; the total moves by the change of the item's weighted score.
  await section.locator(`input[name="score_${item.id}"]`).fill(String(score));
  await section.locator(`input[name="reason_${item.id}"]`).fill('台账核查：部分培训无签到表，酌情给分。');
  await Promise.all([office.waitForURL(/msg=/), save.click()]);
  assert.match(await office.textContent('body'), /已保存.*的评审分/);
  const after = await shown(office, item);
  assert.equal(after.reviewer, String(score));
  assert.equal(after.counted, score * before.weight, 'the item counts the reviewer score times its weight');
  // Totals are shown rounded to one decimal at most: allow that rounding, not more.
  const moved = after.total - before.total;
  assert.ok(Math.abs(moved - (after.counted - before.counted)) < 0.1 + 1e-9,
    `total ${before.total} → ${after.total}, item ${before.counted} → ${after.counted}`);
  assert.notEqual(moved, 0, 'the total moved');
  await office.locator(`#c${county.region}`).scrollIntoViewIfNeeded();
  await shot(office, 'assess-04-reviewed');
  await office.context().close();
});

test('a county account gets 404 for another county\'s self-score form and 403 for reviewer scores', async () => {
  const office = await signIn(cityReviewer.username);
  await openCityAssessment(office);
  const other = await office.locator(`#ranking tr[data-code]:not([data-code="${county.region}"])`).first().getAttribute('data-code');
  await office.context().close();

  const page = await signIn(county.username);
  const own = await openSelfForm(page);
  const item = await proportionalItem(page);
  const csrf = await page.inputValue('input[name=_csrf]');
  const foreign = own.replace(/\/self\/\d+$/, `/self/${other}`);
  assert.notEqual(foreign, own);

  const res = await page.goto(`${BASE}${foreign}`);
  assert.equal(res.status(), 404, `${county.username} → ${foreign}`);
  await shot(page, 'assess-05-foreign-self-404');
  const post = await page.request.post(`${BASE}${foreign}`, { form: { _csrf: csrf, [`self_${item.id}`]: '30' } });
  assert.equal(post.status(), 404, 'nor can it self-score for another county');

  // Its own reviewer scores: the county sees itself, but reviewing is the city's (403).
  const review = own.replace('/self/', '/review/');
  const r = await page.request.post(`${BASE}${review}`, {
    form: { _csrf: csrf, [`score_${item.id}`]: '30', [`reason_${item.id}`]: '自己给自己打分' },
  });
  assert.equal(r.status(), 403, `${county.username} → POST ${review}`);
  // And the city's ranking is not the county's to see.
  assert.equal((await page.goto(`${BASE}/dashboard/regions/${city}/assessment`)).status(), 404);

  // Nothing it tried was stored.
  await page.goto(`${BASE}${own}`);
  const row = page.locator(`tr[data-item="${item.id}"]`);
  assert.notEqual((await row.locator('td.reviewer').textContent()).trim(), '30');
  await page.context().close();
});
