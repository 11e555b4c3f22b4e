// Field widgets (host.FieldWidget): type-ahead suggestions on a form's input.
// The form marks the input with data-widget="autocomplete" and
// data-suggest-url; this file does the rest, so pages carry no inline script.
// Endpoint: GET url?q=<text>&field=<name>[&<data-suggest-with fields>=<value>]
// -> {"suggestions": [{label, detail, values, choose?, image?, initials?}]}; a
// suggestion with "choose" is POSTed on choice and answers {"values": {...}}
// (or {"error": "..."}). data-suggest-when="<check box>": suggest only while
// that box of the form is ticked.
(function () {
  "use strict";
  const DEBOUNCE_MS = 250;
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  let counter = 0;

  function request(url, options) {
    options = options || {};
    options.headers = Object.assign(
      { "X-Requested-With": "fetch", "X-CSRF-Token": csrf(), Accept: "application/json" },
      options.headers || {}
    );
    options.credentials = "same-origin";
    return fetch(url, options);
  }

  function notify(message, kind) {
    if (window.host && window.host.toast) window.host.toast(message, kind);
  }

  // Per input: its list, the suggestions shown, the active one, the last query.
  const states = new WeakMap();

  function state(input) {
    let s = states.get(input);
    if (s) return s;
    const list = document.createElement("ul");
    list.className = "widget-suggestions";
    list.id = "widget-list-" + (++counter);
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.dataset.suggestLabel || "Suggestions");
    list.hidden = true;
    input.setAttribute("aria-controls", list.id);
    input.insertAdjacentElement("afterend", list);
    list.addEventListener("mousedown", (event) => {
      // mousedown, not click: the input must not lose focus and close the list first.
      const option = event.target.closest("[role=option][data-index]");
      if (!option) return;
      event.preventDefault();
      choose(input, s.items[Number(option.dataset.index)]);
    });
    s = { list: list, items: [], active: -1, timer: null, seq: 0, controller: null };
    states.set(input, s);
    return s;
  }

  function close(input) {
    const s = states.get(input);
    if (!s) return;
    s.list.hidden = true;
    s.active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function render(input, items, message) {
    const s = state(input);
    s.items = items;
    s.active = -1;
    s.list.replaceChildren();
    items.forEach((item, index) => {
      const li = document.createElement("li");
      li.id = s.list.id + "-" + index;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.index = String(index);
      if (item.image || item.initials) {
        li.classList.add("with-avatar");
        li.appendChild(avatar(item));
      }
      const label = document.createElement("span");
      label.className = "widget-label";
      label.textContent = item.label;  // text, never HTML: suggestions come from outside
      li.appendChild(label);
      if (item.detail) {
        const detail = document.createElement("span");
        detail.className = "widget-detail";
        detail.textContent = item.detail;
        li.appendChild(detail);
      }
      s.list.appendChild(li);
    });
    if (!items.length) {
      const li = document.createElement("li");
      li.className = "widget-empty";
      li.setAttribute("role", "option");
      li.setAttribute("aria-disabled", "true");
      li.textContent = message || "No suggestion";
      s.list.appendChild(li);
    }
    s.list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function avatar(item) {
    let element;
    if (item.image) {
      element = document.createElement("img");
      element.src = item.image;
      element.alt = "";
      element.loading = "lazy";
    } else {
      element = document.createElement("span");
      element.textContent = item.initials;
    }
    element.className = "widget-avatar";
    element.setAttribute("aria-hidden", "true");
    return element;
  }

  function wanted(input) {
    const when = input.dataset.suggestWhen;
    if (!when) return true;
    const box = fieldOf(input.form, when);
    return !box || box.checked;
  }

  function context(input) {
    return (input.dataset.suggestWith || "").split(",").filter(Boolean).map((name) => {
      const element = fieldOf(input.form, name);
      const value = element ? String(current(element)) : "";
      return "&" + encodeURIComponent(name) + "=" + encodeURIComponent(value);
    }).join("");
  }

  function move(input, step) {
    const s = states.get(input);
    if (!s || s.list.hidden || !s.items.length) return;
    s.active = (s.active + step + s.items.length) % s.items.length;
    s.list.querySelectorAll("[role=option]").forEach((li, index) => {
      li.setAttribute("aria-selected", index === s.active ? "true" : "false");
    });
    input.setAttribute("aria-activedescendant", s.list.id + "-" + s.active);
  }

  async function lookup(input) {
    const s = state(input);
    const q = input.value.trim();
    if (q.length < Number(input.dataset.suggestMin || "3") || !wanted(input)) { close(input); return; }
    if (s.controller) s.controller.abort();
    s.controller = new AbortController();
    const seq = ++s.seq;
    const url = input.dataset.suggestUrl;
    const full = url + (url.includes("?") ? "&" : "?") +
      "q=" + encodeURIComponent(q) + "&field=" + encodeURIComponent(input.name) + context(input);
    let data;
    try {
      const response = await request(full, { signal: s.controller.signal });
      data = await response.json();
    } catch (error) {
      if (error.name !== "AbortError" && seq === s.seq) render(input, [], "Suggestions are unavailable.");
      return;
    }
    if (seq !== s.seq || document.activeElement !== input) return;  // a newer query, or the user left
    if (data.error) { render(input, [], data.error); return; }
    render(input, data.suggestions || [], data.message);
  }

  function fieldOf(form, name) {
    return form ? form.elements.namedItem(name) : null;
  }

  function current(element) {
    return element.type === "checkbox" ? element.checked : element.value.trim();
  }

  function assign(element, value) {
    if (element.type === "checkbox") element.checked = value === true || value === "true" || value === "1";
    else element.value = value == null ? "" : String(value);
    element.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function labelOf(form, element) {
    const label = element.id && form.querySelector('label[for="' + element.id + '"]');
    return label ? label.textContent.trim() : element.name;
  }

  // Fill the form; a field that already holds another value is replaced only
  // if the user agrees (one question for all of them).
  function fill(input, values) {
    const form = input.form;
    const empty = [], conflicts = [];
    Object.keys(values).forEach((name) => {
      const element = fieldOf(form, name);
      if (!element || element.type === "hidden" || element.disabled) return;
      const value = values[name];
      if (value === null || value === undefined || value === "") return;
      const now = current(element);
      if (element === input || now === "" || now === false) empty.push([element, value]);
      else if (String(now) !== String(value).trim() && element.type !== "checkbox") conflicts.push([element, value]);
    });
    let replace = false;
    if (conflicts.length) {
      const lines = conflicts.map(([element, value]) =>
        labelOf(form, element) + ": " + current(element) + " → " + value);
      replace = window.confirm("Replace what is already filled in?\n\n" + lines.join("\n"));
    }
    empty.forEach(([element, value]) => assign(element, value));
    if (replace) conflicts.forEach(([element, value]) => assign(element, value));
    input.dispatchEvent(new CustomEvent("host:widget-filled", {
      bubbles: true,
      detail: { filled: empty.length + (replace ? conflicts.length : 0), kept: replace ? 0 : conflicts.length },
    }));
  }

  async function choose(input, item) {
    close(input);
    if (!item) return;
    if (!item.choose) { fill(input, item.values || {}); return; }
    input.setAttribute("aria-busy", "true");
    try {
      const response = await request(item.choose, { method: "POST" });
      const data = await response.json().catch(() => ({ error: "The choice could not be completed." }));
      // An addon's script may take the answer over (ask field by field, show
      // a prompt): it calls preventDefault() on this event.
      const taken = !input.dispatchEvent(new CustomEvent("host:widget-chosen", {
        bubbles: true, cancelable: true, detail: { status: response.status, data: data, item: item },
      }));
      if (taken) return;
      if (!response.ok || data.error) { notify(data.error || "The choice could not be completed.", "error"); return; }
      fill(input, Object.assign({}, item.values || {}, data.values || {}));
      if (data.message) notify(data.message, data.kind || "success");
    } catch (error) {
      notify("The choice could not be completed: check the connection.", "error");
    } finally {
      input.removeAttribute("aria-busy");
    }
  }

  const isWidget = (target) => target instanceof HTMLInputElement && target.dataset.widget === "autocomplete";

  document.addEventListener("input", (event) => {
    const input = event.target;
    if (!isWidget(input)) return;
    const s = state(input);
    clearTimeout(s.timer);
    s.timer = setTimeout(() => lookup(input), DEBOUNCE_MS);
  });

  document.addEventListener("keydown", (event) => {
    const input = event.target;
    if (!isWidget(input)) return;
    const s = states.get(input);
    const open = s && !s.list.hidden;
    if (event.key === "ArrowDown") { event.preventDefault(); if (open) move(input, 1); else lookup(input); }
    else if (event.key === "ArrowUp" && open) { event.preventDefault(); move(input, -1); }
    else if (event.key === "Escape" && open) { event.preventDefault(); close(input); }
    else if (event.key === "Enter" && open && s.active >= 0) { event.preventDefault(); choose(input, s.items[s.active]); }
  });

  document.addEventListener("focusout", (event) => {
    if (isWidget(event.target)) close(event.target);
  });
})();
