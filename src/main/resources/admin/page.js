// Postroom status page (served at /assets/page.js): polls /status every 2 s, keeps the last 5 minutes of samples in a ring buffer,
// and draws the session gauges, tables and small SVG charts. No libraries, no network but /status.
(function () {
  "use strict";
  var PERIOD_MS = 2000;
  var KEEP = 150; // 5 minutes of samples
  var samples = [];
  var COLORS = ["#1565c0", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#ad1457", "#5d4037", "#546e7a"];
  var SVG = "http://www.w3.org/2000/svg";

  function $(id) { return document.getElementById(id); }
  function text(id, value) { var e = $(id); if (e) { e.textContent = String(value); } }
  function num(v) { return typeof v === "number" && isFinite(v) ? v : 0; }

  function el(name, attrs, parent, ns) {
    var e = ns ? document.createElementNS(ns, name) : document.createElement(name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(e); }
    return e;
  }

  function cell(row, value, id) {
    var td = el("td", id ? { id: id } : {}, row);
    td.textContent = String(value);
    return td;
  }

  function renderSessions(sessions) {
    var body = document.querySelector("#sessions tbody");
    body.textContent = "";
    Object.keys(sessions).forEach(function (kind) {
      var s = sessions[kind];
      var active = num(s.active), limit = num(s.limit);
      var row = el("tr", { id: "session-" + kind }, body);
      cell(row, kind);
      var gaugeCell = el("td", {}, row);
      var ratio = limit > 0 ? Math.min(1, active / limit) : 0;
      var gauge = el("div", { "class": "gauge" + (ratio >= 1 ? " full" : ratio >= 0.8 ? " high" : ""),
        title: active + " of " + (limit > 0 ? limit : "unlimited") }, gaugeCell);
      // Styles through the CSSOM: the page's Content-Security-Policy forbids inline style attributes.
      el("div", {}, gauge).style.width = (ratio * 100).toFixed(1) + "%";
      cell(row, active, "active-" + kind);
      cell(row, limit > 0 ? limit : "∞", "limit-" + kind);
      cell(row, num(s.peak), "peak-" + kind);
      cell(row, num(s.accepted), "accepted-" + kind);
      cell(row, num(s.refused), "refused-" + kind);
    });
  }

  function renderActors(actors, previous, seconds) {
    var body = document.querySelector("#actors tbody");
    body.textContent = "";
    Object.keys(actors || {}).sort().forEach(function (kind) {
      var a = actors[kind];
      var prev = previous && previous[kind];
      var rate = prev && seconds > 0 ? Math.max(0, (num(a.messages) - num(prev.messages)) / seconds) : 0;
      var row = el("tr", { id: "actor-" + kind }, body);
      cell(row, kind);
      cell(row, num(a.live), "actor-live-" + kind);
      cell(row, rate.toFixed(rate < 10 ? 1 : 0), "actor-rate-" + kind);
      cell(row, num(a.messages));
      cell(row, num(a.mailboxDepth), "actor-depth-" + kind);
    });
  }

  // Draws one small line chart: series = [{name, values}] over the ring buffer's time axis.
  function chart(id, series, legendId) {
    var svg = $(id);
    if (!svg) { return; }
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var w = 400, h = 140, left = 34, bottom = 14, top = 6;
    var max = 1;
    series.forEach(function (s) { s.values.forEach(function (v) { if (v > max) { max = v; } }); });
    max = niceMax(max);
    el("line", { x1: left, y1: top, x2: left, y2: h - bottom, "class": "axis" }, svg, SVG);
    el("line", { x1: left, y1: h - bottom, x2: w, y2: h - bottom, "class": "axis" }, svg, SVG);
    label(svg, 2, top + 8, String(max));
    label(svg, 2, h - bottom, "0");
    label(svg, left, h - 2, "-5 min");
    label(svg, w - 24, h - 2, "now");
    series.forEach(function (s, i) {
      var n = s.values.length;
      if (n === 0) { return; }
      var points = s.values.map(function (v, j) {
        var x = left + (w - left) * (KEEP - n + j) / (KEEP - 1);
        var y = (h - bottom) - (h - bottom - top) * (v / max);
        return x.toFixed(1) + "," + y.toFixed(1);
      });
      if (n === 1) { points.push((w).toFixed(1) + "," + points[0].split(",")[1]); }
      el("polyline", { points: points.join(" "), stroke: COLORS[i % COLORS.length], "data-series": s.name }, svg, SVG);
    });
    if (legendId) {
      var legend = $(legendId);
      legend.textContent = "";
      series.forEach(function (s, i) {
        var span = el("span", {}, legend);
        el("i", {}, span).style.background = COLORS[i % COLORS.length];
        span.appendChild(document.createTextNode(s.name + " " + (s.values.length ? s.values[s.values.length - 1] : 0)));
      });
    }
  }

  function label(svg, x, y, t) { var e = el("text", { x: x, y: y }, svg, SVG); e.textContent = t; }

  function niceMax(v) {
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) { if (v <= steps[i] * p) { return steps[i] * p; } }
    return 10 * p;
  }

  // Per-sample increase of a counter (reset-safe), for rates drawn per 2 s.
  function deltas(path) {
    var out = [];
    for (var i = 1; i < samples.length; i++) {
      out.push(Math.max(0, num(path(samples[i].status)) - num(path(samples[i - 1].status))));
    }
    return out;
  }

  function render() {
    var latest = samples[samples.length - 1];
    var st = latest.status;
    text("hostname", st.hostname || "");
    text("updated", new Date(latest.t).toLocaleTimeString());
    renderSessions(st.sessions || {});
    var prev = samples.length > 1 ? samples[samples.length - 2] : null;
    renderActors(st.actors, prev && prev.status.actors, prev ? (latest.t - prev.t) / 1000 : 0);

    var q = st.queue || {}, d = st.deliveries || {}, hh = st.hosthealth || {};
    text("queue-messages", num(q.messages));
    text("delivered", num(d.delivered));
    text("deferred", num(d.deferred));
    text("bounced", num(d.bounced));
    text("cached-failures", num(hh.cachedFailures));
    text("tokens-in-use", num(hh.tokensInUse));
    text("token-denials", num(hh.tokenDenials));

    chart("chart-sessions", Object.keys(st.sessions || {}).map(function (kind) {
      return { name: kind, values: samples.map(function (s) { return num(((s.status.sessions || {})[kind] || {}).active); }) };
    }), "legend-sessions");
    chart("chart-queue", [{ name: "messages", values: samples.map(function (s) { return num((s.status.queue || {}).messages); }) }]);
    chart("chart-deliveries", ["delivered", "deferred", "bounced"].map(function (r) {
      return { name: r, values: deltas(function (s) { return (s.deliveries || {})[r]; }) };
    }), "legend-deliveries");
    chart("chart-hosthealth", [
      { name: "cached failures", values: samples.map(function (s) { return num((s.status.hosthealth || {}).cachedFailures); }) },
      { name: "tokens in use", values: samples.map(function (s) { return num((s.status.hosthealth || {}).tokensInUse); }) },
      { name: "token denials", values: deltas(function (s) { return (s.hosthealth || {}).tokenDenials; }) }
    ], "legend-hosthealth");
    document.body.setAttribute("data-updates", String(num(Number(document.body.getAttribute("data-updates"))) + 1));
  }

  function setState(ok, message) {
    var s = $("state");
    s.textContent = message;
    s.className = "state " + (ok ? "ok" : "error");
  }

  function poll() {
    fetch("/status", { cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (status) {
        samples.push({ t: Date.now(), status: status });
        if (samples.length > KEEP) { samples.shift(); }
        setState(true, "live");
        render();
      })
      .catch(function (e) { setState(false, "engine not answering (" + e.message + ")"); });
  }

  poll();
  setInterval(poll, PERIOD_MS);
})();
