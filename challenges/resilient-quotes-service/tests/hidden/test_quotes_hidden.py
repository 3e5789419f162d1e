"""Hidden tests: timeouts, retries, the per-symbol circuit breaker and the stale fallback."""

import json
import socket
import struct
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

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


OPEN_WAIT_S = 2.6  # the circuit's 2 s open period, with slack: sleeping only ever overshoots


def quote(http, symbol):
    return http.get(f"/quotes/{symbol}")


def assert_fresh(resp, symbol, price, currency="USD"):
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"symbol": symbol, "price": price, "currency": currency, "stale": False}


def assert_circuit_open(resp):
    error_of(resp, 503, "circuit_open")
    assert resp.headers.get("Retry-After") in {"1", "2"}, resp.headers


def open_circuit(http, upstream, symbol):
    """Fail 5 tries in a row (3 + 2): the second request ends on the open circuit."""
    upstream.program(symbol, then=("status", 503))
    error_of(quote(http, symbol), 503, "upstream_unavailable")
    assert upstream.count(symbol) == 3
    assert_circuit_open(quote(http, symbol))
    assert upstream.count(symbol) == 5


@pytest.mark.points(2)
def test_every_request_asks_upstream(http, upstream):
    symbol = new_symbol()
    upstream.program(symbol, ("ok", 10.5, "GBP"), then=("ok", 11.0, "GBP"))
    assert_fresh(quote(http, symbol), symbol, 10.5, "GBP")
    assert_fresh(quote(http, symbol), symbol, 11.0, "GBP")
    assert upstream.count(symbol) == 2


@pytest.mark.points(3)
def test_persistent_503_is_tried_three_times(http, upstream):
    symbol = new_symbol()
    upstream.program(symbol, then=("status", 503))
    error_of(quote(http, symbol), 503, "upstream_unavailable")
    assert upstream.count(symbol) == 3


@pytest.mark.points(2)
def test_two_failures_then_success(http, upstream):
    symbol = new_symbol()
    upstream.program(symbol, ("status", 500), ("status", 502), then=("ok", 7.75, "USD"))
    assert_fresh(quote(http, symbol), symbol, 7.75)
    assert upstream.count(symbol) == 3


@pytest.mark.points(3)
def test_404_is_tried_once(http, upstream):
    symbol = new_symbol()
    upstream.program(symbol, then=("status", 404))
    error_of(quote(http, symbol), 404, "unknown_symbol")
    assert upstream.count(symbol) == 1


@pytest.mark.points(2)
def test_other_4xx_is_tried_once(http, upstream):
    symbol = new_symbol()
    upstream.program(symbol, then=("status", 400))
    error_of(quote(http, symbol), 502, "upstream_error")
    assert upstream.count(symbol) == 1


@pytest.mark.points(2)
def test_4xx_never_opens_the_circuit(http, upstream):
    symbol = new_symbol()
    upstream.program(symbol, then=("status", 404))
    for _ in range(6):
        error_of(quote(http, symbol), 404, "unknown_symbol")
    assert upstream.count(symbol) == 6


@pytest.mark.points(4)
def test_hanging_upstream_times_out(http, upstream):
    symbol = new_symbol()
    upstream.program(symbol, then=("hang",))
    error_of(quote(http, symbol), 503, "upstream_unavailable")
    assert upstream.count(symbol) == 3


@pytest.mark.points(2)
def test_hang_then_answer_on_retry(http, upstream):
    symbol = new_symbol()
    upstream.program(symbol, ("hang",), then=("ok", 5.5, "USD"))
    assert_fresh(quote(http, symbol), symbol, 5.5)
    assert upstream.count(symbol) == 2


@pytest.mark.points(2)
def test_stalled_body_times_out(http, upstream):
    symbol = new_symbol()
    upstream.program(symbol, ("stall",), then=("ok", 6.25, "USD"))
    assert_fresh(quote(http, symbol), symbol, 6.25)
    assert upstream.count(symbol) == 2


@pytest.mark.points(2)
def test_slow_answer_within_the_timeout_is_used(http, upstream):
    symbol = new_symbol()
    upstream.program(symbol, then=("slow", 0.3, 8.5))
    assert_fresh(quote(http, symbol), symbol, 8.5)
    assert upstream.count(symbol) == 1


@pytest.mark.points(2)
def test_connection_reset_is_retried(http, upstream):
    symbol = new_symbol()
    upstream.program(symbol, ("reset",), then=("ok", 9.0, "USD"))
    assert_fresh(quote(http, symbol), symbol, 9.0)
    assert upstream.count(symbol) == 2


@pytest.mark.points(2)
def test_malformed_json_is_a_failure(http, upstream):
    symbol = new_symbol()
    upstream.program(symbol, then=("malformed",))
    error_of(quote(http, symbol), 503, "upstream_unavailable")
    assert upstream.count(symbol) == 3


