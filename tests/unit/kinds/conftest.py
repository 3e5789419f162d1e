from pathlib import Path

import pytest

import sandbox
from assessor.challenges.reader import read_challenge
from assessor.kinds import Material, get_kind, kind_names

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "challenges"
# One small fixture challenge per kind: a kind registered without one fails the contract tests.
FIXTURE_OF = {
    "code": "mini-adder",
    "http-api": "mini-http-api",
    "design": "mini-design",
    "service": "mini-service",
}


@pytest.fixture(params=kind_names())
def kind(request):
    """Each registered kind in turn."""
    return get_kind(request.param)


@pytest.fixture
def spec(kind):
    """The kind's fixture challenge, read from its folder."""
    return read_challenge(FIXTURES / FIXTURE_OF[kind.name])


@pytest.fixture
def fake_backend():
    """The real harness in a local subprocess (fast, unisolated)."""
    return sandbox.FakeBackend()


def reference_files(kind, spec) -> dict[str, str]:
    """Return the reference as a candidate submits it: one language's files, if any."""
    languages = kind.languages(Material.of_spec(spec))
    if not languages:
        return dict(spec.solution)
    prefix = f"{languages[0]}/"
    return {p: t for p, t in spec.solution.items() if p.startswith(prefix)}


def as_run(kind, spec, files) -> dict[str, str]:
    """Return the files a run of these candidate files carries: the starter overlaid."""
    merged = {**spec.starter, **files}
    languages = kind.languages(Material.of_spec(spec))
    if not languages:
        return merged
    prefix = f"{languages[0]}/"
    return {p.removeprefix(prefix): t for p, t in merged.items() if p.startswith(prefix)}
