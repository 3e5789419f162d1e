"""The image recipe: its version label, the mirror it builds from, the import instructions."""

from __future__ import annotations

import shutil
import textwrap

import pytest

from sandbox.errors import ImageBuildFailed
from sandbox.image import recipe
from sandbox.image.mirror import debian_mirror


def test_the_version_changes_with_the_harness(tmp_path, monkeypatch):
    before = recipe.harness_version()
    copy = tmp_path / "harness"
    shutil.copytree(recipe.HARNESS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(recipe, "HARNESS_DIR", copy)
    assert recipe.harness_version() == before
    (copy / "plugin.py").write_text((copy / "plugin.py").read_text() + "\n# changed\n")
    assert recipe.harness_version() != before


def test_the_import_changes_set_label_user_workdir_env_and_cmd():
    changes = recipe.import_changes("v1")
    assert f"LABEL {recipe.LABEL_HARNESS}=v1" in changes
    assert "USER 10001:10001" in changes and "WORKDIR /tmp" in changes
    assert "ENV LANG=C.UTF-8" in changes
    assert changes[-1] == 'CMD ["python3", "-I", "-B", "-m", "sandbox_harness"]'


def test_the_pins_match_the_dockerfile_and_cover_the_contract():
    pins = {line.split("==")[0].lower() for line in recipe.requirement_pins()}
    assert {"pytest", "flask", "sqlalchemy"} <= pins
    dockerfile = (recipe.REQUIREMENTS.parent / "Dockerfile").read_text()
    assert "requirements.txt" in dockerfile and recipe.LABEL_HARNESS in dockerfile


def test_the_mirror_is_read_from_deb822_sources(tmp_path):
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        textwrap.dedent(
            """\
            Types: deb
            URIs: http://mirror.invalid/debian-security
            Suites: bookworm-security
            Components: main

            Types: deb-src
            URIs: http://src.invalid/debian
            Suites: bookworm

            Types: deb
            URIs: http://mirror.invalid/debian
            Suites: bookworm bookworm-updates
            Components: main
            """
        )
    )
    assert debian_mirror("bookworm", tmp_path) == "http://mirror.invalid/debian"


def test_the_mirror_is_read_from_a_one_line_sources_list(tmp_path):
    (tmp_path / "sources.list").write_text(
        "# comment\ndeb [signed-by=/k.gpg] http://old.invalid/debian bookworm main\n"
    )
    assert debian_mirror("bookworm", tmp_path) == "http://old.invalid/debian"


def test_no_mirror_is_a_build_failure(tmp_path):
    with pytest.raises(ImageBuildFailed, match="no apt source"):
        debian_mirror("bookworm", tmp_path)
