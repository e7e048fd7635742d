// Kesu: a little JavaScript where it helps. Pages work without it (no inline script: the site's
// content-security policy allows only this file).
document.addEventListener('DOMContentLoaded', () => {
  // Ask before irreversible actions: <button data-confirm="…">.
  document.querySelectorAll('[data-confirm]').forEach(b => b.addEventListener('click', e => {
    if (!confirm(b.dataset.confirm)) { e.preventDefault(); e.stopImmediatePropagation(); }
  }));
  // "返回上一页": <a data-back href="…"> goes back in history when the previous page is ours,
  // else follows its link (the referring page, or 工作台).
  document.querySelectorAll('a[data-back]').forEach(a => a.addEventListener('click', e => {
    let ours = false;
    try { ours = document.referrer !== '' && new URL(document.referrer).origin === location.origin; } catch (_) {}
    if (ours && history.length > 1) { e.preventDefault(); history.back(); }
  }));
  // Unsaved input: <form data-warn-unsaved> asks before the page is left with changes typed
  // into it (closing the tab, following a link), but not when the form itself is sent.
  const dirty = new Set();
  let sending = false;
  document.querySelectorAll('form[data-warn-unsaved]').forEach(f => {
    const mark = () => dirty.add(f);
    f.addEventListener('input', mark);
    f.addEventListener('change', mark);
    f.addEventListener('submit', () => { sending = true; });
  });
  window.addEventListener('beforeunload', e => {
    if (sending || dirty.size === 0) return;
    e.preventDefault();
    e.returnValue = '';
  });
  // A field with an error gets the focus, so a phone scrolls to it.
  const bad = document.querySelector('.invalid input, .invalid textarea, .invalid select');
  if (bad) bad.focus();
  // Sortable tables: <th data-sort> sorts by that column (numbers as numbers).
  document.querySelectorAll('th[data-sort]').forEach(th => th.addEventListener('click', () => {
    const table = th.closest('table'); const body = table.tBodies[0]; if (!body) return;
    const i = Array.from(th.parentNode.children).indexOf(th);
    const asc = th.dataset.dir !== 'asc'; th.dataset.dir = asc ? 'asc' : 'desc';
    const key = r => { const t = (r.children[i]?.dataset.value ?? r.children[i]?.textContent ?? '').trim(); const n = parseFloat(t); return isNaN(n) ? t : n; };
    Array.from(body.rows).sort((a, b) => { const x = key(a), y = key(b);
      const c = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y), 'zh-CN');
      return asc ? c : -c; }).forEach(r => body.appendChild(r));
  }));
  // Quick filter: <input data-filter="#table-id"> hides rows that do not contain the text.
  document.querySelectorAll('input[data-filter]').forEach(inp => inp.addEventListener('input', () => {
    const q = inp.value.trim(); const t = document.querySelector(inp.dataset.filter); if (!t) return;
    Array.from(t.tBodies[0].rows).forEach(r => { r.hidden = q !== '' && !r.textContent.includes(q); });
  }));
});
