// The dashboard's charts (Apache ECharts, vendored): each reads the dashboard API with the
// page's own filters and shows a loading, empty or error state until it can draw. A click on a
// bar, slice or point opens the measure list holding exactly the measures it counts, within
// the page's round, unit and date.
(function () {
  "use strict";
  const root = document.getElementById("charts");
  if (!root || !window.echarts) return;
  const d = root.dataset;
  const RED = "#b71c1c";
  const STATUS_COLOURS = { not_started: "#bdbdbd", in_progress: "#ffb74d", submitted: "#64b5f6", closed: "#66bb6a" };
  const charts = [];

  // The measure list of the page's filters, narrowed by `params` (rectification/filters.py).
  function measuresUrl(params) {
    const url = new URL(d.measuresUrl, window.location.href);
    Object.keys(params).forEach((key) => url.searchParams.set(key, params[key]));
    return url.pathname + url.search;
  }
  function open(params) { window.location.assign(measuresUrl(params)); }

  function percent(rate) {
    return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`;
  }
  function box(name) {
    const el = root.querySelector(`[data-chart=${name}]`);
    return { el, state: el.parentNode.querySelector(".state") };
  }
  // `onClick(params)` answers the filters of the clicked datum, or null for none.
  function draw(name, option, isEmpty, onClick) {
    const { el, state } = box(name);
    if (isEmpty) { state.textContent = d.empty; el.dataset.rendered = "empty"; return; }
    state.textContent = "";
    const chart = window.echarts.init(el);
    chart.setOption(Object.assign({ animation: false }, option));
    if (onClick) {
      chart.on("click", (p) => { const params = onClick(p); if (params) open(params); });
    }
    charts.push(chart);
    el.dataset.rendered = "1";
  }
  function fail(names) {
    names.forEach((name) => { const b = box(name); b.state.textContent = d.error; b.el.dataset.rendered = "error"; });
  }
  function load(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); });
  }
  ["status", "trend", "best", "worst", "category"].forEach((name) => { box(name).state.textContent = d.loading; });

  function unitName(row) { return row.unit_short_name || row.unit_name; }
  function barOption(rows, value, label, formatter, colour) {
    const shown = rows.slice().reverse();
    return {
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", axisLabel: { formatter }, minInterval: formatter === percent ? 0 : 1 },
      yAxis: { type: "category", data: shown.map(unitName), axisLabel: { width: 90, overflow: "truncate" } },
      series: [{ name: label, type: "bar", data: shown.map(value), itemStyle: { color: colour },
        label: { show: true, position: "right", formatter: (p) => formatter(p.value) } }],
    };
  }

  load(d.summaryUrl).then((s) => {
    draw("status", {
      tooltip: { trigger: "item" },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["40%", "68%"], center: ["50%", "45%"],
        data: s.by_status.map((row) => ({ name: row.label, value: row.count, itemStyle: { color: STATUS_COLOURS[row.status] } })),
        label: { formatter: "{b}\n{c}" } }],
    }, s.total === 0, (p) => ({ counted: s.by_status[p.dataIndex].status }));
    draw("category", {
      grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      xAxis: { type: "category", data: s.by_category.map((r) => r.label), axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: d.labelProblems, type: "bar", data: s.by_category.map((r) => r.problems), itemStyle: { color: "#90a4ae" } },
        { name: d.labelCompleted, type: "bar", data: s.by_category.map((r) => r.problems_completed), itemStyle: { color: "#66bb6a" } },
      ],
    }, s.by_category.length === 0, (p) => {
      const category = s.by_category[p.dataIndex].category;
      return p.seriesIndex === 1 ? { category, problem_completed: "true" } : { category };
    });
  }).catch(() => fail(["status", "category"]));

  load(d.unitsUrl).then((u) => {
    // The bars are drawn bottom up: the clicked index counts from the end of the list.
    const best = u.best;
    draw("best", barOption(best, (r) => (r.completion_rate === null ? 0 : r.completion_rate),
      d.labelCompletion, percent, "#43a047"), best.length === 0,
    (p) => ({ lead_unit: best[best.length - 1 - p.dataIndex].unit }));
    const worst = u.worst.filter((r) => r.overdue > 0);
    draw("worst", barOption(worst, (r) => r.overdue, d.labelOverdue, (v) => String(v), RED), worst.length === 0,
      (p) => ({ lead_unit: worst[worst.length - 1 - p.dataIndex].unit, counted: "overdue" }));
  }).catch(() => fail(["best", "worst"]));

  load(d.trendUrl).then((t) => {
    const rows = t.results;
    draw("trend", {
      // Room on the right and a gap at both ends: the last month's label and point are not cut.
      grid: { left: 8, right: 32, top: 30, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      xAxis: { type: "category", data: rows.map((r) => r.month), boundaryGap: true, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: d.labelDue, type: "line", step: "end", symbolSize: 8, data: rows.map((r) => r.cumulative_due), itemStyle: { color: RED } },
        { name: d.labelClosed, type: "line", symbolSize: 8, areaStyle: { opacity: 0.2 }, data: rows.map((r) => r.cumulative_closed), itemStyle: { color: "#43a047" } },
      ],
    }, rows.length === 0, (p) => {
      // A point opens the month's own measures: those falling due or signed off in it.
      const month = rows[p.dataIndex].month;
      return p.seriesIndex === 0 ? { due_month: month } : { closed_month: month };
    });
  }).catch(() => fail(["trend"]));

  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
})();
