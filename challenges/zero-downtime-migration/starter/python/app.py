"""Users service of a schema-per-tenant database: start here (see statement.md)."""

import os

import psycopg  # noqa: F401 - psycopg 3 is installed, as are Flask and SQLAlchemy
from flask import Flask, jsonify

import migrations  # noqa: F401

DSN = os.environ.get("DATABASE_URL", "postgresql://app@127.0.0.1:5432/app")

app = Flask(__name__)


def not_implemented():
    error = {"code": "not_implemented", "message": "Not implemented yet."}
    return jsonify(error=error), 501


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/tenants/<tenant>/migrations/<step>")
def migrate(tenant, step):
    # TODO: expand, old-code-retired, contract (see migrations.py).
    return not_implemented()


@app.route("/tenants/<tenant>/users", methods=["GET", "POST"])
def users(tenant):
    # TODO: list and create users through the new columns.
    return not_implemented()


@app.route("/tenants/<tenant>/users/<int:user_id>", methods=["GET", "PATCH"])
def one_user(tenant, user_id):
    # TODO: read and update one user through the new columns.
    return not_implemented()


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8080")), threaded=True)
