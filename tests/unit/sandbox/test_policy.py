"""The submission policy: only declared files, no configuration, no shadowing, size caps."""

from __future__ import annotations

import pytest

import sandbox


def refusal(files: dict, editable=None, **caps) -> list[str]:
    with pytest.raises(sandbox.SubmissionRefused) as caught:
        sandbox.check_submission(files, editable if editable is not None else set(files), **caps)
    return caught.value.problems


def test_accepts_the_declared_files():
    sandbox.check_submission(
        {"limiter.py": "x = 1", "app/models.py": ""}, {"limiter.py", "app/models.py"}
    )


def test_accepts_files_matching_an_editable_glob():
    sandbox.check_submission({"app/views.py": ""}, {"app/*.py"})


def test_refuses_files_not_declared_editable():
    assert refusal({"limiter.py": "", "extra.py": ""}, {"limiter.py"}) == [
        "'extra.py': not a file this challenge lets you edit"
    ]


@pytest.mark.parametrize(
    "path, rule",
    [
        ("conftest.py", "would configure or start the grader"),
        ("app/conftest.py", "would configure or start the grader"),
        ("pytest.ini", "configuration"),
        ("pyproject.toml", "configuration"),
        ("setup.cfg", "configuration"),
        ("evil.pth", "configuration"),
        ("sitecustomize.py", "would configure or start the grader"),
        ("usercustomize.py", "would configure or start the grader"),
        ("json.py", "standard-library module 'json'"),
        ("os/path.py", "standard-library module 'os'"),
        ("pytest.py", "used by the test runner"),
        ("_pytest/x.py", "used by the test runner"),
        ("pluggy.py", "used by the test runner"),
        ("py.py", "used by the test runner"),
        ("flask.py", "used by the test runner"),
        ("test_limiter.py", "looks like a test module"),
        ("limiter_test.py", "looks like a test module"),
        ("/abs.py", "absolute"),
        ("../up.py", "climbs out"),
        ("a\\b.py", "backslash"),
        (".hidden.py", "hidden"),
        ("app/.env", "hidden"),
        ("we ird.py", "unusual characters"),
    ],
)
def test_refuses_each_rule_with_a_message_naming_file_and_rule(path, rule):
    problems = refusal({path: "x = 1"}, {path})
    assert any(repr(path) in p and rule in p for p in problems), problems


def test_refuses_binary_content_and_non_text():
    problems = refusal({"a.py": "x\x00y", "b.py": b"bytes"})
    assert any("'a.py'" in p and "NUL" in p for p in problems)
    assert any("'b.py'" in p and "must be text" in p for p in problems)


def test_enforces_file_total_and_count_caps():
    assert any(
        "over the 1 KB file limit" in p for p in refusal({"a.py": "x" * 2048}, max_file_kb=1)
    )
    files = {f"m{i}.py": "x" * 700 for i in range(3)}
    assert any("over the 2 KB limit" in p for p in refusal(files, max_total_kb=2))
    assert any("over the limit of 2" in p for p in refusal(files, max_files=2))


def test_lists_every_problem_at_once():
    problems = refusal({"conftest.py": "", "json.py": "", "ok.py": ""}, {"ok.py"})
    assert len([p for p in problems if "conftest.py" in p]) == 2  # not editable + refused name
    assert any("json.py" in p and "standard-library" in p for p in problems)
    assert not any("ok.py" in p for p in problems)
