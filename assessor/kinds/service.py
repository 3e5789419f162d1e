"""The `service` kind: an HTTP service in the candidate's language, tested over loopback.

Files of every language live under a folder named for it (`starter/go/main.go`); a candidate
works on one language's files, and a run strips that folder before the files reach the
sandbox. The hidden suite is one pytest suite for every language.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import sandbox
from assessor.challenges.proof import Check, Report, Runner, prove
from assessor.challenges.runs import make_job
from assessor.challenges.spec import ChallengeSpec
from assessor.kinds.base import FolderParts, Material, ProblemSink, TestSet
from assessor.kinds.code import PythonModuleKind
from assessor.kinds.errors import ReferenceFailed
from assessor.kinds.service_conftest import CONFTEST_PATH, service_conftest
from assessor.kinds.service_options import LANGUAGES, SEEDS, read_service_options


def language_of(files: Mapping[str, str]) -> str | None:
    """Return the one language folder all these files share, or None."""
    heads = {path.split("/", 1)[0] for path in files if "/" in path}
    return heads.pop() if len(heads) == 1 and all("/" in p for p in files) else None


def in_language(files: Mapping[str, str], language: str) -> dict[str, str]:
    """Return the files of one language, without the language's folder."""
    prefix = f"{language}/"
    return {p.removeprefix(prefix): t for p, t in files.items() if p.startswith(prefix)}


