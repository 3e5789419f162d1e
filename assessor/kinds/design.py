"""The `design` kind: a Markdown answer that a reviewer scores with the rubric; never run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sandbox
from assessor.challenges.proof import Check, Progress, Report
from assessor.challenges.spec import ChallengeSpec
from assessor.kinds.base import (
    ChallengeKindPlugin,
    FolderParts,
    FolderRules,
    Material,
    ProblemSink,
    Scoring,
    TestSet,
)
from assessor.kinds.errors import NotRunnable


class DesignKind(ChallengeKindPlugin):
    """Candidates write Markdown; the report shows the answer beside the rubric."""

    name = "design"
    description = "Design (Markdown answer, scored by rubric)"
    label = "written answer"
    editor = "markdown"
    runnable = False
    scoring = Scoring.MANUAL
    # A model answer in solution/ helps reviewers; tests and wrong answers would never run.
    folder = FolderRules(required=frozenset({"rubric"}), accepted=frozenset({"solution"}))
    report_sections = ("answer", "rubric")

    def check_folder(self, parts: FolderParts, problem: ProblemSink) -> None:
        """Check that the candidate writes Markdown: the editor and the report render it so."""
        for path in parts.editable:
            if not path.endswith(".md"):
                problem("challenge.yaml", f"{path!r}: a design answer is a .md file", "editable")

    def build_job(
        self,
        material: Material,
        candidate: Mapping[str, str],
        *,
        which: TestSet,
        image: str,
        expected: Sequence[str] = (),
    ) -> None:
        """Return None: a design answer never runs."""
        return None

    def score(self, *_: Any, **__: Any) -> Any:
        """Refuse: a reviewer scores a design answer with the rubric."""
        raise NotRunnable("a design answer is scored by a reviewer with the rubric")

    def trusted_manifest(
        self, spec: ChallengeSpec, backend: sandbox.Backend, image: str
    ) -> list[dict[str, Any]]:
        """Return an empty manifest: there are no tests."""
        return []

    def validate(
        self,
        spec: ChallengeSpec,
        backend: sandbox.Backend,
        image: str,
        *,
        progress: Progress = lambda _: None,
        parallel: int = 1,
    ) -> Report:
        """Check the rubric a reviewer will score with; nothing runs."""
        points = sum(c.points for c in spec.rubric)
        checks = (
            Check("format", True, "design challenge: scored by rubric, nothing to run"),
            Check(
                "rubric",
                bool(spec.rubric) and points > 0,
                f"{len(spec.rubric)} criteria worth {points:g} points",
            ),
            Check(
                "answer", bool(spec.editable), "the candidate writes " + ", ".join(spec.editable)
            ),
        )
        return Report(spec.slug, self.name, checks, (), ())
