// Lead Generation tracking snippet: reports this page view (URL and time) to
// the IAP host. No cookie, no storage, nothing about the visitor but the
// request itself. Embed with:
// <script src=".../lead_generation/static/lead_generation/track.js"
//         data-endpoint=".../lead_generation/track" data-key="..." async></script>
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.endpoint || !script.dataset.key) return;
  var body = new URLSearchParams({
    k: script.dataset.key,
    u: window.location.href,
    t: new Date().toISOString(),
  });
  try {
    if (navigator.sendBeacon && navigator.sendBeacon(script.dataset.endpoint, body)) return;
  } catch (e) { /* fall back to fetch */ }
  fetch(script.dataset.endpoint, { method: "POST", body: body, mode: "no-cors", keepalive: true, credentials: "omit" });
})();
