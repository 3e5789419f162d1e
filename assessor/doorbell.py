"""A wake-up channel between processes on one host: FIFOs in a folder, rung with one byte.

A listener makes a FIFO named for its topic in the folder and waits on it; `ring(topic)` writes
a byte into every FIFO of that topic. A ring carries nothing but "look again": what changed is
in the database or the queue, so a ring that is lost costs a listener its timeout, no more.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
import select
import stat
import weakref
from pathlib import Path

log = logging.getLogger(__name__)

SUFFIX = ".fifo"


class Doorbell:
    """The FIFOs of one folder: ring them, or listen on a new one."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)

    def ring(self, *topics: str) -> int:
        """Wake every listener of these topics; return how many were reached. Never raises."""
        prefixes = tuple(f"{topic}." for topic in topics)
        reached = 0
        try:
            entries = [e for e in os.scandir(self.folder) if e.name.startswith(prefixes)]
        except OSError:
            return 0  # no folder: nobody has listened yet
        for entry in entries:
            if entry.name.endswith(SUFFIX) and _poke(entry.path):
                reached += 1
        return reached

    def listen(self, topic: str) -> Listener:
        """Start listening on `topic`; raise OSError if no FIFO can be made here."""
        return Listener(self.folder, topic)


def _poke(path: str) -> bool:
    # O_NONBLOCK: opening a FIFO nobody reads fails at once (ENXIO) instead of hanging, and a
    # full one (a busy listener with rings pending already) refuses the byte instead of blocking.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            # Nobody reads it: its listener died without removing it (a listener's FIFO only
            # gets its name once the listener holds it open).
            _unlink(path)
        return False
    try:
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return False  # only ever write into FIFOs, whatever else lands in the folder
        os.write(fd, b"!")
        return True
    except BlockingIOError:
        return True  # full of rings not yet read: it will look again anyway
    except OSError:
        return False
    finally:
        os.close(fd)


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _close(fd: int, path: str) -> None:
    _unlink(path)
    with contextlib.suppress(OSError):
        os.close(fd)


class Listener:
    """One FIFO, open for reading while this object lives (removed on close, exit or GC)."""

    live = True  # rings reach it (see assessor.changes.Subscription)

    def __init__(self, folder: Path, topic: str) -> None:
        # The umask decides who may ring, as it decided who may write the queue file next to
        # it. A ring from anyone else would cost a listener one needless look, nothing more.
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{topic}.{os.getpid()}.{secrets.token_hex(6)}"
        # Made under a name ringers skip, opened, then renamed: a FIFO under a listener's name
        # always has its reader, so "nobody reads it" reliably means "left by a dead process".
        draft = folder / f".{name}.new"
        os.mkfifo(draft)
        fd = -1
        try:
            # Read and write: with a writer always open, the FIFO never reads as ended (EOF)
            # between rings, and waiting on it stays a plain wait.
            fd = os.open(draft, os.O_RDWR | os.O_NONBLOCK)
            self.path = folder / f"{name}{SUFFIX}"
            os.rename(draft, self.path)
        except OSError:
            if fd >= 0:
                os.close(fd)
            _unlink(str(draft))
            raise
        self._fd = fd
        self._inode = os.fstat(fd).st_ino
        self._poll = select.poll()
        self._poll.register(fd, select.POLLIN)
        self._finalizer = weakref.finalize(self, _close, fd, str(self.path))

    def clear(self) -> None:
        """Forget the rings heard so far (call before looking at what they announce)."""
        try:
            while os.read(self._fd, 4096):
                pass
        except BlockingIOError:
            pass

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a ring (one already heard counts); consume them."""
        if not self._poll.poll(max(0, int(timeout * 1000))):
            return False
        self.clear()
        return True

    def intact(self) -> bool:
        """Tell whether ringers still find this listener (its FIFO was not removed or replaced)."""
        try:
            return os.stat(self.path).st_ino == self._inode
        except OSError:
            return False

    def close(self) -> None:
        self._finalizer()

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
