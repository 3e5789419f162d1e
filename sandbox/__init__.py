"""Run a candidate's code against a challenge's pytest suite in a hardened, throw-away sandbox.

Standalone: this package never imports the Flask platform. Typical use:

    result = sandbox.run(sandbox.Job(files=..., tests=..., expected=...))
"""

from __future__ import annotations

import threading

from .backend import Backend, Check, backend_names, get_backend, register_backend
from .docker_backend import DockerBackend
from .errors import (
    BackendNotFound,
    EngineUnavailable,
    ImageBuildFailed,
    ImageMissing,
    ImageStale,
    InfrastructureError,
    InvalidJob,
    SandboxError,
    SubmissionRefused,
)
from .fake_backend import FakeBackend
from .model import (
    DEFAULT_IMAGE,
    Datastore,
    Flag,
    Job,
    Limits,
    Outcome,
    Result,
    RunStatus,
    Service,
    TestOutcome,
)
from .policy import check_submission
from .scan import scan_files

__all__ = [
    "DEFAULT_IMAGE",
    "Backend",
    "BackendNotFound",
    "Check",
    "Datastore",
    "DockerBackend",
    "EngineUnavailable",
    "FakeBackend",
    "Flag",
    "ImageBuildFailed",
    "ImageMissing",
    "ImageStale",
    "InfrastructureError",
    "InvalidJob",
    "Job",
    "Limits",
    "Outcome",
    "Result",
    "RunStatus",
    "SandboxError",
    "Service",
    "SubmissionRefused",
    "TestOutcome",
    "backend_names",
    "check_submission",
    "get_backend",
    "register_backend",
    "run",
    "scan_files",
]

register_backend("docker", DockerBackend)
register_backend("fake", FakeBackend)

_default: Backend | None = None
_default_lock = threading.Lock()


def _default_backend() -> Backend:
    global _default
    with _default_lock:
        if _default is None:
            _default = DockerBackend()
        return _default


def run(job: Job, backend: Backend | None = None) -> Result:
    """Run `job` on `backend` (the Docker backend by default) and return its Result."""
    if not isinstance(job, Job):
        raise InvalidJob(f"expected a sandbox.Job, got {type(job).__name__}")
    chosen = backend if backend is not None else _default_backend()
    try:
        return chosen.run(job)
    except InfrastructureError as exc:
        return Result.infrastructure_error(f"{type(exc).__name__}: {exc}")
