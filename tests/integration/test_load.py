"""The load test, short: candidates on gunicorn, PostgreSQL, Redis and two grading workers.

The long run is `make load` (50 candidates, 10 minutes; docs/performance.md, "Load test").
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import postgres_url, redis_url

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "load" / "loadtest.py"
# Its own Redis database, emptied before and after: not the tests' (15) nor `make load`'s (11).
REDIS_DB = 12


def load_module():
    spec = importlib.util.spec_from_file_location("loadtest", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.docker
@pytest.mark.postgres
@pytest.mark.redis
def test_candidates_under_load_lose_nothing(tmp_path):
    """Ten candidates for a minute: no error, every acknowledged save stored, every final graded."""
    out = tmp_path / "load.json"
    redis = redis_url().rsplit("/", 1)[0] + f"/{REDIS_DB}"
    admin = postgres_url()
    command = [sys.executable, str(SCRIPT), "--users", "10", "--duration", "60"]
    command += ["--spawn-rate", "2", "--run-every", "20", "--redis-url", redis]
    command += ["--database-url", admin, "--json", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    print(done.stdout[-6000:], done.stderr[-3000:])
    assert out.exists(), done.stderr[-3000:]
    summary = json.loads(out.read_text())
    load, check = summary["locust"], summary["check"]

    assert load["total"]["failures"] == 0 and load["errors"] == [], load["errors"]
    assert load["problems"] == [] and check["problems"] == []
    assert check["lost"] == []
    assert done.returncode == 0
    # The load was the one described, not an empty run that trivially lost nothing.
    names = {row["name"]: row["requests"] for row in load["requests"]}
    assert names["open invitation"] == names["finish"] == 10
    assert names["autosave"] >= 10 * 10  # a save every ~3 s for a minute
    assert check["revisions_checked"] == names["autosave"]
    assert len(load["runs"]) >= 10 and names["run status (long-poll)"] >= 10
    assert check["finals"] == 20 and summary["finals_graded_after_s"] is not None
    assert summary["backlog"], "the grading backlog was never sampled"


def test_the_check_reports_a_lost_save(ctx):
    """An acknowledged revision missing from the database is reported, not passed over."""
    from assessor.services import attempts
    from tests.factories import make_attempt

    loadtest = load_module()
    attempt = make_attempt()
    attempts.start(attempt.id)
    item = attempt.assessment.items[0]
    solution = "def f():\n    return 1\n"
    plan = {
        "items": [{"id": item.id, "path": "solution.py", "solution": solution}],
        "candidates": [{"index": 0, "attempt_id": attempt.id}],
    }
    for revision in (1, 2):
        text = loadtest.content(solution, 0, item.id, revision)
        attempts.save_draft(attempt.id, item.id, {"solution.py": text}, revision - 1)

    assert loadtest.verify(ctx, plan, {f"0:{item.id}": 2})["lost"] == []
    lost = loadtest.verify(ctx, plan, {f"0:{item.id}": 3})["lost"]
    assert any("acknowledged revision 3, stored 2" in line for line in lost)
    assert any("no snapshot of acknowledged revision 3" in line for line in lost)
