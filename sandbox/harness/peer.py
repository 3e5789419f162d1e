"""One connection between tester and candidate: requests, replies, and which thread runs them.

Each thread that makes requests has a tag. The other side runs all requests of one tag on one
thread of its own, so a test's calls always meet the same candidate thread (thread-bound objects
such as SQLite connections keep working), and a callback made during a call runs on the very
thread that is waiting for that call (locks it holds stay held, as in one process).
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import socket
import struct
import threading
import weakref
from typing import Any

import msgpack

from .codec import MAX_FRAME, Codec, Packing
from .executor import Ignored, execute
from .space import ProtocolError, Space

REQ, OK, ERR, REL, END = range(5)
HEADER = struct.Struct(">I")


class PeerLost(BaseException):
    """The other side is gone or broke the protocol.

    A BaseException, so `except Exception` and `pytest.raises(Exception)` in a test never
    mistake a crashed candidate for an expected error.
    """


class Mailbox:
    """The messages for one tag, taken by the one thread that owns the tag."""

    def __init__(self, worker: bool) -> None:
        self.worker = worker
        self.waiting: list[int] = []
        self._items: collections.deque = collections.deque()
        self._ready = threading.Condition(threading.Lock())

    def put(self, item: Any) -> None:
        with self._ready:
            self._items.append(item)
            self._ready.notify()

    def take(self) -> Any:
        with self._ready:
            while not self._items:
                self._ready.wait()
            return self._items.popleft()


class _ThreadMark:
    """Lives in a thread-local: when its thread ends, the other side may end the tag's thread."""


