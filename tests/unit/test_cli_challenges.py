"""`assessor challenges` and `assessor grade`, run with the fake sandbox backend."""

import json
import shutil
from pathlib import Path

from sqlalchemy import select

from assessor.extensions import db
from assessor.models import Challenge

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "challenges"


def test_validate_json_reports_each_challenge(runner):
    result = runner.invoke(args=["challenges", "validate", "--json", str(FIXTURES)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True
    by_slug = {c["slug"]: c for c in report["challenges"]}
    assert set(by_slug) == {"mini-adder", "mini-design", "mini-http-api", "mini-service"}
    assert {slug: c["kind"] for slug, c in by_slug.items()} == {
        "mini-adder": "code",
        "mini-design": "design",
        "mini-http-api": "http-api",
        "mini-service": "service",
    }
    assert [c["name"] for c in by_slug["mini-design"]["checks"]] == ["format", "rubric", "answer"]
    runs = {r["name"]: r for r in by_slug["mini-adder"]["runs"]}
    assert runs["starter"]["hidden_score"] == 0
    assert runs["wrong/off-by-one"]["percent"] < 100


def test_validate_fails_with_nonzero_exit_on_a_broken_challenge(runner, tmp_path):
    folder = tmp_path / "mini-adder"
    shutil.copytree(FIXTURES / "mini-adder", folder)
    shutil.copy(folder / "solution" / "adder.py", folder / "wrong" / "off-by-one" / "adder.py")
    result = runner.invoke(args=["challenges", "validate", str(folder)])
    assert result.exit_code == 1
    assert "wrong/off-by-one caught" in result.output and "FAIL" in result.output


def test_validate_reports_format_problems(runner, tmp_path):
    folder = tmp_path / "mini-adder"
    shutil.copytree(FIXTURES / "mini-adder", folder)
    (folder / "challenge.yaml").write_text("title: x\nskills: [sql]\nflavour: mint\n")
    result = runner.invoke(args=["challenges", "validate", str(folder)])
    assert result.exit_code == 1
    assert "INVALID" in result.output and "flavour: unknown key" in result.output


def test_sync_then_list(ctx, runner):
    result = runner.invoke(args=["challenges", "sync", str(FIXTURES)])
    assert result.exit_code == 0, result.output
    assert "mini-adder" in result.output and "created" in result.output
    again = runner.invoke(args=["challenges", "sync", str(FIXTURES)])
    assert again.output.count("unchanged") == 4
    slugs = {c.slug for c in db.session.scalars(select(Challenge))}
    assert slugs == {"mini-adder", "mini-design", "mini-http-api", "mini-service"}
    listed = runner.invoke(args=["challenges", "list"])
    assert "mini-adder" in listed.output and "active" in listed.output
    assert "http-api" in listed.output


def test_grade_json_shape_and_points_from_reference(runner, tmp_path):
    solution = tmp_path / "mine"
    solution.mkdir()
    (solution / "adder.py").write_text(
        "import pytest\n\ndef add(a, b):\n    return a + b + (1 if a < 0 else 0)\n"
    )
    result = runner.invoke(args=["grade", str(FIXTURES / "mini-adder"), str(solution), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"score", "max_score", "status", "tests", "flags"}
    assert (data["score"], data["max_score"], data["status"]) == (5.0, 8.0, "completed")
    assert set(data["tests"][0]) == {
        "id",
        "outcome",
        "points",
        "max_points",
        "visibility",
        "skill",
        "message",
    }
    assert any(f["code"] for f in data["flags"])  # `import pytest` in a solution is flagged


def test_grade_public_only_and_readable_summary(runner, tmp_path):
    solution = tmp_path / "mine"
    solution.mkdir()
    (solution / "adder.py").write_text("def add(a, b):\n    return a + b\n")
    result = runner.invoke(
        args=["grade", str(FIXTURES / "mini-adder"), str(solution), "--public-only"]
    )
    assert result.exit_code == 0, result.output
    assert "3/3 points (100%)" in result.output


def test_grade_refuses_forbidden_files(runner, tmp_path):
    solution = tmp_path / "mine"
    solution.mkdir()
    (solution / "adder.py").write_text("def add(a, b):\n    return a + b\n")
    (solution / "conftest.py").write_text("")
    result = runner.invoke(args=["grade", str(FIXTURES / "mini-adder"), str(solution)])
    assert result.exit_code != 0 and "conftest.py" in result.output


def test_grade_an_http_api_through_the_generated_client(runner, tmp_path):
    solution = tmp_path / "mine"
    shutil.copytree(FIXTURES / "mini-http-api" / "wrong" / "no-validation", solution)
    result = runner.invoke(args=["grade", str(FIXTURES / "mini-http-api"), str(solution)])
    assert result.exit_code == 0, result.output
    assert "3/6 points (50%)" in result.output


def test_grade_says_a_design_answer_never_runs(runner, tmp_path):
    answer = tmp_path / "mine"
    answer.mkdir()
    (answer / "answer.md").write_text("# Shard it\n")
    result = runner.invoke(args=["grade", str(FIXTURES / "mini-design"), str(answer)])
    assert result.exit_code != 0 and "nothing runs" in result.output
