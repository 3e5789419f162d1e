// Integrity signals for reviewers, disclosed on the landing page: paste sizes and focus changes.
// Best effort: a lost event never blocks the candidate.

import { api, OfflineError } from "./api.js";

export class Telemetry {
  constructor(url) {
    this.url = url;
    this.queue = [];
    this.sending = false;
    this.awaySince = null;
    this.enabled = true;
  }

  watchFocus() {
    window.addEventListener("blur", () => {
      if (this.awaySince !== null) return;
      this.awaySince = Date.now();
      this.record("focus_lost");
    });
    window.addEventListener("focus", () => {
      if (this.awaySince === null) return;
      const awayMs = Date.now() - this.awaySince;
      this.awaySince = null;
      this.record("focus_regained", null, { away_ms: awayMs });
    });
  }

  paste(itemId, size) {
    this.record("paste", itemId, { size });
  }

  record(kind, itemId = null, data = {}) {
    if (!this.enabled) return;
    this.queue.push({ kind, item_id: itemId, data });
    this.send();
  }

  async send() {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length && this.enabled) {
        try {
          await api(this.url, { method: "POST", body: this.queue[0] });
          this.queue.shift();
        } catch (error) {
          if (error instanceof OfflineError) {
            setTimeout(() => this.send(), 10_000);
            return;
          }
          this.queue.shift(); // refused (closed, quota): drop it rather than retry forever
        }
      }
    } finally {
      this.sending = false;
    }
  }

  stop() {
    this.enabled = false;
  }
}
