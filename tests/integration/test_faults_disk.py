"""The disk under the embedded SQLite database and queue fills up, then space is freed.

The instance folder is a small tmpfs of its own. A save or a submit on a full disk must be
refused with a clear, retryable answer, never acknowledged without being stored, and the same
browser must save again once there is room.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess

import pytest

from assessor import create_app
from assessor.extensions import db
from assessor.models import Draft, Submission
from tests.conftest import services_required
from tests.integration.faults import open_in_test_client, seed_candidates

pytestmark = [pytest.mark.slow]

DISK_FULL = "disk is full"


@pytest.fixture
def small_disk(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        problem = f"cannot mount a tmpfs (needs root): {mounted.stderr.strip()}"
        if services_required():  # CI must not go green by skipping it
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder) -> None:
    """Write a filler file until the disk refuses another byte."""
    with open(folder / "filler", "wb", buffering=0) as out:
        chunk = b"\0" * 65536
        while True:
            try:
                out.write(chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                chunk = chunk[: len(chunk) // 2]
                if not chunk:
                    return


def test_a_full_disk_refuses_saves_and_submits_clearly_and_loses_nothing(small_disk):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{small_disk / 'assessor.sqlite3'}",
            "QUEUE_URL": f"sqlite:///{small_disk / 'queue.sqlite3'}",
            "INSTANCE_DIR": str(small_disk),
            "SECRET_KEY": "disk-full-" + "k" * 32,
        }
    )
    with app.app_context():
        db.create_all()
        (candidate,) = seed_candidates(1)
        db.session.remove()
    browser = app.test_client()
    prefix, headers = open_in_test_client(browser, candidate.token)
    api = f"{prefix}/api/items/{candidate.item_id}"
    acked: dict[int, str] = {}
    revision = 0

    def save(n: int):
        nonlocal revision
        # Incompressible-looking text near the file limit: each save needs fresh pages.
        text = f"# save {n}\n" + os.urandom(60_000).hex()
        response = browser.post(
            f"{api}/draft",
            json={"revision": revision, "files": {candidate.path: text}},
            headers=headers,
        )
        if response.status_code == 200:
            revision = response.json["revision"]
            acked[revision] = text
        return response

    assert save(0).status_code == 200
    fill(small_disk)
    refused = None
    for n in range(1, 40):  # the write-ahead log may hold a few saves in space it already has
        response = save(n)
        if response.status_code != 200:
            refused = response
            break
    assert refused is not None, "a full disk acknowledged every save"
    assert refused.status_code == 503, (refused.status_code, refused.text[:500])
    assert DISK_FULL in refused.json["error"] and "browser" in refused.json["error"]
    assert refused.headers.get("Retry-After")
    assert "code" not in refused.json  # the editor treats it as "offline": it keeps and retries

    final = browser.post(f"{api}/submit", json={}, headers=headers)
    assert final.status_code == 503 and DISK_FULL in final.json["error"], final.text[:500]
    # The page still opens (reads need no space) and says nothing was submitted.
    assert browser.get(f"{prefix}/work").status_code == 200

    (small_disk / "filler").unlink()
    assert save(99).status_code == 200, "saves again once space is freed"
    final = browser.post(f"{api}/submit", json={}, headers=headers)
    assert final.status_code == 200, final.text[:500]
    with app.app_context():
        draft = db.session.scalar(db.select(Draft).filter_by(attempt_id=candidate.attempt_id))
        candidate.acked = acked
        assert candidate.lost_saves() == []
        assert draft.revision == max(acked)
        submitted = db.session.scalars(
            db.select(Submission).filter_by(attempt_id=candidate.attempt_id)
        ).all()
        assert [s.files[candidate.path] for s in submitted] == [acked[max(acked)]]
        db.session.remove()
        with contextlib.suppress(Exception):
            db.engine.dispose()
