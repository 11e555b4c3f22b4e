// Partner Autocomplete on the contact form: a dropdown of companies under
// Name, VAT Number and Website while typing (debounced), keyboard navigable;
// choosing one fills the empty fields and asks before replacing typed ones.
// URLs come from the script tag's data attributes: no inline code.
(function () {
  "use strict";
  const script = document.currentScript || document.querySelector("script[data-suggest]");
  const form = document.getElementById("contact-form");
  if (!script || !form) return;
  const SUGGEST = script.dataset.suggest;
  const PICK = script.dataset.pick;
  const DELAY = 250;
  const FIELDS = ["name", "vat", "street", "street2", "zip", "city", "country", "phone", "email", "website"];
  const isCompany = form.querySelector("#is_company");
  const country = form.querySelector("#country");
  const send = (url, options) => (window.host ? window.host.request(url, options) : fetch(url, options));
  const toast = (text, kind) => window.host && window.host.toast(text, kind);

  function panel() {
    let box = form.querySelector(".pa-panel");
    if (!box) {
      box = document.createElement("div");
      box.className = "pa-panel";
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", "Partner Autocomplete");
      form.insertBefore(box, form.querySelector(".title-row"));
    }
    return box;
  }

  function clearPanel() {
    const box = form.querySelector(".pa-panel");
    if (box) box.remove();
  }

  function fieldInput(name) {
    return form.querySelector("#" + name);
  }

  function setValue(name, value) {
    const input = fieldInput(name);
    if (!input) return;
    input.value = value;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function showConflicts(conflicts) {
    if (!conflicts.length) return;
    const box = panel();
    const list = document.createElement("div");
    list.className = "pa-conflicts";
    const title = document.createElement("p");
    title.textContent = "These fields already hold a value:";
    list.appendChild(title);
    conflicts.forEach((c) => {
      const row = document.createElement("div");
      row.className = "pa-conflict";
      row.dataset.conflict = c.field;
      const text = document.createElement("span");
      text.textContent = c.label + ": " + c.mine + " → " + c.suggested;
      const keep = document.createElement("button");
      keep.type = "button";
      keep.className = "btn";
      keep.textContent = "Keep mine";
      const use = document.createElement("button");
      use.type = "button";
      use.className = "btn btn-primary";
      use.textContent = "Use suggested";
      keep.addEventListener("click", () => { row.remove(); tidy(list); });
      use.addEventListener("click", () => { setValue(c.field, c.suggested); row.remove(); tidy(list); });
      row.append(text, keep, use);
      list.appendChild(row);
    });
    box.appendChild(list);
  }

  function tidy(list) {
    if (!list.querySelector(".pa-conflict")) {
      list.remove();
      const box = form.querySelector(".pa-panel");
      if (box && !box.children.length) box.remove();
    }
  }

  async function choose(company) {
    clearPanel();
    const data = new FormData();
    data.append("company_id", company.id);
    FIELDS.forEach((name) => {
      const input = fieldInput(name);
      data.append(name, input ? input.value : "");
    });
    const response = await send(PICK, { method: "POST", body: data });
    const answer = await response.json().catch(() => ({ error: "The server did not answer." }));
    if (response.status === 402 && answer.insufficient) {
      const box = panel();
      box.innerHTML = answer.insufficient; // rendered by the server's own template
      return;
    }
    if (!response.ok) { toast(answer.error || "Not done", "error"); return; }
    Object.entries(answer.fill).forEach(([name, value]) => setValue(name, value));
    let hidden = form.querySelector('input[name="partner_autocomplete_company"]');
    if (!hidden) {
      hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "partner_autocomplete_company";
      form.appendChild(hidden);
    }
    hidden.value = answer.company_id;
    showConflicts(answer.conflicts);
    toast(answer.message, "success");
  }

  function attach(input, field) {
    const holder = input.closest(".field-input") || input.parentNode;
    holder.classList.add("pa-holder");
    const list = document.createElement("ul");
    list.className = "pa-dropdown";
    list.id = "pa-list-" + field;
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Matching companies");
    list.hidden = true;
    holder.appendChild(list);
    const note = document.createElement("p");
    note.className = "pa-note";
    note.setAttribute("aria-live", "polite");
    note.hidden = true;
    holder.parentNode.appendChild(note);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    let timer = null;
    let items = [];
    let active = -1;
    let asked = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      const rows = list.querySelectorAll("[role=option]");
      if (!rows.length) return;
      active = (index + rows.length) % rows.length;
      rows.forEach((row, i) => row.setAttribute("aria-selected", i === active ? "true" : "false"));
      input.setAttribute("aria-activedescendant", rows[active].id);
      rows[active].scrollIntoView({ block: "nearest" });
    }

    function say(text, kind) {
      note.textContent = text || "";
      note.className = "pa-note" + (kind ? " " + kind : "");
      note.hidden = !text;
    }

    function render(answer) {
      list.replaceChildren();
      items = answer.suggestions || [];
      if (field === "vat") {
        say(answer.vat_error || answer.vies || "", answer.vat_error ? "field-error" : "muted");
      } else {
        say(answer.error && input.value.trim().length >= 3 ? answer.error : "", "muted");
      }
      if (!items.length) { close(); return; }
      items.forEach((company, i) => {
        const row = document.createElement("li");
        row.id = list.id + "-" + i;
        row.setAttribute("role", "option");
        row.setAttribute("aria-selected", "false");
        row.dataset.companyId = company.id;
        const badge = document.createElement("span");
        badge.className = "pa-initials";
        badge.setAttribute("aria-hidden", "true");
        badge.textContent = company.initials;
        badge.style.setProperty("--pa-hue", company.hue);
        const text = document.createElement("span");
        text.className = "pa-text";
        const name = document.createElement("strong");
        name.textContent = company.name;
        const place = document.createElement("span");
        place.className = "muted";
        place.textContent = [company.place, company.vat].filter(Boolean).join(" · ");
        text.append(name, place);
        row.append(badge, text);
        row.addEventListener("mousedown", (event) => { event.preventDefault(); close(); choose(company); });
        list.appendChild(row);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    async function ask() {
      const value = input.value.trim();
      if (isCompany && !isCompany.checked) { close(); say(""); return; }
      if (value.length < 3) { close(); say(""); return; }
      const ticket = ++asked;
      const params = new URLSearchParams({ q: value, field: field, country: country ? country.value : "" });
      const response = await send(SUGGEST + "?" + params.toString(), {});
      if (ticket !== asked || !response.ok) return; // a newer keystroke won
      render(await response.json());
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY);
    });
    input.addEventListener("keydown", (event) => {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        const company = items[active];
        close();
        choose(company);
      } else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
  }

  [["name", "name"], ["vat", "vat"], ["website", "website"]].forEach(([id, field]) => {
    const input = fieldInput(id);
    if (input) attach(input, field);
  });
})();