@pytest.mark.points(2)
def test_retries_back_off(http, upstream):
    symbol = new_symbol()
    upstream.program(symbol, then=("status", 503))
    error_of(quote(http, symbol), 503, "upstream_unavailable")
    first, second, third = upstream.times(symbol)
    # Lower bounds only: a loaded machine makes the gaps longer, never shorter.
    assert second - first >= 0.09
    assert third - second >= 0.18


@pytest.mark.points(3)
def test_stale_fallback_after_failed_tries(http, upstream):
    symbol = new_symbol()
    upstream.program(symbol, ("ok", 12.5, "CHF"), then=("status", 503))
    assert_fresh(quote(http, symbol), symbol, 12.5, "CHF")
    resp = quote(http, symbol)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"symbol": symbol, "price": 12.5, "currency": "CHF", "stale": True}
    assert upstream.count(symbol) == 4


@pytest.mark.points(4)
def test_circuit_opens_after_five_failures(http, upstream):
    symbol = new_symbol()
    open_circuit(http, upstream, symbol)
    assert_circuit_open(quote(http, symbol))
    assert_circuit_open(quote(http, symbol))
    assert upstream.count(symbol) == 5


@pytest.mark.points(2)
def test_open_circuit_serves_stale(http, upstream):
    symbol = new_symbol()
    upstream.program(symbol, ("ok", 3.5, "USD"), then=("status", 503))
    assert_fresh(quote(http, symbol), symbol, 3.5)
    stale = {"symbol": symbol, "price": 3.5, "currency": "USD", "stale": True}
    assert quote(http, symbol).json() == stale  # tries 2-4 fail
    assert quote(http, symbol).json() == stale  # tries 5-6 fail: open
    assert upstream.count(symbol) == 6
    resp = quote(http, symbol)
    assert resp.status_code == 200
    assert resp.json() == stale
    assert upstream.count(symbol) == 6


@pytest.mark.points(2)
def test_circuit_is_per_symbol(http, upstream):
    broken, healthy = new_symbol(), new_symbol()
    open_circuit(http, upstream, broken)
    upstream.program(healthy, then=("ok", 1.25, "USD"))
    assert_fresh(quote(http, healthy), healthy, 1.25)
    assert upstream.count(healthy) == 1


@pytest.mark.points(2)
def test_only_consecutive_failures_count(http, upstream):
    symbol = new_symbol()
    steps = [("status", 503), ("status", 503), ("ok", 2.5, "USD")] * 3
    upstream.program(symbol, *steps, then=("ok", 2.5, "USD"))
    for _ in range(4):
        assert_fresh(quote(http, symbol), symbol, 2.5)
    assert upstream.count(symbol) == 10


@pytest.mark.points(3)
def test_half_open_probe_success_closes(http, upstream):
    symbol = new_symbol()
    open_circuit(http, upstream, symbol)
    time.sleep(OPEN_WAIT_S)
    upstream.program(symbol, then=("ok", 4.5, "USD"))
    assert_fresh(quote(http, symbol), symbol, 4.5)
    assert_fresh(quote(http, symbol), symbol, 4.5)
    assert upstream.count(symbol) == 7


@pytest.mark.points(3)
def test_half_open_probe_failure_reopens(http, upstream):
    symbol = new_symbol()
    open_circuit(http, upstream, symbol)
    time.sleep(OPEN_WAIT_S)
    assert_circuit_open(quote(http, symbol))  # one probe, no retry
    assert upstream.count(symbol) == 6
    assert_circuit_open(quote(http, symbol))
    assert upstream.count(symbol) == 6


@pytest.mark.points(2)
def test_half_open_lets_one_probe_through(http, upstream, base_url):
    symbol = new_symbol()
    open_circuit(http, upstream, symbol)
    time.sleep(OPEN_WAIT_S)
    release = threading.Event()
    upstream.program(symbol, ("hold", release, 6.5), then=("ok", 6.5, "USD"))
    answers = []
    probe = threading.Thread(
        target=lambda: answers.append(requests.get(f"{base_url}/quotes/{symbol}", timeout=10))
    )
    probe.start()
    try:
        deadline = time.monotonic() + 5
        while upstream.count(symbol) < 6 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert upstream.count(symbol) == 6, "the probe never reached the upstream"
        assert_circuit_open(quote(http, symbol))  # while the probe is out
    finally:
        release.set()
        probe.join(10)
    assert_fresh(answers[0], symbol, 6.5)
    assert upstream.count(symbol) == 6


@pytest.mark.points(1)
def test_invalid_symbol_is_400(http, upstream):
    error_of(http.get("/quotes/bad!sym"), 400, "invalid_symbol")
    error_of(http.get("/quotes/" + "A" * 33), 400, "invalid_symbol")


@pytest.mark.points(1)
def test_health_ignores_the_upstream(http, upstream):
    resp = http.get("/health")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}
