"""The card gateway's interface (read-only). Tests pass in a fake that follows it."""

from typing import Protocol


class PaymentDeclined(Exception):
    """The card was declined. Final: retrying the same charge gives the same answer."""


class GatewayUnavailable(Exception):
    """The gateway could not be reached. Nothing was charged; the charge may be retried."""


class PaymentGateway(Protocol):
    def charge(self, amount_cents: int, currency: str, source: str) -> str:
        """Charge the source and return the gateway's charge id; may raise the errors above."""
        ...
