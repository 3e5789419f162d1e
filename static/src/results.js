// One run's results as list items: failures that share a cause are said once, above the tests.

import { plural } from "./ui.js";

// The sandbox's words for tests a file's import or collection error kept from running.
const NOT_COLLECTED = /^did not run: (\S+) failed to import or collect:\n/;

/**
 * Group the failed tests that share one message, to show it once: every group of tests a file's
 * import error stopped, and any other message that two or more tests share.
 */
export function sharedCauses(tests) {
  const byMessage = new Map();
  for (const test of tests) {
    if (test.outcome === "passed" || !test.message) continue;
    if (!byMessage.has(test.message)) byMessage.set(test.message, []);
    byMessage.get(test.message).push(test);
  }
  return [...byMessage.entries()]
    .map(([message, group]) => describeCause(message, group))
    .filter((cause) => cause.stopped || cause.tests.length > 1);
}

/** Word a shared failure in the candidate's terms: what stopped the tests, then the error. */
export function describeCause(message, tests) {
  const match = NOT_COLLECTED.exec(message);
  if (match) {
    const file = match[1].split("/").pop();
    return {
      title: `${plural(tests.length, "test")} did not run: the test file ${file} could not load your code.`,
      detail: message.slice(match[0].length),
      tests,
      stopped: true,
    };
  }
  return { title: `${plural(tests.length, "test")} failed with the same message:`, detail: message, tests, stopped: false };
}

export function causeItem(cause) {
  const li = document.createElement("li");
  li.className = "test shared-cause";
  const title = document.createElement("p");
  title.className = "cause-title";
  title.textContent = cause.title;
  const pre = document.createElement("pre");
  pre.textContent = cause.detail; // candidate output is text, never HTML
  li.append(title, pre);
  return li;
}

export function testItem(test, cause = undefined) {
  const li = document.createElement("li");
  li.className = "test";
  li.dataset.outcome = test.outcome;
  const badge = document.createElement("span");
  badge.className = `badge ${test.outcome === "passed" ? "ok" : test.outcome === "skipped" ? "" : "bad"}`;
  badge.textContent = cause?.stopped ? "did not run" : test.outcome;
  const name = document.createElement("code");
  name.className = "test-id";
  name.textContent = test.id;
  li.append(badge, " ", name);
  if (test.message && cause) {
    const note = document.createElement("span");
    note.className = "muted small";
    note.textContent = " (the error above)";
    li.append(note);
  } else if (test.message) {
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = "Details";
    const pre = document.createElement("pre");
    pre.textContent = test.message; // candidate output is text, never HTML
    details.append(summary, pre);
    if (test.outcome !== "passed") details.open = true;
    li.append(details);
  }
  return li;
}
