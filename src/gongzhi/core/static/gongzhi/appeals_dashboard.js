// Requests panel: per child area, open requests, critical ones and those past their level's
// deadline; a bar opens that area's level (the table's links do the same).
(function () {
  var el = document.getElementById("appeal-chart");
  var source = document.getElementById("appeal-chart-data");
  if (!el || !source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var words = el.dataset;
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: {trigger: "axis"},
    legend: {type: "scroll", data: [words.open, words.critical, words.lapsed]},
    grid: {left: 10, right: 10, top: 40, bottom: 10, containLabel: true},
    xAxis: {type: "category", data: data.names, axisLabel: {interval: 0, rotate: 30}},
    yAxis: {type: "value", minInterval: 1},
    series: [
      {name: words.open, type: "bar", data: data.open},
      {name: words.critical, type: "bar", data: data.critical},
      {name: words.lapsed, type: "bar", data: data.lapsed}
    ]
  });
  var links = document.querySelectorAll("#appeal-children tbody tr td:first-child a");
  chart.on("click", function (p) {
    if (links[p.dataIndex]) window.location.href = links[p.dataIndex].href;
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
