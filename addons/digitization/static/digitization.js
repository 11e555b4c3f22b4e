// Documents Digitization: upload (button and drag and drop), the list's live
// refresh, and the form's field details with the box drawn on the page image.
// Builds on host.js (window.host, data-poll, data-bulk).
(function () {
  "use strict";

  // -- upload -------------------------------------------------------------
  const uploadForm = document.querySelector("form[data-upload-form]");
  if (uploadForm) {
    const input = uploadForm.querySelector("input[type=file]");
    const button = uploadForm.querySelector("[data-upload-button]");
    input.classList.add("js-hidden");
    input.tabIndex = -1;
    button.addEventListener("click", (event) => {
      if (!input.files.length) { event.preventDefault(); input.click(); }
    });
    input.addEventListener("change", () => { if (input.files.length) uploadForm.submit(); });
  }

  async function sendFiles(url, files) {
    const data = new FormData();
    for (const file of files) data.append("files", file, file.name);
    window.host.toast("Uploading " + files.length + " file" + (files.length > 1 ? "s" : "") + "…");
    const response = await window.host.request(url, { method: "POST", body: data });
    const type = response.headers.get("Content-Type") || "";
    const answer = type.includes("application/json") ? await response.json() : {};
    if (answer.redirect) { window.location = answer.redirect; return; }
    window.host.toast(answer.error || "The upload failed.", "error");
  }

  const zone = document.querySelector("[data-dropzone]");
  if (zone) {
    let depth = 0;
    const hasFiles = (e) => e.dataTransfer && Array.from(e.dataTransfer.types || []).includes("Files");
    zone.addEventListener("dragenter", (e) => { if (hasFiles(e)) { depth += 1; zone.classList.add("dragging"); } });
    zone.addEventListener("dragleave", () => { depth = Math.max(depth - 1, 0); if (!depth) zone.classList.remove("dragging"); });
    zone.addEventListener("dragover", (e) => { if (hasFiles(e)) e.preventDefault(); });
    zone.addEventListener("drop", (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      zone.classList.remove("dragging");
      if (e.dataTransfer.files.length) sendFiles(zone.dataset.dropzone, e.dataTransfer.files);
    });
    // A file dropped beside the list must not replace the page.
    document.addEventListener("dragover", (e) => { if (hasFiles(e)) e.preventDefault(); });
    document.addEventListener("drop", (e) => { if (hasFiles(e)) e.preventDefault(); });
  }

  // -- list: keep the selection while data-poll replaces the table -----------
  const bulk = document.querySelector("form[data-bulk]");
  if (bulk && zone) {
    const chosen = new Set();
    const boxes = () => Array.from(bulk.querySelectorAll('input[name="ids"]'));
    bulk.addEventListener("change", (event) => {
      const target = event.target;
      if (target.matches("[data-select-all]")) boxes().forEach((b) => { b.checked = target.checked; });
      boxes().forEach((b) => { if (b.checked) chosen.add(b.value); else chosen.delete(b.value); });
    }, true);
    new MutationObserver(() => {
      if (!chosen.size) return;
      boxes().forEach((b) => { b.checked = chosen.has(b.value); });
      bulk.dispatchEvent(new Event("change", { bubbles: true }));
    }).observe(zone, { childList: true });
  }

  // -- form ---------------------------------------------------------------
  const layout = document.querySelector(".digi-layout");
  if (!layout) return;

  function showBox(name) {
    layout.querySelectorAll(".digi-box").forEach((box) => { box.hidden = box.dataset.box !== name; });
    layout.querySelectorAll("[data-field].active").forEach((f) => f.classList.remove("active"));
    const field = layout.querySelector('[data-field="' + name + '"]');
    if (field) field.classList.add("active");
    const box = layout.querySelector('.digi-box[data-box="' + name + '"]');
    if (box) box.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  function toggleDetails(button, open) {
    const panel = document.getElementById(button.getAttribute("aria-controls"));
    if (!panel) return;
    const show = open === undefined ? panel.hidden : open;
    panel.hidden = !show;
    button.setAttribute("aria-expanded", String(show));
  }

  layout.addEventListener("click", (event) => {
    const details = event.target.closest("[data-field-details]");
    if (details) {
      toggleDetails(details);
      showBox(details.dataset.fieldDetails);
      return;
    }
    const use = event.target.closest("[data-use]");
    if (use) {
      const input = document.getElementById(use.dataset.target);
      if (input && !input.readOnly) {
        input.value = use.dataset.use;
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.focus();
      }
      return;
    }
    const remove = event.target.closest("[data-remove-line]");
    if (remove) {
      const row = remove.closest("tr");
      const body = row.parentElement;
      if (body.querySelectorAll("tr").length > 1) row.remove();
      else row.querySelectorAll("input").forEach((i) => { i.value = ""; });
      return;
    }
    if (event.target.closest("[data-add-line]")) {
      const body = layout.querySelector("[data-lines]");
      const last = body.querySelector("tr:last-child");
      const row = last.cloneNode(true);
      row.querySelectorAll("input").forEach((i) => { i.value = ""; });
      body.appendChild(row);
      renumberLines();
      row.querySelector("input").focus();
    }
  });

  layout.addEventListener("focusin", (event) => {
    const field = event.target.closest("[data-field]");
    if (field && event.target.matches("input")) showBox(field.dataset.field);
  });

  layout.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const panel = event.target.closest(".digi-details");
    const field = event.target.closest("[data-field]");
    const button = field && field.querySelector("[data-field-details]");
    if (button && (panel || button === event.target)) { toggleDetails(button, false); button.focus(); }
  });

  // Lines are posted as lines-<n>-<key> with n counting from 0 without gaps.
  function renumberLines() {
    layout.querySelectorAll("[data-lines] tr").forEach((row, index) => {
      row.querySelectorAll("input[data-key]").forEach((input) => {
        input.name = "lines-" + index + "-" + input.dataset.key;
      });
    });
  }
  const form = document.getElementById("digi-form");
  if (form) form.addEventListener("submit", renumberLines);

  // The state badge polls while the document is being digitized; once it
  // stops, the fields are ready: reload to show them.
  const status = document.getElementById("digi-status");
  if (status && status.dataset.poll) {
    new MutationObserver(() => {
      const fresh = document.getElementById("digi-status");
      if (fresh && !fresh.dataset.poll) window.location.reload();
    }).observe(status.parentElement, { childList: true });
  }

  if (window.host && document.querySelector("[data-chatter]")) window.host.refreshChatter();
})();
