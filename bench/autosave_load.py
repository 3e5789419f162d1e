"""Load the candidates' autosave under gunicorn with wrk, then check that no save was lost.

Usage: .venv/bin/python bench/autosave_load.py [--candidates 1000] [--duration 20]
           [--mode steady|burst|both] [--database-url postgresql+psycopg://.../postgres]
           [--ratelimit-storage-uri redis://127.0.0.1:6379/9]

Needs wrk (Debian: `apt-get install wrk`). It creates a database (SQLite in a temporary folder,
or a fresh database on the PostgreSQL server of --database-url, dropped afterwards), seeds
candidates with started attempts through the services, serves the app with gunicorn on 127.0.0.1
as the Dockerfile does (gthread, 2 workers x 8 threads, access log on), and opens each candidate's
workspace for its session cookie and CSRF token. Then wrk saves drafts through the real route,
CSRF, rate limit and all, in two modes:

  steady  every candidate saves every --interval seconds (3), like the editor's autosave: 1000
          candidates offer about 330 saves a second
  burst   back to back on every connection: the most the server takes

Each save is based on the revision the server last acknowledged. Afterwards every candidate's
draft must hold its last acknowledged revision with the content sent for it, and every revision
up to it must have its snapshot: anything else is a lost save, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sandbox  # noqa: E402
from assessor import create_app  # noqa: E402
from assessor.extensions import db  # noqa: E402
from assessor.models import Draft, DraftSnapshot, Role  # noqa: E402
from assessor.services import assessments, attempts, catalog, invitations, users  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "challenges" / "mini-adder"
SCRIPT = ROOT / "bench" / "autosave.lua"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
PAD_BYTES = 2000  # a file of about 2 KB, a typical solution in progress


@dataclass
class Candidate:
    index: int
    attempt_id: int
    token: str
    cookie: str = ""
    csrf: str = ""
    revision: int = 0


def content(index: int, revision: int, pad: int = PAD_BYTES) -> str:
    """Return what the wrk script sends as the file for this candidate's revision."""
    return f"# candidate {index} revision {revision}\n{'x' * pad}\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(app, count: int) -> tuple[int, str, list[Candidate]]:
    """Create a challenge, an assessment and `count` started attempts; return item, file, them."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        # The fixture's reference solution runs on the fake backend: it is our own code.
        outcome = catalog.sync_folder(FIXTURE, sandbox.FakeBackend(), "unused")
        assert outcome.ok, outcome
        owner = users.create_user(
            users.NewUser(
                "bench@example.com", "Bench Owner", Role.INTERVIEWER, secrets.token_hex(16)
            )
        )
        assessment = assessments.create_assessment(
            assessments.NewAssessment(
                "Autosave load",
                duration_minutes=180,
                owner_id=owner.id,
                items=[assessments.ItemSpec(version_id=outcome.version_id)],
            )
        )
        item = assessment.items[0]
        item_id, path = item.id, attempts.editable_paths(item)[0]
        candidates = []
        for start in range(0, count, 200):
            batch = [
                invitations.NewInvitation(assessment.id, f"Candidate {i}", f"c{i}@example.com")
                for i in range(start, min(start + 200, count))
            ]
            for attempt, token in invitations.create_invitations(batch, actor_id=owner.id):
                candidates.append(Candidate(len(candidates), attempt.id, token))
        for candidate in candidates:
            attempts.start(candidate.attempt_id)
        db.session.remove()
    return item_id, path, candidates


def open_workspace(port: int, candidate: Candidate) -> None:
    """Open the link, then the workspace, as the browser does: the session cookie and CSRF token."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/a/{candidate.token}")
    response = conn.getresponse()
    response.read()
    assert response.status == 303, response.status  # the token is traded for a session grant
    base = response.getheader("Location")
    cookie = response.getheader("Set-Cookie").split(";")[0]
    conn.request("GET", f"{base}/work", headers={"Cookie": cookie})
    response = conn.getresponse()
    page = response.read().decode()
    assert response.status == 200, (response.status, page[:300])
    cookie = (response.getheader("Set-Cookie") or cookie).split(";")[0]  # now with the CSRF key
    candidate.cookie, candidate.csrf = cookie, CSRF_META.search(page).group(1)
    conn.close()


