// Notice reach: per child area (or building), households that read the notice, were told in person,
// or not yet reached (stacked bars); a bar opens that area's level (the table's links do the same).
(function () {
  var el = document.getElementById("reach-chart");
  var source = document.getElementById("reach-chart-data");
  if (!el || !source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var words = el.dataset;
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: {trigger: "axis"},
    legend: {data: [words.read, words.told, words.unreached]},
    grid: {left: 10, right: 10, top: 40, bottom: 10, containLabel: true},
    // long names (a building's address) cut short, so they leave the bars their height on a phone
    xAxis: {type: "category", data: data.names, axisLabel: {interval: 0, rotate: 30, width: 90, overflow: "truncate"}},
    yAxis: {type: "value", minInterval: 1},
    series: [
      {name: words.read, type: "bar", stack: "reach", data: data.read},
      {name: words.told, type: "bar", stack: "reach", data: data.told},
      {name: words.unreached, type: "bar", stack: "reach", data: data.unreached}
    ]
  });
  var links = document.querySelectorAll("#reach-table tbody tr td:first-child a");
  chart.on("click", function (p) {
    if (links[p.dataIndex]) window.location.href = links[p.dataIndex].href;
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
