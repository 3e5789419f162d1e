"""Encode the request the host sends to the harness on stdin."""

from __future__ import annotations

import json
import secrets

from .model import Job

WORKDIR = "/tmp/job"  # noqa: S108 - inside the container, on its private tmpfs


def new_nonce() -> str:
    """Return an unguessable per-run nonce that authenticates the result record."""
    return secrets.token_hex(16)


def request_line(job: Job, nonce: str, **options: object) -> bytes:
    """Return the job, nonce and harness options as one line of JSON."""
    request = {
        "nonce": nonce,
        "job": {"files": dict(job.files), "tests": dict(job.tests), "select": list(job.select)},
        "options": {"wall_s": job.limits.wall_s, "workdir": WORKDIR, **options},
    }
    return json.dumps(request, separators=(",", ":")).encode() + b"\n"
