"""Quotes service: prices from a flaky upstream, with timeouts, retries and a circuit breaker."""

import http.client
import json
import math
import os
import re
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSTREAM_URL = os.environ.get("UPSTREAM_URL", "http://127.0.0.1:9090").rstrip("/")
TRY_TIMEOUT_S = 1.0
BACKOFF_S = (0.1, 0.2)  # before the second and the third try
FAILURE_THRESHOLD = 5
OPEN_S = 2.0
SYMBOL = re.compile(r"[A-Za-z0-9._-]{1,32}")
# No proxy from the environment: the upstream is on loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Breaker:
    """One symbol's circuit: consecutive failed tries, when it opened, whether a probe is out."""

    def __init__(self):
        self.failures = 0
        self.opened_at = None
        self.probing = False


LOCK = threading.Lock()
BREAKERS = {}
LAST_GOOD = {}


def acquire(symbol):
    """Return (True, 0) when a try may go out now, else (False, seconds until it may)."""
    with LOCK:
        breaker = BREAKERS.setdefault(symbol, Breaker())
        if breaker.opened_at is None:
            return True, 0
        left = OPEN_S - (time.monotonic() - breaker.opened_at)
        if left > 0 or breaker.probing:
            return False, max(1, math.ceil(left))
        breaker.probing = True  # half-open: this try is the one probe
        return True, 0


def record(symbol, failed):
    """Count a try's outcome: a success closes the circuit, the 5th failure in a row opens it."""
    with LOCK:
        breaker = BREAKERS[symbol]
        was_probe, breaker.probing = breaker.probing, False
        if not failed:
            breaker.failures, breaker.opened_at = 0, None
            return
        breaker.failures += 1
        if was_probe or breaker.failures >= FAILURE_THRESHOLD:
            breaker.opened_at = time.monotonic()


def fetch(symbol):
    """Make one try: ("ok", quote), ("client", status) for a 4xx, or ("fail", None)."""
    try:
        with OPENER.open(f"{UPSTREAM_URL}/prices/{symbol}", timeout=TRY_TIMEOUT_S) as resp:
            if resp.status != 200:
                return "fail", None
            data = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return ("client", exc.code) if 400 <= exc.code < 500 else ("fail", None)
    except (OSError, ValueError, http.client.HTTPException):
        return "fail", None  # timed out, refused, reset, cut short, or not JSON
    if not isinstance(data, dict):
        return "fail", None
    price, currency = data.get("price"), data.get("currency")
    if isinstance(price, bool) or not isinstance(price, int | float):
        return "fail", None
    if not isinstance(currency, str):
        return "fail", None
    return "ok", {"symbol": symbol, "price": price, "currency": currency}


def quote(symbol):
    """Return (status, body, headers) for GET /quotes/<symbol>."""
    for attempt in range(3):
        if attempt:
            time.sleep(BACKOFF_S[attempt - 1])
        allowed, retry_after = acquire(symbol)
        if not allowed:
            return fallback(symbol) or (
                503,
                error("circuit_open", "The upstream is failing; try again later."),
                {"Retry-After": str(retry_after)},
            )
        outcome, value = fetch(symbol)
        record(symbol, failed=outcome == "fail")
        if outcome == "ok":
            with LOCK:
                LAST_GOOD[symbol] = value
            return 200, {**value, "stale": False}, {}
        if outcome == "client":
            if value == 404:
                return 404, error("unknown_symbol", "No such symbol."), {}
            return 502, error("upstream_error", f"The upstream refused ({value})."), {}
    return fallback(symbol) or (
        503,
        error("upstream_unavailable", "The upstream did not answer."),
        {},
    )


def fallback(symbol):
    """Return the last good quote marked stale, or None."""
    with LOCK:
        value = LAST_GOOD.get(symbol)
    return (200, {**value, "stale": True}, {}) if value else None


def error(code, message):
    return {"error": {"code": code, "message": message}}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/health":
            self.send(200, {"status": "ok"})
        elif path.startswith("/quotes/"):
            symbol = path.removeprefix("/quotes/")
            if not SYMBOL.fullmatch(symbol):
                self.send(400, error("invalid_symbol", "A symbol is 1-32 of A-Z a-z 0-9 . _ -."))
            else:
                self.send(*quote(symbol))
        else:
            self.send(404, error("not_found", "No such path."))

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
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Handler)
    server.daemon_threads = True
    server.serve_forever()
