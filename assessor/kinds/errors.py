"""What goes wrong when a kind is asked for something it cannot do."""

from __future__ import annotations


class KindError(Exception):
    """A kind cannot do what was asked of it."""


class KindNotInstalled(KindError, LookupError):
    """No installed plugin provides this kind (a stored row or a folder names an unknown one)."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"kind {name!r} is not installed")


class NotRunnable(KindError):
    """The kind never runs in the sandbox (a reviewer scores it), so it has no job or score."""


class ReferenceFailed(KindError):
    """The reference solution did not pass every test, so no trusted manifest can be made."""
