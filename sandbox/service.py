"""The value objects of a service run: the candidate's HTTP service and the datastores it uses."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from typing import Any

from .errors import InvalidJob

STORE_KINDS = ("postgres", "redis")
# The datastores listen on these in the run's namespace: a service there would collide.
STORE_PORTS = {"postgres": 5432, "redis": 6379}
STARTUP_BOUNDS = (1.0, 900.0)
# A language names an image (`assessor-sandbox-<language>`): a plain lower-case word only.
_LANGUAGE = re.compile(r"^[a-z][a-z0-9]{0,31}$")
# A path polled with GET: printable, no spaces, so it cannot smuggle a header into the request.
_READY = re.compile(r"^/[\x21-\x7e]{0,199}$")
MAX_COMMAND = 4096
MAX_SEED_BYTES = 16 * 1024 * 1024


def _command(name: str, value: object, *, required: bool) -> None:
    if not isinstance(value, str):
        raise InvalidJob(f"service {name} must be a string, got {type(value).__name__}")
    if required and not value.strip():
        raise InvalidJob(f"service {name} must not be empty")
    if len(value) > MAX_COMMAND or "\x00" in value:
        raise InvalidJob(f"service {name} is longer than {MAX_COMMAND} characters or holds NUL")


def _no_unknown(kind: str, data: Mapping[str, Any], cls: type) -> None:
    unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
    if unknown:
        raise InvalidJob(f"unknown {kind} keys: {', '.join(sorted(unknown))}")


@dataclasses.dataclass(frozen=True)
class Datastore:
    """A fresh datastore of the run (its own container, in the run's namespace), with its seed.

    `seed` is SQL for postgres, one command a line for redis; it never reaches the candidate.
    """

    kind: str
    seed: str = ""

    def __post_init__(self) -> None:
        if self.kind not in STORE_KINDS:
            raise InvalidJob(f"datastore kind {self.kind!r} is not one of {STORE_KINDS}")
        if not isinstance(self.seed, str):
            raise InvalidJob(f"the {self.kind} seed must be text")
        if len(self.seed.encode("utf-8", "surrogatepass")) > MAX_SEED_BYTES:
            raise InvalidJob(f"the {self.kind} seed is over {MAX_SEED_BYTES // 1024 // 1024} MB")

    def to_dict(self) -> dict[str, Any]:
        """Return the datastore as plain JSON data."""
        return {"kind": self.kind, "seed": self.seed}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Datastore:
        """Build a datastore from JSON data, rejecting unknown keys."""
        _no_unknown("datastore", data, cls)
        return cls(**data)


@dataclasses.dataclass(frozen=True)
class Service:
    """How to build, start and probe the candidate's HTTP service, and the datastores it uses."""

    language: str
    start: str
    port: int
    build: str = ""
    ready: str = "/"
    startup_s: float = 60.0
    datastores: tuple[Datastore, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.language, str) or not _LANGUAGE.match(self.language):
            raise InvalidJob(f"service language {self.language!r} is not a plain lower-case name")
        _command("start", self.start, required=True)
        _command("build", self.build, required=False)
        if isinstance(self.port, bool) or not isinstance(self.port, int):
            raise InvalidJob(f"service port must be an integer, got {self.port!r}")
        # Below 1024 needs a capability the sandbox drops; the stores own theirs.
        if not 1024 <= self.port <= 65535 or self.port in STORE_PORTS.values():
            raise InvalidJob(
                f"service port {self.port} must be in [1024, 65535] and not 5432 or 6379"
            )
        if not isinstance(self.ready, str) or not _READY.match(self.ready):
            raise InvalidJob(f"service ready {self.ready!r} must be a path like /health")
        low, high = STARTUP_BOUNDS
        value = self.startup_s
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidJob(f"service startup_s must be a number, got {value!r}")
        if not math.isfinite(value) or not low <= value <= high:
            raise InvalidJob(f"service startup_s={value!r} is outside [{low:g}, {high:g}]")
        stores = self.datastores
        if isinstance(stores, str | Mapping) or not all(isinstance(d, Datastore) for d in stores):
            raise InvalidJob("service datastores must be a sequence of sandbox Datastore")
        kinds = [d.kind for d in stores]
        if len(set(kinds)) != len(kinds):
            raise InvalidJob(f"at most one datastore of each kind, got {kinds}")
        object.__setattr__(self, "datastores", tuple(stores))

    def kinds(self) -> tuple[str, ...]:
        """Return the kinds of the run's datastores."""
        return tuple(d.kind for d in self.datastores)

    def environment(self) -> dict[str, str]:
        """Return the variables the build and the service get on top of their image's."""
        env = {"PORT": str(self.port)}
        if "postgres" in self.kinds():
            env.update(
                DATABASE_URL="postgresql://app@127.0.0.1:5432/app",
                PGHOST="127.0.0.1",
                PGPORT="5432",
                PGUSER="app",
                PGDATABASE="app",
            )
        if "redis" in self.kinds():
            env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
        return env

    def to_dict(self) -> dict[str, Any]:
        """Return the service as plain JSON data."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return data | {"datastores": [d.to_dict() for d in self.datastores]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Service:
        """Build a service from JSON data, rejecting unknown keys."""
        _no_unknown("service", data, cls)
        stores = data.get("datastores", ())
        if isinstance(stores, str | Mapping):
            raise InvalidJob("service datastores must be a list")
        return cls(**{**data, "datastores": tuple(Datastore.from_dict(d) for d in stores)})
