// Small accessible UI pieces: alerts, a confirmation dialog and keyboard-operable tab lists.

/** Show a message in the alert region; returns the element so callers can add buttons. */
export function showAlert(region, text, { tone = "info", key = null, polite = false } = {}) {
  if (key) region.querySelector(`[data-key="${key}"]`)?.remove();
  const box = document.createElement("div");
  box.className = `alert alert-${tone}`;
  box.setAttribute("role", polite ? "status" : "alert");
  if (key) box.dataset.key = key;
  const p = document.createElement("p");
  p.textContent = text;
  const close = button("Dismiss", () => box.remove());
  close.className = "link alert-close";
  box.append(p, close);
  region.append(box);
  return box;
}

export function button(label, onClick, className = "") {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  if (className) b.className = className;
  b.addEventListener("click", onClick);
  return b;
}

/** Ask for confirmation in a modal <dialog>; resolves true when the candidate confirms. */
export function confirmDialog(dialog, { title, text, ok }) {
  dialog.querySelector("[data-confirm-title]").textContent = title;
  dialog.querySelector("[data-confirm-text]").textContent = text;
  dialog.querySelector("[data-confirm-ok]").textContent = ok;
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
  });
}

/**
 * Render a tablist of buttons with roving focus (arrows, Home, End), per the ARIA tabs pattern.
 * `tabs` is [{ id, label, note }]; `onSelect(id)` runs when one is chosen.
 */
export function renderTabs(list, tabs, selected, onSelect, controls) {
  list.replaceChildren();
  tabs.forEach((tab) => {
    const b = document.createElement("button");
    b.type = "button";
    b.setAttribute("role", "tab");
    b.id = `tab-${list.id}-${tab.id}`.replace(/[^\w-]/g, "_");
    b.dataset.tab = tab.id;
    b.setAttribute("aria-controls", controls);
    const selectedNow = tab.id === selected;
    b.setAttribute("aria-selected", String(selectedNow));
    b.tabIndex = selectedNow ? 0 : -1;
    b.append(tab.label);
    if (tab.note) {
      const note = document.createElement("span");
      note.className = "tab-note";
      note.textContent = tab.note;
      b.append(" ", note);
    }
    b.addEventListener("click", () => onSelect(tab.id));
    list.append(b);
  });
  list.onkeydown = (event) => {
    const buttons = [...list.querySelectorAll('[role="tab"]')];
    const index = buttons.indexOf(document.activeElement);
    if (index < 0) return;
    const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: buttons.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = buttons[(moves[event.key] + buttons.length) % buttons.length];
    next.focus();
    onSelect(next.dataset.tab);
  };
}

export function selectTab(list, id) {
  list.querySelectorAll('[role="tab"]').forEach((b) => {
    const on = b.dataset.tab === id;
    b.setAttribute("aria-selected", String(on));
    b.tabIndex = on ? 0 : -1;
  });
}

/** "1 minute", "2 minutes": the count with a word that agrees (as assessor/wording.py). */
export function plural(count, singular, pluralForm) {
  return `${count} ${count === 1 ? singular : pluralForm || `${singular}s`}`;
}

/** Join names as a sentence: “A”, “B” and “C”. */
export function listing(names) {
  const quoted = names.map((n) => `“${n}”`);
  return quoted.length < 2 ? quoted.join("") : `${quoted.slice(0, -1).join(", ")} and ${quoted.at(-1)}`;
}
