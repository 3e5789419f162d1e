"""Orders REST service: start here (see statement.md). Standard library only."""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes; without this, each kept-alive response waits 40 ms.
    disable_nagle_algorithm = True

    def _send(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _dispatch(self):
        # Read the body even when unused: on a kept-alive connection, unread bytes would be
        # taken for the next request.
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.command == "GET" and self.path == "/health":
            return self._send(200, {"status": "ok"})
        # TODO: POST /orders, GET /orders, GET /orders/<id>, PATCH /orders/<id>.
        self._send(501, {"error": {"code": "not_implemented", "message": "Not implemented yet."}})

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _dispatch


class Server(ThreadingHTTPServer):
    """One thread per request: whatever the handlers share needs a lock."""

    daemon_threads = True
    request_queue_size = 128  # bursts of simultaneous clients must not be refused


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
