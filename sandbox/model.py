"""The value objects of the sandbox: limits, jobs, per-test outcomes and run results."""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from .errors import InvalidJob
from .paths import path_problem
from .service import Datastore, Service  # noqa: F401 - Datastore re-exported beside Service

DEFAULT_IMAGE = "assessor-sandbox:latest"
MESSAGE_LIMIT = 4096
TAIL_LIMIT = 8192


def cap_text(text: str, limit: int, *, keep: str = "head") -> str:
    """Cut `text` to at most `limit` characters, saying how much was dropped."""
    if len(text) <= limit:
        return text
    note = f"\n[... {len(text) - limit} characters cut ...]\n"
    room = max(limit - len(note), 0)
    if keep == "tail":
        return note.lstrip("\n") + text[len(text) - room :]
    if keep == "both":  # e.g. a service's build output (head) and its last log lines (tail)
        head = room // 2
        return text[:head] + note + text[len(text) - (room - head) :]
    return text[:room] + note.rstrip("\n")


class Outcome(enum.StrEnum):
    """How one test ended."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


class RunStatus(enum.StrEnum):
    """How a whole run ended."""

    COMPLETED = "completed"
    TIMED_OUT = "timed_out"
    MEMORY_EXCEEDED = "memory_exceeded"
    OUTPUT_EXCEEDED = "output_exceeded"
    CRASHED = "crashed"
    INFRASTRUCTURE_ERROR = "infrastructure_error"
    # The candidate's service never answered: its build failed, it exited, or never listened.
    SERVICE_FAILED = "service_failed"


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits of one run; every run gets all of them."""

    wall_s: float = 30.0
    cpus: float = 1.0
    memory_mb: int = 256
    pids: int = 64
    output_kb: int = 256
    scratch_mb: int = 64
    file_mb: int = 16

    # Floors keep the interpreter and pytest able to start; ceilings keep one job from
    # monopolising a worker host (a denial of service against other candidates).
    _BOUNDS = {
        "wall_s": (1.0, 3600.0),
        "cpus": (0.1, 64.0),
        "memory_mb": (64, 65536),
        "pids": (8, 4096),
        "output_kb": (1, 65536),
        "scratch_mb": (4, 65536),
        "file_mb": (1, 65536),
    }

    def __post_init__(self) -> None:
        for name, (low, high) in self._BOUNDS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidJob(f"limit {name} must be a number, got {value!r}")
            if not math.isfinite(value) or not low <= value <= high:
                raise InvalidJob(f"limit {name}={value!r} is outside [{low}, {high}]")

    def to_dict(self) -> dict[str, Any]:
        """Return the limits as plain JSON data."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Limits:
        """Build limits from JSON data, rejecting unknown keys."""
        unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise InvalidJob(f"unknown limits: {', '.join(sorted(unknown))}")
        return cls(**data)


def _frozen_texts(kind: str, files: Mapping[str, str]) -> Mapping[str, str]:
    if not isinstance(files, Mapping):
        raise InvalidJob(f"{kind} must be a mapping of path to text")
    for path, text in files.items():
        problem = path_problem(path)
        if problem:
            raise InvalidJob(f"{kind} path {path!r} {problem}")
        if not isinstance(text, str):
            raise InvalidJob(f"{kind} {path!r} must be text, got {type(text).__name__}")
    return MappingProxyType(dict(files))


def _covers(selector: str, tests: Mapping[str, str]) -> bool:
    target = selector.split("::", 1)[0].rstrip("/")
    return target in tests or any(path.startswith(target + "/") for path in tests)


@dataclasses.dataclass(frozen=True)
class Job:
    """One grading run: candidate files, the challenge's tests, what to run and the limits.

    `files` go to the candidate's container only, `tests` to the tester's container only: the
    candidate's code never sees a test file. `image` names the sandbox image; the default means
    "the backend's configured image".
    """

    files: Mapping[str, str]
    tests: Mapping[str, str]
    select: tuple[str, ...] = ()
    expected: tuple[str, ...] = ()
    limits: Limits = dataclasses.field(default_factory=Limits)
    image: str = DEFAULT_IMAGE
    # Set for a service challenge: `files` are any text files of the service's language, run by
    # its `build` and `start` commands; the tests reach the service over the run's loopback.
    service: Service | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "files", _frozen_texts("files", self.files))
        set_(self, "tests", _frozen_texts("tests", self.tests))
        for name in ("select", "expected"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(v, str) and v for v in value):
                raise InvalidJob(f"{name} must be a sequence of non-empty strings")
            set_(self, name, tuple(value))
        if not isinstance(self.limits, Limits):
            raise InvalidJob("limits must be a sandbox.Limits")
        if self.service is not None and not isinstance(self.service, Service):
            raise InvalidJob("service must be a sandbox.Service or None")
        if not any(p.rsplit("/", 1)[-1].endswith(".py") for p in self.tests):
            raise InvalidJob("tests hold no Python file")
        for selector in self.select:
            if not _covers(selector, self.tests):
                raise InvalidJob(f"select {selector!r} names no test file or folder")
        for node_id in self.expected:
            if "::" not in node_id or node_id.split("::", 1)[0] not in self.tests:
                raise InvalidJob(f"expected id {node_id!r} is not 'path::name' of a test file")


@dataclasses.dataclass(frozen=True)
class TestOutcome:
    """The outcome of one test, with the points and skill its markers declare."""

    __test__ = False  # not a pytest test class, despite the name

    id: str
    outcome: Outcome
    duration_s: float
    message: str
    points: float | None = None
    skill: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the outcome as plain JSON data."""
        return dataclasses.asdict(self) | {"outcome": str(self.outcome)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TestOutcome:
        """Build an outcome from JSON data."""
        return cls(**{**data, "outcome": Outcome(data["outcome"])})


@dataclasses.dataclass(frozen=True)
class Flag:
    """A signal for a human reviewer (static or runtime); never a verdict by itself."""

    code: str
    message: str
    path: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the flag as plain JSON data."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Flag:
        """Build a flag from JSON data."""
        return cls(**data)


@dataclasses.dataclass(frozen=True)
class Result:
    """How a run ended, each test's outcome, and what a reviewer should look at."""

    status: RunStatus
    tests: tuple[TestOutcome, ...]
    exit_code: int | None
    duration_s: float
    stdout_tail: str
    stderr_tail: str
    missing: tuple[str, ...]
    unexpected: tuple[str, ...]
    flags: tuple[Flag, ...]
    detail: str
    # What the candidate's own process printed (stdout and stderr, in order), capped.
    candidate_tail: str = ""

    def outcome_of(self, test_id: str) -> Outcome | None:
        """Return the outcome of one test, or None when it is not in the result."""
        return next((t.outcome for t in self.tests if t.id == test_id), None)

    def to_dict(self) -> dict[str, Any]:
        """Return the result as plain JSON data."""
        return {
            "status": str(self.status),
            "tests": [t.to_dict() for t in self.tests],
            "exit_code": self.exit_code,
            "duration_s": self.duration_s,
            "stdout_tail": self.stdout_tail,
            "stderr_tail": self.stderr_tail,
            "missing": list(self.missing),
            "unexpected": list(self.unexpected),
            "flags": [f.to_dict() for f in self.flags],
            "detail": self.detail,
            "candidate_tail": self.candidate_tail,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        """Build a result from JSON data."""
        return cls(
            status=RunStatus(data["status"]),
            tests=tuple(TestOutcome.from_dict(t) for t in data["tests"]),
            exit_code=data["exit_code"],
            duration_s=data["duration_s"],
            stdout_tail=data["stdout_tail"],
            stderr_tail=data["stderr_tail"],
            missing=tuple(data["missing"]),
            unexpected=tuple(data["unexpected"]),
            flags=tuple(Flag.from_dict(f) for f in data["flags"]),
            detail=data["detail"],
            candidate_tail=data.get("candidate_tail", ""),
        )

    @classmethod
    def infrastructure_error(cls, detail: str, *, duration_s: float = 0.0) -> Result:
        """Build the result of a run the infrastructure prevented; callers may retry it."""
        return cls(
            status=RunStatus.INFRASTRUCTURE_ERROR,
            tests=(),
            exit_code=None,
            duration_s=duration_s,
            stdout_tail="",
            stderr_tail="",
            missing=(),
            unexpected=(),
            flags=(),
            detail=detail,
        )
