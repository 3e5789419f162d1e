"""Finance reports: each function runs exactly one SQL statement on the given connection."""

import sqlite3

REVENUE_BY_CATEGORY = """
WITH revenue AS (
    SELECT p.category, SUM(oi.quantity * oi.unit_price_cents) AS cents
    FROM orders AS o
    JOIN order_items AS oi ON oi.order_id = o.id
    JOIN products AS p ON p.id = oi.product_id
    WHERE o.status = 'paid' AND o.created_at >= :start AND o.created_at < :end
    GROUP BY p.category
)
SELECT c.category, COALESCE(r.cents, 0) AS revenue
FROM (SELECT DISTINCT category FROM products) AS c
LEFT JOIN revenue AS r ON r.category = c.category
ORDER BY revenue DESC, c.category
"""

# Totals per order first: joining items straight onto customers would count an order once per item.
TOP_CUSTOMERS = """
WITH paid_orders AS (
    SELECT o.id, o.customer_id, COALESCE(SUM(oi.quantity * oi.unit_price_cents), 0) AS cents
    FROM orders AS o
    LEFT JOIN order_items AS oi ON oi.order_id = o.id
    WHERE o.status = 'paid'
    GROUP BY o.id
)
SELECT c.id, c.name, COUNT(*) AS paid_orders, SUM(po.cents) AS revenue
FROM paid_orders AS po
JOIN customers AS c ON c.id = po.customer_id
GROUP BY c.id
ORDER BY revenue DESC, c.id
LIMIT :limit
"""

MONTHLY_REVENUE = """
WITH RECURSIVE months (n) AS (
    SELECT 1 UNION ALL SELECT n + 1 FROM months WHERE n < 12
),
revenue AS (
    SELECT substr(o.created_at, 1, 7) AS month, SUM(oi.quantity * oi.unit_price_cents) AS cents
    FROM orders AS o
    JOIN order_items AS oi ON oi.order_id = o.id
    WHERE o.status = 'paid' AND o.created_at >= :start AND o.created_at < :end
    GROUP BY month
)
SELECT m.month,
       COALESCE(r.cents, 0),
       SUM(COALESCE(r.cents, 0)) OVER (ORDER BY m.month)
FROM (SELECT printf('%04d-%02d', :year, n) AS month FROM months) AS m
LEFT JOIN revenue AS r ON r.month = m.month
ORDER BY m.month
"""

TOP_PRODUCTS_PER_CATEGORY = """
WITH units AS (
    SELECT p.category, p.id, p.name, SUM(oi.quantity) AS sold
    FROM products AS p
    JOIN order_items AS oi ON oi.product_id = p.id
    JOIN orders AS o ON o.id = oi.order_id
    WHERE o.status = 'paid'
    GROUP BY p.id
),
ranked AS (
    SELECT category, id, name, sold,
           ROW_NUMBER() OVER (PARTITION BY category ORDER BY sold DESC, id) AS position
    FROM units
)
SELECT category, id, name, sold
FROM ranked
WHERE position <= :n
ORDER BY category, sold DESC, id
"""


def revenue_by_category(conn: sqlite3.Connection, start: str, end: str) -> list[tuple[str, int]]:
    """Revenue per category for paid orders with start <= created_at < end; every category."""
    # Text timestamps compare correctly against a bare date: '2024-01-31 23:59:59' < '2024-02-01'.
    return conn.execute(REVENUE_BY_CATEGORY, {"start": start, "end": end}).fetchall()


def top_customers(conn: sqlite3.Connection, limit: int) -> list[tuple[int, str, int, int]]:
    """(customer_id, name, paid_orders, revenue) of the best customers by revenue."""
    return conn.execute(TOP_CUSTOMERS, {"limit": limit}).fetchall()


def monthly_revenue(conn: sqlite3.Connection, year: int) -> list[tuple[str, int, int]]:
    """(month, revenue, running_total) for each of the 12 months of the year."""
    params = {"year": year, "start": f"{year:04d}-01-01", "end": f"{year + 1:04d}-01-01"}
    return conn.execute(MONTHLY_REVENUE, params).fetchall()


def top_products_per_category(conn: sqlite3.Connection, n: int) -> list[tuple[str, int, str, int]]:
    """(category, product_id, product_name, units_sold) for the n best sellers of each category."""
    return conn.execute(TOP_PRODUCTS_PER_CATEGORY, {"n": n}).fetchall()
