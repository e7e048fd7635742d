// The public test: the village picker (region tree, one select per level) and the countdown.
// The deadline is enforced on the server; the countdown only tells the citizen and submits.
(function () {
  var picker = document.getElementById('picker');
  if (picker) {
    var test = picker.getAttribute('data-test');
    var village = document.getElementById('village');
    picker.addEventListener('change', function (e) {
      var sel = e.target;
      var level = +sel.getAttribute('data-level');
      var next = picker.querySelectorAll('select.region');
      for (var i = next.length - 1; i > level; i--) picker.removeChild(next[i]);
      village.value = sel.value.length === 12 ? sel.value : '';
      if (!sel.value || sel.value.length >= 12) return;
      fetch('/quiz/' + test + '/regions?under=' + encodeURIComponent(sel.value))
        .then(function (r) { return r.json(); })
        .then(function (list) {
          var s = document.createElement('select');
          s.className = 'region';
          s.id = 'region-' + (level + 1);
          s.setAttribute('data-level', level + 1);
          s.innerHTML = '<option value="">请选择</option>';
          list.forEach(function (o) {
            var opt = document.createElement('option');
            opt.value = o.code; opt.textContent = o.name; s.appendChild(opt);
          });
          s.style.marginTop = '6px';
          picker.appendChild(s);
        });
    });
    document.getElementById('start').addEventListener('submit', function (e) {
      if (!village.value) { e.preventDefault(); alert('请选择所在村（社区）'); }
    });
  }
  var paper = document.getElementById('paper');
  if (paper) {
    var end = Date.now() + (+paper.getAttribute('data-seconds')) * 1000;
    var left = document.getElementById('left');
    var sent = false;
    paper.addEventListener('submit', function () { sent = true; });
    var tick = function () {
      var s = Math.max(0, Math.round((end - Date.now()) / 1000));
      left.textContent = Math.floor(s / 60) + ' 分 ' + (s % 60) + ' 秒';
      if (s === 0 && !sent) { sent = true; paper.submit(); return; }
      setTimeout(tick, 1000);
    };
    tick();
  }
})();
