// The plan draft page: a task and its place in the source text find each other. Clicking a
// task (or a doubt about it) scrolls the source to the task's place and highlights both;
// clicking a marked place in the source scrolls to its task. The page works without it.
document.addEventListener('DOMContentLoaded', () => {
  const pane = document.getElementById('source-pane');
  let current = [];
  const highlight = (i, from) => {
    current.forEach(el => el.classList.remove('active'));
    const row = document.getElementById(`task-${i}`);
    const mark = document.getElementById(`src-${i}`);
    current = [row, mark].filter(Boolean);
    current.forEach(el => el.classList.add('active'));
    if (mark && from !== 'source' && pane) {
      // The source pane scrolls on its own: bring the place to its upper third.
      pane.scrollTop += mark.getBoundingClientRect().top - pane.getBoundingClientRect().top - pane.clientHeight / 3;
    }
    if (row && from !== 'task') row.scrollIntoView({ block: 'center' });
  };
  document.querySelectorAll('#draft-tasks tr.task').forEach(row => row.addEventListener('click', e => {
    if (e.target.closest('a, button, input, textarea, select, summary')) return;
    highlight(row.dataset.task, 'task');
  }));
  document.querySelectorAll('#doubts a[data-task]').forEach(a => a.addEventListener('click', e => {
    e.preventDefault();
    highlight(a.dataset.task, 'doubt');
    history.replaceState(null, '', `#task-${a.dataset.task}`);
  }));
  document.querySelectorAll('#source mark[data-task]').forEach(m => m.addEventListener('click', () => {
    highlight(m.dataset.task, 'source');
  }));
  // Arriving at #task-N (after saving a task) shows its place too.
  const m = location.hash.match(/^#task-(\d+)$/);
  if (m) highlight(m[1], 'doubt');
});
