"""Encode what the host sends each container on stdin: the tester's job and the agent's files."""

from __future__ import annotations

import json
import secrets

from .harness.workspace import module_names
from .model import Job

AGENT_WORKDIR = "/tmp/work"  # noqa: S108 - inside the candidate's container, on its tmpfs


def new_nonce() -> str:
    """Return an unguessable per-run nonce that authenticates the result record."""
    return secrets.token_hex(16)


def new_agent_name() -> str:
    """Return the name of a run's bridge socket (abstract, in the run's own network namespace)."""
    return "assessor-bridge-" + secrets.token_hex(8)


def _line(request: dict) -> bytes:
    return json.dumps(request, separators=(",", ":")).encode() + b"\n"


def request_line(job: Job, nonce: str, *, agent: str, **options: object) -> bytes:
    """Return the tester's request: the tests, the candidate's module names, nonce and options.

    The candidate's files never go to the tester: only the names its tests may import. A
    service's tests import nothing of the candidate: they get where and how to reach it.
    """
    service = job.service
    request = {
        "nonce": nonce,
        "job": {
            "tests": dict(job.tests),
            "select": list(job.select),
            "modules": [] if service else module_names(list(job.files)),
        },
        "options": {"wall_s": job.limits.wall_s, "agent": agent, **options},
    }
    if service is not None:
        request["options"]["service"] = {
            "port": service.port,
            "ready": service.ready,
            "startup_s": service.startup_s,
        }
    return _line(request)


def agent_request(job: Job, *, agent: str, **options: object) -> bytes:
    """Return the agent's request: the candidate's files and where to listen, never a test."""
    request = {
        "files": dict(job.files),
        "options": {"address": agent, "workdir": AGENT_WORKDIR, **options},
    }
    service = job.service
    if service is not None:  # never a seed: only the datastores' addresses
        request["options"]["service"] = {
            "build": service.build,
            "start": service.start,
            "port": service.port,
            "env": service.environment(),
        }
    return _line(request)
