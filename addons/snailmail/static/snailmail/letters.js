// The Letters list: every 2 s, one request for the rows still on their way
// (not one per row), until every row shown is final.
(function () {
  "use strict";
  const table = document.querySelector("[data-letter-states]");
  if (!table) return;
  const url = table.dataset.letterStates;
  const interval = parseInt(table.dataset.pollInterval || "2000", 10);

  function moving() {
    return Array.from(table.querySelectorAll("tr[data-letter]:not([data-final])"));
  }

  async function refresh() {
    const rows = moving();
    if (!rows.length) return;
    const ids = rows.map((row) => row.dataset.letter).join(",");
    try {
      const response = await fetch(`${url}?ids=${ids}`, {
        headers: { "X-Requested-With": "fetch", Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok) {
        const answer = await response.json();
        for (const row of rows) {
          const fresh = answer.letters[row.dataset.letter];
          if (!fresh) continue;
          row.innerHTML = fresh.html;
          if (fresh.final) row.dataset.final = "";
        }
        table.dispatchEvent(new CustomEvent("host:polled", { bubbles: true }));
      }
    } catch (error) {
      // The server is out of reach for a moment: the next round tries again.
    }
    setTimeout(refresh, interval);
  }

  setTimeout(refresh, interval);
})();
