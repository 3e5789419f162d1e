"""Documents API with object-level authorization: tenancy, roles and writable fields."""

from dataclasses import asdict

from flask import Flask, jsonify, request

from store import Document, Project, Store, User

WRITABLE = {"title", "body"}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields


def not_found() -> ApiError:
    return ApiError(404, "not_found", "No such resource.")


def can_update(user: User, document: Document) -> bool:
    return user.role == "admin" or document.owner_id == user.id


def can_delete(user: User) -> bool:
    return user.role == "admin"


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
        # An allow-list, not a deny-list: ownership and placement are never client-controlled.
        errors = {key: "cannot be set" for key in body if key not in WRITABLE}
        if "title" in body or required:
            title = body.get("title")
            if not isinstance(title, str) or not 1 <= len(title) <= 200:
                errors["title"] = "must be a string of 1-200 characters"
        if "body" in body and (not isinstance(body["body"], str) or len(body["body"]) > 10_000):
            errors["body"] = "must be a string of at most 10000 characters"
        if errors:
            raise ApiError(422, "validation_error", "Some fields are invalid.", errors)

    # Lookups are scoped to the caller's organisation: another tenant's row is indistinguishable
    # from a missing one, so ids cannot be probed.
    def visible_project(user: User, project_id: int) -> Project:
        project = store.projects.get(project_id)
        if project is None or (user.role != "admin" and project.org_id != user.org_id):
            raise not_found()
        return project

    def visible_document(user: User, document_id: int) -> Document:
        document = store.documents.get(document_id)
        if document is None:
            raise not_found()
        visible_project(user, document.project_id)
        return document

    @app.get("/documents/<int:document_id>")
    def get_document(document_id: int):
        user = current_user()
        return jsonify(asdict(visible_document(user, document_id)))

    @app.get("/projects/<int:project_id>/documents")
    def list_documents(project_id: int):
        user = current_user()
        project = visible_project(user, project_id)
        items = [asdict(d) for d in store.documents.values() if d.project_id == project.id]
        return jsonify(items=items)

    @app.post("/projects/<int:project_id>/documents")
    def create_document(project_id: int):
        user = current_user()
        project = visible_project(user, project_id)
        body = json_body()
        check_fields(body, required=True)
        document = store.add_document(project.id, user.id, body["title"], body.get("body", ""))
        return jsonify(asdict(document)), 201

    @app.patch("/documents/<int:document_id>")
    def update_document(document_id: int):
        user = current_user()
        document = visible_document(user, document_id)
        if not can_update(user, document):
            raise ApiError(403, "forbidden", "Only the owner or an admin can edit this document.")
        body = json_body()
        check_fields(body, required=False)
        for key in WRITABLE & body.keys():
            setattr(document, key, body[key])
        return jsonify(asdict(document))

    @app.delete("/documents/<int:document_id>")
    def delete_document(document_id: int):
        user = current_user()
        visible_document(user, document_id)
        if not can_delete(user):
            raise ApiError(403, "forbidden", "Only an admin can delete documents.")
        del store.documents[document_id]
        return "", 204

    return app
