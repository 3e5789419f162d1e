"""The `code` kind: a Python module, graded by the challenge's pytest suite in the sandbox."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sandbox
from assessor.challenges.proof import (
    Progress,
    Report,
    Runner,
    prove,
    reference_manifest,
    reference_problem,
)
from assessor.challenges.runs import make_job
from assessor.challenges.scoring import VISIBILITIES, ScoreCard, score_result, visibility_of
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
from assessor.kinds.errors import ReferenceFailed


class PythonModuleKind(ChallengeKindPlugin):
    """Candidates edit Python modules; hidden pytest tests import and grade them."""

    name = "code"
    description = "Python module"
    label = "code"
    editor = "code"
    runnable = True
    scoring = Scoring.AUTOMATIC
    folder = FolderRules(
        required=frozenset({"solution", "tests", "wrong"}), accepted=frozenset({"rubric"})
    )
    report_sections = ("tests", "code")

    def check_folder(self, parts: FolderParts, problem: ProblemSink) -> None:
        """Check the test layout, and that solutions only change editable files."""
        for visibility in VISIBILITIES:
            if not any(p.startswith(f"{visibility}/") and p.endswith(".py") for p in parts.tests):
                problem(f"tests/{visibility}/", "holds no test file", None)
        for path in parts.tests:
            if path.split("/", 1)[0] not in VISIBILITIES or "/" not in path:
                problem(f"tests/{path}", "tests live under tests/public/ or tests/hidden/", None)
            if path.rsplit("/", 1)[-1] == "conftest.py":
                problem(
                    f"tests/{path}",
                    "conftest.py is not run by the sandbox; inline the fixtures in the test files",
                    None,
                )
        variants = [("solution", parts.solution)]
        variants += [(f"wrong/{name}", files) for name, files in parts.wrong.items()]
        for name, files in variants:
            for path in files:
                if path not in parts.editable and files[path] != parts.starter.get(path):
                    problem(f"{name}/{path}", "is not an editable file of the challenge", None)

    def test_files(self, material: Material, which: TestSet) -> dict[str, str]:
        """Return every test, or only the public ones (hidden tests never reach a candidate)."""
        if which == "public":
            return {p: t for p, t in material.tests.items() if visibility_of(p) == "public"}
        return dict(material.tests)

    def build_job(
        self,
        material: Material,
        candidate: Mapping[str, str],
        *,
        which: TestSet,
        image: str,
        expected: Sequence[str] = (),
    ) -> sandbox.Job:
        """Overlay the candidate's files on the starter and carry the chosen tests."""
        return make_job(
            starter=material.starter,
            candidate=candidate,
            tests=self.test_files(material, which),
            limits=material.limits,
            image=image,
            expected=expected,
        )

    def score(
        self,
        manifest: Sequence[Mapping[str, Any]],
        result: sandbox.Result,
        *,
        visibilities: Sequence[str] = VISIBILITIES,
        trusted_paths: Sequence[str] | set[str] = (),
    ) -> ScoreCard:
        """Score test by test: outcomes from the run, points from the trusted manifest."""
        return score_result(
            manifest, result, visibilities=visibilities, trusted_paths=trusted_paths
        )

    def trusted_manifest(
        self, spec: ChallengeSpec, backend: sandbox.Backend, image: str
    ) -> list[dict[str, Any]]:
        """Run the reference solution; its passing tests become the manifest."""
        result, manifest = reference_manifest(spec, self.runner(spec, backend, image))
        problem = reference_problem(result, manifest)
        if problem is not None:
            raise ReferenceFailed(problem)
        return manifest

    def validate(
        self,
        spec: ChallengeSpec,
        backend: sandbox.Backend,
        image: str,
        *,
        progress: Progress = lambda _: None,
        parallel: int = 1,
    ) -> Report:
        """Run the reference, its repeat, the starter and each wrong solution; judge them."""
        runner = self.runner(spec, backend, image)
        return prove(spec, runner, progress=progress, parallel=parallel)

    def runner(self, spec: ChallengeSpec, backend: sandbox.Backend, image: str) -> Runner:
        """Return a function running every test of the folder against some solution files."""
        material = Material.of_spec(spec)

        def run(files: Mapping[str, str]) -> sandbox.Result:
            return sandbox.run(self.build_job(material, files, which="all", image=image), backend)

        return run
