"""Quotes service: start here (see statement.md). Python's standard library only."""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSTREAM_URL = os.environ.get("UPSTREAM_URL", "http://127.0.0.1:9090").rstrip("/")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            self.send(200, {"status": "ok"})
            return
        # TODO: GET /quotes/<symbol>, calling GET {UPSTREAM_URL}/prices/<symbol>.
        self.send(501, {"error": {"code": "not_implemented", "message": "Not implemented yet."}})

    def send(self, status, payload, headers=None):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    # Threads: a request waiting on a slow upstream must not block the others.
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Handler)
    server.daemon_threads = True
    server.serve_forever()
