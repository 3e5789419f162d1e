// Autosave of one challenge: every few seconds while dirty, on blur, and before the page goes.
// Each save carries the revision it was based on; the server refuses a stale one (409), so a
// forgotten tab can never overwrite newer work. A copy also waits in localStorage until the
// server has it, so closing the tab while offline loses nothing.

import { api, ApiError, OfflineError } from "./api.js";
import { sizeProblem } from "./limits.js";

const INTERVAL_MS = 3000;
const MAX_BACKOFF_MS = 30_000;

export class Saver {
  constructor({ url, revision, getFiles, backupKey, onChange, limits }) {
    this.url = url;
    this.limits = limits; // { file_bytes, total_bytes } from the server
    this.revision = revision;
    this.getFiles = getFiles;
    this.backupKey = backupKey;
    this.onChange = onChange;
    this.seq = 0; // bumped on every edit
    this.savedSeq = 0; // the edit the server last confirmed
    this.state = "saved"; // saved | dirty | saving | offline | conflict | rejected | closed
    this.message = "";
    this.serverSaid = ""; // why the server could not take the last save, in its words
    this.inflight = null;
    this.retryAt = 0;
    this.backoff = 2000;
    this.timer = setInterval(() => this.tick(), INTERVAL_MS);
  }

  get dirty() {
    return this.seq !== this.savedSeq;
  }

  edited() {
    this.seq += 1;
    this.writeBackup();
    // A rejected save may be fixed by this very edit: try again.
    if (this.state === "saved" || this.state === "rejected") this.set("dirty");
  }

  /** Save now unless blocked; resolves true when the server holds the current files. */
  async flush({ keepalive = false } = {}) {
    if (this.inflight) await this.inflight.catch(() => {});
    if (!this.dirty) return true;
    if (["conflict", "closed", "rejected"].includes(this.state)) return false;
    this.inflight = this.save(keepalive);
    try {
      return await this.inflight;
    } finally {
      this.inflight = null;
    }
  }

  tick() {
    if (!this.dirty || this.inflight) return;
    if (["conflict", "closed", "rejected"].includes(this.state)) return;
    if (this.state === "offline" && Date.now() < this.retryAt) return;
    this.flush();
  }

  retryNow() {
    this.retryAt = 0;
    if (this.state === "offline") this.flush();
  }

  async save(keepalive) {
    const seq = this.seq;
    const files = this.getFiles();
    const tooLarge = sizeProblem(files, this.limits);
    if (tooLarge) {
      this.set("rejected", tooLarge);
      return false;
    }
    this.set("saving");
    try {
      const data = await api(this.url, {
        method: "POST",
        body: { files, revision: this.revision },
        keepalive,
      });
      this.revision = data.revision;
      this.savedSeq = seq;
      this.backoff = 2000;
      if (!this.dirty) this.clearBackup();
      this.set(this.dirty ? "dirty" : "saved");
      return !this.dirty;
    } catch (error) {
      this.fail(error);
      return false;
    }
  }

  fail(error) {
    // Not the save's fault (offline, throttled, a server error): keep it, and send it again.
    if (error instanceof OfflineError || (error instanceof ApiError && (error.status === 429 || error.status >= 500))) {
      const wait = Math.max(this.backoff, error.retryAfterMs || 0);
      this.retryAt = Date.now() + wait;
      this.serverSaid = error instanceof OfflineError && error.fromServer ? error.message : "";
      this.set("offline", error.message, Math.round(wait / 1000));
      this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    } else if (error instanceof ApiError && error.code === "DraftConflict") {
      this.serverRevision = error.body.current_revision;
      this.set("conflict", error.message);
    } else if (error instanceof ApiError && ["AttemptClosed", "ItemSubmitted"].includes(error.code)) {
      this.set("closed", error.message);
    } else {
      this.set("rejected", error.message);
    }
  }

  /** Keep this tab's files: save them on top of the server's newer revision. */
  overwrite() {
    if (this.serverRevision !== undefined) this.revision = this.serverRevision;
    this.seq += 1; // even identical text must go through, to settle the conflict
    this.set("dirty");
    return this.flush();
  }

  /** After loading the server's files into the editor, start again from its revision. */
  reset(revision) {
    this.revision = revision;
    this.savedSeq = this.seq;
    this.clearBackup();
    this.set("saved");
  }

  stop() {
    clearInterval(this.timer);
  }

  set(state, message = "", retryIn = 0) {
    this.state = state;
    this.message = message;
    this.retryIn = retryIn;
    this.onChange(this);
  }

  writeBackup() {
    try {
      const copy = { revision: this.revision, files: this.getFiles(), at: Date.now() };
      localStorage.setItem(this.backupKey, JSON.stringify(copy));
    } catch (error) {
      // Storage full or disabled: the server copy is still the safety net.
    }
  }

  clearBackup() {
    try {
      localStorage.removeItem(this.backupKey);
    } catch (error) {
      /* ignore: see writeBackup */
    }
  }
}

/** Return the unsaved copy this browser kept for a challenge, if any. */
export function readBackup(key) {
  try {
    const copy = JSON.parse(localStorage.getItem(key) || "null");
    return copy && typeof copy.files === "object" && Number.isInteger(copy.revision) ? copy : null;
  } catch (error) {
    return null;
  }
}
