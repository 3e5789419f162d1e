"""The backend contract and the registry that picks an implementation by name."""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from typing import ClassVar, NamedTuple

from .errors import BackendNotFound
from .model import Job, Result


class Check(NamedTuple):
    """One line of `doctor`: what was checked, whether it holds, and the evidence."""

    name: str
    ok: bool
    detail: str


class Backend(abc.ABC):
    """Runs jobs somewhere and reports Results; every backend passes the same contract tests."""

    name: ClassVar[str] = ""

    @abc.abstractmethod
    def run(self, job: Job) -> Result:
        """Run one job; infrastructure trouble is a Result, never an exception."""

    @abc.abstractmethod
    def check(self) -> list[Check]:
        """Return the health checks `doctor` prints for this backend."""

    def prepare(  # noqa: B027 - optional hook: only a container engine has images to build
        self, variants: Sequence[str], progress: Callable[[str], None] | None = None
    ) -> None:
        """Make the images of these variants (languages, datastores) ready before runs need them."""

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release connections the backend holds."""


BackendFactory = Callable[..., Backend]
_FACTORIES: dict[str, BackendFactory] = {}


def register_backend(name: str, factory: BackendFactory) -> None:
    """Make `factory(**options)` available as backend `name` (re-registering replaces it)."""
    if not name or not callable(factory):
        raise ValueError("a backend needs a name and a callable factory")
    _FACTORIES[name] = factory


def get_backend(name: str, **options: object) -> Backend:
    """Build the backend registered as `name` with `options`."""
    try:
        factory = _FACTORIES[name]
    except KeyError:
        known = ", ".join(sorted(_FACTORIES)) or "none"
        raise BackendNotFound(f"no sandbox backend {name!r} (registered: {known})") from None
    return factory(**options)


def backend_names() -> tuple[str, ...]:
    """Return the names of the registered backends."""
    return tuple(sorted(_FACTORIES))
