// An office brings its own plan in the browser (issue 12): the county admin uploads a Word
// document, sees the reader's doubts first, fixes the units of the task the reader found none
// for in the page, confirms, and the plan's task table shows the fix; a changed document of the
// same plan shows its changes before it is confirmed, and confirming makes the next revision.
// On a laptop (1366×768) and a phone (390×844), each with its own plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { BASE, useBrowser, shot } from '../browser.mjs';
import { SCREENS, COUNTY, at, fits } from './daily-lib.mjs';

useBrowser();

// ------------------------------------------------------------------ a Word document

const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = buf => {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

/** A zip archive of `files` (name → text), deflated, as Word writes a .docx. */
function zip(files) {
  const local = [], central = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const nameBuf = Buffer.from(name, 'utf8');
    const raw = Buffer.from(text, 'utf8');
    const data = deflateRawSync(raw);
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0); head.writeUInt16LE(20, 4); head.writeUInt16LE(0x0800, 6);
    head.writeUInt16LE(8, 8); head.writeUInt32LE(crc32(raw), 14);
    head.writeUInt32LE(data.length, 18); head.writeUInt32LE(raw.length, 22);
    head.writeUInt16LE(nameBuf.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0); dir.writeUInt16LE(20, 4); dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(0x0800, 8); dir.writeUInt16LE(8, 10); dir.writeUInt32LE(crc32(raw), 16);
    dir.writeUInt32LE(data.length, 20); dir.writeUInt32LE(raw.length, 24);
    dir.writeUInt16LE(nameBuf.length, 28); dir.writeUInt32LE(offset, 42);
    local.push(head, nameBuf, data);
    central.push(dir, nameBuf);
    offset += head.length + nameBuf.length + data.length;
  }
  const size = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8); end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(size, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...local, ...central, end]);
}

const esc = s => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A .docx of one paragraph per line. */
function docx(lines) {
  const body = lines.map(l => `<w:p><w:r><w:t xml:space="preserve">${esc(l)}</w:t></w:r></w:p>`).join('');
  return zip({
    '[Content_Types].xml': '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    '_rels/.rels': '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    'word/document.xml': `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`,
  });
}

/** The plan as first brought: the third measure names no unit. */
const first = title => [
  title,
  '一、重点任务',
  '1.开展科技活动周活动，全年不少于20场次。（区科协牵头，区教育局配合）',
  '2.建设科普e站10个以上。（区科协负责）',
  '3.组织科普讲解大赛。',
];

/** The same plan revised: more e站, the contest's units written in, a fourth measure. */
const second = title => [
  title,
  '一、重点任务',
  '1.开展科技活动周活动，全年不少于20场次。（区科协牵头，区教育局配合）',
  '2.建设科普e站15个以上。（区科协负责）',
  '3.组织科普讲解大赛。（区科协牵头，区教育局配合）',
  '4.举办青少年科技创新大赛。（区教育局牵头）',
];

// ------------------------------------------------------------------ the page

/** Upload `lines` as a .docx from the upload page; the draft page it leads to. */
async function upload(page, name, lines) {
  await page.goto(`${BASE}/plans/drafts`);
  await page.setInputFiles('#upload input[name=file]', {
    name, mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', buffer: docx(lines),
  });
  await page.selectOption('#upload select[name=region]', COUNTY);
  await Promise.all([page.waitForURL(/\/plans\/drafts\/\d+/), page.click('#upload button[type=submit]')]);
  return page.url().split('?')[0].split('#')[0];
}

/** The text of the cells of the task table's row `i`. */
async function row(page, i) {
  return (await page.locator(`#draft-tasks tr#task-${i} td`).allTextContents()).map(s => s.trim());
}

for (const screen of SCREENS) {
  test(`${screen.name}: upload a plan, fix the reader's doubt in the page, confirm, revise`, async () => {
    const page = await at(screen, `admin_${COUNTY}`);
    page.on('dialog', d => d.accept());
    const title = `娄星区2026年全民科学素质工作要点（${screen.name === 'phone' ? '手机' : '电脑'}核对）`;

    // 1. The upload: the doubts come first, the unit-less task among them.
    const draft = await upload(page, '工作要点.docx', first(title));
    assert.match(await page.textContent('.flash'), /已读取“工作要点.docx”：3 项任务/);
    const doubts = page.locator('#doubts li');
    const said = (await doubts.allTextContents()).join('\n');
    assert.match(said, /组织科普讲解大赛.*没有读出责任单位/, said);
    const [doubtsTop, tableTop] = await Promise.all(['#doubts', '#draft-tasks'].map(s =>
      page.locator(s).evaluate(e => e.getBoundingClientRect().top)));
    assert.ok(doubtsTop < tableTop, 'the doubts before the task table');
    assert.equal((await row(page, 2))[2], '', 'no lead unit read for the third task');
    // A doubt leads to its task and to its place in the source.
    await doubts.locator('a', { hasText: '组织科普讲解大赛' }).click();
    await page.waitForSelector('#src-2.active');
    assert.match(await page.textContent('#src-2'), /组织科普讲解大赛/);
    await fits(page, `${screen.name} draft`);
    await shot(page, `plan-draft-${screen.name}`);

    // 2. The fix in the page: the third task's units.
    await page.click('#draft-tasks tr.edit:has(#edit-2) summary');
    await page.fill('#edit-2 input[name=lead]', '区科协');
    await page.fill('#edit-2 input[name=cooperating]', '区教育局');
    await Promise.all([page.waitForURL(/#task-2$/), page.click('#edit-2 button[value=save]')]);
    assert.deepEqual((await row(page, 2)).slice(2, 4), ['区科协', '区教育局']);
    assert.doesNotMatch((await doubts.allTextContents()).join('\n'), /组织科普讲解大赛.*没有读出责任单位/);

    // 3. Confirming stores the plan; its task table shows the fix.
    await Promise.all([page.waitForURL(/\/plans\/\d+/), page.click('#confirm button.primary')]);
    const plan = page.url().split('?')[0];
    const contest = page.locator('#tasks tbody tr', { hasText: '组织科普讲解大赛' });
    const cells = (await contest.locator('td').allTextContents()).map(s => s.trim());
    assert.deepEqual(cells.slice(2, 4), ['区科协', '区教育局'], cells.join(' | '));
    await fits(page, `${screen.name} plan`);

    // 4. A changed document of the same plan: the changes show before confirming.
    const revision = await upload(page, '工作要点（修订）.docx', second(title));
    assert.notEqual(revision, draft);
    assert.match(await page.textContent('#confirm'), /已有同名方案/);
    const changes = (await page.locator('#changes li').allTextContents()).join('\n');
    assert.match(changes, /举办青少年科技创新大赛/, changes);
    assert.match(changes, /15/, changes);
    await fits(page, `${screen.name} revision draft`);
    await shot(page, `plan-draft-changes-${screen.name}`);
    await Promise.all([page.waitForURL(/\/plans\/\d+/), page.click('#confirm button.primary')]);
    assert.equal(page.url().split('?')[0], plan, 'the same plan, revised');
    const tasks = (await page.locator('#tasks tbody tr').allTextContents()).join('\n');
    assert.match(tasks, /举办青少年科技创新大赛/);
    assert.match(tasks, /15/);
    await page.context().close();
  });
}
