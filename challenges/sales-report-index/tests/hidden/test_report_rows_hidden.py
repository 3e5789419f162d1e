"""Hidden tests: the report's rows, against the tests' own SQL and hand-built days."""

import datetime
import uuid

import pytest

UTC = datetime.UTC
# The tests' own answer: paid orders created in [from 00:00 UTC, the day after `to` 00:00 UTC),
# revenue from their lines, the top customers by revenue, ties by the lower id.
EXPECTED_SQL = """
WITH paid AS (
    SELECT id, customer_id FROM orders
    WHERE status = 'paid'
      AND created_at >= %(from)s::date::timestamp AT TIME ZONE 'UTC'
      AND created_at < (%(to)s::date + 1)::timestamp AT TIME ZONE 'UTC'
), totals AS (
    SELECT p.customer_id, count(DISTINCT p.id) AS orders,
           sum(i.quantity::bigint * i.unit_price_cents) AS revenue
    FROM paid p JOIN order_items i ON i.order_id = p.id
    GROUP BY p.customer_id
)
SELECT t.customer_id, c.name, t.orders, t.revenue
FROM totals t JOIN customers c ON c.id = t.customer_id
ORDER BY t.revenue DESC, t.customer_id
LIMIT %(limit)s
"""


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


def at(day, hour=12, minute=0, second=0, micro=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute, second, micro, UTC))


def row(customer_id, name, orders, revenue):
    return {"customer_id": customer_id, "name": name, "orders": orders, "revenue_cents": revenue}


def report(http, first, last, limit=None):
    params = {"from": str(first), "to": str(last)}
    if limit is not None:
        params["limit"] = str(limit)
    resp = http.get("/reports/top-customers", params=params)
    assert resp.status_code == 200, (resp.status_code, resp.text)
    assert resp.headers.get("Content-Type", "").startswith("application/json"), resp.headers
    body = resp.json()
    assert set(body) == {"customers"}, body
    return body["customers"]


def expected(db, first, last, limit):
    params = {"from": str(first), "to": str(last), "limit": limit}
    return [row(*r) for r in db.execute(EXPECTED_SQL, params).fetchall()]


@pytest.mark.points(4)
@pytest.mark.parametrize(
    ("first", "last", "limit"),
    [
        ("2024-05-01", "2024-05-01", 10),
        ("2023-03-01", "2023-03-07", 5),
        ("2022-01-01", "2022-01-31", 100),
        ("2025-12-31", "2025-12-31", 1),
    ],
)
def test_matches_the_seeded_shop(http, db, first, last, limit):
    want = expected(db, first, last, limit)
    assert want, "the seed covers these days"
    assert report(http, first, last, limit) == want


@pytest.mark.points(2)
def test_only_paid_orders_count(http, db):
    day = datetime.date(2032, 1, 10)
    mixed = add_customer(db, "Mixed Statuses")
    paid = add_customer(db, "Paid Only")
    never = add_customer(db, "Never Paid")
    add_order(db, mixed, at(day), [(1, 1000)])
    for status, price in (("pending", 5000), ("cancelled", 7000), ("refunded", 9000)):
        add_order(db, mixed, at(day), [(1, price)], status=status)
        add_order(db, never, at(day), [(1, price)], status=status)
    add_order(db, paid, at(day), [(2, 1000)])
    assert report(http, day, day) == [
        row(paid, "Paid Only", 1, 2000),
        row(mixed, "Mixed Statuses", 1, 1000),
    ]


@pytest.mark.points(2)
def test_ties_go_to_the_lower_id_even_at_the_limit(http, db):
    day = datetime.date(2032, 1, 11)
    # Created in this order: ids rise while names fall, so only the id gives the right order.
    top = add_customer(db, "Top Spender")
    tied = [add_customer(db, name) for name in ("Zoe Tied", "Mia Tied", "Amy Tied")]
    add_order(db, top, at(day), [(1, 9000)])
    for customer in tied:
        add_order(db, customer, at(day), [(5, 1000)])
    assert report(http, day, day, limit=3) == [
        row(top, "Top Spender", 1, 9000),
        row(tied[0], "Zoe Tied", 1, 5000),
        row(tied[1], "Mia Tied", 1, 5000),
    ]


