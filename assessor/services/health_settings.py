"""Check the settings themselves: the secret's strength, and what production must not run with."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import sqlalchemy as sa
from zxcvbn import zxcvbn

from assessor.config import DEV_SECRET_FILE
from assessor.services.health import Finding, Status

SECRET_MIN_CHARS = 32
# About 100 bits as zxcvbn counts guesses: forging a session cookie or an invitation link by
# guessing the key must stay out of reach. A key made as GENERATE says has far more.
SECRET_MIN_BITS = 100
ZXCVBN_MAX_CHARS = 100  # zxcvbn's cost grows with the length; 100 characters settle the matter
GENERATE = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"


def settings(config: Mapping[str, Any], env: Mapping[str, str] | None = None) -> list[Finding]:
    """Return the findings on the secret and, in production, on every unsafe setting."""
    env = os.environ if env is None else env
    if config["ENV_NAME"] != "production":
        return [
            Finding(
                "environment",
                Status.OK,
                f"{config['ENV_NAME']} (ASSESSOR_ENV=production adds the checks of the secret's "
                "strength, PUBLIC_URL, cookies and rate limits)",
            ),
            _local_secret(config, env),
        ]
    return [
        Finding("environment", Status.OK, "production"),
        secret_strength(config["SECRET_KEY"]),
        _public_url(config),
        _cookies(config),
        _rate_limits(config),
        _database_kind(config),
    ]


def secret_strength(secret: str) -> Finding:
    """Judge SECRET_KEY by its length and by how many guesses zxcvbn says it takes."""
    bits = round(zxcvbn(secret[:ZXCVBN_MAX_CHARS])["guesses_log10"] * math.log2(10))
    evidence = f"{len(secret)} characters, about {bits} bits by zxcvbn"
    if len(secret) < SECRET_MIN_CHARS or bits < SECRET_MIN_BITS:
        return Finding(
            "secret key",
            Status.FAIL,
            f"{evidence}: too guessable (at least {SECRET_MIN_CHARS} characters and "
            f"{SECRET_MIN_BITS} bits); generate one with {GENERATE}, and mind that a new key "
            "changes the invitation links staff can copy",
        )
    return Finding("secret key", Status.OK, evidence)


def _local_secret(config: Mapping[str, Any], env: Mapping[str, str]) -> Finding:
    if env.get("SECRET_KEY"):
        return Finding("secret key", Status.OK, "from SECRET_KEY")
    key_file = Path(config["INSTANCE_DIR"]) / DEV_SECRET_FILE
    if key_file.is_file():
        return Finding("secret key", Status.OK, f"kept in {key_file}")
    return Finding(
        "secret key",
        Status.WARN,
        "random per process: sessions end and the invitation links staff can copy change at "
        f"every restart; set SECRET_KEY, or let `assessor` keep one in {key_file}",
    )


def _public_url(config: Mapping[str, Any]) -> Finding:
    url = config.get("PUBLIC_URL") or ""
    scheme = urlparse(url).scheme
    if not url:
        return Finding(
            "public url",
            Status.FAIL,
            "PUBLIC_URL is not set: invitation links take their host from the request, which "
            "a forged Host header chooses; set it to the https:// address candidates reach",
        )
    if scheme == "https":
        return Finding("public url", Status.OK, url)
    if scheme != "http":
        return Finding("public url", Status.FAIL, f"{url}: not an http(s) address")
    if not config.get("FORCE_HTTPS"):
        return Finding(
            "public url",
            Status.FAIL,
            f"{url} with FORCE_HTTPS off: invitation tokens and sessions cross the network in "
            "clear; use https:// (the proxy terminating TLS) or set FORCE_HTTPS=true",
        )
    return Finding(
        "public url",
        Status.WARN,
        f"{url}: FORCE_HTTPS redirects, but each link's first request travels in clear; "
        "use https://",
    )


def _cookies(config: Mapping[str, Any]) -> Finding:
    if not config.get("SESSION_COOKIE_SECURE"):
        return Finding(
            "secure cookies",
            Status.FAIL,
            "SESSION_COOKIE_SECURE is off: session cookies are also sent over plain http, "
            "where anyone on the path can take the session; remove SESSION_COOKIE_SECURE=false",
        )
    return Finding("secure cookies", Status.OK, "session cookies are sent over https only")


def _rate_limits(config: Mapping[str, Any]) -> Finding:
    storage = config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if not config.get("RATELIMIT_ENABLED", True):
        return Finding(
            "rate limits",
            Status.FAIL,
            "RATELIMIT_ENABLED is off: passwords and invitation links can be guessed at full speed",
        )
    if storage.startswith("memory://"):
        return Finding(
            "rate limits",
            Status.WARN,
            "counted in each web process's memory: with several processes each allows the "
            "full limit; set RATELIMIT_STORAGE_URI=redis://...",
        )
    return Finding("rate limits", Status.OK, f"counted in {_hide_password(storage)}")


def _database_kind(config: Mapping[str, Any]) -> Finding:
    url = sa.engine.make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        return Finding(
            "database kind",
            Status.WARN,
            "SQLite: one machine, one writer at a time; the production layout is PostgreSQL",
        )
    return Finding("database kind", Status.OK, url.get_backend_name())


def _hide_password(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url.split("://", 1)[0] + "://..."
