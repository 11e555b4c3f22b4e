// Partner Autocomplete on the contact form. The dropdown itself is the
// host's field widget (widgets.js); this script takes over what happens when
// a company is chosen: empty fields are filled, a field the user typed in is
// listed with `Keep mine` / `Use suggested`, the company's id goes with the
// form (for the chatter's company card), and a 402 answer shows the same
// `Buy credits` prompt as everywhere. No inline code: loaded as a file.
(function () {
  "use strict";
  const form = document.getElementById("contact-form");
  if (!form) return;
  const toast = (text, kind) => window.host && window.host.toast && window.host.toast(text, kind);

  function panel() {
    let box = form.querySelector(".pa-panel");
    if (!box) {
      box = document.createElement("div");
      box.className = "pa-panel";
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", "Partner Autocomplete");
      form.insertBefore(box, form.firstElementChild.nextSibling);
    }
    box.replaceChildren();
    return box;
  }

  function labelOf(element) {
    const label = element.id && form.querySelector('label[for="' + element.id + '"]');
    return label ? label.textContent.trim() : element.name;
  }

  function assign(element, value) {
    element.value = value;
    element.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function tidy(list) {
    if (list.querySelector(".pa-conflict")) return;
    const box = list.closest(".pa-panel");
    if (box) box.remove();
  }

  function ask(conflicts) {
    const box = panel();
    const list = document.createElement("div");
    list.className = "pa-conflicts";
    const title = document.createElement("p");
    title.textContent = "These fields already hold a value:";
    list.appendChild(title);
    conflicts.forEach(([element, value]) => {
      const row = document.createElement("div");
      row.className = "pa-conflict";
      row.dataset.conflict = element.name;
      const text = document.createElement("span");
      text.textContent = labelOf(element) + ": " + element.value.trim() + " → " + value;
      const keep = document.createElement("button");
      keep.type = "button";
      keep.className = "btn";
      keep.textContent = "Keep mine";
      keep.addEventListener("click", () => { row.remove(); tidy(list); });
      const use = document.createElement("button");
      use.type = "button";
      use.className = "btn btn-primary";
      use.textContent = "Use suggested";
      use.addEventListener("click", () => { assign(element, value); row.remove(); tidy(list); });
      row.append(text, keep, use);
      list.appendChild(row);
    });
    box.appendChild(list);
  }

  document.addEventListener("host:widget-chosen", (event) => {
    const input = event.target;
    if (input.form !== form || !(input.dataset.widgetId || "").startsWith("partner-autocomplete")) return;
    event.preventDefault();
    const { status, data } = event.detail;
    const old = form.querySelector(".pa-panel");
    if (old) old.remove();
    if (status === 402 && data.insufficient) {
      panel().innerHTML = data.insufficient; // the server's own template, not user data
      return;
    }
    if (status >= 400 || data.error) { toast(data.error || "Not done.", "error"); return; }
    const conflicts = [];
    Object.entries(data.values || {}).forEach(([name, value]) => {
      const element = form.elements.namedItem(name);
      if (!element || !value) return;
      const mine = element.value.trim();
      if (element === input || mine === "") assign(element, value);
      else if (mine.toLowerCase() !== String(value).toLowerCase()) conflicts.push([element, value]);
    });
    let hidden = form.querySelector('input[name="partner_autocomplete_company"]');
    if (!hidden) {
      hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "partner_autocomplete_company";
      form.appendChild(hidden);
    }
    hidden.value = data.company_id;
    if (conflicts.length) ask(conflicts);
    if (data.message) toast(data.message, "success");
  });
})();
