// Live grading state on an assessment's page: poll while any final submission is being graded.
(function () {
  "use strict";
  const section = document.getElementById("progress");
  if (!section) return;
  const note = document.getElementById("progress-note");
  const CLASSES = { graded: "ok", error: "bad", queued: "warn", running: "warn" };

  function badge(state) {
    const span = document.createElement("span");
    span.className = "badge " + (CLASSES[state] || "");
    span.textContent = state.replace("_", " ");
    return span;
  }

  function render(rows) {
    for (const row of rows) {
      const tr = section.querySelector('tr[data-attempt="' + row.id + '"]');
      if (!tr) continue;
      const status = tr.querySelector('[data-field="status"]');
      status.replaceChildren(badge(row.status));
      for (const cell of row.items) {
        const td = tr.querySelector('td[data-item="' + cell.item_id + '"]');
        if (!td) continue;
        const parts = [badge(cell.state)];
        if (cell.percent !== null) {
          const pct = document.createElement("span");
          pct.className = "pct";
          pct.textContent = " " + Math.round(cell.percent) + "%";
          parts.push(pct);
        }
        td.replaceChildren(...parts);
      }
      const total = tr.querySelector('[data-field="total"]');
      total.textContent = row.percent === null ? "—" : Math.round(row.percent) + "%";
    }
  }

  let delay = 2000;
  async function poll() {
    try {
      const response = await fetch(section.dataset.url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const data = await response.json();
      render(data.attempts);
      note.textContent = data.pending ? "Grading in progress: this table updates by itself." : "";
      delay = data.pending ? 2000 : 15000;
    } catch (err) {
      note.textContent = "Cannot reach the server; retrying…";
      delay = Math.min(delay * 2, 30000);
    }
    setTimeout(poll, delay);
  }
  setTimeout(poll, section.dataset.pending === "true" ? 1000 : 5000);
})();
