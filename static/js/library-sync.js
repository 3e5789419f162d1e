// Follow a library sync while it runs: poll its status, fill in each folder, reload when it ends.
(function () {
  "use strict";
  const section = document.getElementById("sync-run");
  if (!section) return;
  const labels = JSON.parse(section.dataset.labels);
  const states = JSON.parse(section.dataset.states);
  const bar = document.getElementById("sync-bar");
  const line = document.getElementById("sync-line");
  const hint = document.getElementById("hint-queued");
  const badge = section.querySelector('[data-field="state"]');
  const body = section.querySelector("#sync-results tbody");

  function labelled(map, value) {
    return map[value] || [value, ""];
  }

  function code(text) {
    const el = document.createElement("code");
    el.textContent = text;
    return el;
  }

  function row(result) {
    const tr = document.createElement("tr");
    const folder = document.createElement("td");
    if (result.version_id) {
      const link = document.createElement("a");
      link.href = section.dataset.catalog + encodeURIComponent(result.slug);
      link.append(code(result.slug));
      folder.append(link);
    } else {
      folder.append(code(result.slug));
    }
    const outcome = document.createElement("td");
    const [label, tone] = labelled(labels, result.action);
    const span = document.createElement("span");
    span.className = "badge " + tone;
    span.textContent = label;
    outcome.append(span);
    const detail = document.createElement("td");
    detail.className = "small pre-line";
    detail.textContent = result.detail || "";
    tr.append(folder, outcome, detail);
    return tr;
  }

  function render(run) {
    const [label, tone] = labelled(states, run.state);
    badge.className = "badge " + tone;
    badge.textContent = label;
    bar.max = Math.max(run.total, 1);
    bar.value = run.done;
    hint.hidden = run.state !== "queued";
    line.replaceChildren();
    if (run.state === "queued") {
      line.textContent = "Waiting for a worker to start the sync…";
    } else {
      line.append(run.done + " of " + run.total + " folders done");
      if (run.current) line.append("; now syncing ", code(run.current));
      line.append(".");
    }
    body.replaceChildren(...run.results.map(row));
  }

  let delay = 1500;
  async function poll() {
    try {
      const response = await fetch(section.dataset.url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const run = await response.json();
      if (!run.active) {
        window.location.reload(); // the finished page carries the full report and its actions
        return;
      }
      render(run);
      delay = 1500;
    } catch (err) {
      line.textContent = "Cannot reach the server; retrying…";
      delay = Math.min(delay * 2, 30000);
    }
    setTimeout(poll, delay);
  }
  setTimeout(poll, delay);
})();
