"""Known-wrong: ignores the Idempotency-Key header."""

import json
import os
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import store

# A body larger than this is refused unread: a client cannot make the server buffer gigabytes.
MAX_BODY = 1 << 20
ID_PATTERN = re.compile(r"[1-9][0-9]{0,17}")
ROUTES = {"health": ("GET",), "orders": ("GET", "POST"), "order": ("GET", "PATCH")}


class ApiError(Exception):
    """An error response: status, code, message and, for validation, the fields."""

    def __init__(self, status, code, message, fields=None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def require_json(headers):
    """Raise the 415 unless the body is declared as JSON."""
    media_type = headers.get("Content-Type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")


def parse_json_object(body):
    """Return the request body as a dict, or raise the 400 the contract asks for."""
    try:
        data = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "bad_request", "The body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "The body must be a JSON object.")
    return data


def validation_error(fields):
    return ApiError(422, "validation_error", "Some fields are invalid.", fields)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm on, the second waits for the
    # client's delayed ACK (40 ms) on every kept-alive response.
    disable_nagle_algorithm = True
    orders = store.OrderStore()

    def log_message(self, format, *args):
        """Keep the service's log quiet: the tests send hundreds of requests."""

    def _send(self, status, payload, headers=()):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _dispatch(self):
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.close_connection = True
            return self._send(
                413, {"error": {"code": "payload_too_large", "message": "The body is too large."}}
            )
        # Read the whole body first, whatever the answer: on a kept-alive connection the unread
        # bytes would be taken for the next request.
        body = self.rfile.read(length)
        try:
            status, payload, headers = self._route(body)
        except ApiError as exc:
            error = {"code": exc.code, "message": exc.message}
            if exc.fields is not None:
                error["fields"] = exc.fields
            status, payload, headers = exc.status, {"error": error}, ()
        self._send(status, payload, headers)

    def _route(self, body):
        url = urlsplit(self.path)
        parts = url.path.split("/")
        if url.path == "/health":
            name = "health"
        elif url.path == "/orders":
            name = "orders"
        elif len(parts) == 3 and parts[1] == "orders":
            name = "order"
        else:
            raise ApiError(404, "not_found", "No such resource.")
        if self.command not in ROUTES[name]:
            raise ApiError(405, "method_not_allowed", f"{self.command} is not supported here.")
        if name == "health":
            return 200, {"status": "ok"}, ()
        if name == "orders" and self.command == "GET":
            return self._list(parse_qs(url.query, keep_blank_values=True))
        if name == "orders":
            return self._create(body)
        if not ID_PATTERN.fullmatch(parts[2]):
            raise ApiError(404, "not_found", "No such order.")
        try:
            if self.command == "GET":
                return 200, self.orders.get(int(parts[2])), ()
            return self._patch(int(parts[2]), body)
        except store.NotFound as exc:
            raise ApiError(404, "not_found", "No such order.") from exc

    def _create(self, body):
        # The mistake: the Idempotency-Key header is ignored, so a retried POST is a second order.
        require_json(self.headers)
        data = parse_json_object(body)
        errors = store.validate_order(data)
        if errors:
            raise validation_error(errors)
        order, _ = self.orders.create(data)
        return 201, order, (("Location", f"/orders/{order['id']}"),)

    def _patch(self, order_id, body):
        self.orders.get(order_id)  # a missing order is 404 whatever the body
        require_json(self.headers)
        data = parse_json_object(body)
        errors = store.validate_status_change(data)
        if errors:
            raise validation_error(errors)
        try:
            return 200, self.orders.set_status(order_id, data["status"]), ()
        except store.InvalidTransition as exc:
            raise ApiError(
                409, "invalid_transition", f"A {exc.args[0]} order cannot become {exc.args[1]}."
            ) from exc

    def _list(self, query):
        def single(name):
            values = query.get(name)
            return None if values is None else values[-1]

        limit = single("limit")
        if limit is None:
            limit = 20
        elif re.fullmatch(r"[0-9]{1,3}", limit) and 1 <= int(limit) <= 100:
            limit = int(limit)
        else:
            raise ApiError(400, "bad_request", "limit must be an integer from 1 to 100.")
        status = single("status")
        if status is not None and status not in store.STATUSES:
            raise ApiError(400, "bad_request", "status must be pending, paid or cancelled.")
        after_id = 0
        if single("cursor") is not None:
            after_id = store.decode_cursor(single("cursor"))
            if after_id is None:
                raise ApiError(400, "bad_request", "cursor is not one this service issued.")
        items, next_cursor = self.orders.page(limit, after_id, single("customer"), status)
        return 200, {"items": items, "next_cursor": next_cursor}, ()

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _dispatch


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # bursts of simultaneous clients must not be refused


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
