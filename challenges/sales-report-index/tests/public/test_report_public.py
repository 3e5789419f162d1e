"""Public tests: the style of the hidden suite, against your running service and its database."""

import datetime
import uuid

import pytest

UTC = datetime.UTC


def add_customer(db, name):
    """Insert a customer of this test's own; return its id."""
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    sql = (
        "INSERT INTO customers (name, email, country, created_at) "
        "VALUES (%s, %s, 'FR', now()) RETURNING id"
    )
    return db.execute(sql, (name, email)).fetchone()[0]


def add_order(db, customer_id, created_at, lines, status="paid"):
    """Insert an order with its lines [(quantity, unit_price_cents), ...]; return its id."""
    sql = (
        "INSERT INTO orders (customer_id, status, created_at, shipping_address) "
        "VALUES (%s, %s, %s, '1 Test Street, Paris') RETURNING id"
    )
    order_id = db.execute(sql, (customer_id, status, created_at)).fetchone()[0]
    for quantity, price in lines:
        db.execute(
            "INSERT INTO order_items (order_id, sku, quantity, unit_price_cents) "
            "VALUES (%s, 'SKU-TEST', %s, %s)",
            (order_id, quantity, price),
        )
    return order_id


def report(http, **params):
    resp = http.get("/reports/top-customers", params=params)
    assert resp.status_code == 200, (resp.status_code, resp.text)
    assert resp.headers.get("Content-Type", "").startswith("application/json"), resp.headers
    return resp.json()["customers"]


def test_health(http):
    resp = http.get("/health")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


@pytest.mark.points(2)
def test_top_customers_of_one_day(http, db):
    # A day no seeded order falls on: only this test's orders are in the report.
    noon = datetime.datetime(2031, 1, 5, 12, 0, tzinfo=UTC)
    small = add_customer(db, "Public Small")
    big = add_customer(db, "Public Big")
    add_order(db, small, noon, [(1, 1500)])
    add_order(db, big, noon, [(2, 2500), (1, 999)])
    add_order(db, big, noon, [(1, 100)])
    got = report(http, **{"from": "2031-01-05", "to": "2031-01-05"})
    assert got == [
        {"customer_id": big, "name": "Public Big", "orders": 2, "revenue_cents": 6099},
        {"customer_id": small, "name": "Public Small", "orders": 1, "revenue_cents": 1500},
    ]


def test_bad_dates_are_400(http):
    resp = http.get("/reports/top-customers", params={"from": "2031-02-30", "to": "2031-03-01"})
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["code"] == "bad_request"
