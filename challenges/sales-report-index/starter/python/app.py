"""Sales report service: start here (see statement.md). Flask and psycopg 3 are installed."""

import os

import psycopg  # noqa: F401 - the PostgreSQL driver: psycopg.connect(DATABASE_URL)
from flask import Flask, jsonify

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://app@127.0.0.1:5432/app")

app = Flask(__name__)


@app.get("/health")
def health():
    return jsonify(status="ok")


@app.get("/reports/top-customers")
def top_customers():
    # TODO: the report (see statement.md).
    return jsonify(error={"code": "not_implemented", "message": "Not implemented yet."}), 501


if __name__ == "__main__":
    # Whatever must exist before the first report belongs here, before the server starts.
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8080")), threaded=True)
