"""Validate the test process's events in the supervisor and turn them into final outcomes.

The test process runs no candidate code, but it handles the candidate's data; an event that
breaks the protocol (unknown test, duplicate result, malformed field) is still treated as a
fault, and no test of the run may then count as passed: a bug must never become a pass.
"""

from __future__ import annotations

import math

OUTCOMES = ("passed", "failed", "error", "skipped")
MESSAGE_LIMIT = 4096
MAX_TESTS = 5000


def cap(text: object, limit: int = MESSAGE_LIMIT) -> str:
    """Return `text` as a string of at most `limit` characters."""
    text = text if isinstance(text, str) else repr(text)
    if len(text) <= limit:
        return text
    return text[: limit - 40] + f"\n[... {len(text) - limit + 40} characters cut ...]"


class Ledger:
    """Accumulate validated events; `violations` lists every breach of the protocol."""

    def __init__(self, test_files: set[str]) -> None:
        self.test_files = test_files
        self.collected: dict[str, dict] = {}
        self.collection_errors: list[dict] = []
        self.results: dict[str, dict] = {}
        self.running: str | None = None
        self.violations: list[str] = []
        self.finished: int | None = None
        self.candidate: dict = {}
        self._has_collected = False

    def feed(self, line: bytes) -> None:
        """Validate one JSON line from the test process and record it."""
        import json

        try:
            event = json.loads(line)
            kind = event["e"]
        except (ValueError, KeyError, TypeError):
            self._violate(f"unreadable event {line[:80]!r}")
            return
        handler = getattr(self, f"_on_{kind}", None) if isinstance(kind, str) else None
        if handler is None:
            self._violate(f"unknown event {kind!r}")
            return
        if self.finished is not None:
            self._violate(f"event {kind!r} after the session finished")
            return
        try:
            handler(event)
        except (KeyError, TypeError, ValueError) as exc:
            self._violate(f"malformed {kind!r} event: {exc!r}")

    def _violate(self, message: str) -> None:
        if len(self.violations) < 20:
            self.violations.append(cap(message, 300))

    def _known(self, test_id: object) -> str:
        if not isinstance(test_id, str) or test_id not in self.collected:
            raise ValueError(f"test {test_id!r} was not collected")
        return test_id

    def _on_collected(self, event: dict) -> None:
        if self._has_collected:
            raise ValueError("collection reported twice")
        self._has_collected = True
        tests = event["tests"]
        if not isinstance(tests, list) or len(tests) > MAX_TESTS:
            raise ValueError(f"tests must be a list of at most {MAX_TESTS} entries")
        for entry in tests:
            test_id = entry["id"]
            if not isinstance(test_id, str) or "::" not in test_id:
                raise ValueError(f"bad test id {test_id!r}")
            if test_id.split("::", 1)[0] not in self.test_files:
                raise ValueError(f"test {test_id!r} is not in a test file of the job")
            if test_id in self.collected:
                raise ValueError(f"test {test_id!r} collected twice")
            points = entry.get("points")
            if points is not None and (
                isinstance(points, bool)
                or not isinstance(points, int | float)
                or not math.isfinite(points)
            ):
                raise ValueError(f"bad points {points!r}")
            skill = entry.get("skill")
            if skill is not None and not isinstance(skill, str):
                raise ValueError(f"bad skill {skill!r}")
            self.collected[test_id] = {
                "id": test_id,
                "points": points,
                "skill": cap(skill, 100) if skill else None,
            }
        for error in event.get("errors", [])[:100]:
            self.collection_errors.append(
                {"path": cap(error["path"], 300), "message": cap(error["message"])}
            )

    def _on_start(self, event: dict) -> None:
        test_id = self._known(event["id"])
        if test_id in self.results or test_id == self.running:
            raise ValueError(f"test {test_id!r} started twice")
        self.running = test_id

    def _on_result(self, event: dict) -> None:
        test_id = self._known(event["id"])
        if test_id in self.results:
            raise ValueError(f"second result for {test_id!r}")
        if test_id != self.running:
            raise ValueError(f"result for {test_id!r}, which is not running")
        outcome = event["outcome"]
        if outcome not in OUTCOMES:
            raise ValueError(f"bad outcome {outcome!r}")
        duration = float(event["duration_s"])
        if not math.isfinite(duration) or duration < 0:
            raise ValueError(f"bad duration {duration!r}")
        self.results[test_id] = {
            "outcome": outcome,
            "duration_s": round(duration, 6),
            "message": cap(event.get("message") or ""),
        }
        self.running = None

    def _on_candidate(self, event: dict) -> None:
        closed, during = event.get("closed"), event.get("lost_during")
        self.candidate = {
            "connected": bool(event.get("connected")),
            "closed": cap(closed, 1000) if closed else None,
            "lost_during": cap(during, 300) if during else None,
            "violations": [cap(v, 500) for v in event.get("violations", [])[:5]],
        }

    def _on_finished(self, event: dict) -> None:
        code = event["exit_code"]
        if not isinstance(code, int) or isinstance(code, bool):
            raise ValueError(f"bad exit code {code!r}")
        self.finished = code

    def final_tests(self, ending: str | None) -> list[dict]:
        """Return every collected test with its outcome; `ending` explains an abnormal end."""
        tests = []
        for test_id, entry in self.collected.items():
            result = self.results.get(test_id)
            if result is None:
                if test_id == self.running:
                    message = f"the test process ended during this test: {ending or 'unknown'}"
                else:
                    message = f"did not run: {ending or 'the session ended before it'}"
                result = {"outcome": "error", "duration_s": 0.0, "message": message}
            if self.violations:
                result = {
                    **result,
                    "outcome": "error" if result["outcome"] == "passed" else result["outcome"],
                    "message": cap(
                        "the test process sent forged or invalid events, so no outcome is "
                        f"trusted: {self.violations[0]}\n{result['message']}"
                    ),
                }
            tests.append({**entry, **result})
        return tests
