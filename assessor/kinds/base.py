"""The contract of a challenge kind: how to read, run, score, edit and report it."""

from __future__ import annotations

import abc
import dataclasses
import enum
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import sandbox
from assessor.challenges.scoring import VISIBILITIES, ScoreCard

if TYPE_CHECKING:
    from assessor.challenges.proof import Progress, Report
    from assessor.challenges.spec import ChallengeSpec

# Which tests a run carries: a candidate's run sees only the public ones.
TestSet = Literal["public", "all"]
# Records one folder problem: the file (relative to the folder), what is wrong, and the field.
ProblemSink = Callable[[str, str, "str | None"], None]


class Scoring(enum.StrEnum):
    AUTOMATIC = "automatic"  # the sandbox runs the tests; points come from the trusted manifest
    MANUAL = "manual"  # a reviewer scores the answer with the rubric


# The parts of a challenge folder a kind may require or accept, beyond challenge.yaml,
# statement.md and starter/, which every challenge has.
PARTS = ("solution", "tests", "wrong", "rubric")


@dataclasses.dataclass(frozen=True)
class FolderRules:
    """The parts a kind requires, and those it also accepts; any other part is refused."""

    required: frozenset[str] = frozenset()
    accepted: frozenset[str] = frozenset()

    def needs(self, part: str) -> bool:
        """Tell whether the folder must hold this part."""
        return part in self.required

    def accepts(self, part: str) -> bool:
        """Tell whether the folder may hold this part (a part the kind ignores would mislead)."""
        return part in self.required or part in self.accepted


@dataclasses.dataclass(frozen=True)
class FolderParts:
    """A folder's files as read, handed to the kind for its own checks."""

    starter: Mapping[str, str]
    solution: Mapping[str, str]
    wrong: Mapping[str, Mapping[str, str]]
    tests: Mapping[str, str]
    editable: Sequence[str]
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # read_options' result


@dataclasses.dataclass(frozen=True)
class Material:
    """What a run is built from: a synced version's content or a folder just read."""

    starter: Mapping[str, str]
    tests: Mapping[str, str]
    limits: Mapping[str, Any]
    options: Mapping[str, Any]  # the kind's own challenge.yaml fields, as read

    @classmethod
    def of_spec(cls, spec: ChallengeSpec) -> Material:
        """Take the material of a folder read from disk."""
        return cls(spec.starter, spec.tests, spec.limits, spec.options)

    @classmethod
    def of_version(cls, version: Any) -> Material:
        """Take the material of a stored ChallengeVersion."""
        meta = version.meta or {}
        files = version.files or {}
        return cls(
            files.get("starter", {}),
            files.get("tests", {}),
            meta.get("limits", {}),
            meta.get("options", {}),
        )


class ChallengeKindPlugin(abc.ABC):
    """One kind of challenge. Register an instance; nothing outside the kind branches on it."""

    name: str  # registry key, stored with every version
    description: str  # for authors and staff, e.g. "Python module"
    label: str  # for candidates, e.g. "code", "written answer"
    editor: str  # the candidate's editor mode: "code" or "markdown"
    runnable: bool  # the candidate can run the public tests
    scoring: Scoring
    folder: FolderRules
    report_sections: tuple[str, ...]  # partials under templates/staff/report/, in order
    option_keys: frozenset[str] = frozenset()  # challenge.yaml fields only this kind accepts
    installed: bool = True

    def read_options(
        self, data: Mapping[str, Any], starter: Mapping[str, str], problem: ProblemSink
    ) -> dict[str, Any]:
        """Check this kind's challenge.yaml fields; return them resolved, to store."""
        return {}

    def check_folder(self, parts: FolderParts, problem: ProblemSink) -> None:
        """Check the folder's files beyond the parts `folder` requires."""
        return None  # most kinds need nothing more than the parts they require

    def test_files(self, material: Material, which: TestSet) -> dict[str, str]:
        """Return the test files a run carries; `public` ones are also shown to candidates."""
        return {}

    def unrunnable_reason(self, candidate: Mapping[str, str]) -> str:
        """Say why `build_job` built no run for these files (they score nothing)."""
        return "the submission holds nothing to run"

    def image_variants(self, material: Material) -> tuple[str, ...]:
        """Return the sandbox image variants (languages, datastores) beyond the default one."""
        return ()

    def languages(self, material: Material) -> tuple[str, ...]:
        """Return the languages a candidate picks from; empty when there is nothing to pick."""
        return ()

    @abc.abstractmethod
    def build_job(
        self,
        material: Material,
        candidate: Mapping[str, str],
        *,
        which: TestSet,
        image: str,
        expected: Sequence[str] = (),
    ) -> sandbox.Job | None:
        """Build the sandbox job for the candidate's files, or None when nothing runs."""

    @abc.abstractmethod
    def score(
        self,
        manifest: Sequence[Mapping[str, Any]],
        result: sandbox.Result,
        *,
        visibilities: Sequence[str] = VISIBILITIES,
        trusted_paths: Sequence[str] | set[str] = (),
    ) -> ScoreCard:
        """Score a run against the trusted manifest; raise NotRunnable for manual kinds."""

    @abc.abstractmethod
    def trusted_manifest(
        self, spec: ChallengeSpec, backend: sandbox.Backend, image: str
    ) -> list[dict[str, Any]]:
        """Return the manifest a new version stores; raise ReferenceFailed if unsound."""

    @abc.abstractmethod
    def validate(
        self,
        spec: ChallengeSpec,
        backend: sandbox.Backend,
        image: str,
        *,
        progress: Progress,
        parallel: int = 1,
    ) -> Report:
        """Judge a folder already read: what `assessor challenges validate` reports."""
