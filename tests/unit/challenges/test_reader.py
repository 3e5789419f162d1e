import shutil
from pathlib import Path

import pytest

from assessor.challenges import ChallengeFormatError, read_challenge
from assessor.challenges.reader import content_hash

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "challenges"


@pytest.fixture
def adder(tmp_path) -> Path:
    folder = tmp_path / "mini-adder"
    shutil.copytree(FIXTURES / "mini-adder", folder)
    return folder


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ChallengeFormatError) as info:
        read_challenge(folder)
    return [str(p) for p in info.value.problems]


def test_reads_a_valid_code_challenge(adder):
    spec = read_challenge(adder)
    assert spec.slug == "mini-adder"
    assert spec.kind == "code"
    assert spec.skills == ("api-design", "sql")
    assert spec.editable == ("adder.py",)
    assert set(spec.starter) == {"adder.py", "helpers.py"}
    assert set(spec.tests) == {"public/test_adder_public.py", "hidden/test_adder_hidden.py"}
    assert spec.limits["timeout_s"] == 20 and spec.limits["memory_mb"] == 128
    assert spec.limits["pids"] == 64  # platform default fills the rest
    assert list(spec.wrong) == ["off-by-one"]


def test_reads_a_design_challenge_with_rubric():
    spec = read_challenge(FIXTURES / "mini-design")
    assert spec.kind == "design"
    assert [c.id for c in spec.rubric] == ["data-model", "scaling"]
    assert spec.editable == ("answer.md",)


def test_hash_changes_with_content_and_ignores_droppings(adder):
    before = content_hash(adder)
    (adder / "starter" / "__pycache__").mkdir()
    (adder / "starter" / "__pycache__" / "adder.cpython-311.pyc").write_bytes(b"\0junk")
    assert content_hash(adder) == before
    (adder / "statement.md").write_text("changed", encoding="utf-8")
    assert content_hash(adder) != before


def test_malformed_yaml_names_file_and_line(adder):
    (adder / "challenge.yaml").write_text("title: x\nskills: [sql\nkind: code\n")
    [problem] = problems_of(adder)
    assert problem.startswith("challenge.yaml: malformed YAML at line")


def test_unknown_keys_and_bad_values_are_each_reported(adder):
    (adder / "challenge.yaml").write_text(
        "title: ''\nkind: quiz\nskills: [sql, databases]\ndifficulty: brutal\nminutes: 2\n"
        "editable: [missing.py]\nlimits: {timeout_s: 9999, gpu: 1}\ncolour: red\n"
    )
    found = "\n".join(problems_of(adder))
    for expected in (
        "challenge.yaml: colour: unknown key",
        "challenge.yaml: title: must be a non-empty string",
        "challenge.yaml: kind: must be one of code, http-api, design, service, got 'quiz'",
        "challenge.yaml: skills: unknown skill 'databases'",
        "challenge.yaml: difficulty: must be one of",
        "challenge.yaml: minutes: must be a whole number",
        "challenge.yaml: editable: 'missing.py' is not a file in starter/",
        "challenge.yaml: limits.timeout_s: must be a number from 1 to 300",
        "challenge.yaml: limits.gpu: unknown limit",
    ):
        assert expected in found


def test_missing_pieces_are_reported(adder):
    shutil.rmtree(adder / "wrong")
    shutil.rmtree(adder / "tests" / "hidden")
    (adder / "statement.md").unlink()
    found = "\n".join(problems_of(adder))
    assert "statement.md: missing" in found
    assert "wrong/: missing" in found
    assert "tests/hidden/: holds no test file" in found


def test_conftest_and_forbidden_editable_names_are_refused(adder):
    (adder / "tests" / "public" / "conftest.py").write_text("")
    (adder / "starter" / "json.py").write_text("")
    (adder / "challenge.yaml").write_text(
        "title: t\nkind: code\nskills: [sql]\neditable: [adder.py, json.py]\n"
    )
    found = "\n".join(problems_of(adder))
    assert "tests/public/conftest.py: conftest.py is not run" in found
    assert "json.py" in found and "editable" in found


def test_solution_may_not_carry_files_outside_editable(adder):
    (adder / "solution" / "helpers.py").write_text("OFFSET = 1\n")
    found = "\n".join(problems_of(adder))
    assert "solution/helpers.py: is not an editable file" in found


def test_design_needs_a_rubric(tmp_path):
    folder = tmp_path / "mini-design"
    shutil.copytree(FIXTURES / "mini-design", folder)
    (folder / "rubric.yaml").write_text("criteria:\n  - id: Bad Id\n    title: ''\n    points: 0\n")
    found = "\n".join(problems_of(folder))
    assert "rubric.yaml: criteria[0].id: must be lowercase-with-dashes" in found
    assert "rubric.yaml: criteria[0].points: must be a positive number" in found
    (folder / "rubric.yaml").unlink()
    assert "rubric.yaml: missing" in "\n".join(problems_of(folder))


def test_slug_must_be_lowercase_with_dashes(tmp_path):
    folder = tmp_path / "Bad_Slug"
    shutil.copytree(FIXTURES / "mini-adder", folder)
    assert any("slug" in p for p in problems_of(folder))


def test_binary_file_is_refused(adder):
    (adder / "starter" / "blob.py").write_bytes(b"\xff\xfe\x00bad")
    assert "starter/blob.py: is not UTF-8 text" in problems_of(adder)


def test_a_part_the_kind_never_uses_is_refused(tmp_path):
    folder = tmp_path / "mini-design"
    shutil.copytree(FIXTURES / "mini-design", folder)
    (folder / "tests" / "hidden").mkdir(parents=True)
    (folder / "tests" / "hidden" / "test_never_run.py").write_text("def test_x(): pass\n")
    (folder / "solution").mkdir()
    (folder / "solution" / "answer.md").write_text("# A model answer for reviewers\n")
    assert problems_of(folder) == [
        "tests/: a Design (Markdown answer, scored by rubric) challenge does not use it: remove it"
    ]


def test_the_kind_says_which_parts_are_required(adder, tmp_path):
    (adder / "challenge.yaml").write_text("title: t\nkind: http-api\nskills: [sql]\n")
    shutil.rmtree(adder / "tests")
    found = "\n".join(problems_of(adder))
    assert "tests/: missing folder" in found
    design = tmp_path / "mini-design"
    shutil.copytree(FIXTURES / "mini-design", design)
    (design / "rubric.yaml").unlink()
    (design / "challenge.yaml").write_text("title: t\nkind: design\nskills: [sql]\n")
    assert problems_of(design) == [
        "rubric.yaml: missing (a Design (Markdown answer, scored by rubric) challenge needs one)"
    ]


def test_a_design_answer_is_markdown(tmp_path):
    folder = tmp_path / "mini-design"
    shutil.copytree(FIXTURES / "mini-design", folder)
    (folder / "starter" / "answer.py").write_text("# not Markdown\n")
    assert "challenge.yaml: editable: 'answer.py': a design answer is a .md file" in problems_of(
        folder
    )
