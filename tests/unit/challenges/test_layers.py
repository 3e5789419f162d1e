"""Challenges and kinds sit below the services: no module of theirs imports one above."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import assessor

ROOT = Path(assessor.__file__).parent
LOWER = ("challenges", "kinds")
# The layers that import challenges and kinds. The way back made a cycle (challenges/proof.py
# imported services.scoring) that only the order of imports kept from failing.
UPPER = ("assessor.services", "assessor.web", "assessor.commands", "assessor.jobs", "assessor.cli")


def imported_modules(path: Path) -> set[str]:
    """Return every module a file imports, at any depth (function bodies included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "path",
    [p for layer in LOWER for p in sorted((ROOT / layer).glob("*.py"))],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_no_challenge_or_kind_module_imports_a_layer_above(path):
    above = {m for m in imported_modules(path) if m.startswith(UPPER)}
    assert above == set()


def test_the_check_sees_an_import_from_above(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from assessor.services.scoring import percent_text\n")
    assert "assessor.services.scoring" in imported_modules(probe)
