"""Public tests: the style of the hidden suite, against your running service."""

import uuid

import pytest


def new_customer():
    """Return a customer no other test uses, so tests never see each other's orders."""
    return f"public-{uuid.uuid4().hex[:12]}@example.com"


def order_body(customer, quantity=2, price=8900):
    return {
        "customer": customer,
        "items": [{"sku": "KB-101", "quantity": quantity, "unit_price_cents": price}],
    }


def error_of(resp, status, code):
    assert resp.status_code == status, resp.text
    assert resp.headers.get("Content-Type", "").startswith("application/json"), resp.headers
    error = resp.json()["error"]
    assert error["code"] == code, error
    assert isinstance(error["message"], str), error
    return error


def test_health(http):
    resp = http.get("/health")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


@pytest.mark.points(2)
def test_create_then_get(http):
    customer = new_customer()
    resp = http.post("/orders", json=order_body(customer))
    assert resp.status_code == 201, resp.text
    order = resp.json()
    assert type(order["id"]) is int and order["id"] > 0
    assert order["customer"] == customer
    assert order["items"] == [{"sku": "KB-101", "quantity": 2, "unit_price_cents": 8900}]
    assert order["total_cents"] == 17800
    assert order["status"] == "pending"
    assert resp.headers["Location"].endswith(f"/orders/{order['id']}")

    resp = http.get(f"/orders/{order['id']}")
    assert resp.status_code == 200
    assert resp.json() == order


@pytest.mark.points(2)
def test_validation_lists_every_field(http):
    body = {"items": [{"sku": "KB-101", "quantity": 0, "unit_price_cents": 100}]}
    error = error_of(http.post("/orders", json=body), 422, "validation_error")
    assert set(error["fields"]) == {"customer", "items[0].quantity"}


def test_unknown_order_is_json_404(http):
    error_of(http.get("/orders/999999999"), 404, "not_found")


@pytest.mark.points(2)
@pytest.mark.skill("idempotency")
def test_retry_with_the_same_key_creates_one_order(http):
    customer = new_customer()
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    first = http.post("/orders", json=order_body(customer), headers=headers)
    again = http.post("/orders", json=order_body(customer), headers=headers)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    listed = http.get("/orders", params={"customer": customer}).json()
    assert listed == {"items": [first.json()], "next_cursor": None}


@pytest.mark.points(2)
def test_pages_follow_the_cursor(http):
    customer = new_customer()
    ids = [
        http.post("/orders", json=order_body(customer, quantity=q)).json()["id"] for q in (1, 2, 3)
    ]
    first = http.get("/orders", params={"customer": customer, "limit": 2}).json()
    assert [o["id"] for o in first["items"]] == ids[:2]
    assert isinstance(first["next_cursor"], str)
    params = {"customer": customer, "limit": 2, "cursor": first["next_cursor"]}
    second = http.get("/orders", params=params).json()
    assert [o["id"] for o in second["items"]] == ids[2:]
    assert second["next_cursor"] is None