class Peer:
    """Send requests to the other side and serve the ones it sends, under a policy."""

    def __init__(self, sock: socket.socket, policy: Any, *, tester: bool, max_workers: int):
        self.sock = sock
        self.policy = policy
        self.space = Space()
        self.space.peer = self
        self.codec = Codec(self.space, policy)
        self.max_workers = max_workers
        self.closed: str | None = None
        self.violations: list[str] = []
        self._tester = tester
        self._tags = itertools.count(1 if tester else 2, 2)
        self._seqs = itertools.count(1)
        self._boxes: dict[int, Mailbox] = {}
        self._boxes_lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._local = threading.local()
        self._ended: collections.deque = collections.deque()
        self._workers = 0

    # -- making requests ------------------------------------------------------------------
    def request(self, op: str, target: Any, *args: Any) -> Any:
        """Perform `op` on `target` on the other side and return its result (or raise its error)."""
        __tracebackhide__ = True  # failure reports show the test and the candidate's code
        if self.closed is not None:
            raise PeerLost(self.closed)
        tag = self._tag()
        box = self._boxes[tag]
        seq = next(self._seqs)
        box.waiting.append(seq)
        try:
            self._send([REQ, seq, tag, op, [target, *args]])
            while True:
                message = box.take()
                if message is None:
                    raise PeerLost(self.closed or "the connection closed")
                if message[0] == REQ:
                    self._serve(message)
                    continue
                if message[1] != seq:
                    self._violate(f"a reply to request {message[1]} while {seq} was awaited")
                    raise PeerLost(self.closed)
                if message[0] == OK:
                    return message[3]
                raise _as_exception(message[3])
        finally:
            box.waiting.pop()

    def _tag(self) -> int:
        tag = getattr(self._local, "tag", None)
        if tag is None:
            tag = next(self._tags)
            self._local.tag = tag
            self._local.mark = _ThreadMark()
            with self._boxes_lock:
                self._boxes[tag] = Mailbox(worker=False)
            weakref.finalize(self._local.mark, self._thread_ended, tag)
        return tag

    def _thread_ended(self, tag: int) -> None:
        with self._boxes_lock:
            self._boxes.pop(tag, None)
        self._ended.append(tag)

    # -- sending ----------------------------------------------------------------------------
    def _send(self, message: list) -> None:
        packing = Packing(self.codec)
        try:
            body = packing.pack(message)
            if len(body) > MAX_FRAME:
                raise ValueError(f"a message of {len(body)} bytes is over {MAX_FRAME}")
        except BaseException:
            packing.undo()
            raise
        data = self._control() + HEADER.pack(len(body)) + body
        with self._send_lock:
            if self.closed is not None:
                packing.undo()
                raise PeerLost(self.closed)
            try:
                self.sock.sendall(data)
            except OSError as exc:
                self.close(f"the connection broke: {exc}")
                raise PeerLost(self.closed) from None
        self.space.described |= packing.described

    def _control(self) -> bytes:
        """Frames telling the other side which handles were collected and which threads ended."""
        frames = b""
        released = [list(entry) for entry in _drain(self.space.released)]
        if released:
            body = msgpack.packb([REL, released])
            frames += HEADER.pack(len(body)) + body
        for tag in _drain(self._ended):
            body = msgpack.packb([END, tag])
            frames += HEADER.pack(len(body)) + body
        return frames

    # -- receiving --------------------------------------------------------------------------
    def read_loop(self) -> None:
        """Read and route messages until the connection closes or the protocol is broken."""
        try:
            while True:
                body = self._read_frame()
                if body is None:
                    self.close("the other side closed the connection")
                    return
                self._route(self.codec.unpack(body))
        except ProtocolError as exc:
            self._violate(str(exc))
        except OSError as exc:
            self.close(f"the connection broke: {exc}")
        except Exception as exc:  # never die silently: every waiting thread must be woken
            self._violate(f"unexpected {type(exc).__name__}: {exc}")

    def _read_frame(self) -> bytes | None:
        header = self._read_exactly(HEADER.size)
        if header is None:
            return None
        (size,) = HEADER.unpack(header)
        if size > MAX_FRAME:
            raise ProtocolError(f"a frame of {size} bytes is over {MAX_FRAME}")
        body = self._read_exactly(size)
        if body is None:
            raise ProtocolError("the connection closed inside a frame")
        return body

    def _read_exactly(self, size: int) -> bytes | None:
        buffer = bytearray(size)
        view = memoryview(buffer)
        got = 0
        while got < size:
            count = self.sock.recv_into(view[got:])
            if count == 0:
                return None
            got += count
        return bytes(buffer)

    def _route(self, message: Any) -> None:
        if not isinstance(message, list) or not message or not isinstance(message[0], int):
            raise ProtocolError("a message that is not a list")
        kind = message[0]
        if kind == REL:
            for ref, count in message[1]:
                self.space.unexport(ref, count)
            return
        if kind == END:
            with self._boxes_lock:
                box = self._boxes.get(message[1])
            if box is not None and box.worker:
                box.put(None)
            return
        if kind not in (REQ, OK, ERR) or len(message) < 4 or not isinstance(message[2], int):
            raise ProtocolError(f"a malformed message of kind {kind!r}")
        tag = message[2]
        with self._boxes_lock:
            box = self._boxes.get(tag)
            if kind == REQ:
                if not isinstance(message[3], str) or not isinstance(message[4], list):
                    raise ProtocolError("a malformed request")
                if box is None and (tag % 2 == 1) != self._tester:
                    box = self._start_worker(tag)
                if box is None or not (box.worker or box.waiting):
                    raise ProtocolError(f"a request on thread {tag}, which is not waiting")
            elif box is None or not box.waiting or box.waiting[-1] != message[1]:
                raise ProtocolError(f"an unexpected reply to request {message[1]!r}")
        box.put(message)

    def _start_worker(self, tag: int) -> Mailbox:
        if self._workers >= self.max_workers:
            raise ProtocolError(f"more than {self.max_workers} threads at once")
        box = Mailbox(worker=True)
        self._boxes[tag] = box
        self._workers += 1
        thread = threading.Thread(target=self._work, args=(tag, box), daemon=True)
        thread.start()
        return box

    def _work(self, tag: int, box: Mailbox) -> None:
        self._local.tag = tag
        try:
            while (message := box.take()) is not None:
                self._serve(message)
        finally:
            with self._boxes_lock:
                if self._boxes.get(tag) is box:
                    del self._boxes[tag]
                self._workers -= 1

    def _serve(self, message: list) -> None:
        _, seq, tag, op, args = message[:5]
        try:
            target, rest = (args[0], tuple(args[1:])) if args else (None, ())
            self.policy.check_op(op, target, rest)
            reply = [OK, seq, tag, execute(op, target, rest)]
        except Ignored:
            reply = [OK, seq, tag, None]
        except PeerLost:
            return
        except BaseException as exc:  # the candidate's SystemExit included: it is an outcome
            reply = [ERR, seq, tag, exc]
        try:
            self._send(reply)
        except PeerLost:
            return
        except Exception as exc:  # the result cannot travel: say why instead
            failure = TypeError(f"the result of {op!r} could not be sent: {exc}")
            try:
                self._send([ERR, seq, tag, failure])
            except (PeerLost, Exception):
                return

    # -- closing ----------------------------------------------------------------------------
    def _violate(self, reason: str) -> None:
        self.violations.append(reason[:500])
        self.close(f"the other side broke the protocol: {reason[:500]}")

    def close(self, reason: str) -> None:
        """Close the connection and wake every waiting thread with PeerLost."""
        with self._boxes_lock:
            if self.closed is None:
                self.closed = reason
            boxes = list(self._boxes.values())
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        for box in boxes:
            box.put(None)


def _as_exception(value: Any) -> BaseException:
    if isinstance(value, BaseException):
        return value
    return PeerLost(f"the other side sent a failure that is not an exception: {value!r}"[:300])


def _drain(queue: collections.deque) -> list:
    """Take everything from a deque that other threads take from too.

    Every sending thread drains the same queues: "while queue: queue.popleft()" lets another
    thread take the last entry between the test and the pop, which once failed a test's call
    with an IndexError, so each pop itself decides.
    """
    taken = []
    while True:
        try:
            taken.append(queue.popleft())
        except IndexError:
            return taken
