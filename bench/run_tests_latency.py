"""Measure "Run tests": the click to the results on the candidate's screen, in Chromium.

Starts the real platform twice, the way the browser tests do (`assessor run` with its embedded
worker, SQLite database and queue, the Docker sandbox): once with the warm pool on (the
default, SANDBOX_POOL_SIZE=2) and once with it off (SANDBOX_POOL_SIZE=0). A candidate in each
solves the `mini-adder` fixture, then edits the code and clicks "Run tests" N times. Runs
alternate between the two platforms, with a pause after each for the candidate's next edit
(and the pool's refill), so both see the same machine load.

The time is taken in the page: performance.now() at the click, and again when #run-state says
how the public tests went. The server's part (the submission row's created_at -> finished_at:
queue, claim, sandbox run, results) is printed next to it; the rest is the browser's request,
hearing of the result, and rendering.

    .venv/bin/python bench/run_tests_latency.py [--runs 20] [--pause 1.5]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from assessor.models import Submission, SubmissionKind  # noqa: E402
from tests.e2e.conftest import CHALLENGES, CHROMIUM, CHROMIUM_ARGS, Platform  # noqa: E402

RUNS_PER_INVITATION = 5  # below the 6 runs a minute one attempt may make
EXPECTED = "2 of 2 public tests passed."
# Click the button and resolve when the run's state reads as finished, all timed in the page.
CLICK_TO_RESULT = """async () => {
    const state = document.getElementById("run-state");
    const button = document.getElementById("run-tests");
    const finished = /passed\\.|could not run|failed|refused|Too many/;
    return await new Promise((resolve, reject) => {
        let clicked = null;
        const observer = new MutationObserver(() => {
            if (clicked !== null && finished.test(state.textContent)) {
                observer.disconnect();
                resolve({ms: performance.now() - clicked, text: state.textContent});
            }
        });
        observer.observe(state, {childList: true, characterData: true, subtree: true});
        setTimeout(() => reject(new Error("no result within 120 s")), 120000);
        clicked = performance.now();
        button.click();
    });
}"""


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) by linear interpolation."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


class Candidate:
    """One platform and a candidate working in it: invitations, page, measured runs."""

    def __init__(self, name: str, folder: Path, browser, **env: str) -> None:
        self.name = name
        self.platform = Platform(folder)
        self.platform.env.update(env)
        self.browser = browser
        self.context = None
        self.page = None
        self.attempt_id = None
        self.runs_here = RUNS_PER_INVITATION
        self.click_ms: list[float] = []
        self.server_ms: list[float] = []

    def start(self) -> None:
        self.platform.command("db", "upgrade")
        self.platform.command("challenges", "sync", "--no-retire", str(CHALLENGES / "mini-adder"))
        self.platform.serve()

    def stop(self) -> None:
        if self.context is not None:
            self.context.close()
        self.platform.stop()

    def _new_attempt(self) -> None:
        """Open a fresh invitation (one attempt may run the tests 6 times a minute)."""
        if self.context is not None:
            self.context.close()
        invitation = self.platform.invite(slugs=("mini-adder",), title="Latency bench")
        self.attempt_id = invitation.attempt_id
        self.context = self.browser.new_context(viewport={"width": 1280, "height": 800})
        page = self.page = self.context.new_page()
        page.set_default_timeout(30_000)
        page.goto(invitation.url)
        page.get_by_role("button", name="Start the assessment").click()
        page.wait_for_selector("#workspace[data-ready=true]")
        editor = page.locator("#editor .cm-content")
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.type("def add(a: int, b: int) -> int:")
        page.keyboard.press("Enter")
        page.keyboard.type("return a + b")
        self.runs_here = 0

    def run(self, number: int, *, record: bool = True) -> float:
        """Edit the code, click "Run tests", and return the click -> result time in ms."""
        if self.runs_here >= RUNS_PER_INVITATION:
            self._new_attempt()
        self.runs_here += 1
        page = self.page
        page.locator("#editor .cm-content").click()
        page.keyboard.press("Control+End")
        page.keyboard.press("Enter")
        page.keyboard.type(f"# edit {number}")
        page.wait_for_selector("#run-tests:not([disabled])")
        outcome = page.evaluate(CLICK_TO_RESULT)
        if outcome["text"] != EXPECTED:
            raise AssertionError(f"{self.name}: run {number} ended with {outcome['text']!r}")
        if record:
            self.click_ms.append(outcome["ms"])
            self.server_ms.append(self._last_run_ms())
        return outcome["ms"]

    def _last_run_ms(self) -> float:
        with self.platform.db() as session:
            row = session.scalar(
                select(Submission)
                .where(
                    Submission.attempt_id == self.attempt_id,
                    Submission.kind == SubmissionKind.RUN,
                )
                .order_by(Submission.id.desc())
                .limit(1)
            )
            return (row.finished_at - row.created_at).total_seconds() * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="measured runs per platform")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured runs first")
    parser.add_argument("--pause", type=float, default=1.5, help="seconds after each run")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    print(f"{os.cpu_count()} cores; {args.runs} runs each, {args.pause} s apart\n", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        candidates = [
            Candidate("pool on", Path(tmp) / "on", browser, SANDBOX_POOL_SIZE="2"),
            Candidate("pool off", Path(tmp) / "off", browser, SANDBOX_POOL_SIZE="0"),
        ]
        for candidate in candidates:
            candidate.platform.folder.mkdir()
        try:
            for candidate in candidates:
                candidate.start()
            for n in range(args.warmup):
                for candidate in candidates:
                    candidate.run(n, record=False)
                    time.sleep(args.pause)
            for n in range(args.runs):
                for candidate in candidates:
                    candidate.run(args.warmup + n)
                    time.sleep(args.pause)
        finally:
            for candidate in candidates:
                candidate.stop()
            browser.close()

    print(
        f"{'':<9} {'click->screen p50':>17} {'p95':>7} {'min':>7} {'max':>7}"
        f"   {'server p50':>10} {'p95':>7}"
    )
    for c in candidates:
        print(
            f"{c.name:<9} {percentile(c.click_ms, 50) / 1000:>15.2f} s"
            f" {percentile(c.click_ms, 95) / 1000:>5.2f} s {min(c.click_ms) / 1000:>5.2f} s"
            f" {max(c.click_ms) / 1000:>5.2f} s   {percentile(c.server_ms, 50) / 1000:>8.2f} s"
            f" {percentile(c.server_ms, 95) / 1000:>5.2f} s"
        )
    on, off = candidates
    ratio = percentile(on.click_ms, 50) / percentile(off.click_ms, 50)
    print(f"\npool on / pool off (click->screen p50): {ratio:.2f}x")


if __name__ == "__main__":
    main()
