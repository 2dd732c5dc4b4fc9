// The linkage statistics' chart: transfers by line, full and partial stacked. The data is the
// JSON of the <script type="application/json" class="chart-data"> after the chart (no inline
// script: the content security policy forbids it).
(function () {
  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll('[data-chart="linkage"]').forEach(function (el) {
      var holder = el.nextElementSibling;
      if (!holder || !holder.classList.contains('chart-data')) return;
      var data = JSON.parse(holder.textContent);
      var chart = window.echarts.init(el);
      chart.setOption({
        tooltip: { trigger: 'axis' },
        legend: { data: ['整体移交', '部分移交'] },
        grid: { left: 48, right: 16, top: 40, bottom: 90 },
        xAxis: { type: 'category', data: data.names, axisLabel: { rotate: 30, interval: 0 } },
        yAxis: { type: 'value', minInterval: 1 },
        series: [
          { name: '整体移交', type: 'bar', stack: 'n', data: data.full, itemStyle: { color: '#1f5fa8' } },
          { name: '部分移交', type: 'bar', stack: 'n', data: data.partial, itemStyle: { color: '#e0a030' } }
        ]
      });
      window.addEventListener('resize', function () { chart.resize(); });
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw); else draw();
})();
