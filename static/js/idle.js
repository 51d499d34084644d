// A page left open past the idle timeout asks the server again, which ends the session and
// shows the sign-in page with its notice, rather than sitting there looking signed in.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="session-idle-seconds"]');
  if (!meta) return;
  var seconds = parseInt(meta.getAttribute("content"), 10);
  if (!(seconds > 0)) return;
  var timer = null;
  function arm() {
    if (timer) window.clearTimeout(timer);
    // One second past the limit, so the server sees it passed.
    timer = window.setTimeout(function () { window.location.reload(); }, (seconds + 1) * 1000);
  }
  // The page's own API calls keep the session alive on the server: they re-arm the timer.
  var send = window.fetch;
  if (send) {
    window.fetch = function () { arm(); return send.apply(this, arguments); };
  }
  arm();
})();
