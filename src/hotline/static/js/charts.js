// Bar charts with ECharts for elements marked data-chart="bar"; the data is the JSON of the
// <script type="application/json" class="chart-data"> right after each (no inline script:
// the content security policy forbids it).
(function () {
  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll('[data-chart="bar"]').forEach(function (el) {
      var holder = el.nextElementSibling;
      if (!holder || !holder.classList.contains('chart-data')) return;
      var data = JSON.parse(holder.textContent);
      var chart = window.echarts.init(el);
      chart.setOption({
        title: { text: data.title, left: 'center', textStyle: { fontSize: 14 } },
        tooltip: { trigger: 'axis' },
        grid: { left: 48, right: 16, top: 40, bottom: 110 },
        xAxis: { type: 'category', data: data.names, axisLabel: { rotate: 40, interval: 0 } },
        yAxis: { type: 'value', min: 0, max: 100 },
        series: [{ type: 'bar', data: data.values, itemStyle: { color: '#1f5fa8' } }]
      });
      window.addEventListener('resize', function () { chart.resize(); });
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw); else draw();
})();
