"""Hidden tests: the Idempotency-Key header of POST /orders."""

import threading
import uuid

import pytest
import requests

pytestmark = pytest.mark.skill("idempotency")


def new_customer():
    """Return a customer no other test uses, so tests never see each other's orders."""
    return f"idem-{uuid.uuid4().hex[:12]}@example.com"


def new_key():
    return str(uuid.uuid4())


def order_body(customer, quantity=2):
    return {
        "customer": customer,
        "items": [{"sku": "KB-101", "quantity": quantity, "unit_price_cents": 8900}],
    }


def post(http, body, key):
    return http.post("/orders", json=body, headers={"Idempotency-Key": key})


def error_of(resp, status, code):
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert resp.headers.get("Content-Type", "").startswith("application/json"), resp.headers
    error = resp.json()["error"]
    assert error.get("code") == code, error
    assert isinstance(error.get("message"), str), error
    return error


def listed(http, customer):
    resp = http.get("/orders", params={"customer": customer, "limit": 100})
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


def assert_replay(resp, order):
    assert resp.status_code == 200, (resp.status_code, resp.text)
    assert resp.headers.get("Idempotent-Replayed") == "true", resp.headers
    assert resp.headers.get("Location", "").endswith(f"/orders/{order['id']}"), resp.headers
    assert resp.json() == order


def assert_fresh(resp):
    assert resp.status_code == 201, (resp.status_code, resp.text)
    assert "Idempotent-Replayed" not in resp.headers, resp.headers
    return resp.json()


@pytest.mark.points(3)
def test_retries_return_the_same_order(http):
    customer, key = new_customer(), new_key()
    order = assert_fresh(post(http, order_body(customer), key))
    for _ in range(3):
        assert_replay(post(http, order_body(customer), key), order)
    assert listed(http, customer) == [order]


@pytest.mark.points(2)
def test_bodies_are_compared_as_parsed_json(http):
    customer, key = new_customer(), new_key()
    item_json = '{"sku": "KB-101", "quantity": 2, "unit_price_cents": 8900}'
    raw = f'{{"customer": "{customer}", "items": [{item_json}]}}'
    # The same value: keys in another order, other whitespace.
    reordered = '{"unit_price_cents":8900,"quantity":2,"sku":"KB-101"}'
    same = f'{{\n  "items":[ {reordered} ],\n  "customer":"{customer}"\n}}'
    headers = {"Idempotency-Key": key, "Content-Type": "application/json"}
    order = assert_fresh(http.post("/orders", data=raw, headers=headers))
    assert_replay(http.post("/orders", data=same, headers=headers), order)
    assert len(listed(http, customer)) == 1


@pytest.mark.points(3)
def test_a_key_reused_with_another_body_is_refused(http):
    customer, key = new_customer(), new_key()
    order = assert_fresh(post(http, order_body(customer), key))
    other_items = [{"sku": "KB-101", "quantity": 2, "unit_price_cents": 8900}] * 2
    for body in (
        order_body(customer, quantity=3),
        order_body(new_customer()),
        {"customer": customer, "items": other_items},
    ):
        resp = post(http, body, key)
        error_of(resp, 422, "idempotency_key_reused")
        assert "Idempotent-Replayed" not in resp.headers
    assert_replay(post(http, order_body(customer), key), order)
    assert listed(http, customer) == [order]


@pytest.mark.points(2)
def test_a_replay_shows_the_order_as_it_is_now(http):
    customer, key = new_customer(), new_key()
    order = assert_fresh(post(http, order_body(customer), key))
    paid = http.patch(f"/orders/{order['id']}", json={"status": "paid"})
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert_replay(post(http, order_body(customer), key), paid.json())


@pytest.mark.points(2)
def test_without_a_key_or_with_new_keys_each_post_creates(http):
    customer = new_customer()
    ids = [assert_fresh(http.post("/orders", json=order_body(customer)))["id"] for _ in range(2)]
    ids += [assert_fresh(post(http, order_body(customer), new_key()))["id"] for _ in range(2)]
    assert len(set(ids)) == 4
    assert [o["id"] for o in listed(http, customer)] == sorted(ids)


@pytest.mark.points(2)
def test_key_format(http):
    customer = new_customer()
    for bad in ["", "has space", "a" * 65, "semi;colon", "dot.ted", "naïve"]:
        headers = {"Idempotency-Key": bad.encode()}
        error_of(
            http.post("/orders", json=order_body(customer), headers=headers),
            400,
            "invalid_idempotency_key",
        )
    assert listed(http, customer) == []
    longest = "A-z_09" + "k" * 58
    order = assert_fresh(post(http, order_body(customer), longest))
    assert_replay(post(http, order_body(customer), longest), order)


@pytest.mark.points(2)
def test_precedence_of_the_checks(http):
    customer, key = new_customer(), new_key()
    text = {"Idempotency-Key": "bad key", "Content-Type": "text/plain"}
    error_of(http.post("/orders", data="{", headers=text), 415, "unsupported_media_type")
    json_type = {"Idempotency-Key": "bad key", "Content-Type": "application/json"}
    error_of(http.post("/orders", data="{", headers=json_type), 400, "invalid_idempotency_key")
    order = assert_fresh(post(http, order_body(customer), key))
    # The body is checked before the key: an invalid body is a validation error, not a reuse.
    resp = post(http, {"customer": customer, "items": []}, key)
    assert set(error_of(resp, 422, "validation_error")["fields"]) == {"items"}
    assert_replay(post(http, order_body(customer), key), order)


@pytest.mark.points(2)
def test_rejected_requests_record_nothing(http):
    customer, key = new_customer(), new_key()
    headers = {"Idempotency-Key": key, "Content-Type": "application/json"}
    error_of(http.post("/orders", data="{oops", headers=headers), 400, "bad_request")
    error_of(
        http.post("/orders", data="{}", headers={**headers, "Content-Type": "text/plain"}),
        415,
        "unsupported_media_type",
    )
    error_of(post(http, {"customer": customer, "items": []}, key), 422, "validation_error")
    error_of(post(http, {"customer": customer}, key), 422, "validation_error")
    assert listed(http, customer) == []
    order = assert_fresh(post(http, order_body(customer), key))
    assert_replay(post(http, order_body(customer), key), order)


@pytest.mark.points(5)
@pytest.mark.skill("concurrency")
def test_simultaneous_retries_create_one_order(base_url, http):
    n, rounds = 12, 6
    for _ in range(rounds):
        customer, key = new_customer(), new_key()
        barrier = threading.Barrier(n)
        responses, lock = [], threading.Lock()

        def retry(customer=customer, key=key, barrier=barrier, responses=responses, lock=lock):
            with requests.Session() as session:
                # Connect first, so that the requests themselves arrive together.
                session.get(f"{base_url}/health", timeout=10)
                barrier.wait(timeout=10)
                resp = session.post(
                    f"{base_url}/orders",
                    json=order_body(customer),
                    headers={"Idempotency-Key": key},
                    timeout=10,
                )
            with lock:
                responses.append(resp)

        threads = [threading.Thread(target=retry, daemon=True) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        assert len(responses) == n
        orders = listed(http, customer)
        assert len(orders) == 1, f"{len(orders)} orders for one idempotency key"
        fresh = [r for r in responses if r.status_code == 201]
        assert len(fresh) == 1, sorted(r.status_code for r in responses)
        assert fresh[0].json() == orders[0]
        for resp in responses:
            if resp is not fresh[0]:
                assert_replay(resp, orders[0])
