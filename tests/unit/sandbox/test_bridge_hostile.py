"""A hostile candidate: forged references, malformed messages and reaches into the tester."""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading

import msgpack
import pytest

from sandbox.harness import codec
from sandbox.harness.peer import HEADER, OK, REQ, Peer, PeerLost
from sandbox.harness.policy import TesterPolicy

from .bridge_pair import Pair


class RawCandidate:
    """The tester's peer is real; the candidate is whatever bytes a test writes."""

    def __init__(self) -> None:
        left, self.sock = socket.socketpair()
        self.tester = Peer(left, TesterPolicy(), tester=True, max_workers=4)
        self.reader = threading.Thread(target=self.tester.read_loop, daemon=True)
        self.reader.start()
        self.outcome: list = []

    def call_in_background(self) -> threading.Thread:
        """Have a test thread wait in a request, and return its thread."""

        def call():
            try:
                self.outcome.append(self.tester.request("getattr", None, "x"))
            except BaseException as exc:
                self.outcome.append(exc)

        thread = threading.Thread(target=call)
        thread.start()
        return thread

    def read_request(self) -> list:
        size = HEADER.unpack(self.sock.recv(HEADER.size, socket.MSG_WAITALL))[0]
        return msgpack.unpackb(self.sock.recv(size, socket.MSG_WAITALL), strict_map_key=False)

    def send(self, body: bytes, size: int | None = None) -> None:
        self.sock.sendall(HEADER.pack(len(body) if size is None else size) + body)

    def close(self) -> None:
        self.tester.close("done")
        self.reader.join(5)
        self.sock.close()
        self.tester.sock.close()


@pytest.fixture
def raw():
    raw = RawCandidate()
    yield raw
    raw.close()


def ext(code: int, value: object) -> msgpack.ExtType:
    return msgpack.ExtType(code, msgpack.packb(value))


def deep(levels: int) -> bytes:
    value = msgpack.packb(0)
    for _ in range(levels):
        value = msgpack.packb(msgpack.ExtType(codec.TUPLE, value))
    return value


@pytest.mark.parametrize(
    "reply",
    [
        lambda seq, tag: b"\xc1garbage",
        lambda seq, tag: msgpack.packb([OK, seq, tag, ext(codec.REF, [1, 999])]),  # never shared
        lambda seq, tag: msgpack.packb([OK, seq, tag, ext(77, b"")]),  # unknown type
        lambda seq, tag: msgpack.packb([OK, seq + 5, tag, None]),  # a reply nobody awaits
        lambda seq, tag: msgpack.packb([OK, seq, tag, ext(codec.BUILTIN, "__import__")]),
        lambda seq, tag: msgpack.packb([OK, seq, tag, ext(codec.BIGINT, b"\x01" * 70000)]),
        lambda seq, tag: msgpack.packb([OK, seq, tag, msgpack.ExtType(codec.TUPLE, deep(3000))]),
        lambda seq, tag: msgpack.packb([REQ, 1, seq * 0 + 2, "getattr", [None]])[:-1] + b"\xc1",
    ],
    ids=[
        "garbage",
        "forged-ref",
        "unknown-ext",
        "stray-reply",
        "builtin-func",
        "bigint",
        "deep",
        "bad-request",
    ],
)
def test_malformed_replies_end_the_connection_and_never_return_a_value(raw, reply):
    caller = raw.call_in_background()
    _, seq, tag, *_ = raw.read_request()
    raw.send(reply(seq, tag))
    caller.join(5)
    assert isinstance(raw.outcome[0], PeerLost)
    assert raw.tester.violations


def test_a_huge_frame_header_is_refused_before_any_allocation(raw):
    caller = raw.call_in_background()
    raw.read_request()
    raw.send(b"", size=2**31)
    caller.join(5)
    assert isinstance(raw.outcome[0], PeerLost) and "over" in raw.tester.violations[0]


def test_a_flood_of_threads_is_cut_off(raw):
    with contextlib.suppress(OSError):  # the tester hangs up mid-flood
        for tag in range(2, 200, 2):
            raw.send(msgpack.packb([REQ, tag, tag, "call", [None, [], {}]]))
    raw.reader.join(5)
    assert "threads at once" in raw.tester.violations[0]


def test_mirror_classes_never_take_special_methods_from_the_descriptor(raw):
    caller = raw.call_in_background()
    _, seq, tag, *_ = raw.read_request()
    desc = {
        "name": "Evil",
        "qualname": "Evil",
        "module": "m",
        "flavor": "object",
        "methods": ["__eq__", "__bool__", "__hash__", "__class__", "fine"],
        "protocols": ["__eq__", "__len__"],
    }
    value = ext(codec.REF, [0, 5, ext(codec.CLASS, [0, 6, desc, []])])
    raw.send(msgpack.packb([OK, seq, tag, value]))
    caller.join(5)
    handle = raw.outcome[0]
    assert handle != 1 and bool(handle) is True and type(handle).__name__ == "Evil"
    assert "fine" in vars(type(handle)) and "__len__" in vars(type(handle))
    assert "__eq__" not in vars(type(handle)) and "__bool__" not in vars(type(handle))


