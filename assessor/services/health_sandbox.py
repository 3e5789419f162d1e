"""Check a grading host: the sandbox backend, Docker engine and image, warm pool and library.

The engine, image and limit checks are the sandbox's own (`assessor sandbox doctor`); this
module only decides which of them to run and adds what the platform's settings ask of the host.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator, Mapping
from typing import Any

import sandbox
from assessor.challenges.runs import sandbox_limits
from assessor.services.catalog import challenge_folders
from assessor.services.health import Finding, Status
from sandbox.doctor import docker_checks
from sandbox.pool import PoolKey

PAIR_MB = 60  # two idle containers of a waiting pair (see docs/operations.md, measured)
START_PAIR_TIMEOUT_S = 60.0
HINTS = {
    "engine": "start Docker (`make docker` installs and starts it) or point DOCKER_HOST at it",
    "image": "run `assessor sandbox build-image` on this host",
}


def sandbox_host(
    config: Mapping[str, Any], *, enforcement: bool = False, start_pair: bool = False
) -> list[Finding]:
    """Check the backend; with Docker, the engine and image, then optionally limits and a pair."""
    name = config["SANDBOX_BACKEND"]
    if name == "fake":
        production = config["ENV_NAME"] == "production"
        return [
            Finding(
                "sandbox backend",
                Status.FAIL if production else Status.WARN,
                "fake: candidates' code runs on this host WITHOUT isolation (tests only); "
                "set SANDBOX_BACKEND=docker",
            )
        ]
    if name != "docker":
        return _other_backend(name)
    backend = sandbox.DockerBackend(image=config["SANDBOX_IMAGE"])
    try:
        checks = docker_checks(backend, enforcement=enforcement)
    except Exception as exc:  # the engine went away between two questions: that is the finding
        checks = [sandbox.Check("engine", False, f"the Docker engine failed: {exc}")]
    finally:
        backend.close()
    findings = [_finding(check) for check in checks]
    findings.append(pool_settings(config))
    if start_pair:
        if all(f.status is Status.OK for f in findings):
            findings.append(_start_pair(config))
        else:
            findings.append(Finding("warm pair", Status.SKIP, "the engine or image failed"))
    return findings


def pool_settings(config: Mapping[str, Any]) -> Finding:
    """Judge SANDBOX_POOL_SIZE and SANDBOX_POOL_IDLE_S, and say what they cost."""
    size, idle = config["SANDBOX_POOL_SIZE"], config["SANDBOX_POOL_IDLE_S"]
    if size < 0 or idle <= 0:
        return Finding(
            "warm pool",
            Status.FAIL,
            f"SANDBOX_POOL_SIZE={size}, SANDBOX_POOL_IDLE_S={idle}: the size must be 0 or "
            "more and the idle time above 0",
        )
    if size == 0:
        return Finding(
            "warm pool", Status.OK, "off (SANDBOX_POOL_SIZE=0): each run starts its containers"
        )
    return Finding(
        "warm pool",
        Status.OK,
        f"{size} pair(s) waiting per image and limits, replaced after {idle} s idle; about "
        f"{size * PAIR_MB} MB of memory per set of limits in use",
    )


def library(config: Mapping[str, Any]) -> Finding:
    """Check CHALLENGES_DIR, which a worker reads when staff sync the library."""
    root = config["CHALLENGES_DIR"]
    folders = challenge_folders(root)
    if not folders:
        return Finding(
            "challenge library",
            Status.WARN,
            f"{root}: no challenge folders; a library sync run by a worker on this host "
            "would retire every challenge (a web-only host needs none)",
        )
    return Finding("challenge library", Status.OK, f"{root}: {len(folders)} challenge folder(s)")


def _finding(check: sandbox.Check) -> Finding:
    if check.ok:
        return Finding(f"sandbox {check.name}", Status.OK, check.detail)
    hint = HINTS.get(check.name)
    detail = f"{check.detail}; {hint}" if hint else check.detail
    return Finding(f"sandbox {check.name}", Status.FAIL, detail)


def _other_backend(name: str) -> list[Finding]:
    try:
        backend = sandbox.get_backend(name)
    except sandbox.BackendNotFound as exc:
        return [Finding("sandbox backend", Status.FAIL, str(exc))]
    try:
        return [_finding(check) for check in backend.check()]
    finally:
        backend.close()


def _start_pair(config: Mapping[str, Any]) -> Finding:
    """Start one warm pair as a worker's pool does, then remove it."""
    limits = sandbox_limits({})
    backend = sandbox.DockerBackend(
        image=config["SANDBOX_IMAGE"],
        pool_size=1,
        pool_idle_s=config["SANDBOX_POOL_IDLE_S"],
        warm=(limits,),
    )
    key = PoolKey.of(backend.image, limits)
    started = time.monotonic()
    with _pool_warnings() as warnings:
        try:
            while not backend.pool.ready(key):
                if time.monotonic() - started > START_PAIR_TIMEOUT_S:
                    why = warnings[-1] if warnings else "no error reported"
                    return Finding(
                        "warm pair",
                        Status.FAIL,
                        f"no pair started within {START_PAIR_TIMEOUT_S:.0f} s: {why}",
                    )
                time.sleep(0.1)
            took = time.monotonic() - started
        finally:
            backend.close()  # removes the pair
    return Finding("warm pair", Status.OK, f"a pair started in {took:.1f} s, then was removed")


@contextlib.contextmanager
def _pool_warnings() -> Iterator[list[str]]:
    """Collect what the pool logs about failed starts (it retries rather than raise)."""
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = Collect(logging.WARNING)
    pool_log = logging.getLogger("sandbox.pool")
    pool_log.addHandler(handler)
    try:
        yield messages
    finally:
        pool_log.removeHandler(handler)
