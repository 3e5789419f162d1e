import json
import threading
import time

import pytest

from app import create_app
from gateway import GatewayUnavailable, PaymentDeclined


class FakeGateway:
    """Records calls; can fail on demand (`outcomes`) and hold the first charge open (`hold`)."""

    def __init__(self, delay=0.0):
        self.calls = []
        self.outcomes = []          # exceptions to raise, in order; None means succeed
        self.hold = None            # threading.Event: the first charge waits for it
        self.entered = threading.Event()
        self.delay = delay
        self._lock = threading.Lock()

    def charge(self, amount_cents, currency, source):
        with self._lock:
            self.calls.append((amount_cents, currency, source))
            n = len(self.calls)
            outcome = self.outcomes.pop(0) if self.outcomes else None
        if n == 1 and self.hold is not None:
            self.entered.set()
            self.hold.wait(timeout=5)
        if self.delay:
            time.sleep(self.delay)
        if outcome is not None:
            raise outcome
        return f"ch_{n}"


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


def error_code(resp, status):
    assert resp.status_code == status, (resp.status_code, resp.data)
    data = resp.get_json()
    assert isinstance(data, dict) and isinstance(data.get("error"), dict), data
    assert isinstance(data["error"].get("message"), str)
    code = data["error"].get("code")
    assert type(code) is str
    return code


def assert_payment(body, amount, currency, source, charge_id):
    assert isinstance(body, dict) and set(body) == {"id", "amount_cents", "currency", "source", "status", "charge_id"}, body
    assert type(body["id"]) is str and body["id"]
    assert type(body["amount_cents"]) is int and body["amount_cents"] == amount
    assert type(body["currency"]) is str and body["currency"] == currency
    assert type(body["source"]) is str and body["source"] == source
    assert type(body["status"]) is str and body["status"] == "succeeded"
    assert type(body["charge_id"]) is str and body["charge_id"] == charge_id


def not_replayed(resp):
    return "Idempotent-Replayed" not in resp.headers


@pytest.fixture
def gateway():
    return FakeGateway()


@pytest.fixture
def app(gateway):
    return create_app(GatewayPort(gateway))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.mark.points(2)
@pytest.mark.skill("api-design")
def test_header_checks(client, gateway):
    assert error_code(client.post("/payments", json=BODY, headers={"Idempotency-Key": "k"}), 401) == "unauthenticated"
    assert error_code(client.post("/payments", json=BODY, headers={"X-Account-Id": "", "Idempotency-Key": "k"}), 401) == "unauthenticated"
    assert error_code(client.post("/payments", json=BODY, headers={"X-Account-Id": "acme"}), 400) == "idempotency_key_required"
    for bad in ("", "a" * 65, "has space", "naïve", "semi;colon", "k\u00e9y"):
        assert error_code(pay(client, key=bad), 400) == "invalid_idempotency_key", bad
    assert gateway.calls == []
    assert pay(client, key="A-z_09" + "x" * 58).status_code == 201


@pytest.mark.points(2)
def test_body_validation_reserves_nothing(client, gateway):
    headers = {"X-Account-Id": "acme", "Idempotency-Key": "k1"}
    assert error_code(client.post("/payments", data="{nope", content_type="application/json", headers=headers), 400) == "bad_request"
    assert error_code(client.post("/payments", json=[BODY], headers=headers), 400) == "bad_request"
    cases = [
        ({}, {"amount_cents", "currency", "source"}),
        ({**BODY, "amount_cents": True}, {"amount_cents"}),
        ({**BODY, "amount_cents": 0}, {"amount_cents"}),
        ({**BODY, "amount_cents": 1_000_001}, {"amount_cents"}),
        ({**BODY, "amount_cents": 12.5}, {"amount_cents"}),
        ({**BODY, "amount_cents": "1250"}, {"amount_cents"}),
        ({**BODY, "currency": "eur"}, {"currency"}),
        ({**BODY, "source": ""}, {"source"}),
        ({**BODY, "source": "s" * 101}, {"source"}),
        ({"amount_cents": -5, "currency": "JPY", "source": 7}, {"amount_cents", "currency", "source"}),
    ]
    for body, fields in cases:
        resp = pay(client, body=body, key="k1")
        assert error_code(resp, 422) == "validation_error", body
        assert set(resp.get_json()["error"]["fields"]) == fields, body
    assert gateway.calls == []
    # Nothing was recorded under k1: the corrected request goes through.
    resp = pay(client, body={**BODY, "amount_cents": 1_000_000, "source": "s" * 100, "note": "extra fields are ignored"}, key="k1")
    assert resp.status_code == 201 and not_replayed(resp)
    assert len(gateway.calls) == 1


@pytest.mark.points(2)
def test_replay_compares_parsed_json(client, gateway):
    first = client.post("/payments", data='{"amount_cents": 1250, "currency": "EUR", "source": "tok_visa"}',
                        content_type="application/json", headers={"X-Account-Id": "acme", "Idempotency-Key": "k"})
    assert first.status_code == 201 and not_replayed(first)
    again = client.post("/payments", data='{"source":"tok_visa",\n "currency":"EUR","amount_cents":1250}',
                        content_type="application/json", headers={"X-Account-Id": "acme", "Idempotency-Key": "k"})
    assert again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert json.loads(again.data) == json.loads(first.data)
    assert len(gateway.calls) == 1


