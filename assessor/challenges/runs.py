"""Turn challenge content and candidate files into sandbox jobs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sandbox
from assessor.challenges.spec import DEFAULT_LIMITS


def sandbox_limits(limits: Mapping[str, Any]) -> sandbox.Limits:
    """Map challenge.yaml limits (timeout_s, memory_mb, ...) onto sandbox limits."""
    merged = {**DEFAULT_LIMITS, **limits}
    return sandbox.Limits(
        wall_s=float(merged["timeout_s"]),
        memory_mb=int(merged["memory_mb"]),
        cpus=float(merged["cpus"]),
        pids=int(merged["pids"]),
        output_kb=int(merged["output_kb"]),
    )


def make_job(
    *,
    starter: Mapping[str, str],
    candidate: Mapping[str, str],
    tests: Mapping[str, str],
    limits: Mapping[str, Any],
    image: str,
    select: Sequence[str] = (),
    expected: Sequence[str] = (),
    service: sandbox.Service | None = None,
) -> sandbox.Job:
    """Build a job: starter files overlaid with the candidate's, and the chosen tests.

    Read-only starter files always come from the challenge, so a candidate cannot replace
    them; only the editable files the caller passes in differ from the starter. A `service`
    makes the files an HTTP service in its language, started before the tests run.
    """
    files = dict(starter)
    files.update(candidate)
    return sandbox.Job(
        files=files,
        tests=dict(tests),
        select=tuple(select),
        expected=tuple(expected),
        limits=sandbox_limits(limits),
        image=image,
        service=service,
    )
