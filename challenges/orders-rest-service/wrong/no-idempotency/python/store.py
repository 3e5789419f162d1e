"""The orders: validation, the in-memory store, idempotency keys and cursors."""

import base64
import binascii
import bisect
import copy
import datetime
import re
import threading

STATUSES = ("pending", "paid", "cancelled")
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
ITEM_FIELDS = {"sku", "quantity", "unit_price_cents"}


class NotFound(Exception):
    """No order has that id."""


class KeyReused(Exception):
    """An idempotency key came back with another body."""


class InvalidTransition(Exception):
    """The order's status cannot change to the one asked for."""


def _is_int(value, low, high):
    # bool is a subclass of int in Python, and true is not a quantity.
    return type(value) is int and low <= value <= high


def _is_text(value, longest):
    return isinstance(value, str) and 1 <= len(value) <= longest and value.strip() != ""


def validate_order(body):
    """Return {field: message} for every invalid field of a new order's body."""
    errors = {name: "is not a known field" for name in body if name not in ("customer", "items")}
    if not _is_text(body.get("customer"), 100):
        errors["customer"] = "must be a string of 1-100 characters, not only whitespace"
    items = body.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= 100:
        errors["items"] = "must be an array of 1-100 items"
        return errors
    for i, entry in enumerate(items):
        if not isinstance(entry, dict):
            errors[f"items[{i}]"] = "must be an object"
            continue
        for name in entry.keys() - ITEM_FIELDS:
            errors[f"items[{i}].{name}"] = "is not a known field"
        if not _is_text(entry.get("sku"), 64):
            errors[f"items[{i}].sku"] = "must be a string of 1-64 characters, not only whitespace"
        if not _is_int(entry.get("quantity"), 1, 1000):
            errors[f"items[{i}].quantity"] = "must be an integer from 1 to 1000"
        if not _is_int(entry.get("unit_price_cents"), 0, 10_000_000):
            errors[f"items[{i}].unit_price_cents"] = "must be an integer from 0 to 10000000"
    return errors


def validate_status_change(body):
    """Return {field: message} for every invalid field of a PATCH body."""
    errors = {name: "is not a known field" for name in body if name != "status"}
    if body.get("status") not in ("paid", "cancelled"):
        errors["status"] = 'must be "paid" or "cancelled"'
    return errors


def encode_cursor(after_id):
    return base64.urlsafe_b64encode(f"after:{after_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor):
    """Return the id a cursor points after, or None if this service could not have issued it."""
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return None
    match = re.fullmatch(rb"after:(0|[1-9][0-9]{0,17})", raw)
    return int(match.group(1)) if match else None


def _now():
    stamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


class OrderStore:
    """Orders in memory; one lock makes every read-check-write atomic."""

    def __init__(self):
        self._lock = threading.Lock()
        self._orders = {}
        self._ids = []  # ascending, for bisecting to a cursor's position
        self._keys = {}  # idempotency key -> (body, order id)

    def create(self, body, key=None):
        """Create an order from a valid body; return (order, replayed)."""
        with self._lock:
            # Lookup and insert under one lock: two simultaneous retries must not both miss.
            if key is not None and key in self._keys:
                first_body, order_id = self._keys[key]
                if first_body != body:
                    raise KeyReused(key)
                return copy.deepcopy(self._orders[order_id]), True
            order_id = len(self._ids) + 1
            items = [
                {f: entry[f] for f in ("sku", "quantity", "unit_price_cents")}
                for entry in body["items"]
            ]
            order = {
                "id": order_id,
                "customer": body["customer"],
                "items": items,
                "total_cents": sum(e["quantity"] * e["unit_price_cents"] for e in items),
                "status": "pending",
                "created_at": _now(),
            }
            self._orders[order_id] = order
            self._ids.append(order_id)
            if key is not None:
                self._keys[key] = (copy.deepcopy(body), order_id)
            return copy.deepcopy(order), False

    def get(self, order_id):
        with self._lock:
            if order_id not in self._orders:
                raise NotFound(order_id)
            return copy.deepcopy(self._orders[order_id])

    def set_status(self, order_id, status):
        """Move an order to paid or cancelled; asking for its current status is a no-op."""
        with self._lock:
            order = self._orders.get(order_id)
            if order is None:
                raise NotFound(order_id)
            if order["status"] != status:
                if order["status"] != "pending":
                    raise InvalidTransition(order["status"], status)
                order["status"] = status
            return copy.deepcopy(order)

    def page(self, limit, after_id=0, customer=None, status=None):
        """Return up to `limit` matching orders with ids above `after_id`, and the next cursor."""
        found = []
        with self._lock:
            start = bisect.bisect_right(self._ids, after_id)
            for index in range(start, len(self._ids)):
                order = self._orders[self._ids[index]]
                if customer is not None and order["customer"] != customer:
                    continue
                if status is not None and order["status"] != status:
                    continue
                # One more than asked tells whether a next page exists.
                found.append(copy.deepcopy(order))
                if len(found) > limit:
                    break
        if len(found) > limit:
            return found[:limit], encode_cursor(found[limit - 1]["id"])
        return found, None
