// The Sign page's editor: a click on a page places the chosen signer's field
// there (POSTed with the toolbar's CSRF token); × removes one. After each
// change the parts of the page marked data-sign-live are fetched again, so
// the boxes, the problems and the Send button follow without a reload.
(function () {
  "use strict";
  const toolbar = document.querySelector("[data-sign-editor]");
  if (!toolbar) return;
  const errorBox = toolbar.querySelector("[data-sign-error]");

  function showError(message) {
    errorBox.textContent = message || "";
    errorBox.hidden = !message;
  }

  async function refresh() {
    const answer = await fetch(window.location.href, { headers: { "X-Requested-With": "fetch" } });
    const html = new DOMParser().parseFromString(await answer.text(), "text/html");
    document.querySelectorAll("[data-sign-live]").forEach((element) => {
      const fresh = html.getElementById(element.id);
      if (fresh) element.replaceWith(fresh);
    });
  }

  async function post(url, body) {
    const answer = await fetch(url, {
      method: "POST",
      body: body,
      headers: { "X-Requested-With": "fetch" },
    });
    const data = await answer.json().catch(() => ({ error: "The server did not answer." }));
    if (!answer.ok || data.error) throw new Error(data.error || "The change was refused.");
    return data;
  }

  document.addEventListener("click", async (event) => {
    const image = event.target.closest(".sign-page[data-placeable] img");
    if (!image) return;
    const figure = image.closest(".sign-page");
    const rect = image.getBoundingClientRect();
    const width = parseFloat(figure.dataset.width);
    const height = parseFloat(figure.dataset.height);
    const body = new FormData(toolbar);
    body.set("page", figure.dataset.page);
    body.set("x", (((event.clientX - rect.left) / rect.width) * width).toFixed(2));
    body.set("y", (((event.clientY - rect.top) / rect.height) * height).toFixed(2));
    try {
      await post(toolbar.action, body);
      showError("");
      await refresh();
    } catch (error) {
      showError(error.message);
    }
  });

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!form.matches("[data-sign-remove], [data-sign-editor]")) return;
    event.preventDefault();
    try {
      await post(form.action, new FormData(form));
      showError("");
      await refresh();
    } catch (error) {
      showError(error.message);
    }
  });
})();
