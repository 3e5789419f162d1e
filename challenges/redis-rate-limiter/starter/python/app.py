"""Rate limiter service: start here (see statement.md). Two instances run at once."""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import limiter  # noqa: F401 - where the Redis work belongs


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
        # Read the body even when unused: on a kept-alive connection, unread bytes would be
        # taken for the next request.
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.command == "GET" and self.path == "/health":
            return self._send(200, {"status": "ok"})
        # TODO: POST /api/requests, GET /limits/<key>, PUT /limits/<key>.
        self._send(501, {"error": {"code": "not_implemented", "message": "Not implemented yet."}})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch


class Server(ThreadingHTTPServer):
    """One thread per connection: whatever the handlers share needs care."""

    daemon_threads = True
    request_queue_size = 128  # bursts of simultaneous clients must not be refused


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
