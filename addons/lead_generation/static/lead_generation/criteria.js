// The mining request and rule forms: States only for countries whose data
// carries them, and the live maximum cost (asked of the server, which prices
// it with the same function as the charge).
(function () {
  "use strict";
  const form = document.querySelector("#mining-form, #rule-form");
  if (!form) return;
  const row = form.querySelector("[data-states-row]");
  const states = row ? JSON.parse(row.dataset.states || "{}") : {};

  function chosenCountries() {
    const select = form.elements.countries;
    return select ? Array.from(select.selectedOptions).map((o) => o.value) : [];
  }

  function applyStates() {
    if (!row) return;
    const countries = chosenCountries();
    const withStates = countries.filter((c) => (states[c] || []).length);
    row.hidden = withStates.length === 0;
    const select = form.elements.states;
    if (!select) return;
    Array.from(select.options).forEach((option) => {
      const visible = withStates.includes(option.value.split("-")[0]);
      option.hidden = !visible;
      if (!visible) option.selected = false;
    });
  }

  let timer = null;
  async function preview() {
    const target = form.querySelector("[data-max-cost]");
    if (!target || !form.dataset.preview) return;
    const params = new URLSearchParams({
      lead_number: form.elements.lead_number.value || "0",
      search_type: form.elements.search_type.value || "companies",
      contact_number: form.elements.contact_number.value || "0",
    });
    const response = await fetch(form.dataset.preview + "?" + params, { credentials: "same-origin" });
    if (!response.ok) return;
    const answer = await response.json();
    const detail = form.querySelector("[data-cost-detail]");
    if (answer.error) {
      target.textContent = "—";
      if (detail) detail.textContent = answer.error;
    } else {
      target.textContent = String(answer.credits);
      if (detail) detail.textContent = "(" + answer.detail + ")";
    }
  }

  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(preview, 150); });
  form.addEventListener("change", (e) => {
    if (e.target.name === "countries") applyStates();
    clearTimeout(timer); timer = setTimeout(preview, 150);
  });
  applyStates();
  preview();
})();
