// Live dashboard: poll the progress JSON and write its words and figures into the table.
// The server sends every label, rounded percent, deadline and link already made: this script
// formats nothing itself, so a live update always reads exactly as the server's page.
(function () {
  "use strict";
  const section = document.getElementById("progress");
  if (!section) return;
  const body = section.querySelector("tbody");
  const template = document.getElementById("progress-row");
  const note = document.getElementById("progress-note");

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function badge(text, tone) {
    return el("span", "badge " + (tone || ""), text);
  }

  function muted(text) {
    return [document.createElement("br"), el("span", "muted small", text)];
  }

  function fillCandidate(td, row) {
    const name = row.report_url ? el("a", "", row.candidate_name) : el("span", "", row.candidate_name);
    if (row.report_url) name.href = row.report_url;
    td.replaceChildren(name, ...(row.candidate_email ? muted(row.candidate_email) : []));
  }

  function fillRow(tr, row) {
    fillCandidate(tr.querySelector('[data-field="candidate"]'), row);
    tr.querySelector('[data-field="status"]').replaceChildren(
      badge(row.status_label, row.status_tone),
      ...(row.status_detail ? muted(row.status_detail) : [])
    );
    tr.querySelector('[data-field="deadline"]').textContent = row.deadline_text;
    for (const cell of row.items) {
      const td = tr.querySelector('td[data-item="' + cell.item_id + '"]');
      if (!td) continue;
      const parts = [badge(cell.label, cell.tone)];
      if (cell.text) parts.push(document.createTextNode(" "), el("span", "pct", cell.text));
      td.replaceChildren(...parts);
    }
    const skills = row.skill_scores.map(function (s) {
      const span = el("span", "skill");
      span.append(el("span", "skill-name", s.skill), document.createTextNode(" " + s.text));
      return span;
    });
    tr.querySelector('[data-field="skills"]').replaceChildren(
      ...(skills.length ? skills : [el("span", "muted", "—")])
    );
    const total = tr.querySelector('[data-field="total"]');
    total.className = "num total-" + row.total_state;
    total.textContent = row.total_text;
    const decision = tr.querySelector('[data-field="decision"]');
    const badges = row.decisions.map(function (d) { return badge(d.label, d.tone); });
    decision.replaceChildren(...(badges.length ? badges : [el("span", "muted", row.decision_note)]));
  }

  function render(rows) {
    for (const row of rows) {
      let tr = body.querySelector('tr[data-attempt="' + row.id + '"]');
      if (!tr) {
        // A candidate invited since the page loaded: add their row from the page's template.
        tr = template.content.firstElementChild.cloneNode(true);
        tr.dataset.attempt = row.id;
        body.appendChild(tr);
      }
      fillRow(tr, row);
    }
    document.getElementById("progress-empty").hidden = rows.length > 0;
    document.getElementById("progress-table").hidden = rows.length === 0;
  }

  function renderHistogram(histogram) {
    const card = document.getElementById("histogram");
    if (!card) return;
    histogram.bars.forEach(function (bar, index) {
      const rect = card.querySelector('[data-bar="' + index + '"]');
      const label = card.querySelector('[data-count="' + index + '"]');
      rect.setAttribute("y", bar.y);
      rect.setAttribute("height", bar.height);
      rect.querySelector("title").textContent = bar.title;
      label.setAttribute("y", bar.y - 5);
      label.textContent = bar.count ? String(bar.count) : "";
    });
    card.hidden = histogram.total === 0;
  }

  let delay = 2000;
  async function poll() {
    if (document.visibilityState === "hidden") {
      setTimeout(poll, 5000);
      return;
    }
    try {
      const response = await fetch(section.dataset.url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const data = await response.json();
      render(data.attempts);
      renderHistogram(data.histogram);
      note.textContent = data.pending ? "Grading in progress: this table updates by itself." : "";
      delay = data.pending ? 2000 : 10000;
    } catch (err) {
      note.textContent = "Cannot reach the server; retrying…";
      delay = Math.min(delay * 2, 30000);
    }
    setTimeout(poll, delay);
  }
  setTimeout(poll, section.dataset.pending === "true" ? 1000 : 5000);
})();
