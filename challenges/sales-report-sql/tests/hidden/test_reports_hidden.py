import random
import sqlite3
from collections import defaultdict

import pytest

import db
import reports


def new_database():
    """Create the shop database in the tester, as db.connect() does: the reports run their SQL here."""
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(db.SCHEMA)
    return conn


def check_rows(actual, expected):
    """Exact comparison: a list of tuples with the same values and the same element types."""
    assert type(actual) is list, type(actual)
    assert len(actual) == len(expected), (actual, expected)
    for got, want in zip(actual, expected):
        assert type(got) is tuple and len(got) == len(want), got
        for g, w in zip(got, want):
            assert type(g) is type(w) and g == w, (got, want)


class Shop:
    """Builds a database row by row; ids are explicit so expectations stay readable."""

    def __init__(self):
        self.conn = new_database()

    def customer(self, cid, name):
        self.conn.execute("INSERT INTO customers VALUES (?, ?, 'FR')", (cid, name))

    def product(self, pid, name, category):
        self.conn.execute("INSERT INTO products VALUES (?, ?, ?)", (pid, name, category))

    def order(self, oid, cid, status, created_at, *items):
        self.conn.execute("INSERT INTO orders VALUES (?, ?, ?, ?)", (oid, cid, status, created_at))
        for pid, qty, price in items:
            self.conn.execute("INSERT INTO order_items VALUES (?, ?, ?, ?)", (oid, pid, qty, price))


@pytest.fixture
def shop():
    shop = Shop()
    yield shop
    shop.conn.close()


@pytest.mark.points(3)
def test_revenue_period_is_half_open_and_paid_only(shop):
    shop.customer(1, "Ann")
    for pid, name, cat in [(1, "Kettle", "kitchen"), (2, "Lamp", "lighting"), (3, "Rug", "home"),
                           (4, "Vase", "decor"), (5, "Mug", "kitchen")]:
        shop.product(pid, name, cat)
    shop.order(1, 1, "paid", "2024-02-01 00:00:00", (1, 1, 1000))        # first second: in
    shop.order(2, 1, "paid", "2024-02-29 23:59:59", (2, 2, 700), (5, 3, 100))  # last second: in
    shop.order(3, 1, "paid", "2024-03-01 00:00:00", (3, 1, 99999))       # end is excluded
    shop.order(4, 1, "paid", "2024-01-31 23:59:59", (3, 1, 99999))       # before start
    shop.order(5, 1, "pending", "2024-02-10 10:00:00", (4, 1, 5000))     # not paid
    shop.order(6, 1, "refunded", "2024-02-11 10:00:00", (1, 9, 5000))    # not paid
    shop.order(7, 1, "paid", "2024-02-12 10:00:00")                      # no items
    check_rows(reports.revenue_by_category(shop.conn, "2024-02-01", "2024-03-01"),
               [("lighting", 1400), ("kitchen", 1300), ("decor", 0), ("home", 0)])


@pytest.mark.points(2)
def test_revenue_ties_and_empty_period(shop):
    shop.customer(1, "Ann")
    for pid, cat in [(1, "b"), (2, "a"), (3, "c"), (4, "a")]:
        shop.product(pid, f"P{pid}", cat)
    shop.order(1, 1, "paid", "2024-05-05 10:00:00", (1, 1, 500), (2, 1, 200), (4, 1, 300))
    check_rows(reports.revenue_by_category(shop.conn, "2024-05-01", "2024-06-01"),
               [("a", 500), ("b", 500), ("c", 0)])
    check_rows(reports.revenue_by_category(shop.conn, "2030-01-01", "2030-02-01"),
               [("a", 0), ("b", 0), ("c", 0)])


