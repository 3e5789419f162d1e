"""Hidden tests: creating and reading orders, validation, errors."""

import datetime
import re
import threading
import uuid

import pytest
import requests

ORDER_KEYS = {"id", "customer", "items", "total_cents", "status", "created_at"}
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")


def new_customer():
    """Return a customer no other test uses, so tests never see each other's orders."""
    return f"create-{uuid.uuid4().hex[:12]}@example.com"


def item(sku="KB-101", quantity=1, price=100):
    return {"sku": sku, "quantity": quantity, "unit_price_cents": price}


def strict_equal(actual, expected):
    """Compare decoded JSON, also requiring identical types (so 1 != true)."""
    assert type(actual) is type(expected), (actual, expected)
    if isinstance(expected, dict):
        assert actual.keys() == expected.keys(), (actual, expected)
        for key in expected:
            strict_equal(actual[key], expected[key])
    elif isinstance(expected, list):
        assert len(actual) == len(expected), (actual, expected)
        for a, e in zip(actual, expected, strict=True):
            strict_equal(a, e)
    else:
        assert actual == expected


def is_json(resp):
    return resp.headers.get("Content-Type", "").startswith("application/json")


def error_of(resp, status, code):
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert is_json(resp), resp.headers
    body = resp.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), body
    error = body["error"]
    assert error.get("code") == code, error
    assert isinstance(error.get("message"), str), error
    return error


def fields_of(resp):
    error = error_of(resp, 422, "validation_error")
    assert isinstance(error.get("fields"), dict), error
    return set(error["fields"])


def listed(http, customer):
    resp = http.get("/orders", params={"customer": customer, "limit": 100})
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


def create(http, customer, items):
    resp = http.post("/orders", json={"customer": customer, "items": items})
    assert resp.status_code == 201, resp.text
    return resp.json()


@pytest.mark.points(3)
def test_created_order_has_exactly_the_contract_fields(http):
    customer = new_customer()
    items = [item("KB-101", 2, 8900), item("MS-7", 1, 2500), item("KB-101", 3, 0)]
    resp = http.post("/orders", json={"customer": customer, "items": items})
    assert resp.status_code == 201, resp.text
    assert is_json(resp)
    order = resp.json()
    assert set(order) == ORDER_KEYS, order
    assert type(order["id"]) is int and order["id"] > 0
    strict_equal(
        {k: order[k] for k in ORDER_KEYS - {"id", "created_at"}},
        {"customer": customer, "items": items, "total_cents": 20300, "status": "pending"},
    )
    assert resp.headers["Location"].endswith(f"/orders/{order['id']}")
    assert isinstance(order["created_at"], str) and TIMESTAMP.fullmatch(order["created_at"]), order
    created = datetime.datetime.fromisoformat(order["created_at"][:19])
    assert abs(
        created - datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    ) < datetime.timedelta(hours=2)
    got = http.get(f"/orders/{order['id']}")
    assert got.status_code == 200 and is_json(got)
    strict_equal(got.json(), order)


@pytest.mark.points(2)
def test_ids_increase_and_totals_are_64_bit(http):
    customer = new_customer()
    big = create(http, customer, [item("GOLD", 1000, 10_000_000)] * 3)
    strict_equal(big["total_cents"], 30_000_000_000)
    small = create(http, customer, [item(quantity=1, price=0)])
    strict_equal(small["total_cents"], 0)
    assert small["id"] > big["id"]
    strict_equal(http.get(f"/orders/{big['id']}").json()["total_cents"], 30_000_000_000)


@pytest.mark.points(3)
def test_every_invalid_field_is_reported(http):
    customer = new_customer()
    cases = [
        ({}, {"customer", "items"}),
        ({"customer": customer}, {"items"}),
        ({"items": [item()]}, {"customer"}),
        ({"customer": 5, "items": "KB-101"}, {"customer", "items"}),
        ({"customer": None, "items": None}, {"customer", "items"}),
        ({"customer": customer, "items": []}, {"items"}),
        ({"customer": customer, "items": {"sku": "KB-101"}}, {"items"}),
        ({"customer": customer, "items": [item(), "KB-101", None]}, {"items[1]", "items[2]"}),
        (
            {"customer": customer, "items": [{}]},
            {"items[0].sku", "items[0].quantity", "items[0].unit_price_cents"},
        ),
        (
            {"customer": "", "items": [item(), item(quantity=0), item(price=-1)]},
            {"customer", "items[1].quantity", "items[2].unit_price_cents"},
        ),
    ]
    for body, fields in cases:
        assert fields_of(http.post("/orders", json=body)) == fields, body
    assert listed(http, customer) == []


@pytest.mark.points(2)
def test_customer_and_sku_bounds(http):
    base = new_customer()
    for customer in ["c", "c" * 100, " padded "]:
        strict_equal(create(http, customer, [item()])["customer"], customer)
    for bad in ["", "   ", "\t\n", "c" * 101, 7, True, ["c"], {"name": "c"}]:
        assert fields_of(http.post("/orders", json={"customer": bad, "items": [item()]})) == {
            "customer"
        }, bad
    for sku in ["A", "s" * 64, "kb 101/ü"]:
        strict_equal(create(http, base, [item(sku=sku)])["items"][0]["sku"], sku)
    for bad in ["", "  ", "s" * 65, 101, None, False]:
        assert fields_of(
            http.post("/orders", json={"customer": base, "items": [item(sku=bad)]})
        ) == {"items[0].sku"}, bad


