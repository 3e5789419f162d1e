import pytest

from assessor import create_app
from assessor.config import ConfigurationError, load


def test_defaults_are_local_and_embedded(tmp_path):
    settings = load(env={}, instance_path=tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'assessor.sqlite3'}"
    assert settings["QUEUE_URL"].startswith("sqlite:///")
    assert settings["SANDBOX_IMAGE"] == "assessor-sandbox:latest"
    assert len(settings["SECRET_KEY"]) >= 32


def test_environment_overrides_defaults(tmp_path):
    env = {
        "DATABASE_URL": "postgresql+psycopg://db/x",
        "QUEUE_URL": "redis://r:6379/0",
        "SANDBOX_IMAGE": "custom:1",
        "CHALLENGES_DIR": "/srv/challenges",
        "WORKER_CONCURRENCY": "3",
    }
    settings = load(env=env, instance_path=tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db/x"
    assert settings["QUEUE_URL"] == "redis://r:6379/0"
    assert settings["SANDBOX_IMAGE"] == "custom:1"
    assert settings["CHALLENGES_DIR"] == "/srv/challenges"
    assert settings["WORKER_CONCURRENCY"] == 3


@pytest.mark.parametrize("secret", [None, "", "short"])
def test_production_refuses_to_start_without_a_strong_secret(secret, tmp_path):
    env = {"ASSESSOR_ENV": "production"}
    if secret is not None:
        env["SECRET_KEY"] = secret
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        load(env=env, instance_path=tmp_path)


def test_production_starts_with_a_secret_and_secure_cookies(tmp_path):
    settings = load(
        env={"ASSESSOR_ENV": "production", "SECRET_KEY": "k" * 40}, instance_path=tmp_path
    )
    assert settings["SECRET_KEY"] == "k" * 40
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_the_unisolated_fake_sandbox(tmp_path):
    env = {"ASSESSOR_ENV": "production", "SECRET_KEY": "k" * 40, "SANDBOX_BACKEND": "fake"}
    with pytest.raises(ConfigurationError, match="unisolated"):
        load(env=env, instance_path=tmp_path)


def test_bad_number_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigurationError, match="WORKER_CONCURRENCY"):
        load(env={"WORKER_CONCURRENCY": "many"}, instance_path=tmp_path)


def test_create_app_has_no_side_effects(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSESSOR_INSTANCE", str(tmp_path / "inst"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith(f"sqlite:///{tmp_path}")
    # No folder, no database file, no queue file: the factory only configures.
    assert list(tmp_path.iterdir()) == []


def test_production_app_refuses_to_start_without_secret(monkeypatch):
    monkeypatch.setenv("ASSESSOR_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError):
        create_app()
