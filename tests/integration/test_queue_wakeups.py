"""Worker processes on one SQLite queue wait on doorbells, share the work, and tidy up."""

from __future__ import annotations

import os
import signal

import pytest

from assessor.models import SubmissionKind
from tests.integration.platform import FIXTURES, SOLUTION, WRONG, Platform, wait_until

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def fifos(folder) -> list:
    return sorted(folder.glob("jobs.*.fifo")) if folder.exists() else []


def test_two_workers_on_one_sqlite_queue_are_woken_and_grade_each_submission_once(tmp_path):
    queue_file = tmp_path / "queue.sqlite3"
    platform = Platform(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", f"sqlite:///{queue_file}")
    wake = tmp_path / "queue.sqlite3.wake"
    try:
        version = platform.sync(FIXTURES / "mini-adder")
        workers = [platform.start_worker("--concurrency", "2") for _ in range(2)]
        # Two processes, two threads each: one FIFO per thread, named with its process.
        found = wait_until(lambda: len(fifos(wake)) == 4 and fifos(wake), 60, "four listeners")
        assert {f.name.split(".")[1] for f in found} == {str(w.pid) for w in workers}
        batch = [
            platform.submit(
                {"adder.py": SOLUTION if n % 2 else WRONG}, version, SubmissionKind.FINAL
            )
            for n in range(6)
        ]
        wait_until(
            lambda: all(platform.status(s) == "graded" for s in batch), 180, "the batch graded"
        )
        rows = [platform.submission(s) for s in batch]
        assert [r.tries for r in rows] == [1] * 6
        assert [r.score for r in rows] == [5.0 if n % 2 == 0 else 8.0 for n in range(6)]
        # A killed worker leaves its FIFOs; the next ring removes them and reaches the living.
        os.killpg(workers[0].pid, signal.SIGKILL)
        workers[0].wait()
        late = platform.submit({"adder.py": SOLUTION}, version, SubmissionKind.FINAL)
        wait_until(lambda: platform.status(late) == "graded", 120, "grading by the survivor")
        assert {f.name.split(".")[1] for f in fifos(wake)} == {str(workers[1].pid)}
        assert platform.submission(late).graded_by.split(":")[1] == str(workers[1].pid)
    finally:
        platform.stop()
    assert fifos(wake) == []  # a worker stopped in good order removes its own
