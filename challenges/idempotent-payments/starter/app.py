"""Payments API: POST /payments made safe to retry with idempotency keys."""

from flask import Flask

from gateway import GatewayUnavailable, PaymentDeclined, PaymentGateway  # noqa: F401


def create_app(gateway: PaymentGateway) -> Flask:
    """Create an app with its own in-memory payments and idempotency records."""
    app = Flask(__name__)

    @app.post("/payments")
    def create_payment():
        """Charge once per (account, idempotency key); replay the recorded outcome afterwards."""
        raise NotImplementedError

    @app.get("/payments")
    def list_payments():
        """The account's successful payments, oldest first."""
        raise NotImplementedError

    return app
