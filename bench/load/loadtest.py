"""Load the platform with simulated candidates (locust), then check that nothing was lost.

Usage: .venv/bin/python bench/load/loadtest.py [--users 50] [--duration 600] [--json out.json]

Everything runs on this machine and talks over loopback only. It creates a private PostgreSQL
database on --database-url's server (dropped afterwards) and empties a dedicated Redis
database (--redis-url, default db 11: the tests use 15), which holds the queue and the rate
limits. It syncs the challenges (--challenges, from the library under challenges/) with the
real Docker sandbox, creates an assessment and one invitation per candidate through the
services, and serves the platform as in production: gunicorn (gthread, 2 workers x 8
threads), 2 `assessor worker` processes (one grading thread each, warm pool on).

Each candidate (bench/load/locustfile.py) opens its link, starts, autosaves every few seconds
on the revision protocol, runs the public tests now and then (following the run with the
long-poll), and submits and finishes after --duration seconds. Meanwhile the grading backlog is
sampled; afterwards every final submission must be graded, and every acknowledged save must be
in the database: the draft at the last acknowledged revision with the content sent for it, a
snapshot of every revision before it, and the final submission holding the same files.

Prints latency percentiles per request type, requests a second, the backlog over time, the
time to grade the final submissions, errors and lost saves; exits 1 on any error or lost save.
"""

from __future__ import annotations

import argparse
import ctypes
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]

from drafts import content  # noqa: E402

import sandbox  # noqa: E402
from assessor import create_app  # noqa: E402
from assessor.extensions import db  # noqa: E402
from assessor.models import (  # noqa: E402
    Attempt,
    AttemptStatus,
    Draft,
    DraftSnapshot,
    Role,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)
from assessor.services import assessments, attempts, catalog, invitations, users  # noqa: E402
from tests.integration.platform import fresh_postgres_database  # noqa: E402

