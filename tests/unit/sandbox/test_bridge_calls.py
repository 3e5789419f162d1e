"""Calls across the bridge: callbacks, threads, re-entrancy, lifetimes and a dying candidate."""

from __future__ import annotations

import gc
import hashlib
import sys
import threading
import time

import msgpack
import pytest

from sandbox.harness import bridge, remote
from sandbox.harness.peer import HEADER, REL, PeerLost

from .bridge_pair import Pair

SAMPLE = """
import queue, threading

def call(f, *args):
    return f(*args)

def thread_of():
    return threading.get_ident()

def nested(f, depth):
    return depth if depth == 0 else f(depth - 1)

class Box:
    def __init__(self):
        self.items = queue.Queue()
    def put(self, item):
        self.items.put(item)
    def get(self, timeout):
        return self.items.get(timeout=timeout)
    def __len__(self):
        return self.items.qsize()

kept = []

def keep(value):
    kept.append(value)

def later(f):
    done = threading.Event()
    result = []
    def run():
        result.append(f())
        done.set()
    threading.Thread(target=run).start()
    done.wait(5)
    return result[0]

def die():
    import os
    os._exit(3)
"""


@pytest.fixture
def pair(tmp_path):
    pair = Pair(tmp_path)
    yield pair
    pair.close()


@pytest.fixture
def mod(pair):
    return pair.load(SAMPLE)


def test_a_callback_runs_in_the_tester_on_the_waiting_thread(mod):
    seen = []
    assert mod.call(lambda x: seen.append(threading.get_ident()) or x * 2, 21) == 42
    assert seen == [threading.get_ident()]


def test_callbacks_and_calls_nest_both_ways(mod):
    def down(depth):
        return mod.nested(down, depth)

    assert mod.nested(down, 12) == 0


def test_a_lock_held_by_the_test_stays_usable_in_its_callbacks(mod):
    lock = threading.RLock()

    def locked():
        with lock:
            return "inside"

    with lock:
        assert mod.call(locked) == "inside"


def test_each_test_thread_meets_one_candidate_thread_of_its_own(mod):
    main = {mod.thread_of() for _ in range(5)}
    others = []
    worker = threading.Thread(target=lambda: others.extend(mod.thread_of() for _ in range(5)))
    worker.start()
    worker.join()
    assert len(main) == 1 and len(set(others)) == 1 and main != set(others)


def test_concurrent_blocking_calls_from_test_threads(mod):
    box = mod.Box()
    got = []
    consumers = [threading.Thread(target=lambda: got.append(box.get(5))) for _ in range(4)]
    for consumer in consumers:
        consumer.start()
    time.sleep(0.1)  # every consumer now blocks in the candidate's queue
    for item in range(4):
        box.put(item)
    for consumer in consumers:
        consumer.join(5)
    assert sorted(got) == [0, 1, 2, 3] and len(box) == 0


def test_a_candidate_thread_may_call_back_too(mod):
    assert mod.later(lambda: "from a candidate thread") == "from a candidate thread"


def test_collected_handles_and_ended_threads_are_released(pair, mod):
    def shared_boxes():
        return sum(type(e[0]).__name__ == "Box" for e in pair.candidate.space._exports.values())

    boxes = [mod.Box() for _ in range(20)]
    assert shared_boxes() == 20
    del boxes
    gc.collect()
    mod.thread_of()  # the next message carries the releases
    assert shared_boxes() == 0
    threads = [threading.Thread(target=mod.thread_of) for _ in range(5)]
    for thread in threads:
        thread.start()
        thread.join()
    gc.collect()
    mod.thread_of()
    deadline = time.monotonic() + 5
    while pair.candidate._workers > 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pair.candidate._workers == 1  # only the main test thread's


def test_a_dead_candidate_fails_every_call_and_never_looks_like_an_exception(pair, mod):
    # The candidate's side is in this process: stand in for os._exit by closing its end.
    pair.candidate.close("killed")
    with pytest.raises(PeerLost):
        mod.thread_of()
    assert not issubclass(PeerLost, Exception)
    try:
        mod.thread_of()
    except Exception:
        pytest.fail("PeerLost was caught as an Exception")
    except PeerLost:
        pass


@pytest.fixture
def connected(pair, monkeypatch):
    monkeypatch.setattr(bridge, "_current", pair.tester)
    return pair


def test_monkeypatching_a_candidate_module_patches_it_there_and_undoes(connected, monkeypatch):
    connected.load(
        "import hashlib\nfrom hashlib import sha256 as digest\n"
        "def name():\n    return digest(b'').name\n"
    )
    module = bridge.attach(
        bridge.RemoteModule(connected.name),
        connected.tester.request("import", None, connected.name),
    )
    assert {"digest", "name", "hashlib"} <= set(vars(module)) and "digest" in dir(module)
    original = module.digest
    with monkeypatch.context() as patch:
        patch.setattr(module, "digest", lambda data: connected.tester.request("getattr", None, "x"))
        assert module.digest is not original
    assert module.digest is original and module.name() == "sha256"


def test_a_standard_module_of_the_candidate_is_a_remote_module(connected):
    hashlib_there = remote.import_module("hashlib")
    assert isinstance(hashlib_there, bridge.RemoteModule) and remote.is_remote(hashlib_there)
    assert "sha256" in dir(hashlib_there) and "sha256" in vars(hashlib_there)
    assert hashlib_there.sha256(b"abc").hexdigest() == hashlib.sha256(b"abc").hexdigest()


def test_the_candidate_cannot_set_attributes_of_what_a_test_hands_it(pair):
    tally = pair.load("def cheat(counter):\n    counter.calls = 99\n")

    class Counter:
        calls = 0

    counter = Counter()
    with pytest.raises(PermissionError):
        tally.cheat(counter)
    assert counter.calls == 0


def test_threads_sending_at_once_each_take_distinct_releases_and_none_fails(pair):
    """Every sender drains the shared release and thread-end queues: none may fail or lose one.

    Under load, a test thread's call once failed with IndexError: another thread emptied the
    queue between its check and its pop. Here senders race with thread switches every 1 µs.
    """
    peer = pair.tester
    entries = [(ref, 1) for ref in range(4000)]
    taken, errors = [], []
    saved = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(20):
            peer.space.released.extend(entries[:200])
            start = threading.Barrier(8)

            def send(start=start):
                start.wait()
                try:
                    frames = peer._control()
                except Exception as exc:  # the race, if it comes back
                    errors.append(exc)
                    return
                taken.extend(unpack_releases(frames))

            threads = [threading.Thread(target=send) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        sys.setswitchinterval(saved)
    assert errors == []
    assert sorted(taken) == sorted(list(e) for e in entries[:200] * 20)


def unpack_releases(frames: bytes) -> list:
    """Return the released entries carried by a run of control frames."""
    found = []
    while frames:
        (size,) = HEADER.unpack(frames[: HEADER.size])
        message = msgpack.unpackb(frames[HEADER.size : HEADER.size + size])
        frames = frames[HEADER.size + size :]
        if message[0] == REL:
            found.extend(message[1])
    return found
