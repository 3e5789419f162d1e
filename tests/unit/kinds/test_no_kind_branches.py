"""Only assessor/kinds/ may know kinds by name: everything else asks the kind."""

import re

import pytest

from assessor.kinds import get_kind, kind_names
from tests.unit.kinds.conftest import ROOT

SCANNED = [
    *(p for p in (ROOT / "assessor").rglob("*.py") if "kinds" not in p.relative_to(ROOT).parts),
    *(ROOT / "templates").rglob("*.html"),
    *(ROOT / "static" / "src").rglob("*.js"),
]
NAMES = "|".join(re.escape(n) for n in kind_names())
LABELS = "|".join(re.escape(get_kind(n).label) for n in kind_names())
BRANCHES = [
    # A kind's name as a literal on a line about kinds: comparisons, membership, ternaries.
    re.compile(rf"(?i)kind.*[\"']({NAMES})[\"']|[\"']({NAMES})[\"'].*kind"),
    # Branching on the label a kind gives candidates is the same branch in disguise.
    re.compile(rf"label\w*\s*(==|!=|===|!==)\s*[\"']({LABELS})[\"']"),
    re.compile(rf"\bcase\s+[\"']({NAMES})[\"']"),
    # The vocabulary's old second homes.
    re.compile(r"\bChallengeKind\b|\bKINDS\b|\bhas_tests\b"),
]


def branches_in(text: str) -> list[str]:
    """Return the lines of `text` that branch on a kind by name."""
    return [line.strip() for line in text.splitlines() if any(p.search(line) for p in BRANCHES)]


@pytest.mark.parametrize(
    "line",
    [
        'if version.kind == "design":',
        "{{ 'code' if kind == 'code' else 'written answer' }}",
        'const design = entry.kind === "design";',
        "if spec.kind in ('code', 'design'):",
        'if item.version.kind_plugin.name != "http-api":',
        'if (item.label === "written answer") {',
        'case "design":',
        "from assessor.models import ChallengeKind",
    ],
)
def test_the_check_catches_a_branch_on_a_kind(line):
    assert branches_in(line) == [line]


@pytest.mark.parametrize(
    "line",
    [
        'if event.kind == "paste":',
        'const markdown = entry.editor === "markdown";',
        "Submission.kind == SubmissionKind.RUN",
        'body = {"error": str(exc), "code": type(exc).__name__}',
    ],
)
def test_the_check_leaves_other_kinds_and_codes_alone(line):
    assert branches_in(line) == []


def test_no_code_outside_the_kinds_package_branches_on_a_kind():
    assert SCANNED, "nothing scanned: the paths are wrong"
    found = {
        str(path.relative_to(ROOT)): lines
        for path in SCANNED
        if (lines := branches_in(path.read_text(encoding="utf-8")))
    }
    assert found == {}, "ask the kind (assessor.kinds) instead of comparing its name"