POKE = """
kept = []

def keep(value):
    kept.append(value)

def get(obj, name):
    return getattr(obj, name)

def call(obj, *args):
    return obj(*args)

def method(obj, name, *args):
    return getattr(obj, name)(*args)
"""


class Fake:
    def __init__(self):
        self.public = 1
        self._private = 2

    def visible(self):
        return "ok"


class Holder:
    def __init__(self):
        self.module = socket


@pytest.fixture
def pair(tmp_path):
    pair = Pair(tmp_path)
    yield pair
    pair.close()


def test_the_candidate_reaches_only_public_attributes_of_what_it_was_given(pair):
    poke = pair.load(POKE)
    fake = Fake()
    assert poke.get(fake, "public") == 1 and poke.method(fake, "visible") == "ok"
    # A hostile agent sends raw requests, past its own proxies' refusals.
    handle = pair.theirs(fake)
    for name in ("_private", "__dict__", "__class__", "__init__", "__reduce_ex__"):
        with pytest.raises(PermissionError):
            pair.candidate.request("getattr", handle, name)
        with pytest.raises(PermissionError):
            pair.candidate.request("callmethod", handle, name, [], {})
    function = pair.theirs(test_the_candidate_reaches_only_public_attributes_of_what_it_was_given)
    for name in ("__globals__", "__code__", "__closure__"):
        with pytest.raises(PermissionError):
            pair.candidate.request("getattr", function, name)
    with pytest.raises(PermissionError):
        poke.call(Fake)  # no instances of test classes
    with pytest.raises(TypeError, match="cannot be shared"):
        poke.get(Holder(), "module")  # no modules, frames or code objects
    with pytest.raises(TypeError, match="cannot be shared"):
        poke.call(open)


def test_a_shared_database_keeps_the_tests_hooks_out_of_reach(pair):
    poke = pair.load(POKE)
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    statements = []
    conn.set_trace_callback(statements.append)
    assert poke.method(conn, "execute", "SELECT 1").fetchone() == (1,)
    for name in ("set_trace_callback", "set_progress_handler", "enable_load_extension"):
        with pytest.raises(PermissionError):
            poke.method(conn, name, None)
    with pytest.raises(PermissionError):
        poke.method(sqlite3.Connection, "set_trace_callback", conn, None)
    with pytest.raises(PermissionError):
        pair.candidate.request("callmethod", pair.theirs(conn), "set_trace_callback", [None], {})
    assert statements == ["SELECT 1"]
    conn.close()


@pytest.mark.parametrize(
    "attempt",
    [
        ("getattr", "create_function"),  # the bound method would skip the name check
        ("callmethod", "blobopen", ["t", "s", 1], {}),
        ("setattr", "row_factory", lambda cursor, row: ("forged",)),
        ("setattr", "text_factory", bytes),
    ],
    ids=lambda a: a[1],
)
def test_the_candidate_cannot_change_how_the_test_reads_a_shared_database(pair, attempt):
    pair.load(POKE)
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.execute("CREATE TABLE t (s TEXT)")
    conn.execute("INSERT INTO t VALUES ('Ann')")
    op, name, *rest = attempt
    with pytest.raises(PermissionError):
        pair.candidate.request(op, pair.theirs(conn), name, *rest)
    assert conn.execute("SELECT upper(s), count(*) FROM t").fetchone() == ("ANN", 1)
    conn.close()


def test_replacing_a_built_in_sql_function_is_silently_ignored(pair):
    poke = pair.load(POKE)
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    assert poke.method(conn, "create_function", "upper", 1, str.lower) is None
    assert poke.method(conn, "create_aggregate", "COUNT", 1, Fake) is None
    assert poke.method(conn, "create_collation", "NOCASE", lambda a, b: 0) is None
    assert conn.execute("SELECT upper('a'), count(*)").fetchone() == ("A", 1)
    conn.close()


def test_a_new_sql_function_may_be_registered(pair):
    poke = pair.load(POKE)
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    poke.method(conn, "create_function", "regexp", 2, lambda pattern, text: 1)
    assert conn.execute("SELECT regexp('a', 'b')").fetchone() == (1,)
    conn.close()


def test_the_tester_never_imports_for_the_candidate(pair):
    with pytest.raises(PermissionError):
        pair.candidate.request("import", None, "os")


def test_a_failed_assertion_in_a_callback_tells_the_candidate_nothing(pair):
    poke = pair.load(
        "def call(f):\n    try:\n        f()\n    except AssertionError as e:\n"
        "        return str(e), e.args\n"
    )

    def check():
        assert 6 * 7 == 41, "the secret expectation"

    message, args = poke.call(check)
    assert "secret" not in message and "41" not in message and args == ()
