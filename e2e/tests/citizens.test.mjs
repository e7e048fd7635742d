// The public online test on a phone: a citizen without an account opens the demo's test in a
// 390 × 844 WeChat-like browser, fills in name, phone, village (picked level by level from the
// region tree), key group and consent, answers every item right, and sees 100 points and the
// certificate. The same phone cannot start a second counted attempt. Nothing on the pages is
// wider than the screen.
//
// Run by scripts/e2e.sh, which starts `kesu demo` (its bank and published test come from
// kesu_web::pages::citizens::demo) and sets KESU_URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const BASE = process.env.KESU_URL;
const SHOTS = new URL('../artifacts/', import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });
const WECHAT = 'Mozilla/5.0 (Linux; Android 13; V2199A) AppleWebKit/537.36 (KHTML, like Gecko) ' +
  'Version/4.0 Chrome/116.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 NetType/WIFI Language/zh_CN';

// The right options of the demo bank, by stem (kesu_web::pages::citizens::demo::BANK).
const KEY = {
  '光年是什么的单位？': ['长度（距离）'],
  '地球自转一周大约需要多长时间？': ['一天'],
  '下列哪种气体是植物光合作用的原料？': ['二氧化碳'],
  '抗生素对病毒引起的感冒有效。': ['错误'],
  '下列哪些属于可再生能源？': ['太阳能', '风能'],
  '声音在下列哪种介质中不能传播？': ['真空'],
  '人体最大的器官是皮肤。': ['正确'],
  '水在标准大气压下的沸点是多少摄氏度？': ['100'],
  '地球上的季节变化主要是因为地轴倾斜。': ['正确'],
  '下列哪些做法有助于预防传染病？': ['勤洗手', '接种疫苗', '开窗通风'],
  '为了检验一种新肥料是否有效，最合理的做法是：': ['设对照组，其他条件相同，比较施肥与不施肥'],
  '科学研究中，一次实验的结果就足以证明一个结论。': ['错误'],
  '“某保健品声称能治愈癌症”，判断这种说法应首先看：': ['是否有可靠的临床试验证据'],
  '下列哪些属于科学方法？': ['观察', '实验', '提出假设并检验'],
  '科学结论可以随着新证据的出现而修正。': ['正确'],
  '对待“伪科学”宣传，正确的态度是：': ['依据证据理性判断'],
  '科学研究应当遵守伦理规范。': ['正确'],
  '下列说法体现科学精神的是：': ['尊重事实、大胆质疑'],
  '家中燃气泄漏时，首先应该：': ['关闭气源、开窗通风'],
  '发生地震时，在室内较安全的做法是：': ['躲到坚固的桌子下或墙角'],
  '为减少农药残留，蔬菜食用前应充分浸泡清洗。': ['正确'],
  '下列哪些是合理的节约用电做法？': ['随手关灯', '选用节能电器'],
};

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});
after(async () => { await browser?.close(); });

async function phonePage() {
  const ctx = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    userAgent: WECHAT, locale: 'zh-CN',
  });
  return ctx.newPage();
}

async function fitsTheScreen(page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `page is ${width}px wide on a 390px screen`);
}

/** A path of region codes from the test's region down to a village, found through the picker's own endpoint. */
async function pathToVillage(page, testId, under) {
  const list = await page.evaluate(async ([t, u]) => (await fetch(`/quiz/${t}/regions?under=${u}`)).json(), [testId, under]);
  for (const r of list) {
    if (r.code.length === 12) return [r.code];
    const rest = await pathToVillage(page, testId, r.code);
    if (rest) return [r.code, ...rest];
  }
  return null;
}

async function fillStart(page, testId, phone) {
  await page.fill('#name', '张小三');
  await page.fill('#phone', phone);
  const first = await page.locator('#region-0 option').nth(1).getAttribute('value');
  const path = [first, ...(await pathToVillage(page, testId, first))];
  for (let i = 0; i < path.length; i++) {
    await page.selectOption(`#region-${i}`, path[i]);
    if (i + 1 < path.length) await page.waitForSelector(`#region-${i + 1} option[value="${path[i + 1]}"]`, { state: 'attached' });
  }
  assert.equal(await page.inputValue('#village'), path[path.length - 1]);
  await page.selectOption('#key_group', 'farmers');
  await page.check('#consent');
}

test('a citizen takes the test on a phone, scores 100 and gets a certificate; the phone cannot count twice', async () => {
  const page = await phonePage();
  await page.goto(`${BASE}/quiz`);
  await fitsTheScreen(page);
  await Promise.all([page.waitForURL(/\/quiz\/\d+$/), page.click('a.button')]);
  const testId = page.url().match(/\/quiz\/(\d+)$/)[1];
  await fitsTheScreen(page);
  const phone = `137${String(Date.now()).slice(-8)}`;
  await fillStart(page, testId, phone);
  await page.screenshot({ path: `${SHOTS}citizens-01-start.png`, fullPage: true });
  await Promise.all([page.waitForURL(/\/quiz\/attempt\/[0-9a-f]{64}$/), page.click('#start button[type=submit]')]);

  // The paper: no answer is anywhere in the page.
  const html = await page.content();
  assert.ok(!/answer|correct/i.test(html.replace(/quiz\.js/g, '')), 'the paper page carries no key');
  await fitsTheScreen(page);
  const items = page.locator('.item');
  const n = await items.count();
  assert.equal(n, 12);
  for (let i = 0; i < n; i++) {
    const item = items.nth(i);
    const stem = (await item.locator('p').textContent()).replace(/^(单选|多选)\d+\.\s*/, '').trim();
    const right = KEY[stem];
    assert.ok(right, `unknown item: ${stem}`);
    const options = item.locator('label.opt');
    for (let k = 0; k < await options.count(); k++) {
      const text = (await options.nth(k).textContent()).trim();
      if (right.includes(text)) await options.nth(k).locator('input').check();
    }
  }
  await page.screenshot({ path: `${SHOTS}citizens-02-paper.png`, fullPage: true });
  await Promise.all([page.waitForURL(/\/certificate$/), page.click('#submit')]);
  assert.equal((await page.textContent('#score')).trim(), '100 分');
  assert.equal((await page.textContent('#verdict')).trim(), '合格');
  assert.ok(await page.isVisible('#certificate'));
  assert.ok((await page.textContent('#certificate')).includes('张*三'), 'the certificate masks the name');
  await fitsTheScreen(page);
  await page.screenshot({ path: `${SHOTS}citizens-03-certificate.png`, fullPage: true });

  // The same phone, written differently, in a new browser: refused.
  const again = await phonePage();
  await again.goto(`${BASE}/quiz/${testId}`);
  await fillStart(again, testId, `+86 ${phone.slice(0, 3)}-${phone.slice(3, 7)}-${phone.slice(7)}`);
  const [res] = await Promise.all([again.waitForResponse(r => r.url().endsWith('/start')), again.click('#start button[type=submit]')]);
  assert.equal(res.status(), 409);
  assert.ok((await again.content()).includes('已参加过本次测试'));
  await again.screenshot({ path: `${SHOTS}citizens-04-second-attempt.png`, fullPage: true });
});
