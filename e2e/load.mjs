// Load test: N concurrent reporters save and submit their reports through the JSON API for D
// seconds, then check that no write was lost or duplicated: for every report, the number of
// successful writes equals the growth of its version, and its history has exactly that many new
// entries. Prints p50/p99 latency, throughput and the status counts as JSON.
//
// With TRICKLERS > 0, that many strangers meanwhile send POST /login bodies a byte a second,
// reconnecting whenever the server cuts them off (issue 10: a slow client must not hold the
// writers up). Their answers are counted apart (`trickle_statuses`); the write latencies
// (`write_p99_ms`, `write_max_ms`) show whether anyone waited for them.
//
//   node e2e/load.mjs BASE_URL ACCOUNTS.json [USERS=200] [SECONDS=60] [TRICKLERS=0]
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

const [base, accountsFile, usersArg, secondsArg, tricklersArg] = process.argv.slice(2);
const USERS = Number(usersArg ?? 200);
const SECONDS = Number(secondsArg ?? 60);
const TRICKLERS = Number(tricklersArg ?? 0);
const accounts = JSON.parse(readFileSync(accountsFile, 'utf8')).filter(a => a.role === 'reporter');
if (accounts.length === 0) throw new Error('no reporter accounts');

async function login(a) {
  const r = await fetch(`${base}/api/v1/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: a.username, password: a.password }),
  });
  if (r.status !== 200) throw new Error(`login ${a.username}: ${r.status}`);
  return r.headers.get('set-cookie').split(';')[0];
}

const latencies = [];
const writeLatencies = [];
const statuses = {};
const successes = new Map(); // report id -> successful writes
let fiveHundreds = 0;

async function call(cookie, method, path, body) {
  const t0 = performance.now();
  const r = await fetch(`${base}/api/v1${path}`, {
    method, headers: { cookie, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  latencies.push(performance.now() - t0);
  if (method !== 'GET') writeLatencies.push(performance.now() - t0);
  statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  if (r.status >= 500) fiveHundreds++;
  // With read replicas a write answers with the primary's WAL position (kesu_lsn), which a
  // browser sends back so that its next reads see the write.
  const lsn = r.headers.getSetCookie().map(c => c.split(';')[0]).find(c => c.startsWith('kesu_lsn='));
  if (lsn && (maxLsn === null || lsnValue(lsn) > lsnValue(maxLsn))) maxLsn = lsn;
  return { status: r.status, json: text ? JSON.parse(text) : null, lsn };
}

let maxLsn = null; // the furthest write position answered (for the final check)
function lsnValue(c) {
  const [hi, lo] = c.slice('kesu_lsn='.length).split('/');
  return (BigInt('0x' + hi) << 32n) | BigInt('0x' + lo);
}
const withLsn = s => s.lsn ? `${s.cookie}; ${s.lsn}` : s.cookie;

// Each virtual user signs in as a reporter (accounts are shared round-robin) and works on the
// editable reports of its unit.
const sessions = [];
for (let i = 0; i < USERS; i++) {
  const a = accounts[i % accounts.length];
  sessions.push({ a, cookie: await login(a) });
}

// Reports each unit can write, and their starting versions.
const start = new Map();
const byUnit = new Map();
const me = new Map();
for (const s of sessions) {
  if (byUnit.has(s.a.unit_id)) continue;
  const rounds = (await call(s.cookie, 'GET', '/rounds')).json.rounds;
  const mine = [];
  for (const r of rounds) {
    const m = (await call(s.cookie, 'GET', `/rounds/${r.id}/matrix`)).json;
    for (const c of m.cells) if (c.unit_id === s.a.unit_id && ['not_started', 'draft', 'returned'].includes(c.state)) {
      mine.push(c.report_id); start.set(c.report_id, c.version);
    }
  }
  byUnit.set(s.a.unit_id, mine);
  me.set(s.a.unit_id, s.cookie);
}

const deadline = Date.now() + SECONDS * 1000;
let n = 0;

// A stranger trickling a login form: headers at once, then one byte a second; when the server
// answers (408 at its body deadline) or closes, start again until the run ends.
const trickleStatuses = {};
function trickleOnce(url) {
  return new Promise(resolve => {
    const sock = connect(Number(url.port), url.hostname);
    let answer = '';
    let timer;
    sock.on('connect', () => {
      sock.write(`POST /login HTTP/1.1\r\nHost: ${url.host}\r\n` +
        'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n');
      timer = setInterval(() => { if (Date.now() < deadline) sock.write('u'); else sock.destroy(); }, 1000);
    });
    sock.on('data', d => { answer += d.toString('latin1'); });
    const done = () => {
      clearInterval(timer);
      const m = /^HTTP\/1\.1 (\d+)/.exec(answer);
      if (m) trickleStatuses[m[1]] = (trickleStatuses[m[1]] ?? 0) + 1;
      resolve();
    };
    sock.on('close', done);
    sock.on('error', () => {});
  });
}
async function trickler() {
  const url = new URL(base);
  while (Date.now() < deadline) await trickleOnce(url);
}
const tricklers = Array.from({ length: TRICKLERS }, () => trickler());
async function worker(s, k) {
  const reports = byUnit.get(s.a.unit_id) ?? [];
  if (reports.length === 0) return;
  while (Date.now() < deadline) {
    const id = reports[(k + n++) % reports.length];
    const cur = await call(withLsn(s), 'GET', `/reports/${id}`);
    if (cur.status !== 200) continue;
    const rep = cur.json.report;
    if (!['not_started', 'draft', 'returned'].includes(rep.state)) continue;
    // Mostly saves; now and then a submit (which ends the report's editing).
    const submit = Math.random() < 0.02;
    const r = await call(withLsn(s), submit ? 'POST' : 'PUT', submit ? `/reports/${id}/submit` : `/reports/${id}`,
      { version: rep.version, content: `负载测试 ${k} ${Date.now()}` });
    if (r.lsn) s.lsn = r.lsn;
    if (r.status === 200) successes.set(id, (successes.get(id) ?? 0) + 1);
  }
}
const t0 = Date.now();
await Promise.all(sessions.map((s, k) => worker(s, k)));
const elapsed = (Date.now() - t0) / 1000;
await Promise.all(tricklers);

// Verify: version growth == successful writes; history grew by the same count.
let lost = 0, duplicated = 0, checked = 0;
for (const [unit, reports] of byUnit) {
  const cookie = maxLsn ? `${me.get(unit)}; ${maxLsn}` : me.get(unit);
  for (const id of reports) {
    const r = (await call(cookie, 'GET', `/reports/${id}`)).json;
    const grew = r.report.version - start.get(id);
    const ok = successes.get(id) ?? 0;
    if (grew < ok) lost += ok - grew;
    if (grew > ok) duplicated += grew - ok;
    checked++;
  }
}
latencies.sort((a, b) => a - b);
writeLatencies.sort((a, b) => a - b);
const quantile = (xs, p) => xs.length ? +xs[Math.min(xs.length - 1, Math.floor(p * xs.length))].toFixed(1) : null;
const q = p => quantile(latencies, p);
console.log(JSON.stringify({
  users: USERS, seconds: elapsed, requests: latencies.length,
  throughput_rps: +(latencies.length / elapsed).toFixed(1),
  p50_ms: q(0.5), p99_ms: q(0.99),
  write_p99_ms: quantile(writeLatencies, 0.99), write_max_ms: quantile(writeLatencies, 1),
  tricklers: TRICKLERS, trickle_statuses: trickleStatuses,
  statuses, five_hundreds: fiveHundreds, reports_checked: checked,
  successful_writes: [...successes.values()].reduce((a, b) => a + b, 0), lost, duplicated,
}, null, 2));
if (fiveHundreds > 0 || lost > 0 || duplicated > 0) process.exit(1);
