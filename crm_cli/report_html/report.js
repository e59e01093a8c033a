/* The chart spec of `crm report --html`: Chart.js charts from the figures embedded in
   the page (the tables beside them are their text alternative). No network, no timers. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("figures").textContent);
  var BLUE = "#2f6db5", ORANGE = "#e07b39", GREEN = "#3a9d5d", RED = "#c8453b",
      GREY = "#9aa3ae";

  Chart.defaults.animation = false;
  Chart.defaults.responsive = true;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
  Chart.defaults.color = "#1d2430";

  function pct(share) { return share === null ? null : Math.round(100 * share); }

  function make(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    new Chart(canvas, config);
    canvas.setAttribute("data-rendered", "true");
  }

  function shareChart(id, groups, label) {
    make(id, {
      type: "bar",
      data: {
        labels: groups.map(function (g) { return label(g.group); }),
        datasets: [{
          label: "% contacted within their cadence",
          data: groups.map(function (g) { return pct(g.share_within); }),
          backgroundColor: BLUE
        }, {
          label: "neglected clients",
          data: groups.map(function (g) { return g.neglected; }),
          backgroundColor: RED,
          yAxisID: "count"
        }]
      },
      options: {
        scales: {
          y: { min: 0, max: 100, title: { display: true, text: "% within cadence" } },
          count: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                   ticks: { precision: 0 }, title: { display: true, text: "neglected" } }
        }
      }
    });
  }

  var fairness = data.fairness;
  shareChart("chart-tier", fairness.by_tier, function (g) {
    return g === "none" ? "no tier" : "tier " + g;
  });
  shareChart("chart-tenure", fairness.by_tenure, function (g) { return g; });

  var months = data.replies.months;
  make("chart-replies", {
    data: {
      labels: months.map(function (m) { return m.month; }),
      datasets: [{
        type: "bar", label: "median days to answer", backgroundColor: BLUE,
        data: months.map(function (m) { return m.median_days; })
      }, {
        type: "bar", label: "90th percentile, days", backgroundColor: ORANGE,
        data: months.map(function (m) { return m.p90_days; })
      }, {
        type: "line", label: "% answered in time", borderColor: GREEN, backgroundColor: GREEN,
        yAxisID: "share", spanGaps: true,
        data: months.map(function (m) { return pct(m.share_within); })
      }]
    },
    options: {
      scales: {
        y: { beginAtZero: true, title: { display: true, text: "days" } },
        share: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false },
                 title: { display: true, text: "% in time" } }
      }
    }
  });

  var rec = data.recoveries;
  make("chart-recoveries", {
    type: "doughnut",
    data: {
      labels: ["recovered in time", "recovered later", "never recovered"],
      datasets: [{
        data: [rec.recovered_within, rec.recovered_late, rec.never_recovered],
        backgroundColor: [GREEN, ORANGE, RED]
      }]
    }
  });

  var slipping = data.slipping;
  make("chart-slipping", {
    type: "bar",
    data: {
      labels: slipping.map(function (s) { return s.client; }),
      datasets: [{
        label: "time since the last contact, in cadences",
        data: slipping.map(function (s) { return s.times_cadence; }),
        backgroundColor: ORANGE
      }]
    },
    options: { indexAxis: "y", scales: { x: { beginAtZero: true } } }
  });

  var act = data.activity;
  var rows = act.rows.map(function (k) {
    return { name: k, values: act.by_direction[k] || act.by_channel[k] };
  });
  var cells = [], top = 0;
  rows.forEach(function (row) {
    row.values.forEach(function (v, i) {
      cells.push({ x: act.weeks[i], y: row.name, v: v });
      if (v > top) { top = v; }
    });
  });
  make("chart-activity", {
    type: "matrix",
    data: {
      datasets: [{
        label: "contacts a week",
        data: cells,
        backgroundColor: function (ctx) {
          var cell = ctx.dataset.data[ctx.dataIndex];
          if (!cell || !cell.v) { return "#eef1f5"; }
          return "rgba(47, 109, 181, " + (0.2 + 0.8 * cell.v / (top || 1)).toFixed(3) + ")";
        },
        width: function (ctx) {
          var area = ctx.chart.chartArea;
          return area ? Math.max(area.width / act.weeks.length - 1, 1) : 4;
        },
        height: function (ctx) {
          var area = ctx.chart.chartArea;
          return area ? Math.max(area.height / rows.length - 2, 1) : 8;
        }
      }]
    },
    options: {
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: {
          title: function (items) { var c = items[0].raw; return "week of " + c.x; },
          label: function (item) { var c = item.raw; return c.y + ": " + c.v; }
        } }
      },
      scales: {
        x: { type: "category", labels: act.weeks, offset: true, grid: { display: false },
             ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 6 } },
        y: { type: "category", labels: rows.map(function (r) { return r.name; }),
             // The matrix chart counts its y axis upwards: the first row (in) on top.
             offset: true, reverse: false, grid: { display: false } }
      }
    }
  });
})();
