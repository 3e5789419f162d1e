"""What a challenge folder holds once read: plain, immutable data."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import sandbox

# The skill vocabulary; docs/authoring.md explains each word. Reports group scores by skill,
# so a closed list keeps "sql", "SQL" and "databases" from becoming three bars.
SKILLS: dict[str, str] = {
    "api-design": "HTTP resources, status codes, validation, errors, pagination",
    "sql": "querying: joins, aggregates, window functions",
    "schema-design": "tables, constraints, indexes, migrations",
    "data-modeling": "entities, relations and invariants in code",
    "performance": "query counts, complexity, avoiding needless work",
    "caching": "TTL, eviction, invalidation",
    "rate-limiting": "token buckets, windows, fairness",
    "idempotency": "safe retries, idempotency keys, exactly-once effects",
    "security": "input handling, secrets, constant-time comparison, IDOR",
    "auth": "password storage, sessions and tokens, authorization",
    "concurrency": "threads, locks, races, queues",
    "resilience": "retries, backoff, circuit breakers, timeouts",
    "testing": "writing and reasoning about tests",
    "system-design": "architecture, trade-offs, scaling, failure modes",
    "observability": "logging, metrics, tracing, alerting",
}
DIFFICULTIES = ("easy", "medium", "hard")
# Platform defaults for one grading run, the sandbox's own; challenge.yaml may lower or raise
# them within bounds.
_SANDBOX_DEFAULTS = sandbox.Limits()
DEFAULT_LIMITS = {
    "timeout_s": int(_SANDBOX_DEFAULTS.wall_s),
    "memory_mb": _SANDBOX_DEFAULTS.memory_mb,
    "cpus": _SANDBOX_DEFAULTS.cpus,
    "pids": _SANDBOX_DEFAULTS.pids,
    "output_kb": _SANDBOX_DEFAULTS.output_kb,
}
LIMIT_BOUNDS = {
    "timeout_s": (1, 300),
    "memory_mb": (64, 2048),
    "cpus": (0.25, 4.0),
    "pids": (16, 512),
    "output_kb": (16, 4096),
}


@dataclasses.dataclass(frozen=True)
class RubricCriterion:
    id: str
    title: str
    points: float
    guidance: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class ChallengeSpec:
    """A challenge folder, read and checked, with the hash of its content."""

    slug: str
    title: str
    kind: str
    skills: tuple[str, ...]
    difficulty: str
    minutes: int
    editable: tuple[str, ...]
    limits: Mapping[str, Any]
    summary: str
    statement: str
    starter: Mapping[str, str]
    solution: Mapping[str, str]
    wrong: Mapping[str, Mapping[str, str]]
    tests: Mapping[str, str]
    rubric: tuple[RubricCriterion, ...]
    content_hash: str
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # the kind's own fields

    def meta(self) -> dict[str, Any]:
        """Return the metadata stored with a catalog version."""
        return {
            "editable": list(self.editable),
            "limits": dict(self.limits),
            "summary": self.summary,
            "options": dict(self.options),
        }
