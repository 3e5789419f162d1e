#!/usr/bin/python3
"""Start a run's datastore on 127.0.0.1, apply the seed read from stdin, announce readiness.

Runs in the store images as the sandbox user, with a read-only root and a tmpfs at /tmp:
    entrypoint.py postgres | redis     serve (the image's CMD)
    entrypoint.py init-postgres        initialise the cluster (once, when the image is built)
The seed is read until EOF (close stdin; an empty stdin seeds nothing). stdout then carries
exactly one line: `assessor-store: ready`, or `assessor-store: seed failed: <reason>` or
`assessor-store: start failed: <reason>` and exit 1. The server's own log goes to stderr.
"""

import glob
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time

READY = "assessor-store: ready"
PGDATA = "/var/lib/assessor/pgdata"
TMP = "/tmp"  # noqa: S108 - the container's private tmpfs, the only writable place
RUN_PGDATA = f"{TMP}/pgdata"
SANDBOX_UID = 10001
HOST = "127.0.0.1"
START_S = 30.0


PG_HBA = """\
local all all trust
host app app 127.0.0.1/32 trust
host all all 127.0.0.1/32 reject
host all all ::1/128 reject
"""


class SeedFailed(Exception):
    """The challenge's seed did not apply."""


def pg_bin(name):
    """Return the path of a PostgreSQL server program (not on PATH in Debian)."""
    return sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))[-1]


def init_postgres():
    """Create the cluster, the role `app` and its database, owned by the sandbox user."""
    os.makedirs(os.path.dirname(PGDATA), exist_ok=True)
    os.chown(os.path.dirname(PGDATA), SANDBOX_UID, SANDBOX_UID)
    os.setgroups([])
    os.setgid(SANDBOX_UID)
    os.setuid(SANDBOX_UID)
    # trust: the server listens only on the run's private loopback, which only the run's own
    # containers share; there is no password to keep from anyone.
    initdb = [pg_bin("initdb"), "-D", PGDATA, "-U", "postgres", "--auth=trust"]
    # 1 MB WAL segments: the directory each run copies stays small.
    subprocess.run([*initdb, "-E", "UTF8", "--locale=C.UTF-8", "--wal-segsize=1"], check=True)
    sql = "CREATE ROLE app LOGIN;\nCREATE DATABASE app OWNER app;\n"
    single = [pg_bin("postgres"), "--single", "-D", PGDATA, "-F"]
    subprocess.run(
        [*single, "template1"], input=sql, text=True, check=True, stdout=subprocess.DEVNULL
    )
    # Statement statistics for tests that judge work done (calls, buffers), in a schema the
    # superuser owns: `app` owns `public`, and could otherwise drop the view and forge one.
    stats = (
        "CREATE SCHEMA stats;\nCREATE EXTENSION pg_stat_statements SCHEMA stats;\n"
        "GRANT USAGE ON SCHEMA stats TO app;\n"
    )
    subprocess.run([*single, "app"], input=stats, text=True, check=True, stdout=subprocess.DEVNULL)
    # Over TCP only `app` may log in: the superuser is reachable through the store's own
    # socket alone, so the candidate's service cannot reset statistics or run server programs.
    with open(os.path.join(PGDATA, "pg_hba.conf"), "w") as handle:
        handle.write(PG_HBA)


def start_postgres():
    """Copy the prepared cluster to the tmpfs and start it; return the server process."""
    shutil.copytree(PGDATA, RUN_PGDATA)
    os.chmod(RUN_PGDATA, 0o700)
    options = {
        "listen_addresses": HOST,  # loopback only, were a network ever attached by mistake
        "port": "5432",
        "unix_socket_directories": TMP,
        # A run's database lives minutes in memory: durability only costs time.
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "shared_buffers": "16MB",
        "max_connections": "30",
        "dynamic_shared_memory_type": "mmap",  # no reliance on /dev/shm
        "huge_pages": "off",
        "jit": "off",  # the image leaves LLVM out; short test queries never gain from it
        "shared_preload_libraries": "pg_stat_statements",
        "pg_stat_statements.track": "all",
    }
    command = [pg_bin("postgres"), "-D", RUN_PGDATA]
    for key, value in options.items():
        command += ["-c", f"{key}={value}"]
    return subprocess.Popen(command, stdout=sys.stderr)


def postgres_ready(server):
    """Return whether the postmaster says it accepts connections."""
    try:
        with open(os.path.join(RUN_PGDATA, "postmaster.pid")) as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return False
    return len(lines) >= 8 and lines[7].strip() == "ready"


