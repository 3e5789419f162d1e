"""Products API: a Flask app with strict validation, JSON errors and page-based pagination."""

import json
import re
from itertools import count

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

SKU_RE = re.compile(r"[A-Z0-9-]{1,32}")
FIELDS = ("sku", "name", "price_cents", "stock")
REQUIRED = ("sku", "name", "price_cents")
MAX_PER_PAGE = 100


class ApiError(Exception):
    """An error that maps directly onto a JSON error response."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields


def _is_int(value) -> bool:
    # bool is a subclass of int in Python, but `true` is not a valid price.
    return isinstance(value, int)


def _validate(body: dict, *, partial: bool) -> dict:
    """Return the cleaned fields or raise a 422 naming every invalid field."""
    errors: dict[str, str] = {}
    clean: dict = {}
    for key in body:
        if key not in FIELDS:
            errors[key] = "unknown field"
    if not partial:
        for key in REQUIRED:
            if key not in body:
                errors[key] = "is required"

    if "sku" in body:
        sku = body["sku"]
        if isinstance(sku, str) and SKU_RE.fullmatch(sku):
            clean["sku"] = sku
        else:
            errors["sku"] = "must be 1-32 characters of A-Z, 0-9 and '-'"
    if "name" in body:
        name = body["name"].strip() if isinstance(body["name"], str) else None
        if name and len(name) <= 200:
            clean["name"] = name
        else:
            errors["name"] = "must be a string of 1-200 characters"
    for key in ("price_cents", "stock"):
        if key in body:
            if _is_int(body[key]) and body[key] >= 0:
                clean[key] = body[key]
            else:
                errors[key] = "must be an integer >= 0"

    if errors:
        raise ApiError(422, "validation_error", "Some fields are invalid.", errors)
    return clean


def _json_body() -> dict:
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send a JSON body (application/json).")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "The body must be a JSON object.")
    return body


def _int_arg(name: str, default: int, low: int, high: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "bad_request", f"{name} must be an integer.") from None
    if value < low or (high is not None and value > high):
        bounds = f">= {low}" if high is None else f"between {low} and {high}"
        raise ApiError(400, "bad_request", f"{name} must be {bounds}.")
    return value


def create_app() -> Flask:
    """Create a new app with its own empty in-memory product store."""
    app = Flask(__name__)
    products: dict[int, dict] = {}  # dicts keep insertion order, which is id order
    next_id = count(1)

    def find(product_id: int) -> dict:
        if product_id not in products:
            raise ApiError(404, "not_found", f"Product {product_id} does not exist.")
        return products[product_id]

    def ensure_sku_free(sku: str, own_id: int | None = None) -> None:
        if any(p["sku"] == sku and p["id"] != own_id for p in products.values()):
            raise ApiError(409, "conflict", f"SKU {sku} is already used.")

    @app.errorhandler(ApiError)
    def api_error(err: ApiError):
        payload = {"code": err.code, "message": err.message}
        if err.fields is not None:
            payload["fields"] = err.fields
        return jsonify(error=payload), err.status

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        # Routing errors (unknown URL, wrong method) must be JSON too; keep headers such as Allow.
        response = err.get_response()
        code = {404: "not_found", 405: "method_not_allowed"}.get(err.code, "bad_request")
        response.data = json.dumps({"error": {"code": code, "message": err.description}})
        response.content_type = "application/json"
        return response

    @app.post("/products")
    def create_product():
        """Validate the body, store the product, return 201 with a Location header."""
        fields = _validate(_json_body(), partial=False)
        ensure_sku_free(fields["sku"])
        product = {"id": next(next_id), "stock": 0, **fields}
        products[product["id"]] = product
        return jsonify(product), 201, {"Location": f"/products/{product['id']}"}

    @app.get("/products")
    def list_products():
        """Return one page of products ordered by id."""
        page = _int_arg("page", 1, 1)
        per_page = _int_arg("per_page", 20, 1, MAX_PER_PAGE)
        start = (page - 1) * per_page
        items = list(products.values())[start : start + per_page]
        return jsonify(items=items, page=page, per_page=per_page, total=len(products))

    @app.get("/products/<int:product_id>")
    def get_product(product_id: int):
        """Return the product or a JSON 404."""
        return jsonify(find(product_id))

    @app.patch("/products/<int:product_id>")
    def update_product(product_id: int):
        """Apply a partial update after validating every given field."""
        product = find(product_id)
        fields = _validate(_json_body(), partial=True)
        if "sku" in fields:
            ensure_sku_free(fields["sku"], own_id=product_id)
        product.update(fields)
        return jsonify(product)

    @app.delete("/products/<int:product_id>")
    def delete_product(product_id: int):
        """Delete the product and return 204 with an empty body."""
        find(product_id)
        del products[product_id]
        return "", 204

    return app