def start_gunicorn(env: dict, port: int, log: Path) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "gthread",
        "--threads",
        "8",
        "--workers",
        "2",
        "--access-logfile",
        str(log.with_suffix(".access")),
        "assessor:create_app()",
    ]
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited:\n{log.read_text()}") from None
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start listening within 60 s")


def cpu_seconds(parent: int) -> float:
    """Return the CPU time (user + system) used so far by the children of `parent` (Linux)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[1]) == parent:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def run_wrk(mode: str, args, port: int, tmp: Path, candidates, item_id: int, path: str) -> dict:
    """Drive one mode with wrk; return its figures and each candidate's acknowledged revision."""
    data, out = tmp / "candidates.txt", tmp / f"wrk-{mode}.out"
    data.write_text(
        "".join(
            f"{c.index} {c.revision} {c.attempt_id} {c.cookie} {c.csrf} {item_id} {path}\n"
            for c in candidates
        )
    )
    threads = args.burst_connections if mode == "burst" else args.steady_connections
    # Steady: each thread serves len/threads candidates in turn, one save each per interval.
    pace = 0 if mode == "burst" else int(args.interval * 1000 * threads / len(candidates))
    env = {
        **os.environ,
        "AUTOSAVE_DATA": str(data),
        "AUTOSAVE_THREADS": str(threads),
        "AUTOSAVE_PACE_MS": str(pace),
        "AUTOSAVE_PAD": str(PAD_BYTES),
        "AUTOSAVE_OUT": str(out),
    }
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{threads}",
        f"-d{args.duration}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        f"http://127.0.0.1:{port}",
    ]
    cpu_before = cpu_seconds(args.server_pid)
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    cpu = cpu_seconds(args.server_pid) - cpu_before
    acked: dict[int, int] = {}
    figures: dict = {"mode": mode, "pace_ms": pace, "connections": threads}
    for line in out.read_text().splitlines():
        kind, *fields = line.split()
        if kind == "ack":
            acked[int(fields[0])] = int(fields[1])
        else:
            names = "requests duration_us ok conflict limited other connect read write timeout"
            names += " p50 p95 p99 max"
            figures.update(zip(names.split(), map(int, fields), strict=True))
    figures["acked"] = acked
    figures["cpu_ms"] = 1000 * cpu / max(figures["requests"], 1)
    return figures


def verify(app, candidates: list[Candidate], path: str, acked: dict[int, int]) -> dict:
    """Compare each candidate's draft and snapshots with what the server acknowledged."""
    lost, in_flight, checked = [], 0, 0
    with app.app_context():
        drafts = {d.attempt_id: d for d in db.session.scalars(db.select(Draft))}
        snapshots: dict[int, dict[int, dict]] = {}
        for snap in db.session.scalars(db.select(DraftSnapshot)):
            snapshots.setdefault(snap.draft_id, {})[snap.revision] = snap.files
        for c in candidates:
            want = acked.get(c.index, c.revision)
            draft = drafts.get(c.attempt_id)
            have = draft.revision if draft else 0
            if have == want + 1:
                in_flight += 1  # a save the server applied whose answer wrk never read
            elif have != want:
                lost.append(f"candidate {c.index}: acknowledged {want}, stored {have}")
                continue
            if draft is None:
                continue
            if draft.files != {path: content(c.index, have)}:
                lost.append(f"candidate {c.index}: revision {have} holds other content")
            history = snapshots.get(draft.id, {})
            for revision in range(c.revision + 1, want + 1):
                checked += 1
                if history.get(revision) != {path: content(c.index, revision)}:
                    lost.append(f"candidate {c.index}: no snapshot of revision {revision}")
            c.revision = have
        db.session.remove()
    return {"lost": lost, "in_flight": in_flight, "checked": checked}


