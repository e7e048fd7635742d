// The booking bar on a running server: 200 citizens at once for the last 10 places of a slot.
// Exactly 10 must get a booking, 190 a 409, and the slot must end at capacity, never above.
//
//   KESU_PUBLIC_RATE=0 kesu demo --data-dir D --bind 127.0.0.1:8080 &
//   KESU_URL=http://127.0.0.1:8080 KESU_ACCOUNTS=D/demo-accounts.json node e2e/services-load.mjs
//
// (KESU_PUBLIC_RATE=0 turns the per-address throttle off: every request here comes from one
// address.) Prints one JSON line: counts, the slot afterwards, and the wall time.
import { readFileSync } from 'node:fs';

const BASE = process.env.KESU_URL;
const ACCOUNTS = JSON.parse(readFileSync(process.env.KESU_ACCOUNTS, 'utf8'));
const N = Number(process.env.N ?? 200);
const community = ACCOUNTS.find(a => a.username === 'shequ_demo');
const admin = ACCOUNTS.find(a => a.username === `admin_${community.region.slice(0, 6)}`);

const login = await fetch(`${BASE}/api/v1/login`, {
  method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: admin.username, password: admin.password }),
});
const cookie = login.headers.get('set-cookie').split(';')[0];
const api = (path, body, auth = true) => fetch(`${BASE}/api/v1${path}`, {
  method: body ? 'POST' : 'GET',
  headers: { 'content-type': 'application/json', ...(auth ? { cookie } : {}) },
  body: body ? JSON.stringify(body) : undefined,
});

const region = community.region.slice(0, 6);
const { resources } = await (await api(`/resources?region=${region}&kind=base`)).json();
const start = new Date(Date.now() + 3 * 86400e3);
start.setUTCHours(1, 0, 0, 0);
const end = new Date(start.getTime() + 2 * 3600e3);
const slot = await (await api('/slots', { resource_id: resources[0].id, start: start.toISOString(),
  end: end.toISOString(), capacity: 100 })).json();
// Ninety places go to a school group first: ten are left.
const group = await api('/public/bookings', { slot_id: slot.id, name: '王老师', phone: '13700000000',
  people: 90, organisation: '第一小学' }, false);
if (group.status !== 201) throw new Error(`group booking: ${group.status} ${await group.text()}`);

const t0 = performance.now();
const answers = await Promise.all(Array.from({ length: N }, (_, i) =>
  api('/public/bookings', { slot_id: slot.id, name: '张三', phone: `138${String(i).padStart(8, '0')}`, people: 1 }, false)
    .then(r => r.status)));
const ms = Math.round(performance.now() - t0);
const counts = answers.reduce((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {});
const after = await (await api(`/slots/${slot.id}`, undefined, false)).json();
console.log(JSON.stringify({ requests: N, statuses: counts, capacity: after.capacity, booked: after.booked, ms }));
if (counts[201] !== 10 || after.booked !== after.capacity) process.exit(1);
