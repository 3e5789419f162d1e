"""Hidden tests: cursor pagination of GET /orders, and status changes with PATCH."""

import threading
import uuid

import pytest
import requests


def new_customer():
    """Return a customer no other test uses, so tests never see each other's orders."""
    return f"list-{uuid.uuid4().hex[:12]}@example.com"


def create(http, customer, n=1):
    ids = []
    for i in range(n):
        body = {
            "customer": customer,
            "items": [{"sku": f"S-{i}", "quantity": 1, "unit_price_cents": i}],
        }
        resp = http.post("/orders", json=body)
        assert resp.status_code == 201, resp.text
        ids.append(resp.json()["id"])
    return ids


def error_of(resp, status, code):
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert resp.headers.get("Content-Type", "").startswith("application/json"), resp.headers
    error = resp.json()["error"]
    assert error.get("code") == code, error
    assert isinstance(error.get("message"), str), error
    return error


def page(http, **params):
    resp = http.get("/orders", params=params)
    assert resp.status_code == 200, (resp.status_code, resp.text)
    assert resp.headers.get("Content-Type", "").startswith("application/json"), resp.headers
    body = resp.json()
    assert set(body) == {"items", "next_cursor"}, body
    assert body["next_cursor"] is None or isinstance(body["next_cursor"], str), body
    return [o["id"] for o in body["items"]], body["next_cursor"]


def set_status(http, order_id, status):
    return http.patch(f"/orders/{order_id}", json={"status": status})


@pytest.mark.points(3)
def test_pages_in_id_order_until_null(http):
    customer = new_customer()
    ids = create(http, customer, 5)
    assert ids == sorted(ids)
    got, cursor = page(http, customer=customer, limit=2)
    assert got == ids[:2] and cursor
    got, cursor = page(http, customer=customer, limit=2, cursor=cursor)
    assert got == ids[2:4] and cursor
    got, cursor = page(http, customer=customer, limit=2, cursor=cursor)
    assert got == ids[4:] and cursor is None
    # A page ending exactly on the last order already says there is no next page.
    got, cursor = page(http, customer=customer, limit=5)
    assert got == ids and cursor is None
    assert page(http, customer=new_customer()) == ([], None)


@pytest.mark.points(2)
def test_default_and_maximum_limit(http):
    customer = new_customer()
    ids = create(http, customer, 21)
    got, cursor = page(http, customer=customer)
    assert got == ids[:20] and cursor
    assert page(http, customer=customer, cursor=cursor) == (ids[20:], None)
    assert page(http, customer=customer, limit=100) == (ids, None)
    assert page(http, customer=customer, limit=1)[0] == ids[:1]


@pytest.mark.points(2)
def test_bad_query_parameters(http):
    customer = new_customer()
    create(http, customer, 1)
    for limit in ["0", "101", "-1", "abc", "1.5", ""]:
        error_of(
            http.get("/orders", params={"customer": customer, "limit": limit}), 400, "bad_request"
        )
    for status in ["PAID", "shipped", ""]:
        error_of(
            http.get("/orders", params={"customer": customer, "status": status}), 400, "bad_request"
        )
    error_of(
        http.get("/orders", params={"customer": customer, "cursor": "not a cursor!"}),
        400,
        "bad_request",
    )
    assert len(page(http, customer=customer, sort="desc", page="3")[0]) == 1


@pytest.mark.points(2)
def test_status_and_customer_filters(http):
    customer = new_customer()
    ids = create(http, customer, 6)
    create(http, new_customer(), 2)
    assert set_status(http, ids[1], "paid").status_code == 200
    assert set_status(http, ids[4], "paid").status_code == 200
    assert set_status(http, ids[2], "cancelled").status_code == 200
    assert page(http, customer=customer, status="paid") == ([ids[1], ids[4]], None)
    assert page(http, customer=customer, status="cancelled") == ([ids[2]], None)
    got, cursor = page(http, customer=customer, status="pending", limit=2)
    assert got == [ids[0], ids[3]] and cursor
    assert page(http, customer=customer, status="pending", limit=2, cursor=cursor) == (
        [ids[5]],
        None,
    )
    assert page(http, customer=customer.upper()) == ([], None)


@pytest.mark.points(4)
def test_walk_survives_orders_leaving_the_filter(http):
    customer = new_customer()
    ids = create(http, customer, 6)
    got, cursor = page(http, customer=customer, status="pending", limit=2)
    assert got == ids[:2]
    # Orders already seen stop matching the filter: an offset would now skip ids[2] and ids[3].
    for order_id in ids[:2]:
        assert set_status(http, order_id, "cancelled").status_code == 200
    got, cursor = page(http, customer=customer, status="pending", limit=2, cursor=cursor)
    assert got == ids[2:4]
    assert set_status(http, ids[3], "paid").status_code == 200
    got, cursor = page(http, customer=customer, status="pending", limit=2, cursor=cursor)
    assert got == ids[4:] and cursor is None


