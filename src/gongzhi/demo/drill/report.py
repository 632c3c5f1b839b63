"""The drill's report: Markdown and an HTML page with ECharts. No Django here.

The first part (the outbreak) is computed from simulated time only, so the same seed gives the
same text. The second part (the system) is this run's wall-clock time per step and may differ
from run to run; `kpi_markdown` is the first part alone, which the tests compare.
"""

import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

# The longest one call of each step may take before the system, not the people, sets the pace:
# a collector waits on a scan batch, the queue and the sweep run every minute in production, a
# page answers a person.
BUDGETS = {
    "scan batches (collectors' devices)": 1.0,
    "lab results (5,000 tubes a call)": 30.0,
    "queue: recalls and zone proposals": 60.0,
    "zone put in force (with its notices)": 10.0,
    "zone released (with its notices)": 10.0,
    "escalation sweep (every 10 min)": 60.0,
    "command view recount": 60.0,
    "delivery runs planned (PyVRP)": 60.0,
    "allocation proposed and confirmed": 60.0,
}
PAGE_BUDGET = 1.0  # any other step is one person's action on a page
# Steps before the outbreak (building the population, the staff and stock of normal times) have none.
NO_BUDGET = ("population (built or reused)", "setup: staff, supplies, reservoirs")


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _share(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def kpi_markdown(kpi: Mapping[str, Any]) -> str:
    z = kpi["zones"]
    n = kpi["notices"]
    s = kpi["supplies"]
    r = kpi["requests"]
    c = kpi["city_round"]
    lines = [
        f"# Outbreak drill: scale {kpi['scale']}, seed {kpi['seed']}",
        "",
        f"Simulated from {kpi['start']} for {kpi['days']} days over {kpi['communities']:,} communities, "
        f"{kpi['households']:,} households and {kpi['residents']:,} residents "
        f"(`gongzhi drill --scale {kpi['scale']} --seed {kpi['seed']}`).",
        "",
        "## The outbreak (simulated time; the same seed gives the same figures)",
        "",
        "| key performance indicator | value |",
        "|---|---|",
        f"| residents infected at the start (communities) | {kpi['infected_seeded']} ({kpi['infected_communities']}) |",
        f"| secondary cases in their households | {kpi['secondary_cases']} |",
        f"| cases found by recall | {kpi['cases_found']} |",
        f"| city-wide round: sampled, coverage | {c['sampled']:,}, {_share(c['coverage'])} |",
        f"| city-wide round: tubes, positive tubes | {c['tubes']:,}, {c['positive_tubes']} |",
        f"| rounds in all (the city's and the zones') | {kpi['rounds']} |",
        f"| scans refused (a sealed resident into a pooled tube, ...) | {kpi['scans_refused']} |",
        f"| residents' orders, requests and notice reads the API or page refused | {kpi['api_refused']} |",
        "| positive result → its recall list | at once (the queue, after the result's commit; "
        "the system's time is below) |",
        f"| recalls opened; notified, median minutes after opening | {kpi['recalls']:,}; "
        f"{_fmt(kpi['recall_notified_minutes_p50'])} |",
        f"| recall opened → case found, median hours | {_fmt(kpi['recall_to_case_found_hours_p50'])} |",
    ]
    for kind, words in (("lockdown", "lockdown 封控"), ("control", "control 管控"), ("prevention", "prevention 防范")):
        k = z[kind]
        lines.append(
            f"| {words} zones: proposed / in force / released | {k['proposed']} / {k['in_force']} / {k['released']} |"
        )
        lines.append(
            f"| {words}: positive result → zone in force, minutes p50 / p90 | "
            f"{_fmt(k['positive_to_in_force_minutes_p50'])} / {_fmt(k['positive_to_in_force_minutes_p90'])} |"
        )
        lines.append(f"| {words}: days in force, median | {_fmt(k['days_in_force_p50'])} |")
    lines += [
        f"| zone in force → its notice reaching the households inside (lockdown and control; {n['households']:,} "
        f"households): within 2 h / 12 h / 24 h | {_share(n['reached_within_2h'])} / "
        f"{_share(n['reached_within_12h'])} / {_share(n['reached_within_24h'])} |",
        f"| hours until 90 % of a zone's households were reached, median | {_fmt(n['hours_to_90_percent_p50'])} |",
        f"| sealed buildings; vulnerable households in them | {s['sealed_buildings']}; "
        f"{s['vulnerable_households_sealed']} |",
        f"| **vulnerable households delivered within 24 h of sealing** | "
        f"**{_share(s['vulnerable_delivered_within_24h'])}** |",
        f"| sealing → first delivery to a vulnerable household, median hours | "
        f"{_fmt(s['vulnerable_sealing_to_delivery_hours_p50'])} |",
        f"| orders placed; by status | {s['orders']:,}; {_pairs(s['by_status'])} |",
        f"| requests submitted (merged into an open one) | {r['submitted']:,} ({r['merged']}) |",
        f"| requests by urgency | {_pairs(r['by_urgency'])} |",
        f"| requests by status at the end | {_pairs(r['by_status'])} |",
        "| **requests breaching their SLA, per level (escalated from)** | "
        + " · ".join(f"{lvl} {v}" for lvl, v in r["sla_breaches_by_level"].items())
        + " |",
        f"| volunteer shifts served (check-ins) | {kpi['volunteers_on_shift_days']:,} |",
        "",
        "### Volunteer hours per community",
        "",
        "| community | hours |",
        "|---|---|",
    ]
    lines += [f"| {code} | {hours:,.1f} |" for code, hours in kpi["volunteer_hours"].items()] or ["| — | 0 |"]
    return "\n".join(lines) + "\n"


def _pairs(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in values.items()) or "—"


def system_rows(system: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each step's calls, rows, total and per-call seconds, its budget, and whether it held."""
    rows = []
    total = sum(sum(step.seconds) for step in system.values()) or 1.0
    for name, step in system.items():
        seconds = sorted(step.seconds)
        worst = seconds[-1] if seconds else 0.0
        p95 = seconds[min(len(seconds) - 1, int(0.95 * len(seconds)))] if seconds else 0.0
        budget = None if name in NO_BUDGET else BUDGETS.get(name, PAGE_BUDGET)
        rows.append(
            {
                "step": name,
                "calls": step.calls,
                "rows": step.rows,
                "total_s": sum(seconds),
                "share": sum(seconds) / total,
                "p50_s": seconds[len(seconds) // 2] if seconds else 0.0,
                "p95_s": p95,
                "max_s": worst,
                "budget_s": budget,
                "held": None if budget is None else p95 <= budget,
            }
        )
    rows.sort(key=lambda row: -row["total_s"])
    return rows


def system_markdown(system: Mapping[str, Any], wall_seconds: float, vendor: str, note: str = "") -> str:
    rows = system_rows(system)
    over = [row for row in rows if row["held"] is False]
    lines = [
        f"## The system (wall clock of this run, {vendor}; differs from run to run)",
        "",
        f"The whole drill took **{wall_seconds / 60:.1f} min** of wall time{note}. Seconds are summed per "
        "call; on PostgreSQL the scans go in on a second connection beside the rest, so their seconds "
        "overlap the others' and the sum can pass the wall time.",
        "",
        "| step | calls | rows | total s | share | p50 s | p95 s | max s | budget per call | held |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['step']} | {row['calls']:,} | {row['rows']:,} | {row['total_s']:.1f} | {100 * row['share']:.1f} % "
            f"| {row['p50_s']:.3f} | {row['p95_s']:.3f} | {row['max_s']:.3f} | {_budget(row['budget_s'])} "
            f"| {_held(row['held'])} |"
        )
    lines.append("")
    timed = [row for row in rows if row["budget_s"] is not None]
    if timed:
        top = timed[0]
        lines.append(
            f"Where the system was the bottleneck: **{top['step']}** took the most time "
            f"({100 * top['share']:.0f} % of the system's, the population and set-up aside). "
            + (
                "Steps over their budget per call (the people waited on the system): "
                + ", ".join(f"{row['step']} (p95 {row['p95_s']:.2f} s)" for row in over)
                + "."
                if over
                else "No step went over its budget per call: the people, not the system, set the pace."
            )
        )
    return "\n".join(lines) + "\n"


def _budget(value: float | None) -> str:
    return "—" if value is None else f"{value:g} s"


def _held(value: bool | None) -> str:
    return "—" if value is None else "yes" if value else "**no**"


def html_page(markdown_text: str, series: Mapping[str, Sequence[Any]], kpi: Mapping[str, Any], echarts_src: str) -> str:
    """The report as one page: the Markdown as preformatted text and three ECharts charts. The
    chart data is JSON in a data attribute; the script is a file beside it (no inline script)."""
    data = {
        "series": {k: list(v) for k, v in series.items()},
        "breaches": kpi["requests"]["sla_breaches_by_level"],
        "hours": kpi["volunteer_hours"],
    }
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>Outbreak drill · scale {html.escape(str(kpi["scale"]))} · seed {html.escape(str(kpi["seed"]))}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;max-width:1100px;margin:1em auto;padding:0 1em}}
.chart{{height:320px;margin:1em 0}}pre{{white-space:pre-wrap;font-size:13px}}</style>
</head><body>
<h1>Outbreak drill 演练报告</h1>
<div id="timeline" class="chart"></div>
<div id="breaches" class="chart"></div>
<div id="hours" class="chart"></div>
<pre>{html.escape(markdown_text)}</pre>
<script id="drill-data" type="application/json">{html.escape(json.dumps(data), quote=False)}</script>
<script src="{html.escape(echarts_src)}"></script>
<script src="drill-report.js"></script>
</body></html>
"""


CHART_SCRIPT = """// Draws the drill report's charts from the JSON beside them.
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
"""