@pytest.mark.points(1)
def test_orders_counts_orders_not_lines(http, db):
    day = datetime.date(2032, 1, 12)
    customer = add_customer(db, "Many Lines")
    add_order(db, customer, at(day, 9), [(1, 100), (2, 200), (3, 300)])
    add_order(db, customer, at(day, 10), [(1, 50), (1, 50)])
    assert report(http, day, day) == [row(customer, "Many Lines", 2, 1500)]


@pytest.mark.points(2)
def test_from_and_to_are_whole_utc_days(http, db):
    first, last = datetime.date(2032, 1, 14), datetime.date(2032, 1, 15)
    before, after = first - datetime.timedelta(days=1), last + datetime.timedelta(days=1)
    early = add_customer(db, "First Instant")
    late = add_customer(db, "Last Instant")
    outside = add_customer(db, "Just Outside")
    add_order(db, early, at(first, 0, 0, 0), [(1, 300)])
    add_order(db, late, at(last, 23, 59, 59, 999999), [(1, 200)])
    add_order(db, outside, at(before, 23, 59, 59, 999999), [(1, 900)])
    add_order(db, outside, at(after, 0, 0, 0), [(1, 900)])
    assert report(http, first, last) == [
        row(early, "First Instant", 1, 300),
        row(late, "Last Instant", 1, 200),
    ]
    assert report(http, first, first) == [row(early, "First Instant", 1, 300)]
    assert report(http, last, last) == [row(late, "Last Instant", 1, 200)]


@pytest.mark.points(1)
def test_amounts_beyond_32_bits(http, db):
    day = datetime.date(2032, 1, 18)
    customer = add_customer(db, "Wholesale Buyer")
    add_order(db, customer, at(day, 8), [(400, 9_000_000)])
    add_order(db, customer, at(day, 9), [(400, 9_000_000), (1, 1)])
    assert report(http, day, day) == [row(customer, "Wholesale Buyer", 2, 7_200_000_001)]


@pytest.mark.points(1)
def test_limit_defaults_to_10_and_goes_up_to_100(http, db):
    day = datetime.date(2032, 1, 20)
    ids = [add_customer(db, f"Customer {n:02d}") for n in range(12)]
    for n, customer in enumerate(ids):
        add_order(db, customer, at(day), [(1, 1000 + n)])
    want = [row(c, f"Customer {n:02d}", 1, 1000 + n) for n, c in enumerate(ids)][::-1]
    assert report(http, day, day) == want[:10]
    assert report(http, day, day, limit=100) == want
    assert report(http, day, day, limit=1) == want[:1]


def test_a_range_without_paid_orders_is_empty(http, db):
    day = datetime.date(2032, 1, 22)
    add_order(db, add_customer(db, "Pending Only"), at(day), [(1, 100)], status="pending")
    assert report(http, day, day + datetime.timedelta(days=3)) == []


@pytest.mark.points(2)
@pytest.mark.skill("sql")
def test_invalid_parameters_are_400(http):
    cases = [
        {"to": "2024-05-01"},
        {"from": "2024-05-01"},
        {"from": "2024-5-1", "to": "2024-05-01"},
        {"from": "2024-02-30", "to": "2024-03-01"},
        {"from": "2024-05-01", "to": "2024-13-01"},
        {"from": "2024-05-01T00:00:00", "to": "2024-05-02"},
        {"from": "yesterday", "to": "2024-05-01"},
        {"from": "2024-05-02", "to": "2024-05-01"},
        {"from": "2024-05-01", "to": "2024-05-01", "limit": "0"},
        {"from": "2024-05-01", "to": "2024-05-01", "limit": "101"},
        {"from": "2024-05-01", "to": "2024-05-01", "limit": "-1"},
        {"from": "2024-05-01", "to": "2024-05-01", "limit": "2.5"},
        {"from": "2024-05-01", "to": "2024-05-01", "limit": "ten"},
        {"from": "2024-05-01", "to": "2024-05-01", "limit": ""},
    ]
    for params in cases:
        resp = http.get("/reports/top-customers", params=params)
        assert resp.status_code == 400, (params, resp.status_code, resp.text)
        assert resp.headers.get("Content-Type", "").startswith("application/json"), params
        error = resp.json()["error"]
        assert error["code"] == "bad_request", (params, error)
        assert isinstance(error["message"], str), (params, error)
