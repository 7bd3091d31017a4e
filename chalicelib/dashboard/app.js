/* The merchant dashboard: reads the admin API's GET routes with the session cookie and draws them with Chart.js.
 * No build step, no inline script or style, no eval. Every URL is relative (on AWS the API sits under /<stage>/).
 * Stable hooks for tests: tiles carry data-kpi / data-value (the API's raw value), canvases data-chart, and
 * <body data-state> turns "ready" once every section has been drawn (or "error" when the summary failed). */
(function () {
  "use strict";

  var PALETTE = ["#4f46e5", "#0d9488", "#d97706", "#e11d48", "#0284c7", "#64748b", "#9333ea", "#65a30d"];
  var STAGES = ["prospect", "first_time", "repeat", "loyal"];
  var STATES = ["active", "at_risk", "lapsed", "won_back", null];
  var LABELS = {
    prospect: "Prospect", first_time: "First-time", repeat: "Repeat", loyal: "Loyal", active: "Active",
    at_risk: "At risk", lapsed: "Lapsed", won_back: "Won back", "null": "No purchase yet"
  };
  // The KPI tiles: summary field, label, kind of value, and whether a rise is bad news.
  var TILES = [
    ["revenue", "Revenue", "money"], ["customers_active", "Active customers", "int"],
    ["customers_new", "New customers", "int"], ["customers_returning", "Returning customers", "int"],
    ["members_enrolled", "Members enrolled", "int"], ["members_total", "Members in total", "int"],
    ["clv_historic", "Customer value so far", "money"], ["clv_predicted", "Predicted 12-month value", "money"],
    ["retention_rate", "Retention", "rate"], ["repeat_purchase_rate", "Repeat purchase rate", "rate"],
    ["redemption_rate", "Redemption rate", "rate"], ["redemptions", "Redemptions", "int"],
    ["nps", "NPS", "score"], ["csat", "CSAT", "csat"], ["nps_responses", "Survey answers", "int"],
    ["mean_sentiment", "Mean sentiment", "sentiment"],
    ["points_issued", "Points issued", "int"], ["points_redeemed", "Points redeemed", "int"],
    ["points_expired", "Points expired", "int", true], ["points_reversed", "Points reversed", "int", true],
    ["points_outstanding", "Points outstanding", "int"], ["liability", "Liability", "money"],
    ["breakage_rate", "Breakage rate", "rate"], ["expected_breakage", "Expected breakage", "rate"],
    ["tier_upgrades", "Tier upgrades", "int"], ["tier_downgrades", "Tier downgrades", "int", true]
  ];

  // Count Content Security Policy violations on <html data-csp-violations> (tests and support read it).
  document.addEventListener("securitypolicyviolation", function (e) {
    var root = document.documentElement;
    root.setAttribute("data-csp-violations", (root.getAttribute("data-csp-violations") || "") + e.violatedDirective + " ");
  });

  var charts = [];
  var blobs = [];
  var currency = "USD";
  var locale = undefined;

  // ---- formatting ------------------------------------------------------------------------------------------------
  function money(amount, code) {
    if (amount === null || amount === undefined || amount === "") { return "—"; }
    var cur = code || currency;
    try {
      return new Intl.NumberFormat(locale, { style: "currency", currency: cur }).format(Number(amount));
    } catch (e) {
      return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(Number(amount)) + " " + cur;
    }
  }
  function integer(n) {
    return n === null || n === undefined ? "—" : new Intl.NumberFormat(locale).format(n);
  }
  function compact(n) {
    return new Intl.NumberFormat(locale, { notation: "compact", maximumFractionDigits: 1 }).format(n);
  }
  function rate(f) {
    return f === null || f === undefined ? "—"
      : new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 }).format(f);
  }
  function decimal(n, digits) {
    return n === null || n === undefined ? "—"
      : new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
  }
  function format(kind, value) {
    if (kind === "money") { return money(value && typeof value === "object" ? value.amount : value); }
    if (kind === "rate") { return rate(value); }
    if (kind === "score") { return decimal(value, 1); }
    if (kind === "csat") { return value === null || value === undefined ? "—" : decimal(value, 1) + " %"; }
    if (kind === "sentiment") { return decimal(value, 2); }
    return integer(value);
  }
  function when(iso) {
    if (!iso) { return null; }
    var d = new Date(iso);
    return isNaN(d) ? iso : new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(d);
  }
  function dayLabel(day) {
    var d = new Date(day + "T00:00:00Z");
    return new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", timeZone: "UTC" }).format(d);
  }
  function monthLabel(month) {
    var d = new Date(month + "-01T00:00:00Z");
    return new Intl.DateTimeFormat(locale, { month: "short", year: "numeric", timeZone: "UTC" }).format(d);
  }

  // ---- small DOM helpers -----------------------------------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else if (k === "class") { node.className = attrs[k]; }
      else if (attrs[k] !== null && attrs[k] !== undefined) { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }
  function $(id) { return document.getElementById(id); }

  // ---- dates and the period --------------------------------------------------------------------------------------
  function parseDay(s) { return new Date(s + "T00:00:00Z"); }
  function isoDay(d) { return d.toISOString().slice(0, 10); }
  function addDays(s, n) { var d = parseDay(s); d.setUTCDate(d.getUTCDate() + n); return isoDay(d); }
  var DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

  function chosenPeriod() {
    var q = new URLSearchParams(window.location.search);
    var from = q.get("from"), to = q.get("to"), period = q.get("period");
    if (period === "custom" || (!period && from && to)) {
      if (from && to && DAY_RE.test(from) && DAY_RE.test(to)) { return { period: "custom", from: from, to: to }; }
    }
    return { period: ["30", "90", "365"].indexOf(period) >= 0 ? period : "30" };
  }
  function query(params) {
    var parts = Object.keys(params).filter(function (k) { return params[k] !== null && params[k] !== undefined; })
      .map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]); });
    return parts.length ? "?" + parts.join("&") : "";
  }

  // ---- the API -----------------------------------------------------------------------------------------------------
  function ApiError(status, code, message) { this.status = status; this.code = code; this.message = message; }
  function getJSON(path) {
    return fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.status === 401) { window.location.assign("dashboard"); throw new ApiError(401, "signed_out", "Signed out"); }
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (!r.ok) {
            var err = (body && body.error) || {};
            throw new ApiError(r.status, err.code || "error", err.message || ("HTTP " + r.status));
          }
          return body;
        });
      });
  }
  function summaryFor(choice) {
    if (choice.period === "custom") { return getJSON("admin/analytics/summary" + query({ from: choice.from, to: choice.to })); }
    return getJSON("admin/analytics/summary").then(function (base) {
      if (choice.period === "30") { return base; }
      var days = Number(choice.period);
      return getJSON("admin/analytics/summary" + query({ from: addDays(base.to, 1 - days), to: base.to }));
    });
  }

  // ---- CSV ---------------------------------------------------------------------------------------------------------
  function csvCell(v) {
    var s = v === null || v === undefined ? "" : String(v);
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function csvLink(name, table) {
    var text = [table.columns].concat(table.rows).map(function (r) { return r.map(csvCell).join(","); }).join("\r\n");
    var url = URL.createObjectURL(new Blob([text + "\r\n"], { type: "text/csv;charset=utf-8" }));
    blobs.push(url);
    return el("a", { class: "csv", href: url, download: name + ".csv", "data-csv": name, text: "Download CSV" });
  }
  function tableOf(table, caption) {
    var head = el("tr", {}, table.columns.map(function (c) { return el("th", { scope: "col", text: c }); }));
    var body = table.rows.map(function (r) {
      return el("tr", {}, r.map(function (v, i) {
        return el(i === 0 ? "th" : "td", i === 0 ? { scope: "row", text: v === null ? "" : String(v) }
          : { text: v === null || v === undefined ? "—" : String(v) });
      }));
    });
    return el("div", { class: "table-wrap" }, [el("table", {}, [
      el("caption", { class: "visually-hidden", text: caption }), el("thead", {}, [head]), el("tbody", {}, body)])]);
  }

  // ---- cards -------------------------------------------------------------------------------------------------------
  function card(parent, opts) {
    var head = el("div", { class: "card-head" }, [
      el("h3", { text: opts.title }),
      opts.freshness ? el("span", { class: "badge " + opts.freshness, text: opts.freshness === "nightly" ? "updated nightly" : "live" }) : null
    ]);
    var box = el("div", { class: "card-body" });
    var node = el("article", { class: "card" + (opts.wide ? " wide" : ""), "data-card": opts.name }, [
      head, opts.note ? el("p", { class: "card-note", text: opts.note }) : null, box]);
    parent.appendChild(node);
    return box;
  }
  function empty(box, text) {
    box.appendChild(el("div", { class: "empty", "data-empty": "true", text: text || "No data yet for this period." }));
  }
  function failed(box, error) {
    box.textContent = "";
    box.appendChild(el("div", { class: "empty", "data-failed": "true",
      text: "Could not load this: " + ((error && error.message) || "unknown error") }));
  }
  function footer(box, name, table, caption) {
    box.appendChild(el("div", { class: "card-actions" }, [csvLink(name, table)]));
    box.appendChild(el("details", {}, [el("summary", { text: "Show the data as a table" }), tableOf(table, caption)]));
  }
  /* A chart with its table alternative and CSV of exactly its data. */
  function chartCard(box, name, config, table, caption, short) {
    var canvas = el("canvas", { "data-chart": name, role: "img", "aria-label": caption });
    box.appendChild(el("div", { class: "chart-box" + (short ? " short" : "") }, [canvas]));
    footer(box, name, table, caption);
    if (window.Chart) { charts.push(new window.Chart(canvas, config)); }
  }

  function baseOptions(extra) {
    var o = {
      responsive: true, maintainAspectRatio: false, animation: { duration: 250 },
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12, usePointStyle: true } } },
      scales: { x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
                y: { beginAtZero: true, ticks: { callback: function (v) { return compact(v); } } } }
    };
    return Object.assign(o, extra || {});
  }
  function dataset(label, data, i, type) {
    var c = PALETTE[i % PALETTE.length];
    return { label: label, data: data, backgroundColor: type === "line" ? c + "22" : c, borderColor: c,
             borderWidth: type === "line" ? 2 : 0, pointRadius: data.length > 40 ? 0 : 2, tension: 0.25,
             fill: false, borderRadius: type === "line" ? 0 : 3, type: type };
  }

  // ---- the KPI tiles ---------------------------------------------------------------------------------------------
  function rawOf(v) { return v && typeof v === "object" ? v.amount : v; }
  function delta(kind, now, before, inverse) {
    var n = rawOf(now), b = rawOf(before);
    if (n === null || n === undefined || b === null || b === undefined) { return null; }
    n = Number(n); b = Number(b);
    var diff = n - b, text;
    if (kind === "rate") { text = decimal(diff * 100, 1) + " pp"; }
    else if (kind === "score" || kind === "csat" || kind === "sentiment") { text = decimal(diff, kind === "sentiment" ? 2 : 1); }
    else if (b === 0) { text = n === 0 ? "no change" : "new"; }
    else { text = rate(diff / Math.abs(b)); }
    var sign = diff > 0 ? "▲ +" : diff < 0 ? "▼ " : "";
    return { text: (diff === 0 ? "" : sign) + (text.charAt(0) === "-" || text.charAt(0) === "−" ? text.slice(1) : text),
             cls: "delta " + (diff > 0 ? "up" : diff < 0 ? "down" : "") + (inverse ? " inverse" : "") };
  }
  function drawTiles(summary) {
    var box = $("tiles");
    box.textContent = "";
    var prev = summary.previous || {};
    var fresh = summary.freshness || {};
    TILES.forEach(function (t) {
      var name = t[0], kind = t[2];
      if (!(name in summary)) { return; }
      var value = summary[name], raw = rawOf(value);
      var d = delta(kind, value, prev[name], t[3]);
      var nightly = fresh[name] === "nightly";
      box.appendChild(el("div", { class: "tile", "data-kpi": name, "data-value": raw === null || raw === undefined ? "" : String(raw),
                                  "data-freshness": fresh[name] || "live" }, [
        el("div", { class: "label" }, [el("span", { text: t[1] }),
          el("span", { class: "badge" + (nightly ? " nightly" : ""), text: nightly ? "nightly" : "live" })]),
        el("div", { class: "value", "data-shown": name, text: format(kind, value) }),
        el("div", { class: d ? d.cls : "delta", text: d ? d.text + " vs previous period" : "no earlier figure" })
      ]));
    });
  }

  // ---- time series -------------------------------------------------------------------------------------------------
  /* Daily points up to ~3 months; longer periods by month (sums), so 365 bars never crowd a phone. */
  function bucketed(series, fields) {
    var monthly = series.length > 92;
    var order = [], sums = {};
    series.forEach(function (row) {
      var key = monthly ? row.day.slice(0, 7) : row.day;
      if (!(key in sums)) { sums[key] = {}; order.push(key); fields.forEach(function (f) { sums[key][f] = 0; }); }
      fields.forEach(function (f) { sums[key][f] += Number(row[f] || 0); });
    });
    return { monthly: monthly, keys: order, values: sums };
  }
  function allZero(b, fields) {
    return b.keys.every(function (k) { return fields.every(function (f) { return !b.values[k][f]; }); });
  }
  function seriesCard(parent, spec, series) {
    var box = card(parent, spec);
    var b = bucketed(series || [], spec.fields);
    if (!b.keys.length || allZero(b, spec.fields)) { empty(box, spec.emptyText); return; }
    var labels = b.keys.map(b.monthly ? monthLabel : dayLabel);
    var datasets = spec.fields.map(function (f, i) {
      return dataset(spec.labels[i], b.keys.map(function (k) {
        var v = b.values[k][f]; return spec.money ? Math.round(v * 100) / 100 : v;
      }), spec.colors ? spec.colors[i] : i, spec.type);
    });
    var options = baseOptions();
    if (spec.stacked) { options.scales.x.stacked = true; options.scales.y.stacked = true; }
    if (spec.fields.length === 1) { options.plugins.legend.display = false; }
    if (spec.money) { options.scales.y.ticks.callback = function (v) { return money(v); }; }
    var table = { columns: [b.monthly ? "month" : "day"].concat(spec.fields),
                  rows: b.keys.map(function (k) {
                    return [k].concat(spec.fields.map(function (f) {
                      var v = b.values[k][f]; return spec.money ? v.toFixed(2) : v;
                    }));
                  }) };
    chartCard(box, spec.name, { type: spec.type, data: { labels: labels, datasets: datasets }, options: options },
              table, spec.title + (b.monthly ? " by month" : " by day"));
  }
  function drawSeries(summary) {
    var series = summary.series || [];
    var growth = $("growth"), points = $("points");
    seriesCard(growth, { name: "enrollment", title: "Members enrolled", freshness: "nightly", type: "bar",
      fields: ["members_enrolled"], labels: ["Members enrolled"], emptyText: "No members enrolled in this period yet." }, series);
    seriesCard(growth, { name: "customers", title: "New and returning customers", freshness: "live", type: "bar",
      stacked: true, fields: ["customers_new", "customers_returning"], labels: ["New", "Returning"], colors: [0, 1],
      emptyText: "No orders in this period yet." }, series);
    seriesCard(growth, { name: "revenue", title: "Revenue (" + currency + ")", freshness: "live", type: "line", money: true,
      fields: ["revenue"], labels: ["Revenue"], colors: [4], emptyText: "No revenue in this period yet." }, series);
    seriesCard(points, { name: "points", title: "Points issued, redeemed and expired", freshness: "live", type: "line",
      fields: ["points_issued", "points_redeemed", "points_expired"], labels: ["Issued", "Redeemed", "Expired"],
      colors: [0, 1, 3], emptyText: "No points moved in this period yet." }, series);
  }

  // ---- liability and breakage --------------------------------------------------------------------------------------
  function drawLiability(summary) {
    var box = card($("points"), { name: "liability", title: "Liability and breakage", freshness: "live",
      note: "What the points not yet spent are worth at " + money(summary.point_value) + " a point, less the share " +
            "expected never to be redeemed." });
    var fate = [["Redeemed", summary.points_redeemed], ["Expired", summary.points_expired],
                ["Reversed", summary.points_reversed]];
    var list = el("dl", { class: "stats" });
    [["Points outstanding", integer(summary.points_outstanding)], ["Liability", money(rawOf(summary.liability))],
     ["Expected breakage", rate(summary.expected_breakage)], ["Breakage this period", rate(summary.breakage_rate)]]
      .forEach(function (p) { list.appendChild(el("dt", { text: p[0] })); list.appendChild(el("dd", { text: p[1] })); });
    box.appendChild(list);
    if (!fate.some(function (f) { return f[1]; })) {
      empty(box, "No points were redeemed, expired or reversed in this period yet."); return;
    }
    var table = { columns: ["outcome", "points"], rows: fate.map(function (f) { return [f[0].toLowerCase(), f[1] || 0]; }) };
    chartCard(box, "points_outcomes", { type: "doughnut",
      data: { labels: fate.map(function (f) { return f[0]; }),
              datasets: [{ data: fate.map(function (f) { return f[1] || 0; }), backgroundColor: [PALETTE[1], PALETTE[3], PALETTE[5]],
                           borderWidth: 0 }] },
      options: { responsive: true, maintainAspectRatio: false, animation: { duration: 250 }, cutout: "60%",
                 plugins: { legend: { position: "bottom" } } } }, table, "Points that left balances this period", true);
  }

  // ---- email -------------------------------------------------------------------------------------------------------
  function drawEmail(summary) {
    var box = card($("voice"), { name: "email", title: "Email by kind", freshness: "live",
      note: "Messages sent, delivered and opened (first open), and people's clicks on tracked links, this period." });
    var rows = (summary.email || []).map(function (e) { return [e.kind, e.sent, e.delivered, e.opened, e.clicked]; });
    if (!rows.length) { empty(box, "No mail went out in this period."); return; }
    var fields = ["sent", "delivered", "opened", "clicked"];
    var options = baseOptions({ indexAxis: "y" });
    options.scales = { x: { beginAtZero: true, ticks: { callback: function (v) { return compact(v); } } },
                       y: { grid: { display: false } } };
    chartCard(box, "email", { type: "bar", data: { labels: rows.map(function (r) { return pretty(r[0]); }),
      datasets: fields.map(function (f, i) { return dataset(pretty(f), rows.map(function (r) { return r[i + 1]; }), i, "bar"); }) },
      options: options }, { columns: ["kind"].concat(fields), rows: rows }, "Email by kind");
  }

  // ---- cohorts -----------------------------------------------------------------------------------------------------
  /* A triangle needs months: the cohorts of the 12 months to the period's end, or of the whole period when longer. */
  function cohortRange(summary) {
    var from = addDays(summary.to, -364);
    return query({ from: summary.from < from ? summary.from : from, to: summary.to });
  }
  function drawCohorts(body) {
    var box = card($("journey"), { name: "cohorts", title: "Cohort retention", freshness: "nightly", wide: true,
      note: "Customers by the month of their first purchase: the share buying again in each later month." });
    var rows = (body && body.cohorts) || [];
    if (!rows.length) { empty(box, "Cohorts appear after the first nightly run with orders."); return; }
    var width = rows.reduce(function (m, r) { return Math.max(m, (r.retention || []).length); }, 0);
    var columns = ["cohort", "customers"];
    for (var i = 0; i < width; i += 1) { columns.push("month " + i); }
    columns.push("revenue_per_customer");
    var head = el("tr", {}, ["Cohort", "Customers"].concat(columns.slice(2, 2 + width).map(function (c) { return "M" + c.slice(6); }))
      .concat(["Revenue / customer"]).map(function (c) { return el("th", { scope: "col", text: c }); }));
    var body2 = rows.map(function (r) {
      var cells = [el("th", { scope: "row", text: monthLabel(r.cohort) }), el("td", { text: integer(r.customers) })];
      for (var j = 0; j < width; j += 1) {
        var v = (r.retention || [])[j];
        cells.push(v === undefined ? el("td", { class: "na", text: "" })
          : el("td", { class: "h" + Math.min(6, Math.ceil(v * 6)), title: rate(v), text: rate(v) }));
      }
      cells.push(el("td", { text: money(r.revenue_per_customer) }));
      return el("tr", {}, cells);
    });
    box.appendChild(el("div", { class: "table-wrap" }, [el("table", { class: "heat", "data-heatmap": "cohorts" }, [
      el("caption", { class: "visually-hidden", text: "Cohort retention by month since the first purchase" }),
      el("thead", {}, [head]), el("tbody", {}, body2)])]));
    var table = { columns: columns, rows: rows.map(function (r) {
      var out = [r.cohort, r.customers];
      for (var j = 0; j < width; j += 1) { var v = (r.retention || [])[j]; out.push(v === undefined ? "" : v); }
      out.push(r.revenue_per_customer); return out;
    }) };
    box.appendChild(el("div", { class: "card-actions" }, [csvLink("cohorts", table)]));
  }

  // ---- the journey map ---------------------------------------------------------------------------------------------
  /* The journey map's moves cover at most 366 days (the API's limit): the period's last 366 days. */
  function journeyFrom(summary) {
    var earliest = addDays(summary.to, -365);
    return summary.from < earliest ? earliest : summary.from;
  }
  function drawJourney(body) {
    var box = card($("journey"), { name: "journey", title: "Journey map", freshness: "nightly",
      note: "Members per stage, split by state, at the last nightly run." });
    var cells = (body && body.members) || [];
    if (!cells.some(function (c) { return c.members; })) { empty(box, "The journey map appears after the first nightly run."); return; }
    var count = function (stage, state) {
      var hit = cells.filter(function (c) { return c.stage === stage && c.state === state; })[0];
      return hit ? hit.members : 0;
    };
    var states = STATES.filter(function (s) { return STAGES.some(function (st) { return count(st, s); }); });
    var datasets = states.map(function (s, i) {
      return dataset(LABELS[String(s)], STAGES.map(function (st) { return count(st, s); }), i, "bar");
    });
    var options = baseOptions();
    options.scales.x.stacked = true; options.scales.y.stacked = true;
    var table = { columns: ["stage"].concat(states.map(function (s) { return s === null ? "no_purchase" : s; })),
                  rows: STAGES.map(function (st) { return [st].concat(states.map(function (s) { return count(st, s); })); }) };
    chartCard(box, "journey", { type: "bar", data: { labels: STAGES.map(function (s) { return LABELS[s]; }), datasets: datasets },
                                options: options }, table, "Members per journey stage and state");
    var moves = (body && body.moves) || [];
    if (moves.length) {
      var flows = { columns: ["kind", "from", "to", "members"],
                    rows: moves.map(function (m) { return [m.kind, m.from, m.to, m.members]; }) };
      box.appendChild(el("details", {}, [el("summary", { text: "Moves between stages and states in this period" }),
                                         tableOf(flows, "Moves between stages and states")]));
      box.appendChild(el("div", { class: "card-actions" }, [csvLink("journey_moves", flows)]));
    }
  }

  // ---- segments and tiers ------------------------------------------------------------------------------------------
  function barCard(parent, spec, rows) {
    var box = card(parent, spec);
    rows = rows.filter(function (r) { return r[1] !== null && r[1] !== undefined; });
    if (!rows.length || !rows.some(function (r) { return r[1]; })) { empty(box, spec.emptyText); return; }
    var options = baseOptions({ indexAxis: "y" });
    options.plugins.legend.display = false;
    options.scales = { x: { beginAtZero: true, ticks: { callback: function (v) { return compact(v); } } },
                       y: { grid: { display: false } } };
    chartCard(box, spec.name, { type: "bar", data: { labels: rows.map(function (r) { return r[2] || r[0]; }),
      datasets: [Object.assign(dataset(spec.title, rows.map(function (r) { return r[1]; }), spec.color || 0, "bar"))] },
      options: options }, { columns: spec.columns, rows: rows.map(function (r) { return [r[0], r[1]]; }) }, spec.title);
  }
  function pretty(name) {
    var s = String(name).split(":").pop().replace(/_/g, " ");
    return s.charAt(0).toUpperCase() + s.slice(1);
  }
  function drawSegments(body, tierCounts) {
    var segments = (body && body.segments) || [];
    var rfm = segments.filter(function (s) { return s.kind === "rfm" && s.members > 0; })
      .sort(function (a, b) { return b.members - a.members; })
      .map(function (s) { return [s.name.replace(/^rfm:/, ""), s.members, pretty(s.name)]; });
    barCard($("journey"), { name: "segments", title: "RFM segments", freshness: "nightly", columns: ["segment", "members"],
      note: "Members per recency-frequency-monetary segment at the last nightly run.",
      emptyText: "RFM segments appear after the first nightly run." }, rfm);
    var tiers = (tierCounts || []).map(function (t) { return [t.tier, t.members, t.tier]; });
    barCard($("points"), { name: "tiers", title: "Tier distribution", freshness: "nightly", columns: ["tier", "members"],
      color: 2, note: "Members per tier at the last nightly run.",
      emptyText: "Tier figures appear after the first nightly run." }, tiers);
  }

  // ---- NPS trend ---------------------------------------------------------------------------------------------------
  function months(from, to) {
    var out = [], d = parseDay(from.slice(0, 8) + "01"), end = parseDay(to);
    while (d <= end) { out.push(isoDay(d).slice(0, 7)); d.setUTCMonth(d.getUTCMonth() + 1); }
    return out.slice(-12);
  }
  function feedbackTrend(summary) {
    var from = summary.days > 366 ? addDays(summary.to, -365) : summary.from;   // the feedback summary's longest period
    var list = months(from, summary.to);
    return getJSON("admin/feedback/summary" + query({ from: from, to: summary.to, by: "month" }))
      .then(function (b) {
        var byMonth = {};
        (b.groups || []).forEach(function (g) { byMonth[g.key] = g; });
        return list.map(function (m) {
          var g = byMonth[m] || {};
          return [m, g.nps === undefined ? null : g.nps, g.csat === undefined ? null : g.csat, g.responses || 0];
        });
      });
  }
  function drawNps(rows) {
    var box = card($("voice"), { name: "nps", title: "NPS and CSAT by month", freshness: "live",
      note: "NPS: % promoters (9–10) − % detractors (0–6). CSAT: % of answers that are 4 or 5." });
    if (!rows.some(function (r) { return r[3]; })) { empty(box, "No survey answers in this period yet."); return; }
    var options = baseOptions();
    options.scales.y = { suggestedMin: -100, suggestedMax: 100, ticks: { callback: function (v) { return v; } } };
    options.spanGaps = true;
    chartCard(box, "nps_trend", { type: "line", data: { labels: rows.map(function (r) { return monthLabel(r[0]); }),
      datasets: [dataset("NPS", rows.map(function (r) { return r[1]; }), 0, "line"),
                 dataset("CSAT %", rows.map(function (r) { return r[2]; }), 1, "line")] }, options: options },
      { columns: ["month", "nps", "csat", "responses"], rows: rows }, "NPS and CSAT by month");
  }

  // ---- campaigns ---------------------------------------------------------------------------------------------------
  var errorBars = {
    id: "errorBars",
    afterDatasetsDraw: function (chart, args, opts) {
      var intervals = opts && opts.intervals; if (!intervals) { return; }
      var meta = chart.getDatasetMeta(0), y = chart.scales.y, ctx = chart.ctx;
      ctx.save(); ctx.strokeStyle = "#1c2330"; ctx.lineWidth = 1.5;
      meta.data.forEach(function (bar, i) {
        var iv = intervals[i]; if (!iv) { return; }
        var lo = y.getPixelForValue(iv[0]), hi = y.getPixelForValue(iv[1]), x = bar.x;
        ctx.beginPath(); ctx.moveTo(x, lo); ctx.lineTo(x, hi);
        ctx.moveTo(x - 6, lo); ctx.lineTo(x + 6, lo); ctx.moveTo(x - 6, hi); ctx.lineTo(x + 6, hi); ctx.stroke();
      });
      ctx.restore();
    }
  };
  function campaignReports() {
    return getJSON("admin/campaigns").then(function (body) {
      var list = ((body && body.campaigns) || []).filter(function (c) { return c.status !== "draft"; }).slice(0, 8);
      return Promise.all(list.map(function (c) {
        return getJSON("admin/campaigns/" + encodeURIComponent(c.campaign_id) + "/report")
          .then(function (r) { return { campaign: c, report: r }; }, function () { return null; });
      }));
    }).then(function (found) { return found.filter(Boolean); });
  }
  function pct(v) { return v === null || v === undefined ? null : Math.round(v * 1000) / 10; }
  function drawCampaigns(found) {
    var box = card($("voice"), { name: "campaigns", title: "Campaign lift", freshness: "live",
      note: "Conversion of members who got the campaign minus its holdout, in percentage points, with the 95 % interval." });
    var rows = found.filter(function (f) { return f.report && f.report.lift && f.report.lift.conversion_rate_difference !== null; });
    if (!rows.length) { empty(box, "No campaign has results to compare yet."); return; }
    var names = rows.map(function (f) { return f.campaign.name || f.campaign.campaign_id; });
    var lifts = rows.map(function (f) { return pct(f.report.lift.conversion_rate_difference); });
    var cis = rows.map(function (f) { var c = f.report.lift.ci95; return c ? [pct(c[0]), pct(c[1])] : null; });
    var bounds = cis.reduce(function (a, c) { return c ? a.concat(c) : a; }, lifts.slice());
    var options = baseOptions();
    options.plugins.legend.display = false;
    options.plugins.errorBars = { intervals: cis };
    options.scales.y = { suggestedMin: Math.min.apply(null, bounds.concat([0])), suggestedMax: Math.max.apply(null, bounds.concat([0])),
                         ticks: { callback: function (v) { return v + " pp"; } } };
    var table = { columns: ["campaign", "entered", "treatment_conversion", "holdout_conversion", "lift_pp", "ci95_low_pp",
                            "ci95_high_pp", "incremental_revenue", "roi"],
                  rows: rows.map(function (f, i) {
                    var r = f.report, inc = r.lift.incremental_revenue;
                    return [names[i], r.entered, r.treatment.conversion_rate, r.holdout.conversion_rate, lifts[i],
                            cis[i] ? cis[i][0] : null, cis[i] ? cis[i][1] : null, inc ? inc.amount : null, r.lift.roi];
                  }) };
    chartCard(box, "campaign_lift", { type: "bar", data: { labels: names,
      datasets: [dataset("Lift (pp)", lifts, 0, "bar")] }, options: options, plugins: [errorBars] }, table,
      "Campaign conversion lift with 95 % intervals");
  }

  // ---- page ------------------------------------------------------------------------------------------------------
  function settle(promise, draw, parentId, name, title) {
    return promise.then(draw, function (e) {
      if (e && e.status === 401) { return; }
      failed(card($(parentId), { name: name, title: title }), e);
    });
  }
  function freshness(summary) {
    var parts = ["Live figures as of " + when(summary.as_of)];
    parts.push(summary.nightly_as_of ? "nightly figures from " + when(summary.nightly_as_of) : "no nightly run yet");
    $("freshness").textContent = summary.from + " to " + summary.to + " (" + summary.days + " days) · " + parts.join(" · ");
  }
  function markPeriod(choice, summary) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-period]"), function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-period") === choice.period));
    });
    $("from").value = summary ? summary.from : (choice.from || "");
    $("to").value = summary ? summary.to : (choice.to || "");
  }
  function reset() {
    charts.forEach(function (c) { c.destroy(); }); charts = [];
    blobs.forEach(function (u) { URL.revokeObjectURL(u); }); blobs = [];
    ["tiles", "growth", "points", "journey", "voice"].forEach(function (id) { $(id).textContent = ""; });
    $("banner").hidden = true;
  }
  function load() {
    var choice = chosenPeriod();
    document.body.setAttribute("data-state", "loading");
    reset();
    markPeriod(choice, null);
    return summaryFor(choice).then(function (summary) {
      currency = summary.currency || "USD";
      markPeriod(choice, summary);
      freshness(summary);
      drawTiles(summary);
      drawSeries(summary);
      drawLiability(summary);
      return Promise.all([
        settle(getJSON("admin/analytics/cohorts" + cohortRange(summary)), drawCohorts, "journey", "cohorts",
               "Cohort retention"),
        settle(getJSON("admin/journey" + query({ from: journeyFrom(summary), to: summary.to })), drawJourney, "journey",
               "journey", "Journey map"),
        settle(getJSON("admin/segments"), function (body) { drawSegments(body, summary.tiers); }, "journey", "segments",
               "Segments"),
        settle(feedbackTrend(summary), drawNps, "voice", "nps", "NPS and CSAT by month"),
        settle(campaignReports(), drawCampaigns, "voice", "campaigns", "Campaign lift"),
        settle(Promise.resolve(summary), drawEmail, "voice", "email", "Email by kind")
      ]).then(function () { document.body.setAttribute("data-state", "ready"); });
    }, function (e) {
      if (e && e.status === 401) { return; }
      var banner = $("banner");
      banner.textContent = "The figures could not be loaded: " + ((e && e.message) || "unknown error");
      banner.hidden = false;
      document.body.setAttribute("data-state", "error");
    });
  }
  function navigate(params) {
    window.history.pushState(null, "", "dashboard" + query(params));
    load();
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (window.Chart) {
      window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
      window.Chart.defaults.color = "#5b6475";
    }
    $("period-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var button = event.submitter;
      var value = button ? button.value : "custom";
      if (value === "custom") {
        var from = $("from").value, to = $("to").value;
        if (!DAY_RE.test(from) || !DAY_RE.test(to) || from > to) {
          var banner = $("banner");
          banner.textContent = "Choose a start date on or before the end date.";
          banner.hidden = false;
          return;
        }
        navigate({ period: "custom", from: from, to: to });
      } else {
        navigate({ period: value });
      }
    });
    window.addEventListener("popstate", load);
    load();
  });
}());
