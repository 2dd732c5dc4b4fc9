// The statistics workbench's charts (ECharts): the trend over the period's sub-buckets, the
// category breakdown (pie) and the region comparison (bar). Their data is the JSON of
// <script id="wb-chart-data"> inside #wb-result (no inline script: the content security policy
// forbids it); they are drawn again each time htmx swaps in a new result. A refused query
// (422) still swaps, so the reasons show where the result was.
(function () {
  var charts = [];
  function option(kind, d) {
    if (kind === 'wb-trend') {
      return {
        title: { text: d.title, left: 'center', textStyle: { fontSize: 14 } },
        tooltip: { trigger: 'axis' }, legend: { top: 24 },
        grid: { left: 48, right: 24, top: 60, bottom: 40 },
        xAxis: { type: 'category', data: d.labels },
        yAxis: { type: 'value', min: 0 },
        series: d.series.map(function (s) {
          return { name: s.name + (s.kind === 'rate' ? '(%)' : ''), type: 'line', smooth: true, data: s.data };
        })
      };
    }
    if (kind === 'wb-categories') {
      return {
        title: { text: d.title, left: 'center', textStyle: { fontSize: 14 } },
        tooltip: { trigger: 'item', formatter: '{b}：{c}（{d}%）' },
        series: [{ type: 'pie', radius: ['30%', '62%'], center: ['50%', '58%'], data: d.items,
                   label: { formatter: '{b}' } }]
      };
    }
    return {
      title: { text: d.title, left: 'center', textStyle: { fontSize: 14 } },
      tooltip: { trigger: 'axis' },
      grid: { left: 48, right: 16, top: 40, bottom: 80 },
      xAxis: { type: 'category', data: d.items.map(function (i) { return i.name; }),
               axisLabel: { rotate: 30, interval: 0 } },
      yAxis: { type: 'value', min: 0 },
      series: [{ name: d.measure, type: 'bar', data: d.items.map(function (i) { return i.value; }),
                 itemStyle: { color: '#1f5fa8' } }]
    };
  }
  function draw() {
    var holder = document.getElementById('wb-chart-data');
    if (!window.echarts || !holder) return;
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
    var data = JSON.parse(holder.textContent);
    var keys = { 'wb-trend': data.trend, 'wb-categories': data.categories, 'wb-regions': data.regions };
    document.querySelectorAll('[data-chart^="wb-"]').forEach(function (el) {
      var kind = el.getAttribute('data-chart');
      var chart = window.echarts.init(el);
      chart.setOption(option(kind, keys[kind]));
      el.setAttribute('data-drawn', 'true');
      charts.push(chart);
    });
    var result = document.getElementById('wb-result');
    var saved = document.getElementById('wb-save-query');
    if (result && saved) saved.value = result.getAttribute('data-query') || '';
  }
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  document.addEventListener('htmx:beforeSwap', function (event) {
    if (event.detail.xhr.status === 422 && event.detail.target && event.detail.target.id === 'wb-result') {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener('htmx:afterSettle', function (event) {
    if (event.detail.target && (event.detail.target.id === 'wb-result' || event.detail.elt.id === 'wb-result')) draw();
  });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw); else draw();
})();