@pytest.mark.points(3)
def test_walk_sees_new_orders_once_at_the_end(http):
    customer = new_customer()
    ids = create(http, customer, 3)
    seen, cursor = page(http, customer=customer, limit=2)
    ids += create(http, customer, 3)
    while cursor:
        got, cursor = page(http, customer=customer, limit=2, cursor=cursor)
        seen += got
        if cursor and len(ids) < 9:
            ids += create(http, customer, 1)
    assert seen == ids


@pytest.mark.points(1)
def test_unfiltered_walk_is_ascending_and_complete(http):
    ids = set(create(http, new_customer(), 3))
    seen, cursor = page(http, limit=100)
    while cursor:
        got, cursor = page(http, limit=100, cursor=cursor)
        seen += got
    assert seen == sorted(set(seen))
    assert ids <= set(seen)


@pytest.mark.points(3)
def test_status_transitions(http):
    paid, cancelled = create(http, new_customer(), 2)
    resp = set_status(http, paid, "paid")
    assert resp.status_code == 200 and resp.json()["status"] == "paid"
    before = resp.json()
    assert set_status(http, cancelled, "cancelled").json()["status"] == "cancelled"
    error_of(set_status(http, paid, "cancelled"), 409, "invalid_transition")
    error_of(set_status(http, cancelled, "paid"), 409, "invalid_transition")
    # Asking for the current status again is a harmless retry.
    again = set_status(http, paid, "paid")
    assert again.status_code == 200 and again.json() == before
    assert set_status(http, cancelled, "cancelled").json()["status"] == "cancelled"
    assert http.get(f"/orders/{paid}").json() == before
    assert http.get(f"/orders/{cancelled}").json()["status"] == "cancelled"


@pytest.mark.points(2)
def test_patch_validation_and_precedence(http):
    (order_id,) = create(http, new_customer(), 1)
    original = http.get(f"/orders/{order_id}").json()
    for body, fields in [
        ({}, {"status"}),
        ({"status": "pending"}, {"status"}),
        ({"status": "PAID"}, {"status"}),
        ({"status": None}, {"status"}),
        ({"status": "paid", "customer": "x"}, {"customer"}),
        ({"total_cents": 0}, {"status", "total_cents"}),
    ]:
        error = error_of(http.patch(f"/orders/{order_id}", json=body), 422, "validation_error")
        assert set(error["fields"]) == fields, body
    url = f"/orders/{order_id}"
    error_of(
        http.patch(url, data='{"status": "paid"}', headers={"Content-Type": "text/plain"}),
        415,
        "unsupported_media_type",
    )
    error_of(
        http.patch(url, data="{nope", headers={"Content-Type": "application/json"}),
        400,
        "bad_request",
    )
    error_of(http.patch(url, json=["paid"]), 400, "bad_request")
    error_of(
        http.patch("/orders/999999999", data="{nope", headers={"Content-Type": "text/plain"}),
        404,
        "not_found",
    )
    error_of(http.patch("/orders/abc", json={"status": "paid"}), 404, "not_found")
    assert http.get(url).json() == original


@pytest.mark.points(3)
@pytest.mark.skill("concurrency")
def test_racing_pay_and_cancel_have_one_winner(base_url, http):
    ids = create(http, new_customer(), 8)
    results, lock = {}, threading.Lock()
    barrier = threading.Barrier(2 * len(ids))

    def change(order_id, status):
        with requests.Session() as session:
            # Connect first, so that the requests themselves arrive together.
            session.get(f"{base_url}/health", timeout=10)
            barrier.wait(timeout=10)
            resp = session.patch(
                f"{base_url}/orders/{order_id}", json={"status": status}, timeout=10
            )
        with lock:
            results[(order_id, status)] = resp

    threads = [
        threading.Thread(target=change, args=(i, s), daemon=True)
        for i in ids
        for s in ("paid", "cancelled")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    for order_id in ids:
        paid, cancelled = results[(order_id, "paid")], results[(order_id, "cancelled")]
        assert sorted([paid.status_code, cancelled.status_code]) == [200, 409], order_id
        winner = paid if paid.status_code == 200 else cancelled
        assert http.get(f"/orders/{order_id}").json() == winner.json()
