(function () {
  "use strict";
  var errors = [];
  window.addEventListener("error", function (e) { errors.push(String(e.message || e)); });
  var consoleError = console.error;
  console.error = function () {
    errors.push(Array.prototype.join.call(arguments, " "));
    consoleError.apply(console, arguments);
  };
  var player = document.getElementById("player");
  var selftest = location.hash === "#selftest";
  if (player) {
    player.addEventListener("error", function () {
      errors.push("audio: " + ((player.error && player.error.message) || "cannot load " + player.currentSrc));
    });
    if (selftest && player.preload !== "auto") { player.preload = "auto"; player.load(); }
  }
  function seek(t) {
    if (!player) return;
    player.currentTime = t;
    if (!selftest) { var p = player.play(); if (p && p.catch) p.catch(function () {}); }
  }
  // Seek on a timestamp, a marker, or any point of a chart.
  document.addEventListener("click", function (e) {
    var target = e.target.closest ? e.target.closest("[data-t]") : null;
    if (target) { e.preventDefault(); seek(parseFloat(target.getAttribute("data-t"))); return; }
    var svg = e.target.closest ? e.target.closest("svg.seek") : null;
    if (!svg) return;
    var r = svg.getBoundingClientRect(), d = svg.dataset;
    var x = (e.clientX - r.left) / r.width * parseFloat(d.w);
    var t = (x - parseFloat(d.x0)) / (parseFloat(d.x1) - parseFloat(d.x0)) * parseFloat(d.dur);
    if (t >= 0 && t <= parseFloat(d.dur)) seek(t);
  });
  // The playhead follows the player.
  if (player) {
    player.addEventListener("timeupdate", function () {
      document.querySelectorAll("svg.seek").forEach(function (svg) {
        var d = svg.dataset, x0 = parseFloat(d.x0), x1 = parseFloat(d.x1);
        var x = x0 + Math.min(1, player.currentTime / parseFloat(d.dur)) * (x1 - x0);
        svg.querySelectorAll(".playhead").forEach(function (l) {
          l.setAttribute("x1", x.toFixed(1)); l.setAttribute("x2", x.toFixed(1));
        });
      });
    });
  }
  // Sortable tables: click a header; numbers sort as numbers, blanks last.
  document.querySelectorAll("table.sortable th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var table = th.closest("table"), body = table.tBodies[0];
      var asc = !th.classList.contains("asc");
      table.querySelectorAll("th").forEach(function (h) { h.classList.remove("asc", "desc"); });
      th.classList.add(asc ? "asc" : "desc");
      var num = th.getAttribute("data-type") === "num";
      var key = function (row) {
        var c = row.cells[col], v = c.hasAttribute("data-v") ? c.getAttribute("data-v") : c.textContent;
        return num ? (v === "" ? NaN : parseFloat(v)) : v.toLowerCase();
      };
      Array.prototype.slice.call(body.rows).sort(function (a, b) {
        var x = key(a), y = key(b);
        if (num) {
          if (isNaN(x)) return isNaN(y) ? 0 : 1;
          if (isNaN(y)) return -1;
          return asc ? x - y : y - x;
        }
        return asc ? x.localeCompare(y) : y.localeCompare(x);
      }).forEach(function (row) { body.appendChild(row); });
    });
  });
  // #selftest: the browser tests' check (docs/html-report.md).
  if (!selftest) return;
  var result = { errors: errors, sizes: {} };
  function finish() {
    ["head", "player", "scorecard", "timeline-svg", "pitch-svg", "loudness-svg", "rate-svg",
     "transcript", "agents", "calls"].forEach(function (id) {
      var el = document.getElementById(id);
      if (el) { var r = el.getBoundingClientRect(); result.sizes[id] = [Math.round(r.width), Math.round(r.height)]; }
    });
    var table = document.querySelector("table.sortable");
    if (table) {
      var th = table.querySelectorAll("th")[5];
      th.click();
      result.sorted = Array.prototype.map.call(table.tBodies[0].rows, function (r) { return r.cells[5].getAttribute("data-v"); });
    }
    var out = document.getElementById("selftest-result");
    out.textContent = JSON.stringify(result);
    out.hidden = false;
  }
  function afterSeek(label, then) {
    var done = false;
    var timer = setTimeout(function () {
      if (!done) { done = true; result[label] = { error: "no seeked event" }; then(); }
    }, 4000);
    player.addEventListener("seeked", function () {
      if (done) return;
      done = true; clearTimeout(timer);
      result[label].current = player.currentTime;
      then();
    }, { once: true });
  }
  function clickTimeline() {
    var plot = document.querySelector("#timeline-svg rect.plot");
    if (!plot) { finish(); return; }
    var r = plot.getBoundingClientRect();
    result.timeline = { fraction: 0.5 };
    afterSeek("timeline", finish);
    plot.dispatchEvent(new MouseEvent("click", { bubbles: true, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 }));
  }
  function clickTimestamp() {
    // The first transcript timestamp at least a second in: a real jump.
    var link = Array.prototype.filter.call(document.querySelectorAll("#transcript a.ts"), function (a) {
      return parseFloat(a.getAttribute("data-t")) >= 1;
    })[0];
    result.duration = player.duration;
    if (!link) { clickTimeline(); return; }
    result.timestamp = { expected: parseFloat(link.getAttribute("data-t")), label: link.textContent };
    afterSeek("timestamp", clickTimeline);
    link.click();
  }
  if (!player) { finish(); return; }
  if (player.readyState >= 1) clickTimestamp();
  else {
    player.addEventListener("loadedmetadata", clickTimestamp, { once: true });
    player.addEventListener("error", finish, { once: true });
  }
})();
