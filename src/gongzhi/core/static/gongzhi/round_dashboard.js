// Round dashboard: progress by level from the rollup, refreshed every 10 s while the round runs.
(function () {
  var el = document.getElementById("chart");
  if (!el || !window.echarts) return;
  var chart = echarts.init(el);
  var level = document.querySelector("#level-form select");
  function load() {
    fetch(el.dataset.url + "?level=" + level.value, {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        Object.keys(data.totals).forEach(function (k) {
          var node = document.querySelector('#totals [data-k="' + k + '"]');
          if (node) node.textContent = data.totals[k];
        });
        var names = data.rows.map(function (r) { return r.name; });
        var series = [{name: el.dataset.sampled, type: "bar", data: data.rows.map(function (r) { return r.sampled; })}];
        if (data.rows.length && data.rows[0].expected !== undefined) {
          series.push({name: el.dataset.expected, type: "bar", data: data.rows.map(function (r) { return r.expected; })});
        }
        chart.setOption({
          tooltip: {trigger: "axis"}, legend: {}, grid: {left: 8, right: 8, containLabel: true},
          xAxis: {type: "category", data: names, axisLabel: {rotate: 40}}, yAxis: {type: "value"}, series: series
        }, true);
      });
  }
  level.addEventListener("change", load);
  load();
  setInterval(load, 10000);
  window.addEventListener("resize", function () { chart.resize(); });
})();
