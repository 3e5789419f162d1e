"""Products API: implement create_app() so that it satisfies the contract in the statement."""

from flask import Flask


def create_app() -> Flask:
    """Create a new app with its own empty in-memory product store."""
    app = Flask(__name__)
    products: dict[int, dict] = {}  # id -> product; replace with whatever structure you prefer

    @app.post("/products")
    def create_product():
        """Validate the body, store the product, return 201 with a Location header."""
        raise NotImplementedError

    @app.get("/products")
    def list_products():
        """Return one page of products ordered by id."""
        raise NotImplementedError

    @app.get("/products/<int:product_id>")
    def get_product(product_id: int):
        """Return the product or a JSON 404."""
        raise NotImplementedError

    @app.patch("/products/<int:product_id>")
    def update_product(product_id: int):
        """Apply a partial update after validating every given field."""
        raise NotImplementedError

    @app.delete("/products/<int:product_id>")
    def delete_product(product_id: int):
        """Delete the product and return 204 with an empty body."""
        raise NotImplementedError

    return app
