"""Finance reports: each function runs exactly one SQL statement on the given connection."""

import sqlite3


def revenue_by_category(conn: sqlite3.Connection, start: str, end: str) -> list[tuple[str, int]]:
    """Revenue per category for paid orders with start <= created_at < end; every category."""
    raise NotImplementedError


def top_customers(conn: sqlite3.Connection, limit: int) -> list[tuple[int, str, int, int]]:
    """(customer_id, name, paid_orders, revenue) of the best customers by revenue."""
    raise NotImplementedError


def monthly_revenue(conn: sqlite3.Connection, year: int) -> list[tuple[str, int, int]]:
    """(month, revenue, running_total) for each of the 12 months of the year."""
    raise NotImplementedError


def top_products_per_category(conn: sqlite3.Connection, n: int) -> list[tuple[str, int, str, int]]:
    """(category, product_id, product_name, units_sold) for the n best sellers of each category."""
    raise NotImplementedError
