// The countdown: the server's deadline and clock decide; the browser only displays them.

import { api, OfflineError } from "./api.js";
import { plural } from "./ui.js";

const WARNINGS = [60, 600]; // seconds left at which the candidate is warned, most urgent first
const RESYNC_MS = 60_000;

export function formatRemaining(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

function warningText(left) {
  const minutes = Math.max(1, Math.ceil(left / 60_000));
  return `${plural(minutes, "minute")} left. Your work saves itself and is submitted automatically at the deadline.`;
}

export class Clock {
  constructor({ url, deadline, element, onWarning, onExpire, onClosed }) {
    this.url = url;
    this.deadline = Date.parse(deadline);
    this.offset = 0; // server time minus local time, in ms
    this.element = element;
    this.onWarning = onWarning;
    this.onExpire = onExpire;
    this.onClosed = onClosed;
    this.warned = new Set();
    this.expired = false;
  }

  start() {
    this.sync();
    this.tick();
    this.ticker = setInterval(() => this.tick(), 250);
    this.syncer = setInterval(() => this.sync(), RESYNC_MS);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.sync();
    });
    window.addEventListener("online", () => this.sync());
  }

  remaining() {
    return this.deadline - (Date.now() + this.offset);
  }

  async sync() {
    const sent = Date.now();
    try {
      const data = await api(this.url);
      const received = Date.now();
      // The server read its clock about halfway through the round trip.
      this.offset = Date.parse(data.server_now) - (sent + received) / 2;
      if (data.deadline_at) this.deadline = Date.parse(data.deadline_at);
      if (data.status !== "started") this.onClosed(data);
      this.tick();
      return data;
    } catch (error) {
      if (!(error instanceof OfflineError)) console.warn("time sync failed", error);
      return null;
    }
  }

  tick() {
    const left = this.remaining();
    this.element.textContent = formatRemaining(left);
    this.element.dataset.level = left <= 60_000 ? "danger" : left <= 600_000 ? "warn" : "ok";
    const due = WARNINGS.find((seconds) => left <= seconds * 1000 && left > 0);
    if (due && !this.warned.has(due)) {
      // Crossing 1 minute also settles the 10-minute warning: announce only the latest.
      WARNINGS.filter((seconds) => seconds >= due).forEach((seconds) => this.warned.add(seconds));
      this.onWarning(warningText(left), due);
    }
    if (left <= 0 && !this.expired) {
      this.expired = true;
      clearInterval(this.ticker);
      this.onExpire();
    }
  }
}
