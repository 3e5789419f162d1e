"""`assessor doctor`: the lines, the exit status and the JSON, driven by the environment."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from assessor.cli import cli
from tests.unit.services.test_health import STRONG, migrate


@pytest.fixture
def env(tmp_path) -> dict:
    """An embedded install under tmp_path, as `assessor` would read it from the environment."""
    return {
        "ASSESSOR_INSTANCE": str(tmp_path),
        "ASSESSOR_ENV": None,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'assessor.sqlite3'}",
        "QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        "SECRET_KEY": None,
        "MAIL_SERVER": None,
        "PUBLIC_URL": None,
    }


def doctor(env: dict, *args: str):
    return CliRunner().invoke(cli, ["doctor", "--no-sandbox", *args], env=env)


def test_help_names_every_check_and_option():
    result = CliRunner().invoke(cli, ["doctor", "--help"])
    assert result.exit_code == 0
    for words in ("migrations", "QUEUE_URL", "SMTP", "secret", "--enforcement", "--json"):
        assert words in result.output
    assert "doctor" in CliRunner().invoke(cli, ["--help"]).output


def test_an_unmigrated_install_fails_and_says_which_command_fixes_it(env):
    result = doctor(env)
    assert result.exit_code == 1
    assert "[FAIL] database:" in result.output and "assessor db upgrade" in result.output
    assert "1 check failed." in result.output


def test_a_migrated_install_passes_with_one_line_per_check(env, tmp_path):
    migrate(env["DATABASE_URL"], tmp_path)
    result = doctor(env)
    assert result.exit_code == 0, result.output
    for name in ("environment", "secret key", "database", "migrations", "queue", "smtp"):
        assert f"] {name}: " in result.output
    assert "All checks passed." in result.output


def test_json_for_machines(env, tmp_path):
    migrate(env["DATABASE_URL"], tmp_path)
    document = json.loads(doctor(env, "--json").output)
    assert document["ok"] is True
    checks = {c["name"]: c["status"] for c in document["checks"]}
    assert checks["migrations"] == "ok" and checks["smtp"] == "skip"


def test_settings_the_app_refuses_are_reported_not_raised(env):
    env |= {"ASSESSOR_ENV": "production", "SECRET_KEY": "short"}
    result = doctor(env, "--json")
    assert result.exit_code == 1
    [check] = json.loads(result.output)["checks"]
    assert check["name"] == "settings" and "SECRET_KEY" in check["detail"]


def test_a_weak_secret_in_production_fails_and_the_other_checks_still_run(env, tmp_path):
    migrate(env["DATABASE_URL"], tmp_path)
    env |= {"ASSESSOR_ENV": "production", "SECRET_KEY": "password" * 5}
    env["PUBLIC_URL"] = "https://assessor.example"
    result = doctor(env)
    assert result.exit_code == 1
    assert "[FAIL] secret key:" in result.output and "passwordpassword" not in result.output
    assert "[ ok ] migrations:" in result.output
    strong = doctor(env | {"SECRET_KEY": STRONG})
    assert strong.exit_code == 0, strong.output
    assert "[ ok ] secret key:" in strong.output