@pytest.mark.points(3)
def test_top_customers_counts_orders_not_items(shop):
    for cid, name in [(1, "Ann"), (2, "Bob"), (3, "Cid"), (4, "Dee"), (5, "Eve")]:
        shop.customer(cid, name)
    for pid in (1, 2, 3):
        shop.product(pid, f"P{pid}", "misc")
    shop.order(1, 1, "paid", "2024-01-01 10:00:00", (1, 2, 100), (2, 1, 300), (3, 1, 100))  # 600
    shop.order(2, 1, "paid", "2024-01-02 10:00:00")                                         # no items
    shop.order(3, 2, "paid", "2024-01-03 10:00:00", (1, 6, 100))                            # 600
    shop.order(4, 3, "pending", "2024-01-04 10:00:00", (1, 50, 100))
    shop.order(5, 3, "refunded", "2024-01-05 10:00:00", (1, 50, 100))
    shop.order(6, 4, "paid", "2024-01-06 10:00:00", (2, 1, 900), (3, 1, 100))               # 1000
    shop.order(7, 4, "refunded", "2024-01-07 10:00:00", (2, 1, 900))
    shop.order(8, 5, "paid", "2024-01-08 10:00:00")                                         # 0
    check_rows(reports.top_customers(shop.conn, 10),
               [(4, "Dee", 1, 1000), (1, "Ann", 2, 600), (2, "Bob", 1, 600), (5, "Eve", 1, 0)])
    check_rows(reports.top_customers(shop.conn, 2), [(4, "Dee", 1, 1000), (1, "Ann", 2, 600)])
    check_rows(reports.top_customers(shop.conn, 0), [])


@pytest.mark.points(3)
def test_monthly_revenue_year_boundaries(shop):
    shop.customer(1, "Ann")
    shop.product(1, "Kettle", "kitchen")
    shop.order(1, 1, "paid", "2023-12-31 23:59:59", (1, 1, 111))
    shop.order(2, 1, "paid", "2024-01-01 00:00:00", (1, 1, 200))
    shop.order(3, 1, "paid", "2024-01-31 23:59:59", (1, 2, 50))
    shop.order(4, 1, "pending", "2024-02-15 10:00:00", (1, 1, 999))
    shop.order(5, 1, "paid", "2024-06-15 10:00:00", (1, 3, 1000))
    shop.order(6, 1, "paid", "2024-06-16 10:00:00")
    shop.order(7, 1, "paid", "2024-12-31 23:59:59", (1, 1, 5))
    shop.order(8, 1, "paid", "2025-01-01 00:00:00", (1, 1, 7777))
    expected, total = [], 0
    by_month = {1: 300, 6: 3000, 12: 5}
    for m in range(1, 13):
        total += by_month.get(m, 0)
        expected.append((f"2024-{m:02d}", by_month.get(m, 0), total))
    check_rows(reports.monthly_revenue(shop.conn, 2024), expected)
    check_rows(reports.monthly_revenue(shop.conn, 2023), [(f"2023-{m:02d}", 111 if m == 12 else 0, 111 if m == 12 else 0) for m in range(1, 13)])


def test_monthly_revenue_empty_year(shop):
    check_rows(reports.monthly_revenue(shop.conn, 2019), [(f"2019-{m:02d}", 0, 0) for m in range(1, 13)])


@pytest.mark.points(3)
def test_top_products_ties_and_limits(shop):
    shop.customer(1, "Ann")
    for pid, name, cat in [(1, "A1", "audio"), (2, "A2", "audio"), (3, "A3", "audio"), (4, "A4", "audio"),
                           (5, "B1", "books"), (6, "B2", "books"), (7, "G1", "garden")]:
        shop.product(pid, name, cat)
    shop.order(1, 1, "paid", "2024-01-01 10:00:00", (4, 3, 10), (3, 3, 10), (2, 5, 10), (1, 1, 10), (5, 2, 10))
    shop.order(2, 1, "paid", "2024-02-01 10:00:00", (1, 2, 10))
    shop.order(3, 1, "refunded", "2024-02-01 10:00:00", (6, 9, 10), (7, 9, 10))
    shop.order(4, 1, "pending", "2024-02-02 10:00:00", (1, 9, 10))
    check_rows(reports.top_products_per_category(shop.conn, 2),
               [("audio", 2, "A2", 5), ("audio", 1, "A1", 3), ("books", 5, "B1", 2)])
    check_rows(reports.top_products_per_category(shop.conn, 3),
               [("audio", 2, "A2", 5), ("audio", 1, "A1", 3), ("audio", 3, "A3", 3), ("books", 5, "B1", 2)])
    check_rows(reports.top_products_per_category(shop.conn, 10),
               [("audio", 2, "A2", 5), ("audio", 1, "A1", 3), ("audio", 3, "A3", 3), ("audio", 4, "A4", 3),
                ("books", 5, "B1", 2)])


# A larger generated shop, checked against straightforward Python over the same rows.

