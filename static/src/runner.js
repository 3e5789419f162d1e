// Run the public tests: queued -> running -> each test's outcome and output.

import { api, ApiError, OfflineError } from "./api.js";
import { sizeProblem } from "./limits.js";
import { causeItem, sharedCauses, testItem } from "./results.js";
import { plural } from "./ui.js";

// The server holds a status request until the run changes (a long-poll), at most WAIT_S.
const WAIT_S = 25;
const RETRY_MS = 1000; // offline, or an answer that came back unchanged at once
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const ENDINGS = {
  timed_out: "The tests ran out of time.",
  memory_exceeded: "The tests ran out of memory.",
  output_exceeded: "The tests printed more output than allowed.",
  crashed: "The test run crashed.",
  infrastructure_error: "The test runner had a problem; please try again.",
};

export class Runner {
  constructor({ runUrl, statusUrl, elements, onBusy, onClosed, onState, limits }) {
    this.onState = onState; // (text, tone) whenever the shown challenge's run state changes
    this.limits = limits;
    this.runUrl = runUrl; // (itemId) => url
    this.statusUrl = statusUrl; // (runId) => url
    this.el = elements;
    this.onBusy = onBusy;
    this.onClosed = onClosed;
    this.current = null; // { itemId, runId }
    this.shownItem = null;
    this.results = new Map(); // itemId -> last status payload
  }

  get busy() {
    return this.current !== null;
  }

  async run(itemId, files) {
    if (this.busy) return;
    this.show(itemId);
    const tooLarge = sizeProblem(files, this.limits);
    if (tooLarge) {
      this.failed(itemId, new Error(`Not run: ${tooLarge}`));
      return;
    }
    this.setState("Sending your files…");
    this.el.list.replaceChildren();
    this.el.output.hidden = true;
    this.current = { itemId, runId: null };
    this.onBusy(true);
    try {
      const data = await api(this.runUrl(itemId), { method: "POST", body: { files } });
      this.current.runId = data.id;
      this.update(itemId, data);
      await this.follow(itemId, data);
    } catch (error) {
      this.failed(itemId, error);
    } finally {
      this.current = null;
      this.onBusy(false);
    }
  }

  /** Show the last run of a challenge after a reload, following it if still in progress. */
  async resume(itemId, runId) {
    try {
      const data = await api(this.statusUrl(runId));
      this.results.set(itemId, data);
      if (this.shownItem === itemId) this.render(data);
      if (!data.done && !this.busy) {
        this.current = { itemId, runId };
        this.onBusy(true);
        try {
          await this.follow(itemId, data);
        } finally {
          this.current = null;
          this.onBusy(false);
        }
      }
    } catch (error) {
      /* the previous results are a convenience; the editor works without them */
    }
  }

  /** Follow a run until it is done: each request returns when its state changes. */
  async follow(itemId, known) {
    const runId = known.id;
    let since = known.status;
    for (;;) {
      const asked = performance.now();
      let data;
      try {
        data = await api(`${this.statusUrl(runId)}?wait=${WAIT_S}&since=${encodeURIComponent(since)}`);
      } catch (error) {
        if (error instanceof OfflineError) {
          if (this.shownItem === itemId) this.setState("Offline: waiting for the connection to see the results…");
          await pause(RETRY_MS);
          continue;
        }
        throw error;
      }
      this.update(itemId, data);
      if (data.done) return data;
      if (data.retry_after) {
        // The server is holding as many waits as it allows: it says when to ask again.
        await pause(data.retry_after * 1000);
      } else if (data.status === since && performance.now() - asked < RETRY_MS / 2) {
        await pause(RETRY_MS); // unchanged at once: a server that does not wait; do not hammer it
      }
      since = data.status;
    }
  }

  update(itemId, data) {
    this.results.set(itemId, data);
    if (this.shownItem === itemId) this.render(data);
  }

  failed(itemId, error) {
    if (error instanceof ApiError && error.code === "AttemptClosed") this.onClosed(error.message);
    let message = error.message;
    if (error instanceof ApiError && Array.isArray(error.body.problems)) {
      message = `The files were refused: ${error.body.problems.join("; ")}`;
    }
    this.results.set(itemId, { error: message });
    if (this.shownItem === itemId) {
      this.el.section.hidden = false;
      this.setState(message, "bad");
    }
  }

  /** Display the results that belong to the challenge now on screen. */
  show(itemId) {
    this.shownItem = itemId;
    const data = this.results.get(itemId);
    this.el.section.hidden = !data;
    if (!data) {
      this.onState?.("", "");
      return;
    }
    if (data.error) {
      this.el.list.replaceChildren();
      this.el.output.hidden = true;
      this.setState(data.error, "bad");
    } else {
      this.render(data);
    }
  }

  render(data) {
    this.el.section.hidden = false;
    this.el.list.replaceChildren();
    this.el.output.hidden = true;
    if (data.status === "queued") {
      const ahead = data.queue_position ? ` (${data.queue_position} ahead of you)` : "";
      this.setState(`Queued${ahead}…`, "busy");
      return;
    }
    if (data.status === "running") {
      this.setState("Running the public tests…", "busy");
      return;
    }
    if (data.status === "error") {
      this.setState(`The test run failed: ${data.detail || "please try again."}`, "bad");
      return;
    }
    const tests = data.tests || [];
    const passed = tests.filter((t) => t.outcome === "passed").length;
    const ending = ENDINGS[data.outcome] ? ` ${ENDINGS[data.outcome]}` : "";
    const causes = sharedCauses(tests);
    const whole = causes.length === 1 && causes[0].tests.length === tests.length && causes[0].stopped;
    let summary = `${passed} of ${plural(tests.length, "public test")} passed.${ending}`;
    if (whole) {
      summary = tests.length === 1 ? "The public test could not run." : `None of the ${tests.length} public tests could run.`;
    }
    this.setState(summary, passed === tests.length && tests.length && !ending ? "ok" : "bad");
    // One error that stopped several tests (say, an import error) is shown once, above them.
    const shared = new Map(); // test -> the cause shown above it
    for (const cause of causes) {
      this.el.list.append(causeItem(cause));
      cause.tests.forEach((t) => shared.set(t, cause));
    }
    for (const test of tests) this.el.list.append(testItem(test, shared.get(test)));
    const output = [data.stdout_tail, data.stderr_tail].filter(Boolean).join("\n");
    if (output) {
      this.el.stdout.textContent = output;
      this.el.output.hidden = false;
    }
  }

  setState(text, tone = "") {
    this.el.state.textContent = text;
    this.el.state.dataset.tone = tone;
    this.onState?.(text, tone);
  }
}