@pytest.mark.points(3)
def test_declines_are_recorded_and_replayed(client, gateway):
    gateway.outcomes = [PaymentDeclined()]
    first = pay(client)
    assert error_code(first, 402) == "card_declined" and not_replayed(first)
    again = pay(client)
    assert error_code(again, 402) == "card_declined"
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json() == first.get_json()
    assert error_code(pay(client, body={**BODY, "source": "tok_other"}), 422) == "idempotency_key_reused"
    assert len(gateway.calls) == 1
    assert client.get("/payments", headers={"X-Account-Id": "acme"}).get_json() == {"items": []}


@pytest.mark.points(4)
def test_gateway_outage_is_not_recorded(client, gateway):
    gateway.outcomes = [GatewayUnavailable(), GatewayUnavailable()]
    for _ in range(2):
        resp = pay(client)
        assert error_code(resp, 503) == "gateway_unavailable" and not_replayed(resp)
    resp = pay(client)
    assert resp.status_code == 201 and not_replayed(resp)
    assert_payment(resp.get_json(), 1250, "EUR", "tok_visa", "ch_3")
    replay = pay(client)
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.get_json() == resp.get_json()
    assert len(gateway.calls) == 3


@pytest.mark.points(2)
def test_key_reuse_with_another_body(client, gateway):
    created = pay(client)
    for body in ({**BODY, "amount_cents": 1251}, {**BODY, "currency": "USD"}, {**BODY, "note": "x"}):
        resp = pay(client, body=body)
        assert error_code(resp, 422) == "idempotency_key_reused" and not_replayed(resp)
    assert pay(client).get_json() == created.get_json()
    assert len(gateway.calls) == 1


@pytest.mark.points(3)
def test_keys_belong_to_one_account(client, gateway):
    a = pay(client, account="acme", key="shared-key")
    b = pay(client, account="globex", key="shared-key", body={**BODY, "amount_cents": 500})
    assert a.status_code == 201 and b.status_code == 201 and not_replayed(b)
    assert_payment(b.get_json(), 500, "EUR", "tok_visa", "ch_2")
    assert a.get_json()["id"] != b.get_json()["id"]
    assert len(gateway.calls) == 2
    assert client.get("/payments", headers={"X-Account-Id": "acme"}).get_json() == {"items": [a.get_json()]}
    assert client.get("/payments", headers={"X-Account-Id": "globex"}).get_json() == {"items": [b.get_json()]}


@pytest.mark.skill("api-design")
def test_list_payments(client, gateway):
    assert error_code(client.get("/payments"), 401) == "unauthenticated"
    created = [pay(client, key=f"k{i}", body={**BODY, "amount_cents": 100 + i}).get_json() for i in range(3)]
    pay(client, key="k1", body={**BODY, "amount_cents": 101})
    resp = client.get("/payments", headers={"X-Account-Id": "acme"})
    assert resp.status_code == 200
    assert resp.get_json() == {"items": created}
    assert len({p["id"] for p in created}) == 3


def run_in_thread(app, **kwargs):
    result = {}

    def target():
        result["resp"] = pay(app.test_client(), **kwargs)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, result


@pytest.mark.points(4)
@pytest.mark.skill("concurrency")
def test_concurrent_duplicate_gets_409(app, gateway):
    gateway.hold = threading.Event()
    thread, result = run_in_thread(app)
    assert gateway.entered.wait(timeout=5)
    try:
        client = app.test_client()
        dup = pay(client)
        other_body = pay(client, body={**BODY, "amount_cents": 1})
    finally:
        gateway.hold.set()
        thread.join(timeout=5)
    assert error_code(dup, 409) == "idempotency_key_in_progress"
    assert error_code(other_body, 409) == "idempotency_key_in_progress"
    assert result["resp"].status_code == 201
    replay = pay(app.test_client())
    assert replay.status_code == 201 and replay.get_json() == result["resp"].get_json()
    assert len(gateway.calls) == 1


@pytest.mark.points(3)
@pytest.mark.skill("concurrency")
def test_other_keys_do_not_wait_for_a_slow_charge(app, gateway):
    gateway.hold = threading.Event()
    slow, _ = run_in_thread(app, key="slow")
    assert gateway.entered.wait(timeout=5)
    fast, fast_result = run_in_thread(app, key="fast", account="globex")
    fast.join(timeout=2)
    blocked = fast.is_alive()
    gateway.hold.set()
    slow.join(timeout=5)
    fast.join(timeout=5)
    assert not blocked, "a request with another key waited for an unrelated charge"
    assert fast_result["resp"].status_code == 201


@pytest.mark.points(3)
@pytest.mark.skill("concurrency")
def test_simultaneous_retries_charge_once():
    gateway = FakeGateway(delay=0.05)
    app = create_app(GatewayPort(gateway))
    n = 10
    barrier = threading.Barrier(n)
    responses = []
    lock = threading.Lock()

    def retry():
        client = app.test_client()
        barrier.wait(timeout=5)
        resp = pay(client, key="storm")
        with lock:
            responses.append(resp)

    threads = [threading.Thread(target=retry, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len(responses) == n
    assert len(gateway.calls) == 1
    fresh = [r for r in responses if r.status_code == 201 and not_replayed(r)]
    assert len(fresh) == 1
    for r in responses:
        if r.status_code == 201:
            assert r.get_json() == fresh[0].get_json()
        else:
            assert error_code(r, 409) == "idempotency_key_in_progress"
