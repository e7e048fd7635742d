// Self check-in with a poor connection: each scan gets its own key, waits in localStorage
// until the server has answered, and is sent again (same key, so it counts once) when the
// phone is back online. Without this script the form posts normally.
(() => {
  const QUEUE = 'kesu-checkins';
  const form = document.getElementById('checkin');
  if (!form || !window.fetch || !window.localStorage) return;
  const result = document.getElementById('result');
  const queueNote = document.getElementById('queue');
  const load = () => { try { return JSON.parse(localStorage.getItem(QUEUE) || '[]'); } catch { return []; } };
  const save = q => localStorage.setItem(QUEUE, JSON.stringify(q));
  // A random key (RFC 4122 v4) from getRandomValues: works on plain-HTTP intranets too.
  const newKey = () => {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
  const show = (ok, text) => { result.hidden = false; result.className = 'result ' + (ok ? 'ok' : 'no'); result.textContent = text; };
  const note = () => { const n = load().length; queueNote.hidden = n === 0; queueNote.textContent = n ? `有 ${n} 条签到等待联网提交` : ''; };
  let sending = false;
  async function flush() {
    if (sending) return; sending = true;
    try {
      for (const item of load()) {
        let res;
        try {
          res = await fetch('/api/v1/public/checkins', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(item) });
        } catch { show(false, '网络不可用：签到已保存在本机，联网后自动提交'); break; }
        const body = await res.json().catch(() => ({}));
        if (res.status >= 500 || res.status === 429) { show(false, (body.error && body.error.message) || '服务器繁忙，稍后自动重试'); break; }
        save(load().filter(x => x.key !== item.key));
        if (res.ok) show(true, body.message || '签到成功');
        else show(false, (body.error && body.error.message) || '签到未通过');
      }
    } finally { sending = false; note(); }
  }
  form.addEventListener('submit', e => {
    e.preventDefault();
    const code = form.elements.code.value.trim(); if (!code) return;
    const item = { code, place: { at: form.dataset.placeAt, id: Number(form.dataset.placeId) },
      venue_key: form.elements.k.value, key: newKey(), scanned_at: new Date().toISOString() };
    save([...load(), item]); form.elements.code.value = ''; note(); flush();
  });
  window.addEventListener('online', flush);
  note(); flush();
})();
