// The live counter under an SMS message field (the pop-up composer and mass
// SMS): characters, encoding, parts and cost, asked to /sms/preview on every
// pause in typing. Loaded by sms/_counter.html, also when the pop-up inserts
// it, so it binds each counter once.
(function () {
  "use strict";
  function bind(box) {
    if (box.dataset.bound) return;
    box.dataset.bound = "1";
    var form = box.closest("form");
    var text = form && form.querySelector("textarea[name=body]");
    if (!text) return;
    var timer = null, asked = 0;
    function show(selector, value) { var el = box.querySelector(selector); if (el) el.textContent = value; }
    function toggle(selector, visible) { var el = box.querySelector(selector); if (el) el.hidden = !visible; }
    async function refresh() {
      var mine = ++asked;
      var response = await window.host.request(box.dataset.preview, { method: "POST", body: new FormData(form) });
      if (!response.ok || mine !== asked) return;
      var info = await response.json();
      show("[data-characters]", info.characters);
      show("[data-encoding]", info.unicode ? "Unicode" : "GSM-7");
      show("[data-parts]", info.parts);
      show("[data-parts-plural]", info.parts === 1 ? "" : "s");
      show("[data-recipients]", info.recipients);
      show("[data-credits]", info.credits === null ? "—" : info.credits);
      show("[data-credits-plural]", info.credits === "1" ? "" : "s");
      show("[data-unicode-chars]", info.unicode_chars.join(", "));
      toggle("[data-unicode-why]", info.unicode);
      toggle("[data-smart]", info.smart_encoded);
      show("[data-problem]", info.problem);
      toggle("[data-problem]", !!info.problem);
    }
    text.addEventListener("input", function () {
      // The server's complaint about the text ("The message is empty.") no
      // longer applies once the user types; the counter says what still does.
      form.querySelectorAll("[data-body-error]").forEach(function (el) { el.remove(); });
      var row = text.closest(".has-error");
      if (row) row.classList.remove("has-error");
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    });
    // Text typed (or kept by the server) before this script ran fired no
    // input event we heard: count it now rather than show 0 beside it.
    if (text.value) refresh();
  }
  document.querySelectorAll("[data-sms-counter]").forEach(bind);
})();
