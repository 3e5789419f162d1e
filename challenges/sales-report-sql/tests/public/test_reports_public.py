import sqlite3

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
    assert len(actual) == len(expected), actual
    for got, want in zip(actual, expected):
        assert type(got) is tuple and len(got) == len(want), got
        for g, w in zip(got, want):
            assert type(g) is type(w) and g == w, (got, want)


@pytest.fixture
def conn():
    conn = new_database()
    conn.executescript("""
        INSERT INTO customers VALUES (1, 'Ann', 'FR'), (2, 'Bob', 'DE');
        INSERT INTO products VALUES (1, 'Kettle', 'kitchen'), (2, 'Toaster', 'kitchen'),
                                    (3, 'Lamp', 'lighting'), (4, 'Rug', 'home');
        INSERT INTO orders VALUES (10, 1, 'paid', '2024-01-05 09:00:00'),
                                  (11, 2, 'paid', '2024-03-10 12:00:00'),
                                  (12, 2, 'refunded', '2024-03-11 08:00:00');
        INSERT INTO order_items VALUES (10, 1, 2, 3000), (10, 3, 1, 1500), (11, 1, 1, 3000), (12, 2, 5, 4000);
    """)
    yield conn
    conn.close()


@pytest.mark.points(2)
def test_revenue_by_category_example(conn):
    check_rows(reports.revenue_by_category(conn, "2024-01-01", "2024-02-01"),
               [("kitchen", 6000), ("lighting", 1500), ("home", 0)])


@pytest.mark.points(2)
def test_top_customers_example(conn):
    check_rows(reports.top_customers(conn, 10), [(1, "Ann", 1, 7500), (2, "Bob", 1, 3000)])


@pytest.mark.points(2)
def test_monthly_revenue_example(conn):
    rows = reports.monthly_revenue(conn, 2024)
    expected = [("2024-01", 7500, 7500), ("2024-02", 0, 7500)] + [
        (f"2024-{m:02d}", 3000 if m == 3 else 0, 10500) for m in range(3, 13)
    ]
    check_rows(rows, expected)


@pytest.mark.points(2)
def test_top_products_example(conn):
    check_rows(reports.top_products_per_category(conn, 1), [("kitchen", 1, "Kettle", 3), ("lighting", 3, "Lamp", 1)])


def test_one_statement_per_report(conn):
    statements = []
    conn.set_trace_callback(statements.append)
    reports.top_customers(conn, 5)
    assert len(statements) == 1, statements