def report(figures: dict, check: dict, candidates: int) -> None:
    seconds = figures["duration_us"] / 1e6
    errors = figures["connect"] + figures["read"] + figures["write"] + figures["timeout"]
    print(
        f"{figures['mode']:<6}  {candidates} candidates, {figures['connections']} connections, "
        f"pause {figures['pace_ms']} ms per connection"
        f"\n        {figures['requests'] / seconds:8.1f} req/s   "
        f"p50 {figures['p50'] / 1000:6.1f} ms   p95 {figures['p95'] / 1000:6.1f} ms   "
        f"p99 {figures['p99'] / 1000:6.1f} ms   max {figures['max'] / 1000:6.1f} ms"
        f"\n        {figures['requests']} requests in {seconds:.1f} s: {figures['ok']} saved, "
        f"{figures['conflict']} conflicts, {figures['limited']} rate-limited, "
        f"{figures['other']} other statuses, {errors} socket errors or timeouts"
        f"\n        gunicorn workers' CPU: {figures['cpu_ms']:.2f} ms per request"
    )
    if check["lost"]:
        print(f"        LOST SAVES ({len(check['lost'])}):")
        for line in check["lost"][:20]:
            print(f"          {line}")
    else:
        print(
            f"        no save lost: {check['checked']} acknowledged revisions checked "
            f"({check['in_flight']} unanswered saves at the end were stored)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=20, help="seconds per mode")
    parser.add_argument("--interval", type=float, default=3.0, help="steady: seconds per save")
    # Steady: enough connections that a save's latency barely delays the next one's turn.
    parser.add_argument("--steady-connections", type=int, default=64)
    # Burst: as many as gunicorn has request threads.
    parser.add_argument("--burst-connections", type=int, default=16)
    parser.add_argument("--mode", choices=["steady", "burst", "both"], default="both")
    parser.add_argument("--database-url", help="a PostgreSQL server (a fresh database is made)")
    parser.add_argument(
        "--ratelimit-storage-uri",
        default="memory://",
        help="the rate limiter's storage (production: redis://..., see docker-compose.yml)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    drop = None
    with tempfile.TemporaryDirectory(prefix="autosave-") as tmp_name:
        tmp = Path(tmp_name)
        url = f"sqlite:///{tmp / 'assessor.sqlite3'}"
        if args.database_url:
            from tests.integration.platform import fresh_postgres_database

            url, drop = fresh_postgres_database(args.database_url)
        secret = secrets.token_hex(32)
        settings = {
            "SQLALCHEMY_DATABASE_URI": url,
            "QUEUE_URL": f"sqlite:///{tmp / 'queue.sqlite3'}",
            "INSTANCE_DIR": str(tmp / "instance"),
            "SECRET_KEY": secret,
        }
        app = create_app(settings)
        env = {
            **os.environ,
            "ASSESSOR_ENV": "production",
            "SESSION_COOKIE_SECURE": "false",  # plain HTTP on loopback
            "DATABASE_URL": url,
            "QUEUE_URL": settings["QUEUE_URL"],
            "ASSESSOR_INSTANCE": settings["INSTANCE_DIR"],
            "SECRET_KEY": secret,
            "RATELIMIT_STORAGE_URI": args.ratelimit_storage_uri,
        }
        server = None
        try:
            item_id, path, candidates = seed(app, args.candidates)
            port = free_port()
            server = start_gunicorn(env, port, tmp / "gunicorn.log")
            args.server_pid = server.pid
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(lambda c: open_workspace(port, c), candidates))
            print(
                f"{os.cpu_count()} cores; gunicorn gthread 2 workers x 8 threads; "
                f"{'PostgreSQL' if drop else 'SQLite'}; rate limits in "
                f"{args.ratelimit_storage_uri.split(':')[0]}; {args.duration} s per mode"
            )
            failed = False
            for mode in ("steady", "burst") if args.mode == "both" else (args.mode,):
                figures = run_wrk(mode, args, port, tmp, candidates, item_id, path)
                check = verify(app, candidates, path, figures["acked"])
                report(figures, check, len(candidates))
                failed = failed or bool(check["lost"])
        finally:
            if server is not None:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
            with app.app_context():
                db.engine.dispose()
            if drop:
                drop()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
