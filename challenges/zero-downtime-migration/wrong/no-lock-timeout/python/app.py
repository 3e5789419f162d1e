"""Users service of a schema-per-tenant database, with its zero-downtime migration steps."""

import os
import re

import psycopg
from flask import Flask, jsonify, request
from psycopg import sql
from psycopg.rows import dict_row

import migrations

DSN = os.environ.get("DATABASE_URL", "postgresql://app@127.0.0.1:5432/app")
# A tenant is a schema name; anything else never reaches SQL, even quoted.
TENANT = re.compile(r"[a-z][a-z0-9_]{0,62}")
FIRST = re.compile(r"\S{1,50}")
LAST = re.compile(r"(\S+( \S+)*)?")
EMAIL = re.compile(r"[^\s@]+@[^\s]+")
FIELDS = ("first_name", "last_name", "email")

app = Flask(__name__)


class ApiError(Exception):
    """An error response."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@app.errorhandler(ApiError)
def api_error(exc):
    return jsonify(error={"code": exc.code, "message": exc.message}), exc.status


@app.errorhandler(migrations.Conflict)
def conflict(exc):
    return jsonify(error={"code": exc.code, "message": exc.message}), 409


@app.errorhandler(migrations.LockUnavailable)
def lock_unavailable(_exc):
    message = "Another transaction holds the table."
    return jsonify(error={"code": "lock_unavailable", "message": message}), 503


@app.errorhandler(404)
@app.errorhandler(405)
def http_error(exc):
    code = "not_found" if exc.code == 404 else "method_not_allowed"
    return jsonify(error={"code": code, "message": exc.description}), exc.code


def connect(tenant):
    """Return an autocommit connection after checking that the tenant exists."""
    if not TENANT.fullmatch(tenant):
        raise ApiError(404, "not_found", "No such tenant.")
    conn = psycopg.connect(DSN, autocommit=True, row_factory=dict_row)
    found = conn.execute("SELECT to_regclass(format('%%I.users', %s::text)) AS t", (tenant,))
    if found.fetchone()["t"] is None:
        conn.close()
        raise ApiError(404, "not_found", "No such tenant.")
    return conn


def require_expanded(conn, tenant):
    expanded, _, contracted = migrations.state(conn, tenant)
    if not (expanded or contracted):
        raise ApiError(409, "not_expanded", "The tenant is not migrated yet.")


def user_fields(partial):
    """Return the validated body, or raise the 422."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "The body must be a JSON object.")
    wanted = set(FIELDS) if not partial else set(body)
    if set(body) - set(FIELDS) or not wanted or wanted - set(body):
        raise ApiError(422, "validation_error", f"Send {', '.join(FIELDS)} and nothing else.")
    rules = {"first_name": (FIRST, 50), "last_name": (LAST, 50), "email": (EMAIL, 254)}
    for field, value in body.items():
        pattern, longest = rules[field]
        if not isinstance(value, str) or len(value) > longest or not pattern.fullmatch(value):
            raise ApiError(422, "validation_error", f"{field} is invalid.")
    return body


def select_users(schema):
    return sql.SQL("SELECT id, first_name, last_name, email FROM {}.users").format(schema)


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/tenants/<tenant>/migrations/<step>")
def migrate(tenant, step):
    steps = {"expand", "old-code-retired", "contract"}
    if step not in steps:
        raise ApiError(404, "not_found", "No such migration step.")
    with connect(tenant) as conn:
        if step == "expand":
            return {"phase": "expanded", "backfilled": migrations.expand(conn, tenant)}
        if step == "old-code-retired":
            migrations.retire_old_code(conn, tenant)
            return {"phase": "old_code_retired"}
        migrations.contract(conn, tenant)
        return {"phase": "contracted"}


@app.get("/tenants/<tenant>/users")
def list_users(tenant):
    with connect(tenant) as conn:
        require_expanded(conn, tenant)
        query = select_users(sql.Identifier(tenant)) + sql.SQL(" ORDER BY id")
        return {"items": conn.execute(query).fetchall()}


@app.post("/tenants/<tenant>/users")
def create_user(tenant):
    with connect(tenant) as conn:
        require_expanded(conn, tenant)
        body = user_fields(partial=False)
        # Only the new columns: while the old one exists, the trigger fills it.
        query = sql.SQL(
            "INSERT INTO {}.users (first_name, last_name, email) VALUES (%s, %s, %s)"
            " RETURNING id, first_name, last_name, email"
        ).format(sql.Identifier(tenant))
        row = conn.execute(query, [body[f] for f in FIELDS]).fetchone()
        return row, 201, {"Location": f"/tenants/{tenant}/users/{row['id']}"}


@app.route("/tenants/<tenant>/users/<int:user_id>", methods=["GET", "PATCH"])
def one_user(tenant, user_id):
    with connect(tenant) as conn:
        require_expanded(conn, tenant)
        schema = sql.Identifier(tenant)
        if request.method == "PATCH":
            body = user_fields(partial=True)
            sets = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(f)) for f in body)
            query = sql.SQL(
                "UPDATE {}.users SET {} WHERE id = %s RETURNING id, first_name, last_name, email"
            ).format(schema, sets)
            row = conn.execute(query, [*body.values(), user_id]).fetchone()
        else:
            query = select_users(schema) + sql.SQL(" WHERE id = %s")
            row = conn.execute(query, (user_id,)).fetchone()
        if row is None:
            raise ApiError(404, "not_found", "No such user.")
        return row


if __name__ == "__main__":
    with psycopg.connect(DSN, autocommit=True) as setup:
        migrations.ensure_state_table(setup)
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8080")), threaded=True)
