"""The candidate's side: hold only the candidate's files, and run their code when the tests ask.

Started as `python3 -I -B -m sandbox_harness agent` in the candidate's own container. It reads its
files from stdin, listens on an abstract Unix socket of the network namespace it shares with the
tester, and serves the tester's one connection. Nothing of the tests is ever here.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import socket
import sys
from pathlib import Path

from .peer import Peer
from .policy import CandidatePolicy
from .workspace import write_tree

MAX_REQUEST_BYTES = 64 * 1024 * 1024
ACCEPT_TIMEOUT_S = 60.0
# Threads the tester's threads (and their callbacks) may occupy here at once.
MAX_WORKERS = 256
KEPT_ENVIRONMENT = {"PATH", "HOME", "LANG", "PYTHONDONTWRITEBYTECODE"}


def address(name: str) -> str:
    """Return the abstract socket address for `name` (no file anywhere, per network namespace)."""
    return "\0" + name


def prepare(files: dict[str, str], workdir: Path) -> int:
    """Write the candidate's files, put them on sys.path, start in a scratch folder.

    Returns a copy of the host's stdin, whose end tells the agent it may exit.
    """
    source = workdir / "src"
    scratch = workdir / "run"
    source.mkdir(parents=True, exist_ok=True)
    scratch.mkdir(parents=True, exist_ok=True)
    write_tree(source, files)
    # Appended, so the candidate's modules never shadow the standard library.
    sys.path.append(str(source))
    for key in set(os.environ) - KEPT_ENVIRONMENT:  # e.g. the engine's HOSTNAME
        del os.environ[key]
    os.chdir(scratch)
    # Nothing more comes on stdin: input() fails at once instead of hanging until the deadline.
    host = os.dup(0)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdout.reconfigure(line_buffering=True)
    return host


def serve(name: str, timeout_s: float = ACCEPT_TIMEOUT_S, source: str = "") -> None:
    """Accept the tester's connection and serve it until it closes."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address(name))
    listener.listen(1)
    listener.settimeout(timeout_s)
    try:
        conn, _ = listener.accept()
    finally:
        listener.close()
    conn.settimeout(None)
    peer = Peer(conn, CandidatePolicy(source), tester=False, max_workers=MAX_WORKERS)
    peer.read_loop()
    for violation in peer.violations:
        print(f"sandbox agent: {violation}", file=sys.stderr)


def linger(fd: int, seconds: float) -> None:
    """Wait until `fd` reaches its end, at most `seconds`."""
    if seconds <= 0:
        return
    ready, _, _ = select.select([fd], [], [], seconds)
    with contextlib.suppress(OSError):
        while ready and os.read(fd, 65536):
            ready, _, _ = select.select([fd], [], [], seconds)


def main() -> int:
    """Read the files and options from stdin, then serve the tester."""
    line = sys.stdin.buffer.readline(MAX_REQUEST_BYTES)
    try:
        request = json.loads(line)
        files = request["files"]
        options = request.get("options", {})
        name = str(options["address"])
    except (ValueError, KeyError, TypeError) as exc:
        print(f"sandbox agent: unreadable request: {exc!r}", file=sys.stderr)
        return 2
    workdir = Path(options.get("workdir", "/tmp/work"))  # noqa: S108 - private tmpfs
    if options.get("service"):  # an HTTP service: built and started, never served by the bridge
        from .service import run_service

        code = run_service(files, options["service"], workdir)
        os._exit(code)
    host = prepare(files, workdir)
    serve(name, float(options.get("accept_timeout_s", ACCEPT_TIMEOUT_S)), str(workdir / "src"))
    sys.stdout.flush()
    sys.stderr.flush()
    # Stay until the host has read this container's memory counters and hangs up.
    linger(host, float(options.get("linger_s", 0.0)))
    # Candidate threads may still run: the tests are over, so end them all at once.
    os._exit(0)
