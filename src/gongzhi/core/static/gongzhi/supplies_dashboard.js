// Supplies panel: per community, the fewest days of supply of any food category (bars) and its open,
// urgent and delivered orders; a bar opens that community's level (the table's links do the same).
(function () {
  var el = document.getElementById("supply-chart");
  var source = document.getElementById("supply-chart-data");
  if (!el || !source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var words = el.dataset;
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: {trigger: "axis"},
    legend: {type: "scroll", data: [words.lowest, words.open, words.urgent, words.delivered]},
    grid: {left: 10, right: 10, top: 40, bottom: 10, containLabel: true},
    xAxis: {type: "category", data: data.names, axisLabel: {interval: 0, rotate: 30}},
    yAxis: [{type: "value"}, {type: "value", minInterval: 1}],
    series: [
      {name: words.lowest, type: "bar", data: data.lowest},
      {name: words.open, type: "line", yAxisIndex: 1, data: data.open},
      {name: words.urgent, type: "line", yAxisIndex: 1, data: data.urgent},
      {name: words.delivered, type: "line", yAxisIndex: 1, data: data.delivered}
    ]
  });
  var links = document.querySelectorAll("#supply-table tbody tr td:first-child a");
  chart.on("click", function (p) {
    if (links[p.dataIndex]) window.location.href = links[p.dataIndex].href;
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
