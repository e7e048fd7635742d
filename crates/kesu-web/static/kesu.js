// Kesu: a little JavaScript where it helps. Pages work without it.
document.addEventListener('DOMContentLoaded', () => {
  // Ask before irreversible actions: <button data-confirm="…">.
  document.querySelectorAll('[data-confirm]').forEach(b => b.addEventListener('click', e => {
    if (!confirm(b.dataset.confirm)) e.preventDefault();
  }));
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
