// The call statistics chart (ECharts): offered, answered and abandoned as bars, the answer rate
// as a line on a second axis; the data is the JSON of the <script class="chart-data"> right after
// each [data-chart="cti"] element (no inline script: the content security policy forbids it).
(function () {
  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll('[data-chart="cti"]').forEach(function (el) {
      var holder = el.nextElementSibling;
      if (!holder || !holder.classList.contains('chart-data')) return;
      var d = JSON.parse(holder.textContent);
      var chart = window.echarts.init(el);
      chart.setOption({
        tooltip: { trigger: 'axis' },
        legend: { data: ['呼入', '接通', '放弃', '接通率%'] },
        grid: { left: 56, right: 56, top: 40, bottom: 80 },
        xAxis: { type: 'category', data: d.names, axisLabel: { rotate: 30 } },
        yAxis: [{ type: 'value', name: '来电', min: 0 }, { type: 'value', name: '%', min: 0, max: 100 }],
        series: [
          { name: '呼入', type: 'bar', data: d.offered, itemStyle: { color: '#8fb3e0' } },
          { name: '接通', type: 'bar', data: d.answered, itemStyle: { color: '#1f5fa8' } },
          { name: '放弃', type: 'bar', data: d.abandoned, itemStyle: { color: '#c0392b' } },
          { name: '接通率%', type: 'line', yAxisIndex: 1, data: d.answer_rate, itemStyle: { color: '#2e8b57' } }
        ]
      });
      window.addEventListener('resize', function () { chart.resize(); });
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw); else draw();
})();
