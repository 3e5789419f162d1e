"""The stand-in for a kind no installed plugin provides: it shows, but never runs or scores."""

from __future__ import annotations

from typing import Any, NoReturn

from assessor.kinds.base import PARTS, ChallengeKindPlugin, FolderRules, Scoring
from assessor.kinds.errors import KindNotInstalled


class NotInstalledKind(ChallengeKindPlugin):
    """A stored row's kind that is unknown here: pages render, grading fails with a reason."""

    editor = "code"
    runnable = False
    # A final answer still queues: the worker then records why it cannot be graded, and the
    # files stay stored for when the plugin is installed again.
    scoring = Scoring.AUTOMATIC
    folder = FolderRules(accepted=frozenset(PARTS))  # the unknown kind is the one problem
    report_sections = ("not_installed", "code")
    installed = False

    def __init__(self, name: str) -> None:
        self.name = name
        self.description = self.label = f"kind {name!r} is not installed"

    def build_job(self, *_: Any, **__: Any) -> NoReturn:
        """Refuse: the code that would build the job is not installed."""
        raise KindNotInstalled(self.name)

    def score(self, *_: Any, **__: Any) -> NoReturn:
        """Refuse: the code that would score the run is not installed."""
        raise KindNotInstalled(self.name)

    def trusted_manifest(self, *_: Any, **__: Any) -> NoReturn:
        """Refuse: nothing can prove a folder of an unknown kind sound."""
        raise KindNotInstalled(self.name)

    def validate(self, *_: Any, **__: Any) -> NoReturn:
        """Refuse: nothing can validate a folder of an unknown kind."""
        raise KindNotInstalled(self.name)
