// The language picker of a challenge written in the candidate's language (a service challenge).

import { button, confirmDialog } from "./ui.js";

/**
 * Shows, for the current challenge, either the picker (no language yet, or changing it) or a
 * "Language: Go · change" line. `onChoose(entry, name)` asks the server and re-renders.
 */
export class LanguageChoice {
  constructor({ picker, bar, dialog, onChoose }) {
    this.picker = picker;
    this.choices = picker.querySelector("[data-language-choices]");
    this.bar = bar;
    this.name = bar.querySelector("[data-language-name]");
    this.change = bar.querySelector("[data-language-change]");
    this.dialog = dialog;
    this.onChoose = onChoose;
    this.changing = null; // the entry whose language is being changed
    this.entry = null;
    this.change.addEventListener("click", () => this.askToChange());
  }

  /** Tell whether this challenge still needs a language before its files can be edited. */
  static needed(entry) {
    return Boolean(entry.languages && entry.languages.length && !entry.language);
  }

  /** Render the picker or the line for `entry`; returns true while the picker replaces the editor. */
  render(entry, locked) {
    this.entry = entry;
    const offered = entry.languages && entry.languages.length > 0;
    const picking = offered && !locked && (!entry.language || this.changing === entry);
    this.picker.hidden = !picking;
    this.bar.hidden = !offered || !entry.language || picking;
    if (entry.language) this.name.textContent = labelOf(entry, entry.language);
    this.change.hidden = locked;
    if (picking) this.renderChoices(entry);
    return picking;
  }

  renderChoices(entry) {
    const buttons = entry.languages.map((lang) => {
      const b = button(lang.label, () => this.choose(entry, lang.name, b), "language-choice");
      b.dataset.language = lang.name;
      if (lang.name === entry.language) b.setAttribute("aria-pressed", "true");
      return b;
    });
    if (this.changing === entry) {
      const keep = button(`Keep ${labelOf(entry, entry.language)}`, () => this.stopChanging(), "link");
      buttons.push(keep);
    }
    this.choices.replaceChildren(...buttons);
  }

  async askToChange() {
    const entry = this.entry;
    const ok = await confirmDialog(this.dialog, {
      title: "Change the language?",
      text: `Nothing is lost: your ${labelOf(entry, entry.language)} files stay saved, and you can come back to them. The tests and the final submission use the language you pick.`,
      ok: "Choose another language",
    });
    if (!ok) return;
    this.changing = entry;
    this.render(entry, false);
    this.choices.querySelector("button")?.focus();
  }

  stopChanging() {
    const entry = this.changing;
    this.changing = null;
    if (entry) this.render(entry, false);
    this.change.focus();
  }

  async choose(entry, name, pressed) {
    const was = this.changing;
    this.changing = null; // the re-render after a successful choice shows the editor
    pressed.disabled = true;
    const ok = await this.onChoose(entry, name);
    if (!ok) this.changing = was;
    pressed.disabled = false;
  }
}

function labelOf(entry, name) {
  const found = entry.languages.find((l) => l.name === name);
  return found ? found.label : name;
}
