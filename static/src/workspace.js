// The candidate workspace: challenges, a multi-file editor, autosave, the clock, test runs, submit.

import { api, ApiError, OfflineError } from "./api.js";
import { readBackup, Saver } from "./autosave.js";
import { Clock } from "./clock.js";
import { createView, fileState, lockedState, lockView, replaceText } from "./editor.js";
import { OpenedChallenges, undoneWarnings } from "./finishing.js";
import { LanguageChoice } from "./languages.js";
import { Runner } from "./runner.js";
import { offerWrapToggles } from "./statement.js";
import { Telemetry } from "./telemetry.js";
import { button, confirmDialog, renderTabs, selectTab, showAlert } from "./ui.js";

const SAVE_TEXT = {
  saved: "All changes saved",
  dirty: "Unsaved changes…",
  saving: "Saving…",
  offline: "Offline: your changes are kept in this browser",
  conflict: "Not saved: changed in another tab",
  rejected: "Not saved",
};
const PRIORITY = ["conflict", "rejected", "offline", "saving", "dirty", "saved"];

const $ = (id) => document.getElementById(id);

class Workspace {
  constructor(root, data) {
    this.root = root;
    this.base = root.dataset.baseUrl;
    this.attemptId = data.attempt_id;
    this.ended = false;
    this.applying = false; // set while the code itself replaces text, so it is not an "edit"
    this.el = {
      timer: $("timer"), saveState: $("save-state"), retry: $("retry-save"), finish: $("finish"),
      alerts: $("alerts"), fileTabs: $("file-tabs"), modeTabs: $("mode-tabs"), fileNote: $("file-note"),
      editor: $("editor"), preview: $("preview"), run: $("run-tests"), submit: $("submit-item"),
      itemState: $("item-state"), dialog: $("confirm"), resultsJump: $("results-jump"),
      results: $("results"),
    };
    this.limits = data.limits;
    this.languages = new LanguageChoice({
      picker: $("language-picker"), bar: $("language-bar"), dialog: this.el.dialog,
      onChoose: (entry, name) => this.chooseLanguage(entry, name),
    });
    this.opened = new OpenedChallenges(`assessor:${this.attemptId}:opened`);
    this.telemetry = new Telemetry(`${this.base}/api/events`);
    this.runner = new Runner({
      runUrl: (itemId) => `${this.base}/api/items/${itemId}/runs`,
      statusUrl: (runId) => `${this.base}/api/runs/${runId}`,
      elements: {
        section: $("results"), state: $("run-state"), list: $("test-list"),
        output: $("run-output"), stdout: $("run-stdout"),
      },
      onBusy: () => this.renderButtons(),
      onClosed: (message) => this.end(message),
      onState: (text, tone) => this.renderJump(text, tone),
      limits: data.limits,
    });
    this.items = new Map(data.items.map((item) => [item.id, this.prepare(item)]));
    this.current = this.items.get(data.items[0].id);
    this.view = createView(this.el.editor, this.current.states.get(this.current.path));
    this.shown = { entry: this.current, path: this.current.path }; // what the view displays
    this.clock = new Clock({
      url: `${this.base}/api/time`,
      deadline: data.deadline_at,
      element: this.el.timer,
      onWarning: (text, seconds) => showAlert(this.el.alerts, text, { tone: seconds <= 60 ? "bad" : "warn", key: "time" }),
      onExpire: () => this.end("Time is up. Your saved work is being submitted…"),
      onClosed: () => this.end("This assessment has ended."),
    });
  }

  start() {
    this.wire();
    for (const entry of this.items.values()) this.restoreBackup(entry);
    this.select(this.current.id);
    for (const entry of this.items.values()) {
      if (entry.last_run_id) this.runner.resume(entry.id, entry.last_run_id);
    }
    this.clock.start();
    this.telemetry.watchFocus();
    this.renderSaveState();
    this.root.dataset.ready = "true";
  }

  prepare(item) {
    const entry = { ...item, states: new Map(), mode: "write" };
    this.loadFiles(entry);
    entry.saver = new Saver({
      url: `${this.base}/api/items/${item.id}/draft`,
      revision: item.revision,
      getFiles: () => this.editableFiles(entry),
      backupKey: `assessor:${this.attemptId}:${item.id}`,
      onChange: (saver) => this.saverChanged(entry, saver),
      limits: this.limits,
    });
    // Work on the server shows the challenge was opened, on this machine or another.
    if (item.revision > 0 || item.submitted || item.last_run_id) this.opened.add(item.id);
    if (item.submitted) entry.saver.stop();
    return entry;
  }

