// Round dashboard: coverage as a share of each part of an area (sampled, exempt, untested, stacked
// to 100 %), the parts nobody was sampled in first; click a part to go down a level (district,
// street, community, grid, building); the trail above goes back up. Refreshed every 15 s.
(function () {
  var el = document.getElementById("chart");
  if (!el || !window.echarts) return;
  var chart = echarts.init(el);
  var trail = document.getElementById("drill-trail");
  var table = document.querySelector("#drill-table tbody");
  var words = el.dataset;
  var where = {};
  var rows = [];

  function query(target) {
    var q = [];
    if (target.area) q.push("area=" + encodeURIComponent(target.area));
    if (target.grid) q.push("grid=" + encodeURIComponent(target.grid));
    return q.join("&");
  }

  function cell(text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  function drawTrail(steps) {
    trail.textContent = "";
    steps.forEach(function (step, i) {
      if (i) trail.appendChild(document.createTextNode(" › "));
      var a = document.createElement("a");
      a.href = "#";
      a.textContent = step.name;
      a.addEventListener("click", function (e) { e.preventDefault(); go({area: step.area, grid: step.grid}); });
      trail.appendChild(a);
    });
  }

  function drawTable() {
    table.textContent = "";
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      var name = document.createElement("td");
      if (r.drill) {
        var a = document.createElement("a");
        a.href = "#";
        a.textContent = r.name;
        a.addEventListener("click", function (e) { e.preventDefault(); go(r.drill); });
        name.appendChild(a);
      } else {
        name.textContent = r.name;
      }
      tr.appendChild(name);
      tr.appendChild(cell(r.expected, "num"));
      tr.appendChild(cell(r.sampled, "num"));
      tr.appendChild(cell(r.exempted, "num"));
      tr.appendChild(cell(r.untested, "num" + (r.sampled === 0 && r.expected > 0 ? " alert" : "")));
      tr.appendChild(cell((r.share * 100).toFixed(1) + "%", "num"));
      var list = document.createElement("td");
      if (r.list) {
        var link = document.createElement("a");
        link.href = r.list;
        link.textContent = words.list;
        list.appendChild(link);
      }
      tr.appendChild(list);
      table.appendChild(tr);
    });
  }

  function percent(part, r) { return r.expected ? +(100 * part / r.expected).toFixed(1) : 0; }

  function drawChart() {
    var shown = rows.slice(0, 40).reverse(); // the lagging parts at the top of the chart
    el.style.height = Math.max(160, 28 * shown.length + 60) + "px";
    chart.resize();
    chart.setOption({
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}, valueFormatter: function (v) { return v + "%"; }},
      legend: {top: 0}, grid: {left: 8, right: 16, top: 28, bottom: 8, containLabel: true},
      xAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
      yAxis: {type: "category", data: shown.map(function (r) { return r.name; })},
      series: [
        {name: words.sampled, type: "bar", stack: "all", data: shown.map(function (r) { return percent(r.sampled, r); })},
        {name: words.exempted, type: "bar", stack: "all", data: shown.map(function (r) { return percent(r.exempted, r); })},
        {name: words.untested, type: "bar", stack: "all", itemStyle: {color: "#cf222e"},
         data: shown.map(function (r) { return percent(r.untested, r); })}
      ]
    }, true);
    chart.off("click");
    chart.on("click", function (p) {
      var r = shown[p.dataIndex];
      if (r && r.drill) go(r.drill);
    });
  }

  function load() {
    var q = query(where);
    fetch(words.url + (q ? "?" + q : ""), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        rows = data.rows;
        drawTrail(data.trail);
        Object.keys(data.totals).forEach(function (k) {
          var node = document.querySelector('#drill-totals [data-k="' + k + '"]');
          if (node) node.textContent = data.totals[k];
        });
        drawTable();
        drawChart();
      });
  }

  function go(target) { where = target || {}; load(); }

  load();
  setInterval(load, 15000);
  window.addEventListener("resize", function () { chart.resize(); });
})();
