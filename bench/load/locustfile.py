"""Locust candidates for bench/load/loadtest.py: each takes one invitation from link to finish.

loadtest.py writes the plan (LOAD_PLAN: invitation links, challenges, pace) and reads what
this writes at the end (LOAD_RESULT: request figures, every acknowledged save, each run's
turnaround, any problem). It is not meant to be started on its own.

A candidate behaves as the workspace's JavaScript does (static/src/*.js): it opens its link
with a cookie jar, starts, then for the session's length autosaves every few seconds (each
save based on the revision the server last acknowledged), runs the public tests now and then
and follows the run with the long-poll, and at the end submits its challenges and finishes.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import gevent
from drafts import content
from locust import HttpUser, events, task
from locust.exception import StopUser
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text()) if "LOAD_PLAN" in os.environ else {}
SEATS = itertools.count()
RESULTS: dict = {"acks": {}, "runs": [], "finished": {}, "problems": [], "done": 0}
LONG_POLL_S = 25  # what static/src/runner.js asks for
RUN_GIVE_UP_S = 300  # a run not done by then is reported, and the candidate goes on

_ATTR = r'{name}="([^"]*)"'


def _attribute(page: str, pattern: str, what: str) -> str:
    found = re.search(pattern, page)
    if found is None:
        raise Problem(f"{what} not found in the page")
    return html.unescape(found.group(1))


class Problem(Exception):
    """The candidate cannot go on: a request failed or answered something unexpected."""


@dataclass
class Links:
    """Where a candidate's requests go: read from the pages it landed on, never built here.

    The one place that knows the candidate's URLs: the workspace page's data-base-url is what
    static/src/workspace.js builds every API call on, so these mirror its calls.
    """

    base: str
    workspace: str
    csrf: str

    @classmethod
    def from_workspace_page(cls, url: str, page: str) -> Links:
        base = _attribute(page, _ATTR.format(name="data-base-url"), "data-base-url")
        workspace = _attribute(page, _ATTR.format(name="data-workspace-url"), "data-workspace-url")
        csrf = _attribute(page, r'<meta name="csrf-token" content="([^"]+)"', "the CSRF token")
        return cls(urljoin(url, base).rstrip("/"), urljoin(url, workspace), csrf)

    def draft(self, item_id: int) -> str:
        return f"{self.base}/api/items/{item_id}/draft"

    def runs(self, item_id: int) -> str:
        return f"{self.base}/api/items/{item_id}/runs"

    def run(self, run_id: int, since: str) -> str:
        return f"{self.base}/api/runs/{run_id}?wait={LONG_POLL_S}&since={since}"

    def submit_item(self, item_id: int) -> str:
        return f"{self.base}/api/items/{item_id}/submit"

    def finish(self) -> str:
        return f"{self.base}/api/submit"

    def time(self) -> str:
        return f"{self.base}/api/time"


class Candidate(HttpUser):
    """One invitation, taken from the link to the closing page, then this user stops."""

    def on_start(self) -> None:
        seat = next(SEATS)
        if seat >= len(PLAN["candidates"]):
            raise StopUser()
        self.seat = PLAN["candidates"][seat]
        self.index = self.seat["index"]
        self.rng = random.Random(self.index)
        self.items = {item["id"]: item for item in PLAN["items"]}
        self.revisions = dict.fromkeys(self.items, 0)
        self.links: Links | None = None
        # A browser sends a request again, once, when the kept-alive connection it reused turns
        # out closed by the server (gunicorn closes idle ones after 2 s, a save comes every 3):
        # requests does not, so the candidate does as the browser does.
        resend = Retry(total=1, connect=1, read=1, status=0, other=0, allowed_methods=None)
        self.client.mount("http://", HTTPAdapter(max_retries=resend))

    @task
    def take_assessment(self) -> None:
        try:
            self.open_and_start()
            self.work(PLAN["duration_s"])
            self.finish()
        except Problem as exc:
            RESULTS["problems"].append(f"candidate {self.index}: {exc}")
        except Exception as exc:  # a bug here must show in the report, not end the run quietly
            RESULTS["problems"].append(f"candidate {self.index}: {type(exc).__name__}: {exc}")
        RESULTS["done"] += 1
        if RESULTS["done"] == len(PLAN["candidates"]):
            gevent.spawn_later(0.5, self.environment.runner.quit)
        raise StopUser()

    # --- The steps ---------------------------------------------------------------------------

    def open_and_start(self) -> None:
        """Open the invitation link (following redirects), start, land on the workspace."""
        landing = self.call("GET", self.seat["link"], "open invitation", allow_redirects=True)
        action = _attribute(landing.text, r'<form method="post" action="([^"]+)"', "start form")
        token = _attribute(landing.text, r'name="csrf_token" value="([^"]+)"', "form token")
        started = self.call(
            "POST",
            urljoin(landing.url, action),
            "start",
            data={"csrf_token": token},
            allow_redirects=False,
            expect=(302, 303),
        )
        target = urljoin(landing.url, started.headers["Location"])
        page = self.call("GET", target, "workspace page", allow_redirects=True)
        self.links = Links.from_workspace_page(page.url, page.text)
        data = self.call("GET", self.links.workspace, "workspace data").json()
        served = {item["id"] for item in data["items"]}
        if served != set(self.items):
            raise Problem(f"the workspace lists items {sorted(served)}, not {sorted(self.items)}")

    def work(self, duration: float) -> None:
        """Edit for `duration` seconds: autosave, run the tests now and then, check the time."""
        start = time.monotonic()
        end = start + duration
        save_every = PLAN["save_interval_s"]
        next_save = start + self.rng.uniform(0.5, save_every)
        next_run = start + self.rng.uniform(*PLAN["run_interval_s"])
        next_time = start + 60  # static/src/clock.js resyncs once a minute
        order = sorted(self.items)
        while True:
            now = time.monotonic()
            if now >= end:
                return
            # The challenge on screen: the session's time is shared evenly between them.
            item_id = order[min(int((now - start) / duration * len(order)), len(order) - 1)]
            if now >= next_save:
                self.save(item_id)
                next_save = now + save_every * self.rng.uniform(0.8, 1.2)
            if now >= next_run:
                self.run_tests(item_id)
                next_run = time.monotonic() + self.rng.uniform(*PLAN["run_interval_s"])
            if now >= next_time:
                self.call("GET", self.links.time(), "clock sync")
                next_time = now + 60
            time.sleep(max(0.0, min(next_save, next_run, next_time, end) - time.monotonic()))

    def finish(self) -> None:
        """Save the last change, submit (every other candidate per challenge first), finish."""
        current = sorted(self.items)[-1]
        self.save(current)
        if self.index % 2 == 0:
            for item_id in sorted(self.items):
                self.api("POST", self.links.submit_item(item_id), "submit item")
        data = self.api("POST", self.links.finish(), "finish")
        RESULTS["finished"][str(self.index)] = time.time()
        self.call("GET", urljoin(self.links.base + "/", data["redirect"]), "closing page")

    def text_of(self, item_id: int) -> str:
        item = self.items[item_id]
        return content(item["solution"], self.index, item_id, self.revisions[item_id])

    def save(self, item_id: int) -> None:
        """Autosave a changed file on top of the revision the server last acknowledged."""
        base = self.revisions[item_id]
        item = self.items[item_id]
        text = content(item["solution"], self.index, item_id, base + 1)
        data = self.api(
            "POST",
            self.links.draft(item_id),
            "autosave",
            {"files": {item["path"]: text}, "revision": base},
        )
        if data.get("revision") != base + 1 or data.get("changed") is not True:
            raise Problem(f"save on revision {base} of item {item_id} answered {data}")
        self.revisions[item_id] = base + 1
        RESULTS["acks"][f"{self.index}:{item_id}"] = base + 1

    def run_tests(self, item_id: int) -> None:
        """Run the public tests on the editor's files and follow the run until its results."""
        item = self.items[item_id]
        clicked = time.monotonic()
        files = {item["path"]: self.text_of(item_id)}
        data = self.api(
            "POST", self.links.runs(item_id), "run tests", {"files": files}, expect=(202,)
        )
        while not data.get("done"):
            if time.monotonic() - clicked > RUN_GIVE_UP_S:
                raise Problem(f"run {data.get('id')} not done after {RUN_GIVE_UP_S} s")
            data = self.api(
                "GET", self.links.run(data["id"], data["status"]), "run status (long-poll)"
            )
            if data.get("retry_after"):
                time.sleep(data["retry_after"])
        seconds = time.monotonic() - clicked
        tests = data.get("tests") or []
        passed = sum(t["outcome"] == "passed" for t in tests)
        RESULTS["runs"].append({"id": data["id"], "seconds": seconds, "status": data["status"]})
        # The files are the reference solution: anything but a clean pass means the run broke.
        if data["status"] != "graded" or not tests or passed != len(tests):
            raise Problem(
                f"run {data['id']}: {data['status']}, {passed} of {len(tests)} passed, "
                f"{data.get('outcome')}: {data.get('detail')}"
            )

    # --- Requests ----------------------------------------------------------------------------

    def api(
        self, method: str, url: str, name: str, body: dict | None = None, expect=(200,)
    ) -> dict:
        """Call the JSON API as static/src/api.js does: CSRF header on writes, JSON both ways."""
        headers = {"Accept": "application/json"}
        if method != "GET":
            headers["X-CSRFToken"] = self.links.csrf
        response = self.call(method, url, name, json=body, headers=headers, expect=expect)
        try:
            return response.json()
        except ValueError:
            raise Problem(f"{name}: the answer is not JSON: {response.text[:200]!r}") from None

    def call(self, method: str, url: str, name: str, expect=(200,), **kwargs):
        """Send one request, counted under `name`; anything but `expect` fails it and the user."""
        kwargs.setdefault("allow_redirects", False)
        with self.client.request(method, url, name=name, catch_response=True, **kwargs) as response:
            if response.status_code not in expect:
                detail = f"{name}: {response.status_code} {response.text[:200]!r}"
                response.failure(detail)
                raise Problem(detail)
            response.success()
            return response


@events.quitting.add_listener
def _write_results(environment, **_kwargs) -> None:
    """Hand loadtest.py the figures of every request type, the saves and the runs."""
    stats = environment.stats

    def row(entry) -> dict:
        return {
            "name": entry.name,
            "method": entry.method,
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99),
            "max_ms": entry.max_response_time,
            "rps": entry.total_rps,
        }

    RESULTS["requests"] = [row(e) for e in stats.entries.values()]
    RESULTS["total"] = row(stats.total)
    RESULTS["errors"] = [
        {"name": e.name, "method": e.method, "error": str(e.error), "count": e.occurrences}
        for e in stats.errors.values()
    ]
    with open(os.environ["LOAD_RESULT"], "w") as out:
        json.dump(RESULTS, out)
