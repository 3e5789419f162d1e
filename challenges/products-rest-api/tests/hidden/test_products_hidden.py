import pytest

from app import create_app


def strict_equal(actual, expected):
    """Compare decoded JSON, also requiring identical types (so 1 != true)."""
    assert type(actual) is type(expected), (actual, expected)
    if isinstance(expected, dict):
        assert actual.keys() == expected.keys(), (actual, expected)
        for key in expected:
            strict_equal(actual[key], expected[key])
    elif isinstance(expected, list):
        assert len(actual) == len(expected), (actual, expected)
        for a, e in zip(actual, expected):
            strict_equal(a, e)
    else:
        assert actual == expected


def error_of(resp, status, code):
    assert resp.status_code == status, resp.data
    assert resp.is_json, resp.data
    body = resp.get_json()
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), body
    error = body["error"]
    assert type(error.get("code")) is str and error["code"] == code, error
    assert isinstance(error.get("message"), str), error
    return error


def fields_of(resp):
    error = error_of(resp, 422, "validation_error")
    assert isinstance(error.get("fields"), dict), error
    return set(error["fields"])


@pytest.fixture
def client():
    return create_app().test_client()


def make(client, sku="SKU-1", name="Thing", price=100, **extra):
    resp = client.post("/products", json={"sku": sku, "name": name, "price_cents": price, **extra})
    assert resp.status_code == 201, resp.data
    return resp.get_json()


@pytest.mark.points(2)
def test_missing_fields_are_all_reported(client):
    assert fields_of(client.post("/products", json={})) == {"sku", "name", "price_cents"}
    assert fields_of(client.post("/products", json={"sku": "A-1"})) == {"name", "price_cents"}


@pytest.mark.points(3)
def test_integers_are_strict(client):
    for bad in [True, False, 12.5, 12.0, "12", -1, None, [1]]:
        body = {"sku": "A-1", "name": "x", "price_cents": bad}
        assert fields_of(client.post("/products", json=body)) == {"price_cents"}, bad
        body = {"sku": "A-1", "name": "x", "price_cents": 1, "stock": bad}
        assert fields_of(client.post("/products", json=body)) == {"stock"}, bad
    strict_equal(client.get("/products").get_json()["total"], 0)
    # Zero is a valid price and stock.
    product = make(client, price=0, stock=0)
    strict_equal(product["price_cents"], 0)
    strict_equal(product["stock"], 0)
    strict_equal(make(client, sku="SKU-2", stock=7)["stock"], 7)


@pytest.mark.points(2)
def test_unknown_fields_and_id_are_rejected(client):
    assert fields_of(client.post("/products", json={"sku": "A-1", "name": "x", "price_cents": 1, "colour": "red"})) == {"colour"}
    assert fields_of(client.post("/products", json={"id": 7, "sku": "A-1", "name": "x", "price_cents": 1})) == {"id"}


@pytest.mark.points(2)
def test_sku_rules(client):
    for sku in ["A", "A" * 32, "AB-12-Z9", "-"]:
        resp = client.post("/products", json={"sku": sku, "name": "x", "price_cents": 1})
        assert resp.status_code == 201, sku
        strict_equal(resp.get_json()["sku"], sku)
    for sku in ["", "A" * 33, "ab-1", "AB_1", "AB 1", "AB-1\n", "ÄB-1", 101, None]:
        resp = client.post("/products", json={"sku": sku, "name": "x", "price_cents": 1})
        assert fields_of(resp) == {"sku"}, sku


@pytest.mark.points(2)
def test_name_is_trimmed_and_bounded(client):
    strict_equal(make(client, sku="N-1", name="\t Lamp  ")["name"], "Lamp")
    strict_equal(make(client, sku="N-2", name="  " + "n" * 200 + "  ")["name"], "n" * 200)
    assert fields_of(client.post("/products", json={"sku": "N-3", "name": "   ", "price_cents": 1})) == {"name"}
    assert fields_of(client.post("/products", json={"sku": "N-3", "name": "n" * 201, "price_cents": 1})) == {"name"}
    assert fields_of(client.post("/products", json={"sku": "N-3", "name": 5, "price_cents": 1})) == {"name"}


@pytest.mark.points(2)
def test_body_errors(client):
    error_of(client.post("/products", data='{"sku": "A-1", "name": "x", "price_cents": 1}', content_type="text/plain"), 415, "unsupported_media_type")
    error_of(client.post("/products", data='{"sku": "A-1",', content_type="application/json"), 400, "bad_request")
    error_of(client.post("/products", json=[{"sku": "A-1", "name": "x", "price_cents": 1}]), 400, "bad_request")
    error_of(client.post("/products", json="A-1"), 400, "bad_request")
    make(client)
    error_of(client.patch("/products/1", data='{"name": "y"}', content_type="text/plain"), 415, "unsupported_media_type")
    error_of(client.patch("/products/1", data="{nope", content_type="application/json"), 400, "bad_request")
    strict_equal(client.get("/products/1").get_json()["name"], "Thing")