class ServiceKind(PythonModuleKind):
    """Candidates write an HTTP service in a language they pick; tests call it over HTTP."""

    name = "service"
    description = "HTTP service (in the candidate's language)"
    label = "HTTP service"
    option_keys = frozenset({"languages", "services", "startup_s"})
    report_sections = ("tests", "service", "code")

    def read_options(
        self, data: Mapping[str, Any], starter: Mapping[str, str], problem: ProblemSink
    ) -> dict[str, Any]:
        """Resolve the languages (commands, port, readiness), datastores and start-up limit."""
        return read_service_options(data, starter, problem)

    def languages(self, material: Material) -> tuple[str, ...]:
        """Return the languages a candidate may pick, in the challenge's order."""
        return tuple(material.options.get("languages", {}))

    def image_variants(self, material: Material) -> tuple[str, ...]:
        """Return the images a run needs: each allowed language's and each datastore's."""
        return (*self.languages(material), *material.options.get("services", []))

    def unrunnable_reason(self, candidate: Mapping[str, str]) -> str:
        """Say why nothing ran: no language was chosen, or the files mix languages."""
        if not candidate:
            return "no language was chosen, so nothing was built or run"
        return "the files are not those of one allowed language, so nothing was built or run"

    def check_folder(self, parts: FolderParts, problem: ProblemSink) -> None:
        """Check the shared suite, the seeds, and a reference in every declared language."""
        tests = {p: t for p, t in parts.tests.items() if not p.startswith("fixtures/")}
        super().check_folder(dataclasses.replace(parts, tests=tests), problem)
        options = parts.options
        services = options.get("services", [])
        for path in set(parts.tests) - set(tests):
            if path not in {SEEDS[s] for s in services}:
                wanted = ", ".join(f"tests/{SEEDS[s]}" for s in services) or "none"
                problem(
                    f"tests/{path}", f"is not the seed of a declared datastore ({wanted})", None
                )
        declared = options.get("languages", {})
        for language in declared:
            if not in_language(parts.solution, language):
                problem(
                    f"solution/{language}/", f"missing: the {LANGUAGES[language]} reference", None
                )
        variants = [("solution", parts.solution)]
        variants += [(f"wrong/{name}", files) for name, files in parts.wrong.items()]
        for name, files in variants:
            for path in files:
                if path.split("/", 1)[0] not in declared:
                    problem(f"{name}/{path}", "lies outside every declared language's folder", None)

    def test_files(self, material: Material, which: TestSet) -> dict[str, str]:
        """Return the chosen tests with the platform's fixtures; seeds are not tests."""
        tests = {
            p: t
            for p, t in super().test_files(material, which).items()
            if not p.startswith("fixtures/")
        }
        languages = material.options.get("languages", {})
        port = next(iter(languages.values()), {}).get("port", 8080)
        services = list(material.options.get("services", []))
        return {CONFTEST_PATH: service_conftest(port, services), **tests}

    def build_job(
        self,
        material: Material,
        candidate: Mapping[str, str],
        *,
        which: TestSet,
        image: str,
        expected: Sequence[str] = (),
    ) -> sandbox.Job | None:
        """Build the run of the candidate's language; None when their files name no language."""
        language = language_of(candidate)
        if language is None or language not in material.options.get("languages", {}):
            return None
        files = in_language(candidate, language)
        return self.language_job(
            material, language, files, which=which, image=image, expected=expected
        )

    def language_job(
        self,
        material: Material,
        language: str,
        files: Mapping[str, str],
        *,
        which: TestSet,
        image: str,
        expected: Sequence[str] = (),
    ) -> sandbox.Job:
        """Build a run of one language: its starter overlaid with `files` (folder stripped)."""
        row = material.options["languages"][language]
        service = sandbox.Service(
            language=language,
            start=row["start"],
            build=row.get("build", ""),
            port=row["port"],
            ready=row.get("ready", "/"),
            startup_s=float(material.options.get("startup_s", 90)),
            datastores=tuple(
                sandbox.Datastore(kind=name, seed=material.tests.get(SEEDS[name], ""))
                for name in material.options.get("services", [])
            ),
        )
        return make_job(
            starter=in_language(material.starter, language),
            candidate=files,
            tests=self.test_files(material, which),
            limits=material.limits,
            image=image,
            expected=expected,
            service=service,
        )

    def trusted_manifest(
        self, spec: ChallengeSpec, backend: sandbox.Backend, image: str
    ) -> list[dict[str, Any]]:
        """Run the reference in every language; all must pass the same tests."""
        manifest: list[dict[str, Any]] | None = None
        material = Material.of_spec(spec)
        backend.prepare(self.image_variants(material))
        for language in self.languages(material):
            found = super().trusted_manifest(self._one(spec, language), backend, image)
            if manifest is not None and [m["id"] for m in found] != [m["id"] for m in manifest]:
                raise ReferenceFailed(f"the {LANGUAGES[language]} reference runs other tests")
            manifest = manifest or found
        if manifest is None:
            raise ReferenceFailed("no language is declared")
        return manifest

    def validate(self, spec, backend, image, *, progress=lambda _: None, parallel=1) -> Report:
        """Prove the challenge in every allowed language: reference, starter and wrong ones."""
        checks, runs, manifest = [], [], ()
        material = Material.of_spec(spec)
        # Only the images this challenge needs are built (cached: seconds when current).
        backend.prepare(self.image_variants(material), progress)
        for language in self.languages(material):
            one = self._one(spec, language)
            report = prove(
                one, self.runner(one, backend, image), progress=progress, parallel=parallel
            )
            label = LANGUAGES[language]
            checks += [dataclasses.replace(c, name=f"{label}: {c.name}") for c in report.checks]
            runs += [dataclasses.replace(r, name=f"{label}: {r.name}") for r in report.runs]
            manifest = manifest or report.manifest
        if not checks:
            checks.append(Check("languages", False, "no language is declared"))
        return Report(spec.slug, spec.kind, tuple(checks), tuple(runs), tuple(manifest))

    def _one(self, spec: ChallengeSpec, language: str) -> ChallengeSpec:
        """Return the folder as seen by one language: its starter, reference and wrong ones."""
        wrong = {n: in_language(f, language) for n, f in spec.wrong.items()}
        return dataclasses.replace(
            spec,
            starter=spec.starter,
            solution=in_language(spec.solution, language),
            wrong={n: f for n, f in wrong.items() if f},
            options={**spec.options, "language": language},
        )

    def runner(self, spec: ChallengeSpec, backend: sandbox.Backend, image: str) -> Runner:
        """Return a function running every test against one language's solution files."""
        material = Material.of_spec(spec)
        language = spec.options["language"]

        def run(files: Mapping[str, str]) -> sandbox.Result:
            job = self.language_job(material, language, files, which="all", image=image)
            return sandbox.run(job, backend)

        return run
