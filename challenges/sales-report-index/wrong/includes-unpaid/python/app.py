"""Sales report service: top customers by paid revenue over a range of days (Flask, psycopg 3)."""

import datetime
import os
import re

import psycopg
from flask import Flask, jsonify, request

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://app@127.0.0.1:5432/app")
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
LIMIT_PATTERN = re.compile(r"[0-9]{1,3}")

# The report filters orders by status and a created_at range, then reads the lines of each
# order: without these, both tables are scanned whole on every request.
INDEXES = (
    "CREATE INDEX IF NOT EXISTS orders_status_created_at_idx ON orders (status, created_at)",
    "CREATE INDEX IF NOT EXISTS order_items_order_id_idx ON order_items (order_id)",
)

# Aggregate first, then look up the names of the few customers kept. The range is compared
# on the bare column (a sargable predicate), so the index on created_at serves it.
TOP_CUSTOMERS = """
WITH paid AS (
    SELECT o.id, o.customer_id
    FROM orders o
    WHERE o.status <> 'cancelled'
      AND o.created_at >= %(start)s
      AND o.created_at < %(end)s
), totals AS (
    SELECT p.customer_id,
           count(DISTINCT p.id) AS orders,
           sum(i.quantity::bigint * i.unit_price_cents) AS revenue_cents
    FROM paid p
    JOIN order_items i ON i.order_id = p.id
    GROUP BY p.customer_id
    ORDER BY revenue_cents DESC, p.customer_id
    LIMIT %(limit)s
)
SELECT t.customer_id, c.name, t.orders, t.revenue_cents
FROM totals t
JOIN customers c ON c.id = t.customer_id
ORDER BY t.revenue_cents DESC, t.customer_id
"""

app = Flask(__name__)


class BadRequest(Exception):
    """A query parameter is missing or invalid."""


def parse_day(name):
    """Return the parameter as a date, or raise BadRequest."""
    value = request.args.get(name)
    if value is None or not DATE_PATTERN.fullmatch(value):
        raise BadRequest(f"{name} must be a date YYYY-MM-DD")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} is not a calendar date") from None


def parse_limit():
    """Return the page size: 10 by default, 1 to 100."""
    value = request.args.get("limit", "10")
    if not LIMIT_PATTERN.fullmatch(value) or not 1 <= int(value) <= 100:
        raise BadRequest("limit must be an integer from 1 to 100")
    return int(value)


@app.errorhandler(BadRequest)
def bad_request(error):
    return jsonify(error={"code": "bad_request", "message": str(error)}), 400


@app.errorhandler(404)
def not_found(_error):
    return jsonify(error={"code": "not_found", "message": "No such resource."}), 404


@app.get("/health")
def health():
    return jsonify(status="ok")


@app.get("/reports/top-customers")
def top_customers():
    first, last, limit = parse_day("from"), parse_day("to"), parse_limit()
    if first > last:
        raise BadRequest("from must not be after to")
    utc = datetime.UTC
    start = datetime.datetime.combine(first, datetime.time(), utc)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(), utc)
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        rows = conn.execute(TOP_CUSTOMERS, {"start": start, "end": end, "limit": limit})
        customers = [
            {"customer_id": cid, "name": name, "orders": orders, "revenue_cents": int(revenue)}
            for cid, name, orders, revenue in rows
        ]
    return jsonify(customers=customers)


def create_indexes():
    """Create the report's indexes before the service answers (idempotent across restarts)."""
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        for statement in INDEXES:
            conn.execute(statement)
        conn.execute("ANALYZE orders, order_items")


if __name__ == "__main__":
    create_indexes()
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8080")), threaded=True)
