// The assessment composer, without round trips: reorder and remove challenge rows in place,
// and keep the weights' shares and the time summary current. Without this script the same
// buttons ask the server, which answers with the rearranged form.
(function () {
  "use strict";
  const form = document.getElementById("compose-form");
  if (!form) return;
  const table = document.getElementById("compose-items");
  const summary = document.getElementById("time-summary");
  const warning = document.getElementById("time-warning");
  const overBudget = document.getElementById("budget-warning");
  const duration = form.querySelector('input[name="duration_minutes"]');
  const budget = form.querySelector('input[name="time_budget_minutes"]');

  function rows() {
    return table ? Array.from(table.tBodies[0].rows) : [];
  }

  // FieldList reads rows in index order: items-0-slug, items-1-slug, ...
  function renumber() {
    rows().forEach(function (tr, index) {
      tr.querySelector(".position").textContent = String(index + 1);
      tr.querySelectorAll("input, label").forEach(function (el) {
        for (const attr of ["name", "id", "for"]) {
          const value = el.getAttribute(attr);
          if (value) el.setAttribute(attr, value.replace(/^items-\d+-/, "items-" + index + "-"));
        }
      });
      tr.querySelectorAll('button[name="op"]').forEach(function (button) {
        const action = button.value.split("-")[0];
        button.value = action + "-" + index;
        if (action === "up") button.disabled = index === 0;
        if (action === "down") button.disabled = index === rows().length - 1;
      });
    });
  }

  function number(input) {
    const value = parseFloat(input && input.value);
    return Number.isFinite(value) && value > 0 ? value : 0;
  }

  function refresh() {
    const all = rows();
    const weights = all.map(function (tr) { return number(tr.querySelector("input.weight")); });
    const total = weights.reduce(function (a, b) { return a + b; }, 0);
    all.forEach(function (tr, i) {
      tr.querySelector(".share").textContent =
        total && weights[i] ? Math.round((100 * weights[i]) / total) + "%" : "—";
    });
    if (!summary) return;
    const minutes = table
      ? all.reduce(function (sum, tr) { return sum + Number(tr.dataset.minutes || 0); }, 0)
      : Number(summary.querySelector('[data-field="minutes"]').textContent);
    summary.querySelector('[data-field="minutes"]').textContent = String(minutes);
    const part = summary.querySelector('[data-field="budget-part"]');
    part.replaceChildren();
    if (number(budget)) {
      const strong = document.createElement("strong");
      strong.textContent = String(number(budget));
      part.append("; you plan ", strong);
    }
    const limit = duration ? number(duration) : Number(summary.dataset.duration || 0);
    warning.hidden = !(limit && minutes > limit);
    overBudget.hidden = !(limit && number(budget) > limit);
  }

  // A removed challenge goes back into the "Add a challenge" list.
  function offerAgain(tr) {
    const select = form.querySelector('select[name="add"]');
    const slug = tr.querySelector('input[name$="-slug"]');
    const title = tr.querySelector("td a");
    if (!select || !slug || !title) return;
    const option = document.createElement("option");
    option.value = slug.value;
    option.textContent = title.textContent + " · " + tr.dataset.minutes + " min";
    select.append(option);
  }

  if (table) {
    table.addEventListener("click", function (event) {
      const button = event.target.closest('button[name="op"]');
      if (!button) return;
      event.preventDefault();
      const tr = button.closest("tr");
      const action = button.value.split("-")[0];
      if (action === "up" && tr.previousElementSibling) {
        tr.parentNode.insertBefore(tr, tr.previousElementSibling);
      } else if (action === "down" && tr.nextElementSibling) {
        tr.parentNode.insertBefore(tr.nextElementSibling, tr);
      } else if (action === "remove") {
        const next = tr.nextElementSibling || tr.previousElementSibling;
        offerAgain(tr);
        tr.remove();
        if (next) next.querySelector('button[name="op"]').focus();
      }
      renumber();
      refresh();
      if (action !== "remove") button.focus();
    });
  }
  form.addEventListener("input", refresh);
})();
