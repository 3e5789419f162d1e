import pytest

from app import create_app


class FakeGateway:
    def __init__(self):
        self.calls = []

    def charge(self, amount_cents, currency, source):
        self.calls.append((amount_cents, currency, source))
        return f"ch_{len(self.calls)}"


class GatewayPort:
    """What the app is given: `charge`, and no way to the fake behind it.

    The code under test may set the public attributes of objects it is given, and call their
    methods: the fake's record of calls, and what a test arranges (outcomes, a held charge),
    must stay out of its reach.
    """

    __slots__ = ("_gateway",)

    def __init__(self, gateway):
        self._gateway = gateway

    def charge(self, amount_cents, currency, source):
        return self._gateway.charge(amount_cents, currency, source)


BODY = {"amount_cents": 1250, "currency": "EUR", "source": "tok_visa"}


def pay(client, body=BODY, key="order-1001", account="acme"):
    return client.post("/payments", json=body, headers={"X-Account-Id": account, "Idempotency-Key": key})


@pytest.fixture
def gateway():
    return FakeGateway()


@pytest.fixture
def client(gateway):
    return create_app(GatewayPort(gateway)).test_client()


@pytest.mark.points(2)
def test_first_request_charges_once(client, gateway):
    resp = pay(client)
    assert resp.status_code == 201
    body = resp.get_json()
    assert {k: body[k] for k in ("amount_cents", "currency", "source", "status", "charge_id")} == {
        "amount_cents": 1250, "currency": "EUR", "source": "tok_visa", "status": "succeeded", "charge_id": "ch_1"}
    assert type(body["id"]) is str and body["id"]
    assert gateway.calls == [(1250, "EUR", "tok_visa")]


@pytest.mark.points(3)
def test_replay_returns_the_recorded_response(client, gateway):
    first = pay(client)
    again = pay(client)
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(gateway.calls) == 1


@pytest.mark.points(2)
def test_reusing_a_key_with_another_body_is_refused(client, gateway):
    pay(client)
    resp = pay(client, body={**BODY, "amount_cents": 9999})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "idempotency_key_reused"
    assert len(gateway.calls) == 1


def test_key_is_required(client, gateway):
    resp = client.post("/payments", json=BODY, headers={"X-Account-Id": "acme"})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "idempotency_key_required"
    assert gateway.calls == []
