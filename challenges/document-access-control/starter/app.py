"""Documents API. It works, but it checks only who you are, never what you may touch."""

from dataclasses import asdict

from flask import Flask, jsonify, request

from store import Store, User


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields


def create_app(store: Store) -> Flask:
    """Create the API over the given store."""
    app = Flask(__name__)

    @app.errorhandler(ApiError)
    def api_error(err: ApiError):
        payload = {"code": err.code, "message": err.message}
        if err.fields is not None:
            payload["fields"] = err.fields
        return jsonify(error=payload), err.status

    def current_user() -> User:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        user = store.user_for_token(token) if scheme == "Bearer" else None
        if user is None:
            raise ApiError(401, "unauthenticated", "Send a valid bearer token.")
        return user

    def json_body() -> dict:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ApiError(400, "bad_request", "The body must be a JSON object.")
        return body

    def check_fields(body: dict, required: bool) -> None:
        errors = {}
        if "title" in body or required:
            title = body.get("title")
            if not isinstance(title, str) or not 1 <= len(title) <= 200:
                errors["title"] = "must be a string of 1-200 characters"
        if "body" in body and (not isinstance(body["body"], str) or len(body["body"]) > 10_000):
            errors["body"] = "must be a string of at most 10000 characters"
        if errors:
            raise ApiError(422, "validation_error", "Some fields are invalid.", errors)

    def find_document(document_id: int):
        document = store.documents.get(document_id)
        if document is None:
            raise ApiError(404, "not_found", "No such document.")
        return document

    def find_project(project_id: int):
        project = store.projects.get(project_id)
        if project is None:
            raise ApiError(404, "not_found", "No such project.")
        return project

    @app.get("/documents/<int:document_id>")
    def get_document(document_id: int):
        current_user()
        return jsonify(asdict(find_document(document_id)))

    @app.get("/projects/<int:project_id>/documents")
    def list_documents(project_id: int):
        current_user()
        project = find_project(project_id)
        items = [asdict(d) for d in store.documents.values() if d.project_id == project.id]
        return jsonify(items=items)

    @app.post("/projects/<int:project_id>/documents")
    def create_document(project_id: int):
        user = current_user()
        project = find_project(project_id)
        body = json_body()
        check_fields(body, required=True)
        document = store.add_document(project.id, body.get("owner_id", user.id), body["title"], body.get("body", ""))
        return jsonify(asdict(document)), 201

    @app.patch("/documents/<int:document_id>")
    def update_document(document_id: int):
        current_user()
        document = find_document(document_id)
        body = json_body()
        check_fields(body, required=False)
        for key, value in body.items():
            if hasattr(document, key):
                setattr(document, key, value)
        return jsonify(asdict(document))

    @app.delete("/documents/<int:document_id>")
    def delete_document(document_id: int):
        current_user()
        find_document(document_id)
        del store.documents[document_id]
        return "", 204

    return app
