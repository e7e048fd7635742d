// Nothing typed is lost (issue 17): a reporter types the progress text and a number, chooses a
// Word 97 file and taps 上传附件 — the page comes back with the text, the number and the file;
// the file is removed again without losing the text; "120名" in a number box comes back with
// the message beside the box and every value as typed; leaving a page with unsaved input asks
// first. Each box says what to enter (本期新增 / 期末现有 / 比例) with an example. On a phone and
// on a laptop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, useBrowser, signIn, shot } from '../browser.mjs';
import { SCREENS, CITY, account, reporterOf, at, fits, top, api } from './daily-lib.mjs';

useBrowser();

const WORD_97 = new URL('../../crates/kesu-web/tests/data/evidence.doc', import.meta.url).pathname;

/** Reports a unit can still write that have target boxes, one per screen, from the city's rounds. */
async function writableReportsWithBoxes(n) {
  const office = await signIn(account(`admin_${CITY}`).username);
  const { rounds } = await api(office, '/api/v1/rounds');
  const found = [];
  for (const r of rounds.filter(r => r.region_code === CITY && !r.closed_at)) {
    const { cells } = await api(office, `/api/v1/rounds/${r.id}/matrix`);
    for (const c of cells.filter(c => ['not_started', 'draft'].includes(c.state) && reporterOf(c.unit_id))) {
      if (found.some(f => f.unit_id === c.unit_id)) continue;
      const rep = await api(office, `/api/v1/reports/${c.report_id}`);
      if (rep.values.length > 0) found.push(c);
      if (found.length === n) return found;
    }
  }
  assert.fail(`only ${found.length} writable reports with target boxes`);
}

test('an upload, a removal and a refused number keep everything typed', async () => {
  const reports = await writableReportsWithBoxes(SCREENS.length);
  for (const [i, screen] of SCREENS.entries()) {
    const cell = reports[i];
    const page = await at(screen, reporterOf(cell.unit_id).username);
    await page.goto(`${BASE}/reports/${cell.report_id}`);
    // The box says what to enter, from the indicator's kind, with an example.
    const box = page.locator('.value-box').first();
    const label = (await box.locator('.tag').textContent()).trim();
    assert.match(label, /^(本期新增|期末现有|比例（%）)/, `${screen.name}: the box's kind`);
    assert.match(await box.locator('.hint').textContent(), /例：/, 'an example');
    const input = box.locator('input');
    const name = await input.getAttribute('name');

    const text = `${screen.name}：本季度开展科普讲座 3 场，参与 420 人次。`;
    await page.fill('#content', text);
    await input.fill('420');
    await page.setInputFiles('#file', WORD_97);
    await Promise.all([page.waitForURL(/msg=/), page.click('#attach')]);
    assert.equal(await page.inputValue('#content'), text, `${screen.name}: the text after the upload`);
    assert.equal(await page.inputValue(`input[name=${name}]`), '420', 'the number after the upload');
    assert.ok(await page.locator('#evidence a', { hasText: 'evidence.doc' }).count() === 1, 'the file is listed');
    await fits(page, `${screen.name} report`);
    await shot(page, `daily-report-uploaded-${screen.name}`);

    // Removed while a draft, from the same form: the text stays.
    await page.fill('#content', `${text}（修改后）`);
    page.once('dialog', d => d.accept());
    await Promise.all([page.waitForURL(/msg=/), page.locator('#evidence button[name=detach]').first().click()]);
    assert.equal(await page.locator('#evidence a', { hasText: 'evidence.doc' }).count(), 0, 'the file is gone');
    assert.equal(await page.inputValue('#content'), `${text}（修改后）`, 'the text after the removal');

    // "120名": refused beside its box, everything as typed, inside the layout.
    await page.fill(`input[name=${name}]`, '120名');
    await page.fill('#content', `${text}（第三稿）`);
    const [res] = await Promise.all([
      page.waitForResponse(r => r.request().method() === 'POST'),
      page.click('button[value=save]'),
    ]);
    assert.equal(res.status(), 422);
    await page.waitForLoadState('load');
    const id = name.replace('value_', '');
    const message = page.locator(`#error-${id}`);
    assert.match(await message.textContent(), /“120名”不是数字.*如 120/);
    const gap = (await top(message)) - (await top(page.locator(`input[name=${name}]`)));
    assert.ok(gap > 0 && gap < 80, `${screen.name}: the message is beside its box (${gap}px below)`);
    assert.equal(await page.inputValue(`input[name=${name}]`), '120名');
    assert.equal(await page.inputValue('#content'), `${text}（第三稿）`);
    assert.ok(await page.locator('header nav a[href="/"]').isVisible(), 'the menu');
    assert.doesNotMatch(await page.textContent('main'), /\(not a number\)/, 'Chinese only');
    await fits(page, `${screen.name} refused form`);
    await shot(page, `daily-report-refused-${screen.name}`);
    await page.context().close();
  }
});

test('leaving a page with unsaved input asks first', async () => {
  const [cell] = await writableReportsWithBoxes(1);
  for (const screen of SCREENS) {
    const page = await at(screen, reporterOf(cell.unit_id).username);
    await page.goto(`${BASE}/reports/${cell.report_id}`);
    // Typed by hand (the browser asks only after the person has interacted with the page).
    await page.click('#content');
    await page.keyboard.type('还没保存的一句话');
    let asked = null;
    page.once('dialog', async d => { asked = d.type(); await d.dismiss(); });
    await page.click('header nav a[href="/"]');
    await page.waitForTimeout(300);
    assert.equal(asked, 'beforeunload', `${screen.name}: the browser asked before leaving`);
    assert.match(page.url(), new RegExp(`/reports/${cell.report_id}`), 'and stayed');
    // Sending the form itself does not ask.
    let askedOnSave = false;
    page.once('dialog', d => { askedOnSave = d.type() === 'beforeunload'; d.accept(); });
    await Promise.all([page.waitForURL(/msg=/), page.click('button[value=save]')]);
    assert.equal(askedOnSave, false, 'saving does not ask');
    await page.context().close();
  }
});