SAMPLE_EVERY_S = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def empty_redis(url: str) -> None:
    """FLUSHDB the run's own Redis database: the queue and limits of an earlier run go."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def seed(app, slugs: list[str], count: int, duration_s: float) -> dict:
    """Sync the challenges, create an assessment and `count` invitations; return the plan."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        items_spec, solutions = [], []
        for slug in slugs:
            folder = ROOT / "challenges" / slug
            outcome = catalog.sync_folder(
                folder, sandbox.DockerBackend(), app.config["SANDBOX_IMAGE"]
            )
            if not outcome.ok:
                raise SystemExit(f"syncing {slug} failed: {outcome}")
            items_spec.append(assessments.ItemSpec(version_id=outcome.version_id))
            solutions.append(folder / "solution")
        owner = users.create_user(
            users.NewUser("load@example.com", "Load Test", Role.INTERVIEWER, secrets.token_hex(16))
        )
        assessment = assessments.create_assessment(
            assessments.NewAssessment(
                "Load test",
                # Room for the whole session and the spawn: no candidate runs out of time.
                duration_minutes=int(duration_s // 60) + 30,
                owner_id=owner.id,
                items=items_spec,
            )
        )
        items = []
        for item, solution in zip(assessment.items, solutions, strict=True):
            path = attempts.editable_paths(item)[0]
            items.append({"id": item.id, "path": path, "solution": (solution / path).read_text()})
        batch = [
            invitations.NewInvitation(assessment.id, f"Candidate {i}", f"c{i}@example.com")
            for i in range(count)
        ]
        candidates = [
            {"index": i, "attempt_id": attempt.id, "link": invitations.candidate_link("", token)}
            for i, (attempt, token) in enumerate(
                invitations.create_invitations(batch, actor_id=owner.id)
            )
        ]
        db.session.remove()
    return {"items": items, "candidates": candidates}


PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In a child: be sent SIGTERM when this run dies, even by SIGKILL (no stack left behind)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Processes:
    """The platform's processes: started here, logged to the run's folder, stopped at exit."""

    def __init__(self, env: dict, folder: Path) -> None:
        self.env, self.folder, self.procs = env, folder, []

    def start(self, name: str, command: list[str], **env: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        proc = subprocess.Popen(
            command,
            env={**self.env, **env},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        proc.log, proc.name = log, name
        self.procs.append(proc)
        return proc

    def check(self) -> None:
        for proc in self.procs:
            if proc.name != "locust" and proc.poll() is not None:
                raise SystemExit(f"{proc.name} exited ({proc.returncode}): see {proc.log.name}")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            proc.log.close()


def wait_serving(port: int, procs: Processes, timeout: float = 120) -> None:
    """Wait until gunicorn answers a page: its workers load the app after it binds the port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        procs.check()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/login")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer on {port} within {timeout:.0f} s")


class Backlog:
    """Sample the grading backlog (queued and running submissions) from the database."""

    def __init__(self, app) -> None:
        self.app, self.samples, self.stop = app, [], threading.Event()
        self.started = time.monotonic()
        self.thread = threading.Thread(target=self.loop, name="backlog", daemon=True)

    def counts(self) -> dict[str, int]:
        query = sa.select(Submission.kind, Submission.status, sa.func.count()).group_by(
            Submission.kind, Submission.status
        )
        with self.app.app_context():
            rows = db.session.execute(query).all()
            db.session.remove()
        counts = {f"{kind.value}_{status.value}": n for kind, status, n in rows}
        return {
            key: counts.get(key, 0)
            for key in (
                f"{kind.value}_{status.value}"
                for kind in SubmissionKind
                for status in SubmissionStatus
            )
        }

    def sample(self) -> dict:
        row = {"t": round(time.monotonic() - self.started, 1), **self.counts()}
        self.samples.append(row)
        return row

    def loop(self) -> None:
        while not self.stop.wait(SAMPLE_EVERY_S):
            self.sample()


def wait_for_finals(backlog: Backlog, expected: int, timeout: float) -> float | None:
    """Wait until every final submission is graded or failed; return the seconds waited."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        row = backlog.sample()
        settled = row["final_graded"] + row["final_error"]
        if settled >= expected and row["final_queued"] + row["final_running"] == 0:
            return time.monotonic() - began
        time.sleep(1)
    return None


def verify(app, plan: dict, acks: dict[str, int]) -> dict:
    """Compare every acknowledged save, and each final submission, with what is stored."""
    lost, problems, misgraded, checked = [], [], [], 0
    solutions = {item["id"]: item for item in plan["items"]}
    with app.app_context():
        drafts = {(d.attempt_id, d.item_id): d for d in db.session.scalars(sa.select(Draft))}
        history: dict[int, dict[int, dict]] = {}
        for snap in db.session.scalars(sa.select(DraftSnapshot)):
            history.setdefault(snap.draft_id, {})[snap.revision] = snap.files
        finals = {
            (s.attempt_id, s.item_id): s
            for s in db.session.scalars(
                sa.select(Submission).where(Submission.kind == SubmissionKind.FINAL)
            )
        }
        statuses = dict(db.session.execute(sa.select(Attempt.id, Attempt.status)).all())
        for c in plan["candidates"]:
            if statuses.get(c["attempt_id"]) is not AttemptStatus.SUBMITTED:
                problems.append(f"candidate {c['index']}: attempt {statuses.get(c['attempt_id'])}")
            for item_id, item in solutions.items():
                want = acks.get(f"{c['index']}:{item_id}", 0)
                expected = {item["path"]: content(item["solution"], c["index"], item_id, want)}
                draft = drafts.get((c["attempt_id"], item_id))
                have = draft.revision if draft else 0
                where = f"candidate {c['index']}, item {item_id}"
                if have != want:
                    lost.append(f"{where}: acknowledged revision {want}, stored {have}")
                elif draft is not None and draft.files != expected:
                    lost.append(f"{where}: revision {have} holds other content")
                for revision in range(1, want + 1):
                    checked += 1
                    snap = history.get(draft.id, {}).get(revision) if draft else None
                    if snap != {
                        item["path"]: content(item["solution"], c["index"], item_id, revision)
                    }:
                        lost.append(f"{where}: no snapshot of acknowledged revision {revision}")
                final = finals.get((c["attempt_id"], item_id))
                if final is None:
                    problems.append(f"{where}: no final submission")
                    continue
                if want and {k: v for k, v in final.files.items() if k in expected} != expected:
                    lost.append(f"{where}: the final submission is not the last saved revision")
                if final.status is not SubmissionStatus.GRADED:
                    problems.append(
                        f"{where}: final submission {final.status.value}: {final.error}"
                    )
                elif want and final.score != final.max_score:
                    failed = [
                        f"{r.test_id} {r.outcome} ({r.duration_s:.2f} s): {r.message[:300]}"
                        for r in final.results
                        if r.outcome != "passed"
                    ]
                    misgraded.append(
                        f"{where}: the reference solution scored {final.score} of "
                        f"{final.max_score}, {final.outcome}, run {final.run_seconds} s; "
                        + "; ".join(failed)
                    )
        graded = [
            (s.finished_at - s.created_at).total_seconds()
            for s in finals.values()
            if s.finished_at is not None
        ]
        db.session.remove()
    return {
        "lost": lost,
        "problems": problems,
        "misgraded": misgraded,
        "revisions_checked": checked,
        "finals": len(finals),
        "final_seconds": graded,
    }


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": at(0.5), "p95": at(0.95), "p99": at(0.99), "max": ordered[-1]}


def report(summary: dict) -> None:
    """Print what the run measured and found."""
    load, check = summary["locust"], summary["check"]
    print(
        f"\n{summary['users']} candidates x {summary['duration_s']} s: "
        f"{summary['machine']}; gunicorn gthread 2 x 8, {summary['workers']} workers, PostgreSQL, "
        f"Redis (queue, limits), Docker sandbox (warm pool {summary['pool_size']})"
    )
    print(f"\n{'request':<26}{'count':>8}{'fail':>6}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}  ms")
    for row in sorted(load["requests"], key=lambda r: -r["requests"]):
        print(
            f"{row['name']:<26}{row['requests']:>8}{row['failures']:>6}{row['p50_ms']:>8.0f}"
            f"{row['p95_ms']:>8.0f}{row['p99_ms']:>8.0f}{row['max_ms']:>8.0f}"
        )
    total = load["total"]
    print(
        f"{'all':<26}{total['requests']:>8}{total['failures']:>6}{total['p50_ms']:>8.0f}"
        f"{total['p95_ms']:>8.0f}{total['p99_ms']:>8.0f}{total['max_ms']:>8.0f}"
        f"\n{total['rps']:.1f} requests/s over the run"
    )
    runs = percentiles([r["seconds"] for r in load["runs"]])
    if runs:
        print(
            f"\n'Run tests', click to results ({len(load['runs'])} runs): p50 {runs['p50']:.2f} s, "
            f"p95 {runs['p95']:.2f} s, p99 {runs['p99']:.2f} s, max {runs['max']:.2f} s"
        )
    print("\nGrading backlog (queued / running), runs and finals:")
    samples = summary["backlog"]
    step = max(1, len(samples) // 20)
    for row in samples[::step] + ([samples[-1]] if samples and (len(samples) - 1) % step else []):
        print(
            f"  t={row['t']:>6.0f} s   runs {row['run_queued']:>3} / {row['run_running']:>2}"
            f"   finals {row['final_queued']:>3} / {row['final_running']:>2}"
            f"   graded runs {row['run_graded']:>5}, finals {row['final_graded']:>4}"
        )
    peak = max((r["run_queued"] + r["final_queued"] for r in samples), default=0)
    finals = percentiles(check["final_seconds"])
    print(f"  peak queued: {peak}")
    if summary["finals_graded_after_s"] is None:
        print("  the final submissions were NOT all graded in time")
    else:
        print(
            f"  every final submission graded {summary['finals_graded_after_s']:.1f} s after the "
            f"last candidate finished; submit -> graded p50 {finals.get('p50', 0):.2f} s, "
            f"p95 {finals.get('p95', 0):.2f} s, max {finals.get('max', 0):.2f} s"
        )
    errors = load["errors"] + [{"error": p, "count": 1} for p in load["problems"]]
    errors += [{"error": p, "count": 1} for p in check["problems"]]
    print(f"\nErrors: {sum(e['count'] for e in errors)}")
    for e in errors[:20]:
        print(f"  {e['count']} x {e['error']}")
    # Not an error of the load's requests, but a grade a candidate would wrongly get.
    print(f"Reference solutions graded below full marks: {len(check['misgraded'])}")
    for line in check["misgraded"][:10]:
        print(f"  {line}")
    print(
        f"Lost saves: {len(check['lost'])} ({check['revisions_checked']} acknowledged revisions "
        f"and {check['finals']} final submissions checked)"
    )
    for line in check["lost"][:20]:
        print(f"  {line}")


def run(args) -> dict:
    """Set everything up, drive the load, check the database; return the summary."""
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="assessor-load-")))
        url, drop = fresh_postgres_database(args.database_url, prefix="assessor_load")
        stack.callback(drop)
        redis_url = args.redis_url
        empty_redis(redis_url)
        stack.callback(empty_redis, redis_url)
        secret = secrets.token_hex(32)
        settings = {
            "SQLALCHEMY_DATABASE_URI": url,
            "QUEUE_URL": redis_url,
            "INSTANCE_DIR": str(tmp / "instance"),
            "SECRET_KEY": secret,
        }
        app = create_app(settings)

        def dispose() -> None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()

        stack.callback(dispose)
        plan = seed(app, args.challenges, args.users, args.duration)
        plan.update(
            duration_s=args.duration,
            save_interval_s=args.save_interval,
            run_interval_s=[args.run_every * 2 / 3, args.run_every * 4 / 3],
        )
        (tmp / "plan.json").write_text(json.dumps(plan))
        env = {
            **os.environ,
            "ASSESSOR_ENV": "production",
            "SESSION_COOKIE_SECURE": "false",  # plain HTTP on loopback
            "DATABASE_URL": url,
            "QUEUE_URL": redis_url,
            "RATELIMIT_STORAGE_URI": redis_url,
            "ASSESSOR_INSTANCE": settings["INSTANCE_DIR"],
            "SECRET_KEY": secret,
            "SANDBOX_POOL_SIZE": str(args.pool_size),
            "PYTHONUNBUFFERED": "1",
        }
        procs = Processes(env, tmp)
        stack.callback(procs.stop)
        port = free_port()
        bin_dir = Path(sys.executable).parent
        procs.start(
            "gunicorn",
            [
                str(bin_dir / "gunicorn"),
                *("--bind", f"127.0.0.1:{port}", "--worker-class", "gthread"),
                *("--threads", "8", "--workers", "2", "--access-logfile", "-"),
                "assessor:create_app()",
            ],
        )
        for i in range(args.workers):
            procs.start(f"worker-{i}", [sys.executable, "-m", "assessor", "worker", "-c", "1"])
        wait_serving(port, procs)
        backlog = Backlog(app)
        backlog.thread.start()
        result = tmp / "result.json"
        spawn_s = args.users / args.spawn_rate
        locust = procs.start(
            "locust",
            [
                str(bin_dir / "locust"),
                *("-f", str(HERE / "locustfile.py"), "--headless", "--only-summary"),
                *("--users", str(args.users), "--spawn-rate", str(args.spawn_rate)),
                *("--host", f"http://127.0.0.1:{port}", "--loglevel", "WARNING"),
                # A bound on the whole run: every candidate stops itself well before.
                *("--run-time", f"{int(args.duration + spawn_s + 600)}s", "--stop-timeout", "30"),
            ],
            LOAD_PLAN=str(tmp / "plan.json"),
            LOAD_RESULT=str(result),
        )
        print(
            f"{args.users} candidates for {args.duration} s; logs in {tmp} while it runs",
            flush=True,
        )
        while locust.poll() is None:
            try:
                procs.check()
            except SystemExit:
                locust.send_signal(signal.SIGTERM)
                raise
            time.sleep(1)
        if not result.exists():
            raise SystemExit(f"locust wrote no results:\n{(tmp / 'locust.log').read_text()}")
        load = json.loads(result.read_text())
        # A candidate stopped by an error never finished: its finals are not waited for.
        expected_finals = len(load["finished"]) * len(plan["items"])
        waited = wait_for_finals(backlog, expected_finals, args.grading_timeout)
        backlog.stop.set()
        backlog.thread.join()
        procs.check()
        check = verify(app, plan, load["acks"])
        if args.keep_logs:
            for name in ("gunicorn", "worker-0", "locust"):
                log = tmp / f"{name}.log"
                if log.exists():
                    (Path(args.keep_logs) / f"{name}.log").write_bytes(log.read_bytes())
    return {
        "users": args.users,
        "duration_s": args.duration,
        "workers": args.workers,
        "pool_size": args.pool_size,
        "machine": f"{os.cpu_count()} cores",
        "locust": load,
        "check": check,
        "backlog": backlog.samples,
        "finals_graded_after_s": waited,
    }


def main() -> None:
    # `timeout` and service managers stop a run with SIGTERM: unwind, so it drops what it made.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50, help="simulated candidates")
    parser.add_argument("--duration", type=float, default=600, help="seconds each one works")
    parser.add_argument("--spawn-rate", type=float, default=5, help="candidates arriving a second")
    parser.add_argument("--save-interval", type=float, default=3, help="seconds between saves")
    parser.add_argument(
        "--run-every", type=float, default=60, help="mean seconds between test runs (+/- a third)"
    )
    parser.add_argument(
        "--challenges",
        type=lambda s: s.split(","),
        default=["token-bucket-limiter", "products-rest-api"],
        help="comma-separated folders of challenges/: the assessment's items",
    )
    parser.add_argument("--workers", type=int, default=2, help="`assessor worker` processes")
    parser.add_argument("--pool-size", type=int, default=2, help="SANDBOX_POOL_SIZE")
    parser.add_argument(
        "--database-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server: the run creates its own database there and drops it",
    )
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/11",
        help="a Redis database for this run alone: it is emptied before and after",
    )
    parser.add_argument(
        "--grading-timeout", type=float, default=600, help="seconds to wait for the finals"
    )
    parser.add_argument(
        "--strict-grades",
        action="store_true",
        help="also exit 1 when a reference solution is graded below full marks under load",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--keep-logs", help="copy the processes' logs into this folder")
    args = parser.parse_args()
    if args.run_every * 2 / 3 < 10:
        # The server allows 6 runs a minute per attempt: a faster pace would be refused, by design.
        raise SystemExit("--run-every must be at least 15 s")
    summary = run(args)
    report(summary)
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1))
    failed = (
        summary["locust"]["total"]["failures"]
        or summary["locust"]["errors"]
        or summary["locust"]["problems"]
        or summary["check"]["lost"]
        or summary["check"]["problems"]
        or summary["finals_graded_after_s"] is None
        or (args.strict_grades and summary["check"]["misgraded"])
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
