"""Assessor: technical interviews for back-end engineers, graded in hardened sandboxes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

from assessor import (
    changes,
    jobs,
    models,  # noqa: F401  (registers every table on db.metadata)
)
from assessor import config as settings
from assessor.commands import register_commands
from assessor.extensions import csrf, db, limiter, login_manager, mail, migrate
from assessor.web import register_blueprints

# No inline script anywhere: an injected <script> in candidate-controlled text cannot run.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:"],
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure an app instance; reads the environment, touches nothing else."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(settings.PROJECT_ROOT / "templates"),
        static_folder=str(settings.PROJECT_ROOT / "static"),
    )
    instance_path = (config or {}).get("INSTANCE_DIR")
    app.config.from_mapping(settings.load(instance_path=instance_path))
    if config:
        app.config.from_mapping(config)
    if hops := app.config["TRUSTED_PROXIES"]:
        # Believe X-Forwarded-For/-Proto/-Host from exactly this many proxies: behind one, every
        # client shares its address (one candidate's misses would throttle all); with none, a
        # client could forge the header to dodge per-address limits.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(settings.PROJECT_ROOT / "migrations"),
        render_as_batch=True,  # SQLite can only ALTER through table copies
        compare_type=True,
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    Talisman(
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["style-src"],
        referrer_policy="same-origin",
    )

    jobs.init_app(app)
    changes.init_app(app)
    register_blueprints(app)
    register_commands(app)
    return app