  /** Build an editor state per file; the first editable file is shown first. */
  loadFiles(entry) {
    entry.states = new Map();
    const first = entry.files.find((f) => f.editable) || entry.files[0];
    entry.path = first ? first.path : null;
    for (const file of entry.files) entry.states.set(file.path, this.makeState(entry, file));
  }

  makeState(entry, file) {
    return fileState({
      text: file.text,
      path: file.path,
      language: file.language,
      readOnly: !file.editable || entry.submitted,
      onChange: (state) => {
        entry.states.set(file.path, state);
        if (!this.applying) entry.saver.edited();
      },
      onPaste: (size) => this.telemetry.paste(entry.id, size),
      onBlur: () => entry.saver.flush(),
    });
  }

  wire() {
    document.querySelectorAll(".item-link").forEach((b) => {
      b.addEventListener("click", () => this.select(Number(b.dataset.itemId)));
    });
    this.el.run.addEventListener("click", () => this.runTests());
    this.el.submit.addEventListener("click", () => this.submitItem());
    this.el.finish.addEventListener("click", () => this.finish());
    this.el.retry.addEventListener("click", () => this.items.forEach((e) => e.saver.retryNow()));
    this.el.resultsJump.addEventListener("click", (event) => {
      event.preventDefault();
      this.el.results.scrollIntoView({ block: "start", behavior: "smooth" });
      this.el.results.focus({ preventScroll: true });
    });
    window.addEventListener("online", () => this.items.forEach((e) => e.saver.retryNow()));
    window.addEventListener("offline", () => this.renderSaveState());
    window.addEventListener("blur", () => this.flushAll());
    // Leaving the page: start the save now (keepalive outlives the page); the localStorage
    // copy covers the case where even that does not arrive.
    const leaving = () => {
      for (const e of this.items.values()) if (!e.saver.inflight) e.saver.flush({ keepalive: true });
    };
    window.addEventListener("pagehide", leaving);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") leaving();
    });
    window.addEventListener("beforeunload", (event) => {
      if (!this.ended && [...this.items.values()].some((e) => e.saver.dirty && !e.submitted)) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
    window.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
        event.preventDefault(); // the browser's "save page" would only save this HTML
        this.flushAll();
      }
    });
  }

  // --- Showing a challenge and its files ------------------------------------------------

  select(itemId) {
    const entry = this.items.get(itemId);
    if (!entry) return;
    this.stash();
    this.current = entry;
    this.opened.add(itemId);
    document.querySelectorAll(".item-link").forEach((b) => {
      if (Number(b.dataset.itemId) === itemId) b.setAttribute("aria-current", "true");
      else b.removeAttribute("aria-current");
    });
    document.querySelectorAll(".statement").forEach((s) => {
      s.hidden = Number(s.dataset.itemId) !== itemId;
      if (!s.hidden) offerWrapToggles(s);
    });
    const tabs = entry.files.map((f) => ({ id: f.path, label: f.path, note: f.editable && !entry.submitted ? "" : "read-only" }));
    renderTabs(this.el.fileTabs, tabs, entry.path, (path) => this.showFile(path), "editor");
    // The kind chooses the editor: a Markdown answer gets a Write/Preview switch.
    const markdown = entry.editor === "markdown";
    this.el.modeTabs.hidden = !markdown;
    if (markdown) {
      renderTabs(this.el.modeTabs, [{ id: "write", label: "Write" }, { id: "preview", label: "Preview" }],
        entry.mode, (mode) => this.setMode(mode), "preview");
    }
    if (entry.path) this.showFile(entry.path);
    this.setMode(markdown ? entry.mode : "write");
    // A challenge in the candidate's language shows its picker until a language is chosen.
    const picking = this.languages.render(entry, entry.submitted || this.ended);
    this.el.fileTabs.hidden = picking;
    if (picking) this.el.editor.hidden = this.el.fileNote.hidden = true;
    this.runner.show(itemId);
    this.renderButtons();
  }

  /** Ask the server for `name`, then show that language's files; resolves true on success. */
  async chooseLanguage(entry, name) {
    // The current language's edits must reach the server first: they are not shown afterwards.
    if (!(await entry.saver.flush())) {
      showAlert(this.el.alerts, `The language was not changed: ${entry.saver.message || "your latest changes are not saved yet."}`, { tone: "bad", key: "language" });
      return false;
    }
    let fresh;
    try {
      fresh = await api(`${this.base}/api/items/${entry.id}/language`, { method: "POST", body: { language: name } });
    } catch (error) {
      if (error instanceof ApiError && error.code === "AttemptClosed") this.end(error.message);
      else showAlert(this.el.alerts, `The language was not changed: ${error.message}`, { tone: "bad", key: "language" });
      return false;
    }
    this.useFiles(entry, fresh);
    if (this.current === entry) this.view.focus();
    return true;
  }

  /** Show the files of the item as the server now describes it (another language's). */
  useFiles(entry, fresh) {
    if (this.shown && this.shown.entry === entry) this.shown = null; // its states are replaced
    Object.assign(entry, { language: fresh.language, languages: fresh.languages, files: fresh.files });
    this.loadFiles(entry);
    if (this.current === entry) this.select(entry.id);
  }

  /** Keep the displayed file's state (text, cursor, undo history) before showing another. */
  stash() {
    if (this.shown) this.shown.entry.states.set(this.shown.path, this.view.state);
  }

  isShown(entry, path) {
    return this.shown && this.shown.entry === entry && this.shown.path === path;
  }

  showFile(path) {
    const entry = this.current;
    this.stash();
    entry.path = path;
    this.view.setState(entry.states.get(path));
    this.shown = { entry, path };
    selectTab(this.el.fileTabs, path);
    const file = entry.files.find((f) => f.path === path);
    const readOnly = !file.editable || entry.submitted || this.ended;
    this.el.fileNote.hidden = !readOnly;
    this.el.fileNote.textContent = !file.editable
      ? `${path} is part of the challenge and is read-only.`
      : "This file is read-only: the challenge is submitted.";
    this.el.editor.setAttribute("aria-labelledby", `tab-file-tabs-${path}`.replace(/[^\w-]/g, "_"));
    if (entry.mode === "preview") this.setMode("preview");
  }

  async setMode(mode) {
    const entry = this.current;
    entry.mode = mode;
    selectTab(this.el.modeTabs, mode);
    const preview = mode === "preview";
    this.el.preview.hidden = !preview;
    this.el.editor.hidden = preview;
    if (!preview) return;
    this.el.preview.textContent = "Rendering the preview…";
    try {
      const data = await api(`${this.base}/api/preview`, {
        method: "POST",
        body: { markdown: this.view.state.doc.toString() },
      });
      // Rendered and sanitized by the server (Markdown without raw HTML, then nh3).
      if (entry.mode === "preview" && this.current === entry) this.el.preview.innerHTML = data.html;
    } catch (error) {
      this.el.preview.textContent = `The preview is unavailable: ${error.message}`;
    }
  }

  editableFiles(entry) {
    const files = {};
    for (const file of entry.files) {
      if (!file.editable) continue;
      const state = this.isShown(entry, file.path) ? this.view.state : entry.states.get(file.path);
      files[file.path] = state.doc.toString();
    }
    return files;
  }

  /** Put `files` into the editor without counting it as the candidate's edit. */
  applyFiles(entry, files) {
    this.applying = true;
    try {
      for (const [path, text] of Object.entries(files)) {
        if (!entry.states.has(path) || typeof text !== "string") continue;
        if (this.isShown(entry, path)) {
          const doc = this.view.state.doc;
          this.view.dispatch({ changes: { from: 0, to: doc.length, insert: text } });
        } else {
          entry.states.set(path, replaceText(entry.states.get(path), text));
        }
      }
    } finally {
      this.applying = false;
    }
  }

  // --- Saving ------------------------------------------------------------------------------

  restoreBackup(entry) {
    const backup = readBackup(entry.saver.backupKey);
    if (!backup || entry.submitted) return;
    const server = this.editableFiles(entry);
    const differs = Object.keys(server).some((p) => typeof backup.files[p] === "string" && backup.files[p] !== server[p]);
    if (!differs) {
      entry.saver.clearBackup();
    } else if (backup.revision === entry.revision) {
      this.applyFiles(entry, backup.files);
      entry.saver.edited();
      showAlert(this.el.alerts, `Restored changes to “${entry.title}” that had not reached the server yet.`, { tone: "info", polite: true });
    } else {
      const box = showAlert(this.el.alerts, `This browser holds unsaved changes to “${entry.title}” that are older than the work saved on the server.`, { tone: "warn", key: `backup-${entry.id}` });
      box.append(
        button("Restore this browser's copy", () => {
          this.applyFiles(entry, backup.files);
          entry.saver.edited();
          box.remove();
        }),
        " ",
        button("Discard it", () => {
          entry.saver.clearBackup();
          box.remove();
        }),
      );
    }
  }

  flushAll() {
    return Promise.all([...this.items.values()].filter((e) => !e.submitted).map((e) => e.saver.flush()));
  }

  saverChanged(entry, saver) {
    if (saver.state === "conflict") this.showConflict(entry, saver);
    if (saver.state === "rejected") showAlert(this.el.alerts, `“${entry.title}” could not be saved: ${saver.message}`, { tone: "bad", key: `rejected-${entry.id}` });
    if (saver.state === "closed" && !entry.submitted) this.end(saver.message);
    this.renderSaveState();
  }

  showConflict(entry, saver) {
    const box = showAlert(this.el.alerts, `“${entry.title}”: ${saver.message}`, { tone: "bad", key: `conflict-${entry.id}` });
    box.classList.add("conflict");
    box.append(
      button("Load the newest version", async () => {
        try {
          const data = await api(`${this.base}/api/workspace`);
          const fresh = data.items.find((i) => i.id === entry.id);
          if (fresh.language !== entry.language) this.useFiles(entry, fresh); // switched elsewhere
          this.applyFiles(entry, Object.fromEntries(fresh.files.filter((f) => f.editable).map((f) => [f.path, f.text])));
          entry.saver.reset(fresh.revision);
          box.remove();
          if (this.current === entry) this.view.focus(); // the focused button is gone
        } catch (error) {
          showAlert(this.el.alerts, `Could not load the newest version: ${error.message}`, { tone: "bad" });
        }
      }),
      " ",
      button("Keep this tab's version", async () => {
        box.remove();
        if (this.current === entry) this.view.focus();
        await entry.saver.overwrite();
      }),
    );
  }

  renderSaveState() {
    const savers = [...this.items.values()].filter((e) => !e.submitted).map((e) => e.saver);
    const state = PRIORITY.find((s) => savers.some((v) => v.state === s)) || "saved";
    let text = SAVE_TEXT[state];
    if (state === "offline") {
      const waiting = savers.filter((v) => v.state === "offline");
      const wait = Math.max(...waiting.map((v) => v.retryIn));
      // The server's own reason (its disk is full, its database is away) says more than "offline".
      const said = waiting.map((v) => v.serverSaid).find(Boolean);
      text = said ? `${said} Retrying in ${wait} s.` : `${text}; retrying in ${wait} s.`;
    }
    if (this.ended) text = "Editing has ended";
    this.el.saveState.textContent = text;
    this.el.saveState.dataset.state = this.ended ? "ended" : state;
    this.el.retry.hidden = state !== "offline" || this.ended;
  }

  /** Say the shown challenge's test state beside the buttons; the results stay below the editor. */
  renderJump(text, tone) {
    this.el.resultsJump.hidden = !text;
    this.el.resultsJump.textContent = text ? `${text} See the results ↓` : "";
    this.el.resultsJump.dataset.tone = tone || "";
  }

  // --- Tests and submission ------------------------------------------------------------------

  renderButtons() {
    const entry = this.current;
    const locked = entry.submitted || this.ended;
    this.el.run.hidden = !entry.runnable;
    this.el.run.disabled = locked || this.runner.busy || LanguageChoice.needed(entry);
    this.el.run.textContent = this.runner.busy ? "Running…" : "Run tests";
    this.el.submit.disabled = locked;
    this.el.submit.textContent = entry.submitted ? "Submitted" : "Submit this challenge";
    this.el.finish.disabled = this.ended;
    this.el.itemState.textContent = entry.submitted
      ? "You submitted this challenge; it can no longer change."
      : "";
  }

  runTests() {
    const entry = this.current;
    if (!entry.runnable || entry.submitted || this.ended) return;
    entry.saver.flush();
    this.runner.run(entry.id, this.editableFiles(entry));
  }

  async submitItem() {
    const entry = this.current;
    const ok = await confirmDialog(this.el.dialog, {
      title: `Submit “${entry.title}”?`,
      text: "After submitting, this challenge can no longer change. Your other challenges stay open.",
      ok: "Submit challenge",
    });
    if (!ok) return;
    if (!(await entry.saver.flush())) {
      showAlert(this.el.alerts, `Not submitted: ${entry.saver.message || "your latest changes are not saved yet."}`, { tone: "bad", key: "submit" });
      return;
    }
    try {
      await api(`${this.base}/api/items/${entry.id}/submit`, { method: "POST" });
    } catch (error) {
      if (error instanceof ApiError && error.code === "AttemptClosed") return this.end(error.message);
      showAlert(this.el.alerts, `Not submitted: ${error.message}`, { tone: "bad", key: "submit" });
      return;
    }
    this.lockItem(entry);
    document.querySelector(`.item-link[data-item-id="${entry.id}"] .item-submitted`).hidden = false;
    showAlert(this.el.alerts, `“${entry.title}” is submitted.`, { tone: "ok", polite: true, key: "submit" });
    this.select(entry.id);
  }

  lockItem(entry) {
    entry.submitted = true;
    entry.saver.stop();
    entry.saver.clearBackup();
    this.stash();
    for (const [path, state] of entry.states) entry.states.set(path, lockedState(state));
    if (this.shown.entry === entry) lockView(this.view);
    this.renderSaveState();
  }

  async finish() {
    const warnings = undoneWarnings([...this.items.values()].filter((e) => !e.submitted), this.opened);
    const ok = await confirmDialog(this.el.dialog, {
      title: warnings.length ? "Finish with work left undone?" : "Finish the assessment?",
      text: [...warnings, "Every challenge is submitted as it is now, and you cannot change anything afterwards."].join(" "),
      ok: warnings.length ? "Finish anyway" : "Finish and submit all",
    });
    if (!ok) return;
    const saved = await this.flushAll();
    if (saved.some((done) => !done)) {
      showAlert(this.el.alerts, "Not finished: some changes are not saved yet (see the save status). Try again once they are.", { tone: "bad", key: "finish" });
      return;
    }
    try {
      const data = await api(`${this.base}/api/submit`, { method: "POST" });
      this.ended = true;
      window.location.assign(data.redirect);
    } catch (error) {
      if (error instanceof ApiError && error.code === "AttemptClosed") return this.end(error.message);
      showAlert(this.el.alerts, `Not finished: ${error.message}`, { tone: "bad", key: "finish" });
    }
  }

  /** The deadline passed or the server closed the attempt: stop editing and go to the end page. */
  async end(message) {
    if (this.ended) return;
    this.ended = true;
    showAlert(this.el.alerts, message, { tone: "warn", key: "time" });
    // The server still accepts a save that left before the deadline and arrives just after it.
    await Promise.all([...this.items.values()].filter((e) => !e.submitted).map((e) => e.saver.flush()));
    this.stash();
    for (const entry of this.items.values()) {
      entry.saver.stop();
      for (const [path, state] of entry.states) entry.states.set(path, lockedState(state));
    }
    lockView(this.view);
    this.telemetry.stop();
    this.renderButtons();
    this.renderSaveState();
    for (;;) {
      try {
        const data = await api(`${this.base}/api/time`);
        if (data.status !== "started") {
          for (const entry of this.items.values()) entry.saver.clearBackup();
          window.location.assign(data.closing_url);
          return;
        }
      } catch (error) {
        if (!(error instanceof OfflineError)) console.warn(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

async function loadWorkspace(url, status) {
  for (let wait = 1000; ; wait = Math.min(wait * 2, 15_000)) {
    try {
      return await api(url);
    } catch (error) {
      if (!(error instanceof OfflineError)) throw error;
      status.textContent = "Offline: waiting for the connection to load your work…";
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

async function boot(root) {
  const status = $("save-state");
  try {
    const data = await loadWorkspace(root.dataset.workspaceUrl, status);
    new Workspace(root, data).start();
  } catch (error) {
    if (error instanceof ApiError && error.code === "AttemptClosed") {
      window.location.reload(); // the page itself shows where the attempt stands
      return;
    }
    status.textContent = `The workspace could not load: ${error.message}`;
  }
}

const root = $("workspace");
if (root) boot(root);
