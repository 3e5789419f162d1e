"""Settings read from environment variables, with safe local defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
MAX_INVITATION_DAYS = 365
# A grading lease covers the wall limit plus container start, image checks and scoring. Too short
# and a slow but healthy worker loses its lease; too long and a dead worker's work waits longer.
DEFAULT_LEASE_MARGIN_S = 120


class ConfigurationError(RuntimeError):
    """The environment asks for something the app must refuse to start with."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}") from exc


def ensure_dev_secret(instance: Path, env: Mapping[str, str] | None = None) -> None:
    """Create instance/secret_key for local use, unless SECRET_KEY is set or in production."""
    env = os.environ if env is None else env
    if env.get("SECRET_KEY") or env.get("ASSESSOR_ENV") == "production":
        return
    key_file = instance / DEV_SECRET_FILE
    if not key_file.exists():
        # Readable by its owner only: it signs sessions and derives invitation links.
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(os.urandom(32).hex())


def load(env: Mapping[str, str] | None = None, instance_path: str | Path | None = None) -> dict:
    """Build the settings dict from the environment (read at create_app, never at import)."""
    env = os.environ if env is None else env
    instance = Path(instance_path or env.get("ASSESSOR_INSTANCE") or PROJECT_ROOT / "instance")
    environment = env.get("ASSESSOR_ENV", "development")
    production = environment == "production"

    secret = env.get("SECRET_KEY", "")
    if production and len(secret) < 32:
        raise ConfigurationError(
            "SECRET_KEY must be set to at least 32 random characters when ASSESSOR_ENV=production"
        )
    if not secret:
        # Local use: the key `assessor` keeps under instance/ (see cli.py), so invitation links,
        # which are derived from it, and sessions survive a restart; else one per process.
        key_file = instance / DEV_SECRET_FILE
        secret = key_file.read_text().strip() if key_file.is_file() else os.urandom(32).hex()

    queue_url = env.get("QUEUE_URL") or f"sqlite:///{instance / 'queue.sqlite3'}"
    settings: dict[str, Any] = {
        "ENV_NAME": environment,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL")
        or f"sqlite:///{instance / 'assessor.sqlite3'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "QUEUE_URL": queue_url,
        # Tasks run inline in the process that queues them (tests only: no consumer needed).
        "QUEUE_IMMEDIATE": _bool(env.get("QUEUE_IMMEDIATE"), False),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are believed
        # (Werkzeug's ProxyFix): 0 reads the client address from the socket.
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0),
        "SANDBOX_IMAGE": env.get("SANDBOX_IMAGE", "assessor-sandbox:latest"),
        "SANDBOX_BACKEND": env.get("SANDBOX_BACKEND", "docker"),
        # Container pairs started ahead of their jobs, per image and limits (0: start per job).
        "SANDBOX_POOL_SIZE": _int(env, "SANDBOX_POOL_SIZE", 2),
        "SANDBOX_POOL_IDLE_S": _int(env, "SANDBOX_POOL_IDLE_S", 300),
        "CHALLENGES_DIR": env.get("CHALLENGES_DIR") or str(PROJECT_ROOT / "challenges"),
        "WORKER_CONCURRENCY": _int(env, "WORKER_CONCURRENCY", os.cpu_count() or 1),
        "EMBEDDED_WORKER": _bool(env.get("EMBEDDED_WORKER"), not production),
        "GRADING_LEASE_MARGIN_S": _int(env, "GRADING_LEASE_MARGIN_S", DEFAULT_LEASE_MARGIN_S),
        "REAPER_INTERVAL_S": _int(env, "REAPER_INTERVAL_S", 30),
        # A submission queued this long without a worker claiming it is queued again: its
        # queue entry may be gone (Redis restarted without persistence, a failed enqueue).
        "GRADING_REQUEUE_AFTER_S": _int(env, "GRADING_REQUEUE_AFTER_S", 120),
        # Requests held open until a run's state changes (long-polls, staff status streams):
        # at most this many per web process, each for at most LONG_POLL_SECONDS.
        "LONG_POLL_MAX": _int(env, "LONG_POLL_MAX", 4),
        "LONG_POLL_SECONDS": _int(env, "LONG_POLL_SECONDS", 25),
        "PUBLIC_URL": env.get("PUBLIC_URL", "").rstrip("/"),
        "INVITATION_DAYS": _int(env, "INVITATION_DAYS", 14),
        **_mail_settings(env),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        # The limits' store (Redis in production) being down must not answer every limited
        # request, a candidate's autosave among them, with a 500: limits lapse, logged, until
        # it is back (docs/operations.md, "When parts fail").
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "REMEMBER_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "FORCE_HTTPS": _bool(env.get("FORCE_HTTPS"), False),
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
        "INSTANCE_DIR": str(instance),
    }
    if production and settings["SANDBOX_BACKEND"] == "fake":
        raise ConfigurationError("SANDBOX_BACKEND=fake runs untrusted code unisolated")
    if not 0 <= settings["TRUSTED_PROXIES"] <= 5:
        raise ConfigurationError("TRUSTED_PROXIES must be from 0 to 5")
    if settings["LONG_POLL_MAX"] < 0 or not 1 <= settings["LONG_POLL_SECONDS"] <= 300:
        raise ConfigurationError("LONG_POLL_MAX must be 0 or more, LONG_POLL_SECONDS 1 to 300")
    if not 1 <= settings["INVITATION_DAYS"] <= MAX_INVITATION_DAYS:
        raise ConfigurationError(f"INVITATION_DAYS must be from 1 to {MAX_INVITATION_DAYS}")
    return settings


def _mail_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """Flask-Mailman's settings; an empty MAIL_SERVER means "do not send, keep the outbox"."""
    use_tls = _bool(env.get("MAIL_USE_TLS"), True)
    use_ssl = _bool(env.get("MAIL_USE_SSL"), False)
    if use_tls and use_ssl:
        raise ConfigurationError("MAIL_USE_TLS (STARTTLS) and MAIL_USE_SSL exclude each other")
    return {
        "MAIL_SERVER": env.get("MAIL_SERVER", "").strip(),
        "MAIL_PORT": _int(env, "MAIL_PORT", 465 if use_ssl else 587),
        # STARTTLS by default: a password and the invitation links never cross the network in
        # clear unless the operator turns it off for a local relay.
        "MAIL_USE_TLS": use_tls,
        "MAIL_USE_SSL": use_ssl,
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER") or "Assessor <assessor@localhost>",
        # A staff request waits for the send: a dead server must not hang it for minutes.
        "MAIL_TIMEOUT": _int(env, "MAIL_TIMEOUT", 10),
        "MAIL_BACKEND": env.get("MAIL_BACKEND") or "smtp",
    }
