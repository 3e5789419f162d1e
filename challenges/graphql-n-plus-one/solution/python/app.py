"""Bookshop GraphQL service: POST /graphql over PostgreSQL (see statement.md)."""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
from graphql import graphql_sync
from psycopg.rows import dict_row

from resolvers import Loader, build_schema

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://app@127.0.0.1:5432/app")
SCHEMA = build_schema()


def execute(request):
    """Run one GraphQL request on a connection of its own; return the response body."""
    variables = request.get("variables") or {}
    with psycopg.connect(DATABASE_URL, autocommit=True, row_factory=dict_row) as conn:
        result = graphql_sync(
            SCHEMA,
            request["query"],
            variable_values=variables,
            operation_name=request.get("operationName"),
            context_value=Loader(conn),
        )
    body = {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    return body


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

    def do_GET(self):
        if self.path == "/health":
            return self._send(200, {"status": "ok"})
        self._send(404, {"errors": [{"message": "not found"}]})

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path != "/graphql":
            return self._send(404, {"errors": [{"message": "not found"}]})
        try:
            request = json.loads(raw)
        except ValueError:
            request = None
        if (
            not isinstance(request, dict)
            or not isinstance(request.get("query"), str)
            or not isinstance(request.get("variables") or {}, dict)
        ):
            return self._send(400, {"errors": [{"message": "expected {query, variables}"}]})
        self._send(200, execute(request))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
