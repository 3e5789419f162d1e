"""The one registry of challenge kinds: names map to installed plugins."""

from __future__ import annotations

from assessor.kinds.base import ChallengeKindPlugin
from assessor.kinds.errors import KindNotInstalled
from assessor.kinds.missing import NotInstalledKind

# The kind of a challenge.yaml that names none: every challenge written before kinds existed.
DEFAULT_KIND = "code"

_KINDS: dict[str, ChallengeKindPlugin] = {}


def register(kind: ChallengeKindPlugin) -> ChallengeKindPlugin:
    """Install a kind under its name; a second kind with the same name is refused."""
    if not kind.installed or not kind.name:
        raise ValueError(f"{kind!r} is not an installable kind")
    if kind.name in _KINDS and _KINDS[kind.name] is not kind:
        raise ValueError(f"a kind named {kind.name!r} is already registered")
    _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    """Remove a kind (for tests of what happens when a plugin is gone)."""
    _KINDS.pop(name, None)


def get_kind(name: str) -> ChallengeKindPlugin:
    """Return the installed kind with this name, or raise KindNotInstalled."""
    try:
        return _KINDS[name]
    except (KeyError, TypeError):
        raise KindNotInstalled(str(name)) from None


def find_kind(name: str) -> ChallengeKindPlugin:
    """Return the installed kind, or a stand-in that says it is not installed (never raises)."""
    try:
        return get_kind(name)
    except KindNotInstalled:
        return NotInstalledKind(str(name))


def kind_names() -> tuple[str, ...]:
    """Return the names of the installed kinds, in registration order."""
    return tuple(_KINDS)
