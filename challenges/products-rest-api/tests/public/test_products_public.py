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


@pytest.fixture
def client():
    return create_app().test_client()


@pytest.mark.points(2)
def test_create_then_get(client):
    resp = client.post("/products", json={"sku": "KB-101", "name": "  Mechanical keyboard ", "price_cents": 8900})
    assert resp.status_code == 201
    expected = {"id": 1, "sku": "KB-101", "name": "Mechanical keyboard", "price_cents": 8900, "stock": 0}
    strict_equal(resp.get_json(), expected)
    assert resp.headers["Location"].endswith("/products/1")

    resp = client.get("/products/1")
    assert resp.status_code == 200
    strict_equal(resp.get_json(), expected)


@pytest.mark.points(2)
def test_validation_error_lists_fields(client):
    resp = client.post("/products", json={"sku": "kb-102", "price_cents": True})
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"sku", "name", "price_cents"}


def test_missing_product_is_json_404(client):
    resp = client.get("/products/42")
    assert resp.status_code == 404
    assert resp.is_json
    assert resp.get_json()["error"]["code"] == "not_found"


@pytest.mark.points(2)
def test_second_page(client):
    for i in range(1, 26):
        assert client.post("/products", json={"sku": f"P-{i}", "name": f"Product {i}", "price_cents": i}).status_code == 201
    resp = client.get("/products?page=2&per_page=10")
    assert resp.status_code == 200
    body = resp.get_json()
    assert [p["id"] for p in body["items"]] == list(range(11, 21))
    strict_equal({k: body[k] for k in ("page", "per_page", "total")}, {"page": 2, "per_page": 10, "total": 25})
