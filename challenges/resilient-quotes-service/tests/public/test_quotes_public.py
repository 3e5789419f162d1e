"""Public tests: a stub upstream on 127.0.0.1:9090 counts what your service asks it."""

import json
import socket
import struct
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

# The statement fixes the upstream URL: the service reaches this stub at http://127.0.0.1:9090.
STUB_ADDRESS = ("127.0.0.1", 9090)
HANG_S = 4.0  # far beyond the service's 1 s per-try timeout


class Upstream:
    """The fake price service: a script of answers per symbol, and when each request arrived."""

    def __init__(self):
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self.scripts = {}
        self.arrivals = {}

    def program(self, symbol, *steps, then=("status", 503)):
        """Answer the next requests for `symbol` with `steps` in turn, then always with `then`."""
        with self.lock:
            self.scripts[symbol] = (list(steps), then)

    def count(self, symbol):
        """Return how many requests for `symbol` reached the stub."""
        with self.lock:
            return len(self.arrivals.get(symbol, []))

    def times(self, symbol):
        """Return the monotonic arrival times of the requests for `symbol`."""
        with self.lock:
            return list(self.arrivals.get(symbol, []))

    def next_step(self, symbol):
        """Record one request for `symbol` and return how to answer it."""
        with self.lock:
            self.arrivals.setdefault(symbol, []).append(time.monotonic())
            steps, then = self.scripts.get(symbol, ([], ("status", 404)))
            return steps.pop(0) if steps else then


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        upstream = self.server.upstream
        symbol = self.path.removeprefix("/prices/")
        kind, *args = upstream.next_step(symbol)
        if kind == "ok":
            self._send(200, json.dumps({"symbol": symbol, "price": args[0], "currency": args[1]}))
        elif kind == "status":
            self._send(args[0], json.dumps({"error": "scripted"}))
        elif kind == "malformed":
            self._send(200, '{"symbol": "' + symbol + '", "price": 12.5, "curr')
        elif kind == "slow":
            upstream.closing.wait(args[0])
            self._send(200, json.dumps({"symbol": symbol, "price": args[1], "currency": "USD"}))
        elif kind == "hold":
            args[0].wait(5)
            self._send(200, json.dumps({"symbol": symbol, "price": args[1], "currency": "USD"}))
        elif kind == "hang":
            # Nothing at all for HANG_S, then a valid answer a service without a timeout accepts.
            upstream.closing.wait(HANG_S)
            self._send(200, json.dumps({"symbol": symbol, "price": 999.0, "currency": "USD"}))
        elif kind == "stall":
            # The status line and headers at once, then the body stalls for HANG_S.
            body = json.dumps({"symbol": symbol, "price": 999.0, "currency": "USD"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:5])
            self.wfile.flush()
            upstream.closing.wait(HANG_S)
            self.wfile.write(body[5:])
        elif kind == "reset":
            # Linger 0: close() sends a TCP RST instead of a clean FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True

    def _send(self, status, text):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the service hung up on a hanging answer: expected


@pytest.fixture(scope="module")
def upstream():
    """Start the stub on 127.0.0.1:9090 for this module's tests."""
    stub = Upstream()
    server = _Server(STUB_ADDRESS, _Handler)
    server.upstream = stub
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield stub
    stub.closing.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


def new_symbol():
    """Return a symbol no other test uses: each has its own circuit and last good price."""
    return "T" + uuid.uuid4().hex[:12].upper()


def error_of(resp, status, code):
    assert resp.status_code == status, resp.text
    assert resp.headers.get("Content-Type", "").startswith("application/json"), resp.headers
    error = resp.json()["error"]
    assert error["code"] == code, error
    assert isinstance(error["message"], str), error
    return error


def test_health(http, upstream):
    resp = http.get("/health")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


@pytest.mark.points(2)
def test_fresh_quote(http, upstream):
    symbol = new_symbol()
    upstream.program(symbol, then=("ok", 101.25, "USD"))
    resp = http.get(f"/quotes/{symbol}")
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"symbol": symbol, "price": 101.25, "currency": "USD", "stale": False}
    assert upstream.count(symbol) == 1


@pytest.mark.points(2)
def test_one_503_is_retried(http, upstream):
    symbol = new_symbol()
    upstream.program(symbol, ("status", 503), then=("ok", 42.5, "EUR"))
    resp = http.get(f"/quotes/{symbol}")
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"symbol": symbol, "price": 42.5, "currency": "EUR", "stale": False}
    assert upstream.count(symbol) == 2


@pytest.mark.points(2)
def test_404_is_not_retried(http, upstream):
    symbol = new_symbol()
    upstream.program(symbol, then=("status", 404))
    error_of(http.get(f"/quotes/{symbol}"), 404, "unknown_symbol")
    assert upstream.count(symbol) == 1