def generated_shop():
    rng = random.Random(20240601)
    shop = Shop()
    categories = ["audio", "books", "garden", "kitchen", "toys"]
    products = {}
    for pid in range(1, 41):
        products[pid] = (f"Product {pid}", rng.choice(categories))
    products[41] = ("Never sold", "spares")
    for pid, (name, cat) in products.items():
        shop.product(pid, name, cat)
    customers = {cid: f"Customer {cid}" for cid in range(1, 31)}
    for cid, name in customers.items():
        shop.customer(cid, name)
    orders = []
    for oid in range(1, 701):
        cid = rng.randint(1, 30)
        status = rng.choices(["paid", "pending", "refunded"], weights=[70, 15, 15])[0]
        created = f"{rng.choice([2023, 2024, 2024, 2025])}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        items = [(pid, rng.randint(1, 5), rng.randint(1, 400) * 25) for pid in rng.sample(range(1, 41), rng.randint(0, 4))]
        shop.order(oid, cid, status, created, *items)
        orders.append((oid, cid, status, created, items))
    return shop, products, customers, orders


def oracle_revenue_by_category(products, orders, start, end):
    revenue = {cat: 0 for _, cat in products.values()}
    for _, _, status, created, items in orders:
        if status == "paid" and start <= created < end:
            for pid, qty, price in items:
                revenue[products[pid][1]] += qty * price
    return sorted(revenue.items(), key=lambda kv: (-kv[1], kv[0]))


def oracle_top_customers(customers, orders, limit):
    count, revenue = defaultdict(int), defaultdict(int)
    for _, cid, status, _, items in orders:
        if status == "paid":
            count[cid] += 1
            revenue[cid] += sum(q * p for _, q, p in items)
    rows = [(cid, customers[cid], count[cid], revenue[cid]) for cid in count]
    return sorted(rows, key=lambda r: (-r[3], r[0]))[:limit]


def oracle_monthly(orders, year):
    by_month = defaultdict(int)
    for _, _, status, created, items in orders:
        if status == "paid" and created.startswith(f"{year}-"):
            by_month[created[:7]] += sum(q * p for _, q, p in items)
    rows, total = [], 0
    for m in range(1, 13):
        key = f"{year}-{m:02d}"
        total += by_month[key]
        rows.append((key, by_month[key], total))
    return rows


def oracle_top_products(products, orders, n):
    units = defaultdict(int)
    for _, _, status, _, items in orders:
        if status == "paid":
            for pid, qty, _ in items:
                units[pid] += qty
    per_cat = defaultdict(list)
    for pid, sold in units.items():
        per_cat[products[pid][1]].append((pid, sold))
    rows = []
    for cat in sorted(per_cat):
        best = sorted(per_cat[cat], key=lambda x: (-x[1], x[0]))[:n]
        rows += [(cat, pid, products[pid][0], sold) for pid, sold in best]
    return rows


@pytest.fixture(scope="module")
def big():
    shop, products, customers, orders = generated_shop()
    yield shop.conn, products, customers, orders
    shop.conn.close()


@pytest.mark.points(3)
def test_generated_data_matches(big):
    conn, products, customers, orders = big
    for start, end in [("2024-01-01", "2025-01-01"), ("2024-03-15", "2024-04-02"), ("2023-01-01", "2026-01-01")]:
        check_rows(reports.revenue_by_category(conn, start, end), oracle_revenue_by_category(products, orders, start, end))
    for limit in (1, 7, 100):
        check_rows(reports.top_customers(conn, limit), oracle_top_customers(customers, orders, limit))
    for year in (2023, 2024, 2025):
        check_rows(reports.monthly_revenue(conn, year), oracle_monthly(orders, year))
    for n in (1, 3, 50):
        check_rows(reports.top_products_per_category(conn, n), oracle_top_products(products, orders, n))


@pytest.mark.points(3)
@pytest.mark.skill("performance")
def test_each_report_is_one_statement(big):
    conn = big[0]
    calls = [
        lambda: reports.revenue_by_category(conn, "2024-01-01", "2025-01-01"),
        lambda: reports.top_customers(conn, 5),
        lambda: reports.monthly_revenue(conn, 2024),
        lambda: reports.top_products_per_category(conn, 3),
    ]
    for call in calls:
        statements = []
        conn.set_trace_callback(statements.append)
        try:
            call()
        finally:
            conn.set_trace_callback(None)
        assert len(statements) == 1, statements
