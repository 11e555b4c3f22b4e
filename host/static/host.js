// Small, dependency-free behaviours for the host's pages. Addon pages reuse
// them through data attributes (no inline script, no on*= attribute):
// data-dialog, data-poll, data-confirm, data-toggle, data-show-if,
// data-autosubmit, data-action-template, data-progress, data-place. A pop-up
// fragment (with id="host-dialog-title") opened by its URL is served inside
// the page; the scripts it carries must be files (<script src>), never inline.
(function () {
  "use strict";
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  const dialog = document.getElementById("host-dialog");
  const dialogBody = document.getElementById("host-dialog-body");

  function toast(message, kind) {
    const box = document.getElementById("toast");
    if (!box || !message) return;
    box.textContent = message;
    box.className = "show " + (kind || "");
    clearTimeout(box._timer);
    box._timer = setTimeout(() => { box.className = ""; }, 5000);
  }

  async function request(url, options) {
    options = options || {};
    options.headers = Object.assign({ "X-Requested-With": "fetch", "X-CSRF-Token": csrf() }, options.headers || {});
    options.credentials = "same-origin";
    return fetch(url, options);
  }

  // Insert HTML and run the scripts it carries (innerHTML alone does not).
  function setHTML(element, html) {
    element.innerHTML = html;
    element.querySelectorAll("script").forEach((old) => {
      const script = document.createElement("script");
      for (const attr of old.attributes) script.setAttribute(attr.name, attr.value);
      script.textContent = old.textContent;
      old.replaceWith(script);
    });
    element.dispatchEvent(new CustomEvent("host:loaded", { bubbles: true }));
  }

  // A pop-up opened as a page (its URL opened directly): it stands in for the dialog.
  const dialogPage = document.querySelector("[data-dialog-page]");
  const goBack = () => { if (history.length > 1) history.back(); else window.location = "/"; };

  async function handleResponse(response) {
    const type = response.headers.get("Content-Type") || "";
    if (type.includes("application/json")) {
      const data = await response.json();
      if (data.error) { toast(data.error, "error"); return; }
      if (dialogPage && !data.redirect && !data.reload && data.close !== false) {
        if (data.message) toast(data.message, data.kind || "success");
        setTimeout(goBack, 1500);
        return;
      }
      if (data.close !== false) dialog.close();
      if (data.message) toast(data.message, data.kind || "success");
      if (data.redirect) { window.location = data.redirect; return; }
      if (data.reload) { window.location.reload(); return; }
      document.dispatchEvent(new CustomEvent("host:refresh"));
      return;
    }
    if (dialogPage && !dialog.open) { setHTML(dialogPage, await response.text()); return; }
    setHTML(dialogBody, await response.text());
    if (!dialog.open) dialog.showModal();
    // In order of preference, not document order: the close button comes first
    // in the markup but is the last thing a user wants focused.
    const selectors = ["[autofocus]", "textarea", "input:not([type=hidden])", "select", "button"];
    for (const selector of selectors) {
      const first = dialogBody.querySelector(selector);
      if (first) { first.focus(); break; }
    }
    document.dispatchEvent(new CustomEvent("host:refresh"));
  }

  async function openDialog(url, body) {
    const response = await request(url, body ? { method: "POST", body: body } : {});
    await handleResponse(response);
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-dialog]");
    if (link) { event.preventDefault(); openDialog(link.href); return; }
    const close = event.target.closest("[data-dialog-close]");
    if (close) { event.preventDefault(); if (dialog.open) dialog.close(); else goBack(); return; }
    const submit = event.target.closest("button[data-dialog-submit]");
    if (submit) {
      event.preventDefault();
      openDialog(submit.formAction, new FormData(submit.form));
      return;
    }
    const row = event.target.closest("tr[data-href]");
    if (row && !event.target.closest("a, input, button, label")) window.location = row.dataset.href;
  });

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    // A button may ask its own question (a list's bulk Delete), else the form does.
    const question = (event.submitter && event.submitter.dataset.confirm) || form.dataset.confirm;
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    if ((dialog.contains(form) || (dialogPage && dialogPage.contains(form))) && !form.hasAttribute("data-native")) {
      event.preventDefault();
      const button = event.submitter;
      const data = new FormData(form);
      if (button && button.name) data.append(button.name, button.value);
      form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
      try {
        await handleResponse(await request(form.action, { method: "POST", body: data }));
      } finally {
        form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = false; });
      }
      return;
    }
    if (form.hasAttribute("data-chatter-form")) {
      event.preventDefault();
      const response = await request(form.action, { method: "POST", body: new FormData(form) });
      if (!response.ok) { toast((await response.json()).error || "Not posted", "error"); return; }
      form.reset();
      refreshChatter(await response.text());
    }
  });

  // Chatter: refresh on demand, and poll while a message is still on its way.
  function refreshChatter(html) {
    const section = document.querySelector("[data-chatter]");
    if (!section) return;
    const target = section.querySelector(".chatter-messages");
    if (html !== undefined) { target.innerHTML = html; return; }
    request(section.dataset.chatter).then((r) => r.ok ? r.text() : null).then((text) => {
      if (text !== null) target.innerHTML = text;
    });
  }
  document.addEventListener("host:refresh", () => refreshChatter());
  setInterval(() => {
    if (document.querySelector("[data-chatter] [data-pending]")) refreshChatter();
  }, 2000);

  // data-poll="url": replace the element with the URL's HTML until the
  // answer no longer carries data-poll (a finished job, a final state).
  function poll(element) {
    const interval = parseInt(element.dataset.pollInterval || "1500", 10);
    setTimeout(async () => {
      if (!document.body.contains(element)) return;
      const response = await request(element.dataset.poll);
      if (!response.ok) { poll(element); return; }
      const holder = document.createElement("div");
      holder.innerHTML = await response.text();
      const fresh = holder.firstElementChild;
      if (!fresh) return;
      element.replaceWith(fresh);
      fresh.dispatchEvent(new CustomEvent("host:polled", { bubbles: true }));
      if (fresh.dataset.poll) poll(fresh);
    }, interval);
  }
  document.querySelectorAll("[data-poll]").forEach(poll);
  document.addEventListener("host:loaded", (e) => e.target.querySelectorAll("[data-poll]").forEach(poll));

  // List views: selection and bulk actions.
  const bulk = document.querySelector("form[data-bulk]");
  if (bulk) {
    const bar = bulk.querySelector(".bulk-bar");
    const boxes = () => Array.from(bulk.querySelectorAll('input[name="ids"]'));
    const all = bulk.querySelector("[data-select-all]");
    const matching = bulk.querySelector(".select-all-matching");
    const update = () => {
      const chosen = boxes().filter((b) => b.checked).length;
      bar.hidden = chosen === 0;
      bulk.querySelector(".bulk-count").textContent = chosen + " selected";
      if (matching) matching.hidden = !(chosen && chosen === boxes().length);
    };
    bulk.addEventListener("change", (event) => {
      if (event.target === all) boxes().forEach((b) => { b.checked = all.checked; });
      update();
    });
  }

  // Settings: filter blocks as the user types.
  const search = document.querySelector("[data-settings-search]");
  if (search) {
    search.addEventListener("input", () => {
      const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      document.querySelectorAll(".settings-section").forEach((section) => {
        let visible = 0;
        section.querySelectorAll(".settings-block").forEach((block) => {
          const text = (block.dataset.search + " " + block.textContent).toLowerCase();
          const match = words.every((w) => text.includes(w));
          block.hidden = !match;
          if (match) visible += 1;
        });
        section.hidden = visible === 0;
        shown += visible;
      });
      document.querySelector("[data-settings-empty]").hidden = shown !== 0;
    });
  }

  // data-toggle="#id": show an element while a checkbox is ticked.
  function applyToggles(root) {
    root.querySelectorAll("input[data-toggle]").forEach((box) => {
      const target = document.querySelector(box.dataset.toggle);
      if (target) target.hidden = !box.checked;
    });
  }
  // data-show-if="name=value" (or "name!=value"): show an element only while
  // its form's field ``name`` (radio buttons or a select) has (or has not) that
  // value: Twilio's fields when Twilio is the gateway.
  function applyShowIf(root) {
    root.querySelectorAll("[data-show-if]").forEach((element) => {
      const [, name, not, value] = element.dataset.showIf.match(/^([^!=]+)(!?)=(.*)$/) || [];
      const form = element.closest("form");
      const field = name && form && form.elements[name];
      if (field) element.hidden = (field.value === value) === !!not;
    });
  }
  document.addEventListener("change", (e) => {
    if (e.target.matches("input[data-toggle]")) applyToggles(document);
    if (e.target.form && e.target.name) applyShowIf(e.target.form);
  });
  applyToggles(document);
  applyShowIf(document);

  // Phone menu: the button opens and closes the app list; Escape closes it.
  const menuToggle = document.querySelector("[data-menu-toggle]");
  if (menuToggle) {
    const topbar = menuToggle.closest(".topbar");
    const setOpen = (open) => {
      topbar.classList.toggle("open", open);
      menuToggle.setAttribute("aria-expanded", open ? "true" : "false");
    };
    menuToggle.addEventListener("click", () => setOpen(!topbar.classList.contains("open")));
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && topbar.classList.contains("open")) { setOpen(false); menuToggle.focus(); }
    });
  }

  // data-progress="42" (a bar's width, in %) and data-place="left top width
  // height" (in %, a box drawn over an image) are applied here, on every
  // element however it arrives: the Content-Security-Policy refuses style="".
  function applyGeometry(root) {
    const found = Array.from(root.querySelectorAll("[data-progress], [data-place]"));
    if (root.matches && root.matches("[data-progress], [data-place]")) found.push(root);
    for (const el of found) {
      if (el.dataset.progress !== undefined) el.style.width = (parseFloat(el.dataset.progress) || 0) + "%";
      if (el.dataset.place) {
        const [left, top, width, height] = el.dataset.place.split(" ").map((v) => (parseFloat(v) || 0) + "%");
        Object.assign(el.style, { left, top, width, height });
      }
    }
  }
  applyGeometry(document);
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) if (node.nodeType === 1) applyGeometry(node);
      if (change.type === "attributes") applyGeometry(change.target);
    }
  }).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-progress", "data-place"] });

  // Lists become cards on a phone: each cell is labelled by its column (CSS reads data-label).
  function labelCells(root) {
    root.querySelectorAll("table.list").forEach((table) => {
      const heads = Array.from(table.querySelectorAll(":scope > thead > tr > th")).map((th) => th.textContent.trim());
      if (!heads.length) return;
      table.querySelectorAll(":scope > tbody > tr").forEach((row) => {
        Array.from(row.children).forEach((cell, i) => {
          if (heads[i] && !cell.hasAttribute("data-label") && !cell.hasAttribute("colspan")) cell.dataset.label = heads[i];
        });
      });
    });
  }
  labelCells(document);
  document.addEventListener("host:loaded", (e) => labelCells(e.target));
  document.addEventListener("host:polled", (e) => labelCells(e.target.parentNode || document));

  // data-autosubmit: a select that submits its form when changed (filters).
  document.addEventListener("change", (e) => {
    if (e.target.matches("select[data-autosubmit]")) e.target.form.requestSubmit();
  });
  // data-action-template="/x/0" with data-action-field="name": the form posts
  // to the template with its last /0 replaced by the chosen value (a record picked in a select).
  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (!form.dataset.actionTemplate) return;
    const value = form.elements[form.dataset.actionField].value;
    const template = form.dataset.actionTemplate, at = template.lastIndexOf("/0");
    form.action = template.slice(0, at) + "/" + encodeURIComponent(value) + template.slice(at + 2);
  }, true);

  window.host = { toast: toast, request: request, openDialog: openDialog, refreshChatter: refreshChatter };
})();
