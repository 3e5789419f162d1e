"""What crosses the bridge by value, what as a handle, and how handles behave in the tester."""

from __future__ import annotations

import collections
import datetime as dt
import decimal
import enum
import uuid

import pytest

from .bridge_pair import Pair

SAMPLE = """
import dataclasses, enum, collections

calls = []

class Always:
    def __eq__(self, other):
        calls.append("eq")
        return True
    def __hash__(self):
        calls.append("hash")
        return 0
    def __bool__(self):
        calls.append("bool")
        return False
    def __str__(self):
        calls.append("str")
        return "forged"
    def __len__(self):
        return 3

class Limited(ValueError):
    def __init__(self, message, retry_after):
        super().__init__(message)
        self.retry_after = retry_after

@dataclasses.dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float

@dataclasses.dataclass
class Document:
    title: str
    tags: list

class State(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"

Point = collections.namedtuple("Point", "x y")

def echo(value):
    return value

def make_always():
    return Always()

def fail(kind, *args):
    raise kind(*args)

def limited():
    raise Limited("slow down", 2.5)
"""


@pytest.fixture
def pair(tmp_path):
    pair = Pair(tmp_path)
    yield pair
    pair.close()


@pytest.fixture
def mod(pair):
    return pair.load(SAMPLE)


VALUES = [
    None,
    True,
    0,
    -(2**63),
    2**200,
    -(3**150),
    1.5,
    float("inf"),
    "héllo \udcff",
    b"\x00\xff",
    [1, [2, "x"]],
    (1, (2,), ()),
    {"a": 1, (1, 2): [3], 7: None},
    {1, "a", (2, 3)},
    frozenset({1, 2}),
    dt.datetime(2024, 5, 1, 9, 30, 1, 7, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    dt.datetime(2024, 5, 1, 9, 30),
    dt.date(2024, 2, 29),
    dt.time(23, 59, 59, 999999),
    dt.timedelta(days=-1, seconds=5, microseconds=3),
    decimal.Decimal("-12.3400"),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    collections.OrderedDict([("b", 1), ("a", 2)]),
    collections.Counter("abca"),
    collections.deque([1, 2], maxlen=5),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_plain_data_crosses_by_value_with_its_exact_type(mod, value):
    back = mod.echo(value)
    assert type(back) is type(value) and back == value
    if isinstance(value, dt.datetime):
        assert back.utcoffset() == value.utcoffset()
    if isinstance(value, collections.deque):
        assert back.maxlen == value.maxlen


def test_a_bytearray_arrives_as_bytes(mod):
    assert mod.echo(bytearray(b"ab")) == b"ab"


def test_an_always_equal_object_is_equal_only_to_itself_and_never_asked(mod):
    always = mod.make_always()
    assert always != 1 and always != "anything" and always != mod.make_always()
    assert (always == "anything") is False
    assert always == always and hash(always) == hash(always)
    assert bool(always) is True  # truth is decided here: the remote __bool__ says False
    assert "forged" not in str(always) and "forged" not in repr(always)
    assert mod.calls == []  # none of its methods ran, on either side
    assert len(always) == 3  # protocols that return data still work


def test_handles_keep_identity_and_their_class(mod):
    always = mod.make_always()
    assert mod.echo(always) is always
    assert isinstance(always, mod.Always) and type(always) is mod.Always


def test_builtin_exceptions_arrive_as_themselves_with_args(mod):
    with pytest.raises(ValueError) as info:
        mod.fail(ValueError, "bad", 3)
    assert type(info.value) is ValueError and info.value.args == ("bad", 3)
    assert "raise kind(*args)" in str(info.value.__cause__)  # the candidate's traceback
    with pytest.raises(KeyError, match="'k'"):
        mod.fail(KeyError, "k")


def test_candidate_exceptions_are_mirrors_catchable_by_their_bases(mod):
    with pytest.raises(mod.Limited, match="slow down") as info:
        mod.limited()
    assert isinstance(info.value, ValueError) and info.value.retry_after == 2.5
    assert mod.echo(info.value) is info.value  # sent back, it is the same object


def test_interrupting_exceptions_are_demoted(mod):
    with pytest.raises(Exception) as info:
        mod.fail(KeyboardInterrupt)
    assert not isinstance(info.value, KeyboardInterrupt)
    with pytest.raises(SystemExit):
        mod.fail(SystemExit, 3)


def test_dataclasses_arrive_as_records_compared_here(mod):
    decision = mod.Decision(True, 0.5)
    assert type(decision) is mod.Decision
    assert decision == mod.Decision(True, 0.5) and decision != mod.Decision(False, 0.5)
    assert decision.allowed is True and hash(decision) == hash(mod.Decision(True, 0.5))
    document = mod.Document("a", ["x"])
    assert vars(document) == {"title": "a", "tags": ["x"]}
    with pytest.raises(TypeError):
        hash(document)
    document.title = "b"  # written through to the candidate's object
    assert mod.echo(document) is document and document.title == "b"


def test_a_cycle_of_records_arrives_as_the_same_records(pair):
    mod = pair.load(
        """
        import dataclasses

        @dataclasses.dataclass(eq=False)
        class Node:
            name: str
            other: object = None

        def ring():
            a, b = Node("a"), Node("b")
            a.other, b.other = b, a
            return a
        """
    )
    a = mod.ring()
    assert a.name == "a" and a.other.name == "b" and a.other.other is a


def test_enums_and_named_tuples_are_local_mirrors(mod):
    state = mod.echo(mod.State.OPEN)
    assert isinstance(state, enum.Enum) and state is mod.State.OPEN and state.value == "open"
    assert mod.echo(state) is mod.State.OPEN
    point = mod.Point(1, 2)
    assert point == (1, 2) and point.x == 1 and type(point) is mod.Point


def test_str_of_a_handle_can_be_asked_explicitly(pair, mod):
    assert pair.tester.request("str", mod.make_always()) == "forged"


def test_a_test_clients_responses_arrive_as_data(pair):
    app = pair.load(
        """
        from flask import Flask, jsonify

        def create_app():
            app = Flask(__name__)

            @app.post("/items")
            def create():
                return jsonify(id=7, name="lamp"), 201, {"Location": "/items/7", "ETag": '"1"'}

            return app
        """
    ).create_app()
    response = app.test_client().post("/items", json={"name": "lamp"})
    assert type(response).__module__ == "werkzeug.test"  # a local object: no remote reads
    assert response.status_code == 201 and response.headers["ETag"] == '"1"'
    assert response.get_json() == {"id": 7, "name": "lamp"} and response.json["id"] == 7
    assert response.headers["Location"] == "/items/7"
