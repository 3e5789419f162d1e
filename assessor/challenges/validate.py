"""Validate a challenge folder as its kind says: run it in the sandbox, or check its rubric."""

from __future__ import annotations

import sandbox
from assessor.challenges.proof import Progress, Report
from assessor.challenges.spec import ChallengeSpec
from assessor.kinds import get_kind


def validate(
    spec: ChallengeSpec,
    backend: sandbox.Backend,
    image: str,
    *,
    progress: Progress = lambda _: None,
    parallel: int = 1,
) -> Report:
    """Judge a folder already read, with the checks its kind defines."""
    return get_kind(spec.kind).validate(spec, backend, image, progress=progress, parallel=parallel)
