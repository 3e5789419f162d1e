"""Redis-backed rate limiter service (reference). Two instances share every quota via Redis."""

import json
import os
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import limiter

API_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
LIMITS_PATH = re.compile(r"^/limits/([^/?]*)$")


def error(code, message):
    return {"error": {"code": code, "message": message}}


def limit_problems(body):
    """Return {field: message} for an invalid PUT /limits body."""
    problems = {}
    for name, low, high in (("capacity", 1, 100000), ("window_ms", 100, 86400000)):
        value = body.get(name)
        if type(value) is not int or not low <= value <= high:
            problems[name] = f"must be an integer from {low} to {high}"
    for name in set(body) - {"capacity", "window_ms"}:
        problems[name] = "unknown field"
    return problems


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes; without this, each kept-alive response waits 40 ms.
    disable_nagle_algorithm = True

    def _send(self, status, payload, headers=()):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, str(value))
        self.end_headers()
        self.wfile.write(data)

    def _dispatch(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?", 1)[0]
        if path == "/health":
            if self.command != "GET":
                return self._send(405, error("method_not_allowed", "Use GET."))
            return self._send(200, {"status": "ok"})
        if path == "/api/requests":
            if self.command != "POST":
                return self._send(405, error("method_not_allowed", "Use POST."))
            return self._request()
        match = LIMITS_PATH.match(path)
        if match:
            if self.command not in ("GET", "PUT"):
                return self._send(405, error("method_not_allowed", "Use GET or PUT."))
            return self._limits(match.group(1), raw)
        self._send(404, error("not_found", "No such path."))

    def _request(self):
        key = self.headers.get("X-Api-Key", "")
        if not API_KEY.match(key):
            return self._send(401, error("invalid_api_key", "X-Api-Key is missing or invalid."))
        decision = limiter.hit(key)
        headers = [
            ("X-RateLimit-Limit", decision.capacity),
            ("X-RateLimit-Remaining", decision.remaining),
        ]
        if decision.allowed:
            return self._send(200, {"allowed": True, "remaining": decision.remaining}, headers)
        headers.append(("Retry-After", decision.retry_after))
        self._send(429, error("rate_limited", "Too many requests."), headers)

    def _limits(self, key, raw):
        if not API_KEY.match(key):
            return self._send(400, error("invalid_api_key", "The key in the path is invalid."))
        if self.command == "GET":
            capacity, window_ms = limiter.get_limit(key)
            return self._send(200, {"key": key, "capacity": capacity, "window_ms": window_ms})
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return self._send(400, error("bad_request", "The body must be a JSON object."))
        problems = limit_problems(body)
        if problems:
            payload = error("validation_error", "Some fields are invalid.")
            payload["error"]["fields"] = problems
            return self._send(422, payload)
        limiter.set_limit(key, body["capacity"], body["window_ms"])
        self._send(200, {"key": key, "capacity": body["capacity"], "window_ms": body["window_ms"]})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    def log_message(self, *args):
        pass  # one line per request would flood the log during bursts


class Server(ThreadingHTTPServer):
    """One thread per connection; all shared state lives in Redis."""

    daemon_threads = True
    request_queue_size = 128  # bursts of simultaneous clients must not be refused


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
