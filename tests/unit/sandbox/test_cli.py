"""The `sandbox` command group's help, without an engine."""

from __future__ import annotations

from click.testing import CliRunner

from sandbox.cli import sandbox


def test_help_lists_the_commands():
    result = CliRunner().invoke(sandbox, ["--help"])
    assert result.exit_code == 0
    for command in ("build-image", "doctor", "sweep"):
        assert command in result.output


def test_build_image_help_explains_the_options():
    result = CliRunner().invoke(sandbox, ["build-image", "--help"])
    assert result.exit_code == 0
    for option in ("--image", "--offline / --dockerfile", "--force", "debootstrap"):
        assert option in result.output
