"""Hidden tests: the work one report costs the database, read from pg_stat_statements.

The store tracks every statement in `stats.pg_stat_statements` (owned by the superuser: the
service can read its own figures but neither reset nor forge them). A test reads the totals,
calls the service, and reads them again: the difference is the request's work. The tests' own
reads of that view are left out by their text; nothing else runs in between.
"""

import datetime
import json
import uuid

import pytest

UTC = datetime.UTC
# Buffer accesses (8 kB pages hit in the cache or read) of one report of one seeded day
# (about 80 paid orders, 160 lines), measured on the seed: with an index on the orders' date
# (alone or after the status) and one on order_items.order_id, 350 to 600 depending on how the
# names are joined; a sequential scan of orders alone is 2,283 pages, of order_items 2,942, of
# both (no index at all) about 5,500. 1,500 sits between on a log scale: three times the usual
# indexed plan and a third of the unindexed one, while any plan that scans either table whole
# exceeds it.
MAX_BUFFERS = 1500
# One report, one statement; a second (a count, the names) is allowed. A statement per customer
# or per order is not (20 customers here).
MAX_STATEMENTS = 3
SHOP_TABLES = r"\m(orders|order_items|customers)\M"
WORK_SQL = """
SELECT coalesce(sum(shared_blks_hit + shared_blks_read) FILTER (WHERE toplevel), 0),
       coalesce(sum(calls) FILTER (WHERE query ~* %s), 0)
FROM stats.pg_stat_statements
WHERE query NOT ILIKE %s
"""
# The tests' own query for EXPLAIN: the report of one seeded day, status and dates as literals.
CANONICAL_SQL = """
SELECT o.customer_id, count(DISTINCT o.id), sum(i.quantity::bigint * i.unit_price_cents) AS r
FROM orders o JOIN order_items i ON i.order_id = o.id
WHERE o.status = 'paid'
  AND o.created_at >= timestamptz '2024-05-02 00:00:00+00'
  AND o.created_at < timestamptz '2024-05-03 00:00:00+00'
GROUP BY o.customer_id
ORDER BY r DESC, o.customer_id
LIMIT 10
"""


def work(db):
    """Return (buffer accesses of top-level statements, calls of statements on shop tables)."""
    # The pattern travels as a parameter, so this statement's own text names no shop table.
    return db.execute(WORK_SQL, (SHOP_TABLES, "%pg_stat_statements%")).fetchone()


def add_big_order(db, day):
    """Insert a fresh customer with a large paid order on `day`: no cache made earlier knows it."""
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    customer = db.execute(
        "INSERT INTO customers (name, email, country, created_at) "
        "VALUES ('Fresh Whale', %s, 'NL', now()) RETURNING id",
        (email,),
    ).fetchone()[0]
    created = datetime.datetime.combine(day, datetime.time(13, 30, tzinfo=UTC))
    order = db.execute(
        "INSERT INTO orders (customer_id, status, created_at, shipping_address) "
        "VALUES (%s, 'paid', %s, '2 Test Street, Amsterdam') RETURNING id",
        (customer, created),
    ).fetchone()[0]
    db.execute(
        "INSERT INTO order_items (order_id, sku, quantity, unit_price_cents) "
        "VALUES (%s, 'SKU-WHALE', 100, 99900)",
        (order,),
    )
    return customer


def measured_report(http, db, params):
    """Call the report; return its customers and the (buffers, statements) it cost."""
    before = work(db)
    resp = http.get("/reports/top-customers", params=params)
    after = work(db)
    assert resp.status_code == 200, (resp.status_code, resp.text)
    return resp.json()["customers"], (after[0] - before[0], after[1] - before[1])


def plan_nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


@pytest.mark.points(4)
@pytest.mark.skill("performance")
def test_one_day_report_touches_few_pages(http, db):
    whale = add_big_order(db, datetime.date(2024, 5, 1))
    customers, (buffers, statements) = measured_report(
        http, db, {"from": "2024-05-01", "to": "2024-05-01", "limit": "10"}
    )
    assert customers[0]["customer_id"] == whale, customers[:1]
    assert statements >= 1, "the report must read the database on every request"
    assert buffers <= MAX_BUFFERS, (
        f"one day's report touched {buffers} pages (hit + read), at most {MAX_BUFFERS} allowed: "
        "are orders and their lines found through indexes?"
    )


@pytest.mark.points(3)
@pytest.mark.skill("performance")
def test_one_report_runs_few_statements(http, db):
    whale = add_big_order(db, datetime.date(2024, 6, 3))
    customers, (_, statements) = measured_report(
        http, db, {"from": "2024-06-01", "to": "2024-06-07", "limit": "20"}
    )
    assert len(customers) == 20 and customers[0]["customer_id"] == whale, customers[:1]
    assert 1 <= statements <= MAX_STATEMENTS, (
        f"one report ran {statements} statements on the shop's tables, "
        f"at most {MAX_STATEMENTS} allowed"
    )


@pytest.mark.points(2)
@pytest.mark.skill("performance")
def test_the_report_query_uses_indexes(http, db):
    # The service has started, so the indexes it creates exist.
    assert http.get("/health").status_code == 200
    (plan,) = db.execute("EXPLAIN (FORMAT JSON) " + CANONICAL_SQL).fetchone()
    if isinstance(plan, str):
        plan = json.loads(plan)
    nodes = list(plan_nodes(plan[0]["Plan"]))
    scanned = sorted(
        n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan" and "Relation Name" in n
    )
    assert not {"orders", "order_items"} & set(scanned), f"the report query scans {scanned} whole"
    through_index = ("Index Scan", "Index Only Scan", "Bitmap Heap Scan")
    indexed = {n.get("Relation Name") for n in nodes if n["Node Type"] in through_index}
    assert {"orders", "order_items"} <= indexed, nodes
