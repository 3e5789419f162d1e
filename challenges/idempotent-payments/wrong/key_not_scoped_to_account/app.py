"""Payments API: POST /payments made safe to retry with idempotency keys."""

import json
import re
import threading
from dataclasses import dataclass
from itertools import count

from flask import Flask, jsonify, request

from gateway import GatewayUnavailable, PaymentDeclined, PaymentGateway

KEY_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
CURRENCIES = {"EUR", "USD", "GBP"}
MAX_AMOUNT = 1_000_000


@dataclass(frozen=True)
class Outcome:
    """What a key has produced so far; status is None while its request is still running."""

    fingerprint: str
    status: int | None = None
    body: dict | None = None


class IdempotencyStore:
    """Per-(account, key) records. Reserving a key is atomic, so only one request can charge."""

    def __init__(self):
        self._lock = threading.Lock()
        self._outcomes: dict[tuple[str, str], Outcome] = {}

    def reserve(self, scope: tuple[str, str], fingerprint: str) -> Outcome | None:
        """Reserve the key and return None, or return what the key already holds."""
        with self._lock:
            existing = self._outcomes.get(scope)
            if existing is None:
                self._outcomes[scope] = Outcome(fingerprint)
            return existing

    def record(self, scope: tuple[str, str], status: int, body: dict) -> None:
        with self._lock:
            self._outcomes[scope] = Outcome(self._outcomes[scope].fingerprint, status, body)

    def release(self, scope: tuple[str, str]) -> None:
        with self._lock:
            del self._outcomes[scope]


def error(status: int, code: str, message: str, fields: dict | None = None):
    payload = {"code": code, "message": message}
    if fields is not None:
        payload["fields"] = fields
    return jsonify(error=payload), status


def validate(body: dict) -> dict:
    """Return {field: message} for every invalid field."""
    errors = {}
    amount = body.get("amount_cents")
    if type(amount) is not int or not 1 <= amount <= MAX_AMOUNT:  # bool is not an amount
        errors["amount_cents"] = f"must be an integer from 1 to {MAX_AMOUNT}"
    if body.get("currency") not in CURRENCIES:
        errors["currency"] = "must be one of " + ", ".join(sorted(CURRENCIES))
    source = body.get("source")
    if not isinstance(source, str) or not 1 <= len(source) <= 100:
        errors["source"] = "must be a string of 1-100 characters"
    return errors


def create_app(gateway: PaymentGateway) -> Flask:
    """Create an app with its own in-memory payments and idempotency records."""
    app = Flask(__name__)
    store = IdempotencyStore()
    payments: dict[str, list[dict]] = {}
    payments_lock = threading.Lock()
    payment_ids = count(1)

    def charge(account: str, body: dict) -> tuple[int, dict]:
        amount, currency, source = body["amount_cents"], body["currency"], body["source"]
        try:
            charge_id = gateway.charge(amount, currency, source)
        except PaymentDeclined:
            return 402, {"error": {"code": "card_declined", "message": "The card was declined."}}
        payment = {
            "id": f"pay_{next(payment_ids)}",
            "amount_cents": amount,
            "currency": currency,
            "source": source,
            "status": "succeeded",
            "charge_id": charge_id,
        }
        with payments_lock:
            payments.setdefault(account, []).append(payment)
        return 201, payment

    @app.post("/payments")
    def create_payment():
        """Charge once per (account, idempotency key); replay the recorded outcome afterwards."""
        account = request.headers.get("X-Account-Id", "")
        if not account:
            return error(401, "unauthenticated", "X-Account-Id is required.")
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return error(400, "idempotency_key_required", "Send an Idempotency-Key header.")
        if not KEY_RE.fullmatch(key):
            return error(400, "invalid_idempotency_key", "Use 1-64 characters: A-Z a-z 0-9 _ -.")
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return error(400, "bad_request", "The body must be a JSON object.")
        if fields := validate(body):
            return error(422, "validation_error", "Some fields are invalid.", fields)

        scope = ("*", key)
        fingerprint = json.dumps(body, sort_keys=True, separators=(",", ":"))
        existing = store.reserve(scope, fingerprint)
        if existing is not None:
            if existing.status is None:
                return error(409, "idempotency_key_in_progress", "A request with this key is running.")
            if existing.fingerprint != fingerprint:
                return error(422, "idempotency_key_reused", "This key was used with another body.")
            return jsonify(existing.body), existing.status, {"Idempotent-Replayed": "true"}

        # Any other exception leaves the outcome unknown (the card may have been charged), so the
        # key deliberately stays reserved: a 409 until reconciled beats a second charge.
        try:
            status, payload = charge(account, body)
        except GatewayUnavailable:
            store.release(scope)  # nothing was charged: let the client retry with the same key
            return error(503, "gateway_unavailable", "The payment gateway is unavailable; retry.")
        store.record(scope, status, payload)
        return jsonify(payload), status

    @app.get("/payments")
    def list_payments():
        """The account's successful payments, oldest first."""
        account = request.headers.get("X-Account-Id", "")
        if not account:
            return error(401, "unauthenticated", "X-Account-Id is required.")
        with payments_lock:
            items = list(payments.get(account, []))
        return jsonify(items=items)

    return app
