// The letter composer: shows the fields of the chosen mode and asks the server
// for a preview (page 1, sheets, price) as the options change.
(function () {
  "use strict";
  const form = document.getElementById("snailmail-composer");
  if (!form || form.dataset.composerReady) return;
  form.dataset.composerReady = "1";
  const $ = (id) => document.getElementById(id);
  function showMode() {
    const mode = form.querySelector("input[name=mode]:checked").value;
    form.querySelectorAll("[data-mode]").forEach((el) => { el.hidden = el.dataset.mode !== mode; });
  }
  let timer = null, seq = 0;
  async function preview() {
    const mine = ++seq;
    const data = new FormData(form);
    const response = await fetch(form.dataset.preview, { method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]').content } });
    if (mine !== seq || !response.ok) return;
    const result = await response.json();
    $("snailmail-error").hidden = result.ok;
    $("snailmail-preview").hidden = !result.ok;
    if (!result.ok) { $("snailmail-error").textContent = result.error; return; }
    $("snailmail-page").src = result.image;
    $("snailmail-address").textContent = result.address.join("\n");
    $("snailmail-sheets").textContent = result.sheets + (result.sheets === 1 ? " sheet" : " sheets") + ", " + result.pages + (result.pages === 1 ? " page" : " pages");
    $("snailmail-price").textContent = result.credits + (result.credits === "1" ? " credit" : " credits");
    $("snailmail-available").textContent = result.available;
    $("snailmail-short").hidden = result.enough;
  }
  function later() { clearTimeout(timer); timer = setTimeout(preview, 600); }
  form.addEventListener("change", (e) => { if (e.target.name === "mode") showMode(); later(); });
  form.addEventListener("input", later);
  $("snailmail-preview-button").addEventListener("click", preview);
  showMode();
})();