def seed_postgres(seed):
    """Apply the SQL seed as `app`, stopping at the first error."""
    command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"]  # -f: errors name lines
    command += ["-h", HOST, "-U", "app", "-d", "app"]
    done = subprocess.run(
        command, input=seed, capture_output=True, text=True, env={**os.environ, "HOME": TMP}
    )
    sys.stderr.write(done.stdout)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        errors = [line for line in lines if "ERROR:" in line or "FATAL:" in line]
        reason = (errors or lines or [f"psql exited {done.returncode}"])[0]
        # "psql:<stdin>:3: ERROR:  ..." names the seed's line 3
        raise SeedFailed(re.sub(r"^psql:<stdin>:(\d+): ", r"line \1: ", reason))


def start_redis():
    """Start Redis on loopback, nothing persisted; return the server process."""
    # Bound to loopback only, were a network ever attached by mistake; protected mode off
    # because the tests connect without a password over that loopback.
    command = ["redis-server", "--bind", HOST, "--port", "6379", "--save", "", "--appendonly"]
    command += ["no", "--dir", TMP, "--protected-mode", "no", "--daemonize", "no"]
    return subprocess.Popen(command, stdout=sys.stderr)


class RedisError(Exception):
    """Redis answered a command with an error."""


class RedisClient:
    """Speak just enough RESP to ping and seed (the redis library takes 0.4 s to import)."""

    def __init__(self):
        self.sock = socket.create_connection((HOST, 6379), timeout=5)
        self.replies = self.sock.makefile("rb")

    def call(self, *args):
        """Send one command; return its reply or raise RedisError."""
        parts = [b"*%d\r\n" % len(args)]
        for arg in args:
            data = arg.encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self.sock.sendall(b"".join(parts))
        return self.reply()

    def reply(self):
        line = self.replies.readline()
        if not line.endswith(b"\r\n"):
            raise ConnectionError("redis closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"-":
            raise RedisError(rest.decode(errors="replace"))
        if kind == b"$":
            size = int(rest)
            return None if size < 0 else self.replies.read(size + 2)[:-2]
        if kind == b"*":
            size = int(rest)
            return None if size < 0 else [self.reply() for _ in range(size)]
        return rest

    def close(self):
        self.replies.close()
        self.sock.close()


def redis_ready(server):
    """Return whether Redis answers PING (not LOADING, not refusing)."""
    try:
        client = RedisClient()
    except OSError:
        return False
    try:
        return client.call("PING") == b"PONG"
    except (OSError, RedisError):
        return False
    finally:
        client.close()


def seed_redis(seed, client_factory=RedisClient):
    """Run one command a line, quoted as redis-cli quotes; blank lines and # comments skipped."""
    client = client_factory()
    try:
        for number, line in enumerate(seed.splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                client.call(*shlex.split(line))
            except (ValueError, RedisError) as exc:
                raise SeedFailed(f"line {number}: {exc}") from exc
    finally:
        client.close()


STORES = {
    "postgres": (start_postgres, postgres_ready, seed_postgres),
    "redis": (start_redis, redis_ready, seed_redis),
}


def serve(name):
    """Start the store, wait until it is ready, seed it, announce it, then wait for the end."""
    start, ready, seed = STORES[name]
    started = time.monotonic()
    server = start()
    # Stopping the container stops the server cleanly (and fast) instead of orphaning it.
    signal.signal(signal.SIGTERM, lambda *_: server.send_signal(signal.SIGINT))
    deadline = time.monotonic() + START_S
    while not ready(server):
        if server.poll() is not None or time.monotonic() > deadline:
            print(f"assessor-store: start failed: {name} did not start", flush=True)
            server.kill()
            return 1
        time.sleep(0.01)
    try:
        text = sys.stdin.read()
        if text.strip():
            seed(text)
    except SeedFailed as exc:
        print(f"assessor-store: seed failed: {exc}", flush=True)
        server.send_signal(signal.SIGINT)
        server.wait()
        return 1
    print(f"{name} ready and seeded in {time.monotonic() - started:.2f}s", file=sys.stderr)
    print(READY, flush=True)
    return server.wait()


def main(argv):
    if argv == ["init-postgres"]:
        init_postgres()
        return 0
    if len(argv) == 1 and argv[0] in STORES:
        return serve(argv[0])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
