// Before finishing: which challenges were never opened, or are still the starter files.

import { listing, plural } from "./ui.js";

/** The challenges this browser has shown, kept across reloads (best effort). */
export class OpenedChallenges {
  constructor(key) {
    this.key = key;
    this.ids = read(key);
  }

  has(id) {
    return this.ids.has(id);
  }

  add(id) {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    try {
      localStorage.setItem(this.key, JSON.stringify([...this.ids]));
    } catch (error) {
      /* storage full or disabled: the warning may then list a challenge seen on this page */
    }
  }
}

function read(key) {
  try {
    const ids = JSON.parse(localStorage.getItem(key) || "[]");
    return new Set(Array.isArray(ids) ? ids.filter(Number.isInteger) : []);
  } catch (error) {
    return new Set();
  }
}

/** Return sentences about work left undone among `entries` (not yet submitted); [] if none. */
export function undoneWarnings(entries, opened) {
  const unopened = entries.filter((e) => !opened.has(e.id));
  const untouched = entries.filter((e) => opened.has(e.id) && e.saver.revision === 0 && !e.saver.dirty);
  const warnings = [];
  if (unopened.length) {
    warnings.push(`You have not opened ${plural(unopened.length, "challenge")}: ${listing(unopened.map((e) => e.title))}.`);
  }
  if (untouched.length) {
    warnings.push(`You have not changed ${listing(untouched.map((e) => e.title))} from the starter files.`);
  }
  if (warnings.length) {
    const one = unopened.length + untouched.length === 1;
    warnings.push(`${one ? "It would be submitted as it is" : "They would be submitted as they are"}, which usually scores nothing.`);
  }
  return warnings;
}
