// Draws the drill report's charts from the JSON beside them.
(function () {
  var data = JSON.parse(document.getElementById("drill-data").textContent);
  var s = data.series;
  function chart(id, option) { echarts.init(document.getElementById(id)).setOption(option); }
  chart("timeline", {
    title: { text: "Hour by hour 逐小时" }, tooltip: { trigger: "axis" }, legend: { top: 24 },
    grid: { top: 70 }, xAxis: { type: "category", name: "h", data: s.hour },
    yAxis: [{ type: "value", name: "zones" }, { type: "value", name: "requests / orders" }],
    series: [
      { name: "lockdown 封控", type: "line", step: "end", data: s.lockdown },
      { name: "control 管控", type: "line", step: "end", data: s.control },
      { name: "prevention 防范", type: "line", step: "end", data: s.prevention },
      { name: "open requests 未办结诉求", type: "line", yAxisIndex: 1, data: s.requests_open },
      { name: "open orders 未送达订单", type: "line", yAxisIndex: 1, data: s.orders_open },
      { name: "households delivered 已送达户", type: "line", yAxisIndex: 1, data: s.delivered }
    ]
  });
  var levels = Object.keys(data.breaches);
  chart("breaches", {
    title: { text: "SLA breaches by level 各级超时" }, tooltip: {},
    xAxis: { type: "category", data: levels }, yAxis: { type: "value" },
    series: [{ type: "bar", data: levels.map(function (k) { return data.breaches[k]; }) }]
  });
  var codes = Object.keys(data.hours);
  chart("hours", {
    title: { text: "Volunteer hours per community 志愿服务时长" }, tooltip: {},
    xAxis: { type: "category", data: codes }, yAxis: { type: "value", name: "h" },
    series: [{ type: "bar", data: codes.map(function (k) { return data.hours[k]; }) }]
  });
})();