@pytest.mark.points(2)
def test_sku_conflicts(client):
    make(client, sku="A-1")
    make(client, sku="B-2")
    error_of(client.post("/products", json={"sku": "A-1", "name": "other", "price_cents": 5}), 409, "conflict")
    error_of(client.patch("/products/2", json={"sku": "A-1"}), 409, "conflict")
    # Re-sending a product's own SKU is not a conflict.
    resp = client.patch("/products/1", json={"sku": "A-1", "stock": 3})
    assert resp.status_code == 200
    strict_equal(resp.get_json(), {"id": 1, "sku": "A-1", "name": "Thing", "price_cents": 100, "stock": 3})
    # Validation comes before the conflict check.
    error_of(client.post("/products", json={"sku": "A-1", "name": "", "price_cents": 5}), 422, "validation_error")


@pytest.mark.points(2)
def test_patch_is_partial_and_atomic(client):
    make(client, sku="A-1", name="Desk", price=15000, stock=2)
    resp = client.patch("/products/1", json={"price_cents": 14000})
    assert resp.status_code == 200
    expected = {"id": 1, "sku": "A-1", "name": "Desk", "price_cents": 14000, "stock": 2}
    strict_equal(resp.get_json(), expected)
    resp = client.patch("/products/1", json={})
    assert resp.status_code == 200
    strict_equal(resp.get_json(), expected)
    # One invalid field: nothing at all is changed.
    assert fields_of(client.patch("/products/1", json={"name": "Standing desk", "stock": True})) == {"stock"}
    assert fields_of(client.patch("/products/1", json={"name": "Standing desk", "id": 9})) == {"id"}
    strict_equal(client.get("/products/1").get_json(), expected)


@pytest.mark.points(2)
def test_not_found_everywhere(client):
    error_of(client.get("/products/1"), 404, "not_found")
    error_of(client.patch("/products/1", json={"name": "x"}), 404, "not_found")
    error_of(client.patch("/products/1", data="nope", content_type="text/plain"), 404, "not_found")
    error_of(client.delete("/products/1"), 404, "not_found")
    error_of(client.get("/nothing-here"), 404, "not_found")
    error_of(client.get("/products/abc"), 404, "not_found")


@pytest.mark.points(2)
def test_method_not_allowed_is_json(client):
    make(client)
    error_of(client.put("/products/1", json={"name": "x"}), 405, "method_not_allowed")
    error_of(client.delete("/products"), 405, "method_not_allowed")


@pytest.mark.points(2)
def test_delete_and_ids_never_reused(client):
    make(client, sku="A-1")
    make(client, sku="B-2")
    resp = client.delete("/products/2")
    assert resp.status_code == 204
    assert resp.data == b""
    error_of(client.get("/products/2"), 404, "not_found")
    strict_equal(make(client, sku="C-3")["id"], 3)
    body = client.get("/products").get_json()
    strict_equal([p["id"] for p in body["items"]], [1, 3])
    strict_equal(body["total"], 2)
    # The deleted SKU is free again.
    strict_equal(make(client, sku="B-2")["id"], 4)


@pytest.mark.points(4)
def test_pages_cover_every_product_exactly_once(client):
    resp = client.get("/products")
    assert resp.status_code == 200
    strict_equal(resp.get_json(), {"items": [], "page": 1, "per_page": 20, "total": 0})
    for i in range(1, 46):
        make(client, sku=f"P-{i}", price=i)
    seen = []
    for page, expected_ids in [(1, range(1, 21)), (2, range(21, 41)), (3, range(41, 46)), (4, [])]:
        resp = client.get(f"/products?page={page}")
        assert resp.status_code == 200
        body = resp.get_json()
        strict_equal({k: body[k] for k in ("page", "per_page", "total")}, {"page": page, "per_page": 20, "total": 45})
        strict_equal([p["id"] for p in body["items"]], list(expected_ids))
        seen += body["items"]
    strict_equal(seen[44], {"id": 45, "sku": "P-45", "name": "Thing", "price_cents": 45, "stock": 0})
    body = client.get("/products?page=1&per_page=100").get_json()
    strict_equal([p["id"] for p in body["items"]], list(range(1, 46)))
    body = client.get("/products?page=45&per_page=1").get_json()
    strict_equal([p["id"] for p in body["items"]], [45])


@pytest.mark.points(3)
def test_pages_stay_full_after_deletes(client):
    for i in range(1, 31):
        make(client, sku=f"P-{i}")
    for product_id in (2, 3, 5, 8, 13):
        assert client.delete(f"/products/{product_id}").status_code == 204
    remaining = [i for i in range(1, 31) if i not in (2, 3, 5, 8, 13)]
    body = client.get("/products?page=1&per_page=10").get_json()
    strict_equal([p["id"] for p in body["items"]], remaining[:10])
    body = client.get("/products?page=2&per_page=10").get_json()
    strict_equal([p["id"] for p in body["items"]], remaining[10:20])
    body = client.get("/products?page=3&per_page=10").get_json()
    strict_equal([p["id"] for p in body["items"]], remaining[20:])
    strict_equal(body["total"], 25)


@pytest.mark.points(2)
def test_bad_pagination_params(client):
    for query in ["page=0", "page=-1", "page=abc", "page=1.5", "page=", "per_page=0", "per_page=101", "per_page=x"]:
        error_of(client.get(f"/products?{query}"), 400, "bad_request")
    assert client.get("/products?per_page=100").status_code == 200


def test_apps_do_not_share_state():
    first = create_app().test_client()
    make(first)
    second = create_app().test_client()
    strict_equal(second.get("/products").get_json()["total"], 0)
    strict_equal(make(second)["id"], 1)
