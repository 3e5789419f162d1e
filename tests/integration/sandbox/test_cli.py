"""The `sandbox` command group against the real engine."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from sandbox.cli import sandbox

pytestmark = pytest.mark.docker


def test_doctor_proves_every_limit_and_exits_zero(sandbox_image, host_guard):
    result = CliRunner().invoke(sandbox, ["doctor", "--image", sandbox_image])
    assert result.exit_code == 0, result.output
    for check in ("engine", "image", "memory limit", "pids limit", "wall deadline"):
        assert f"[ ok ] {check}:" in result.output
    # Each isolation check holds in both containers of a run.
    for check in (
        "no network but loopback",
        "host loopback unreachable",
        "root filesystem read only",
        "non root user",
        "no capabilities",
        "no new privileges and seccomp",
        "scratch is not executable",
        "clean environment",
        "nothing of the other side",
    ):
        for side in ("candidate", "tester"):
            assert f"[ ok ] {check} ({side}):" in result.output
    assert "FAIL" not in result.output


def test_doctor_fails_on_a_missing_image():
    result = CliRunner().invoke(sandbox, ["doctor", "--image", "assessor-sandbox:never-built"])
    assert result.exit_code == 1
    assert "[FAIL] image:" in result.output


def test_build_image_skips_a_current_image(sandbox_image):
    result = CliRunner().invoke(sandbox, ["build-image", "--image", sandbox_image])
    assert result.exit_code == 0
    assert "is up to date" in result.output


def test_sweep_reports_what_it_removed(sandbox_image):
    result = CliRunner().invoke(sandbox, ["sweep"])
    assert result.exit_code == 0
    assert "removed" in result.output and "container(s)" in result.output
