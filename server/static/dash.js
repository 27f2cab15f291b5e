// The dashboard's live parts: the server says when something changed (server-sent events on
// /live); each region marked data-live fetches its new content. No page reload, no library.
(function () {
  "use strict";
  var state = document.getElementById("live-state");
  var regions = function () { return document.querySelectorAll("[data-live]"); };

  function refresh() {
    regions().forEach(function (region) {
      fetch(region.dataset.live, { credentials: "same-origin" })
        .then(function (r) {
          if (r.redirected) { window.location.reload(); return null; }  // session over: log in
          return r.ok ? r.text() : null;
        })
        .then(function (html) {
          if (html !== null && html !== region.dataset.last) {
            region.dataset.last = html;
            region.innerHTML = html;
            tick();
          }
        })
        .catch(function () {});
    });
  }

  function listen() {
    if (!regions().length || !window.EventSource) { return; }
    var scope = document.body.dataset.scope || "";
    var source = new EventSource("/live" + (scope ? "?depot=" + encodeURIComponent(scope) : ""));
    source.addEventListener("change", refresh);
    source.onopen = function () {
      if (state) { state.classList.add("on"); state.textContent = state.dataset.on || "live"; }
    };
    source.onerror = function () {
      if (state) { state.classList.remove("on"); state.textContent = state.dataset.off || ""; }
    };
  }

  // Clocks count down every second between updates: <span class="clock" data-due="ISO">.
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".clock[data-due]").forEach(function (el) {
      var left = Math.round((Date.parse(el.dataset.due) - now) / 1000);
      var sign = left < 0 ? "-" : "";
      var s = Math.abs(left);
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      el.textContent = sign + h + ":" + String(m).padStart(2, "0") + ":" + String(sec).padStart(2, "0");
      el.classList.toggle("late", left < 0 && !el.dataset.done);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (state) {
      state.dataset.on = document.documentElement.lang === "en" ? "live" : "实时 live";
      state.dataset.off = document.documentElement.lang === "en" ? "reconnecting" : "重新连接中";
    }
    listen();
    tick();
    setInterval(tick, 1000);
  });
})();