@pytest.mark.points(3)
def test_integers_are_strict_and_bounded(http):
    customer = new_customer()
    for bad in [True, False, 2.5, "2", None, [2], -1, 0, 1001, 10**20]:
        body = {"customer": customer, "items": [item(), item(quantity=bad)]}
        assert fields_of(http.post("/orders", json=body)) == {"items[1].quantity"}, bad
    for bad in [True, 99.99, "100", None, -1, 10_000_001, -(10**20)]:
        body = {"customer": customer, "items": [item(price=bad)]}
        assert fields_of(http.post("/orders", json=body)) == {"items[0].unit_price_cents"}, bad
    assert listed(http, customer) == []
    order = create(
        http, customer, [item(quantity=1, price=0), item(quantity=1000, price=10_000_000)]
    )
    strict_equal(order["total_cents"], 10_000_000_000)


@pytest.mark.points(2)
def test_items_count_is_bounded(http):
    customer = new_customer()
    order = create(http, customer, [item(sku=f"S-{i}") for i in range(100)])
    assert len(order["items"]) == 100 and order["items"][99]["sku"] == "S-99"
    body = {"customer": customer, "items": [item(sku=f"S-{i}") for i in range(101)]}
    assert fields_of(http.post("/orders", json=body)) == {"items"}
    assert [o["id"] for o in listed(http, customer)] == [order["id"]]


@pytest.mark.points(2)
def test_unknown_fields_are_rejected(http):
    customer = new_customer()
    cases = [
        ({"customer": customer, "items": [item()], "coupon": "X"}, {"coupon"}),
        ({"customer": customer, "items": [item()], "id": 1, "status": "paid"}, {"id", "status"}),
        (
            {
                "customer": customer,
                "items": [item()],
                "total_cents": 1,
                "created_at": "2020-01-01T00:00:00Z",
            },
            {"total_cents", "created_at"},
        ),
        (
            {"customer": customer, "items": [item(), {**item(), "colour": "red"}]},
            {"items[1].colour"},
        ),
        (
            {"customer": "", "items": [{**item(), "note": None}], "x": 1},
            {"customer", "items[0].note", "x"},
        ),
    ]
    for body, fields in cases:
        assert fields_of(http.post("/orders", json=body)) == fields, body
    assert listed(http, customer) == []


@pytest.mark.points(2)
def test_body_errors(http):
    customer = new_customer()
    item_json = '{"sku": "A", "quantity": 1, "unit_price_cents": 1}'
    raw = f'{{"customer": "{customer}", "items": [{item_json}]}}'
    error_of(
        http.post("/orders", data=raw, headers={"Content-Type": "text/plain"}),
        415,
        "unsupported_media_type",
    )
    error_of(http.post("/orders", data=raw.encode()), 415, "unsupported_media_type")
    json_type = {"Content-Type": "application/json"}
    for bad in ['{"customer": ', "", "nope", "[]", '"text"', "42", "null"]:
        error_of(http.post("/orders", data=bad, headers=json_type), 400, "bad_request")
    assert listed(http, customer) == []
    resp = http.post(
        "/orders", data=raw, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert resp.status_code == 201, resp.text


@pytest.mark.points(2)
def test_not_found_and_bad_ids(http):
    error_of(http.get("/orders/999999999"), 404, "not_found")
    for bad in ["abc", "0", "-1", "1.5", "1e3", "99999999999999999999999", "%20"]:
        error_of(http.get(f"/orders/{bad}"), 404, "not_found")
    error_of(http.patch("/orders/999999999", json={"status": "paid"}), 404, "not_found")
    error_of(http.get("/nothing-here"), 404, "not_found")
    error_of(http.get("/orders/1/items"), 404, "not_found")


@pytest.mark.points(1)
def test_unsupported_methods_are_json_405(http):
    order = create(http, new_customer(), [item()])
    error_of(http.delete(f"/orders/{order['id']}"), 405, "method_not_allowed")
    error_of(http.put(f"/orders/{order['id']}", json={"status": "paid"}), 405, "method_not_allowed")
    error_of(http.put("/orders", json={}), 405, "method_not_allowed")
    error_of(http.delete("/orders"), 405, "method_not_allowed")
    strict_equal(http.get(f"/orders/{order['id']}").json(), order)


@pytest.mark.points(3)
@pytest.mark.skill("concurrency")
def test_concurrent_creates_get_distinct_ids(base_url, http):
    n, rounds = 24, 3
    for _ in range(rounds):
        customer = new_customer()
        barrier = threading.Barrier(n)
        results, lock = [], threading.Lock()

        def post(i, customer=customer, barrier=barrier, results=results, lock=lock):
            body = {"customer": customer, "items": [item(sku=f"T-{i}", quantity=i + 1)]}
            with requests.Session() as session:
                # Connect first, so that the requests themselves arrive together.
                session.get(f"{base_url}/health", timeout=10)
                barrier.wait(timeout=10)
                resp = session.post(f"{base_url}/orders", json=body, timeout=10)
            with lock:
                results.append((i, resp.status_code, resp.json()))

        threads = [threading.Thread(target=post, args=(i,), daemon=True) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        assert sorted(status for _, status, _ in results) == [201] * n
        assert len({order["id"] for _, _, order in results}) == n
        for i, _, order in results:
            assert order["items"][0]["sku"] == f"T-{i}" and order["total_cents"] == 100 * (i + 1)
            strict_equal(http.get(f"/orders/{order['id']}").json(), order)
        assert len(listed(http, customer)) == n
