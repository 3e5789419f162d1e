"""The hardened container specification: every limit and security option, with why."""

from __future__ import annotations

from typing import Any

from .image.recipe import AGENT_COMMAND, HARNESS_COMMAND, IMAGE_ENV, SANDBOX_UID
from .model import Limits

NOFILE = 256
LOG_MAX_SIZE = "1m"
SHM_MB = 8


LABEL_ROLE = "org.assessor.sandbox.role"
SCRATCH = "/tmp"  # noqa: S108 - each container's own private tmpfs
# A datastore's container: fixed limits, as the challenge's limits size the candidate's code.
# Measured: PostgreSQL with 25 connections open used ~100 MB (its 41 MB tmpfs cluster included)
# and 33 processes; it allows 30 connections (~40 processes). The margins cover a big seed.
STORE_MEMORY_MB = 512
STORE_PIDS = 128
STORE_SCRATCH_MB = 256  # the copied cluster (~40 MB), its WAL and the seed's data
STORE_FILE_MB = 1024
STORE_NOFILE = 1024  # PostgreSQL keeps many files open per backend; it adapts to the limit
STORE_SHM_MB = 64  # PostgreSQL's dynamic shared memory (parallel queries) lives in /dev/shm


def create_kwargs(
    image: str,
    limits: Limits,
    labels: dict[str, str],
    *,
    join: str | None = None,
    service: bool = False,
) -> dict[str, Any]:
    """Return the `APIClient.create_container` arguments of one container (host_config as kwargs).

    Without `join`, the candidate's container: it runs the agent and has no network but its own
    loopback. With `join` (the candidate container's id), the tester's container: it runs the
    supervisor and shares that loopback-only namespace, its only way to the candidate's code.
    `service` makes the candidate's container run a service: a compiled program must run.
    """
    from docker.types import LogConfig, Ulimit

    file_bytes = limits.file_mb * 1024 * 1024
    host_config = {
        # No interface but loopback: no exfiltration, no downloads, no attacks on the network.
        # The tester joins the candidate's namespace, so the two share that loopback and nothing
        # else (each keeps its own file system, processes and IPC).
        "network_mode": "none" if join is None else f"container:{join}",
        # Nothing outside the scratch tmpfs is writable: no planting files for later runs.
        "read_only": True,
        # The only writable place; sized so filling it cannot exhaust the host's memory or disk.
        "tmpfs": {SCRATCH: _scratch(limits.scratch_mb, exec_=service and join is None)},
        # Every capability dropped: no raw sockets, chown, mount, ptrace of others, etc.
        "cap_drop": ["ALL"],
        # Set-uid binaries cannot raise privileges; the default seccomp profile stays on.
        "security_opt": ["no-new-privileges"],
        # Fork bombs stop at this many processes and threads.
        "pids_limit": limits.pids,
        # Memory bombs hit this; memory+swap equal means no escape into swap.
        "mem_limit": f"{limits.memory_mb}m",
        "memswap_limit": f"{limits.memory_mb}m",
        # CPU loops get this share of the host and no more.
        "nano_cpus": int(limits.cpus * 1_000_000_000),
        "ulimits": [
            # Descriptor exhaustion stays inside the run.
            Ulimit(name="nofile", soft=NOFILE, hard=NOFILE),
            # A single file larger than this fails with EFBIG (Python ignores SIGXFSZ).
            Ulimit(name="fsize", soft=file_bytes, hard=file_bytes),
            # No core dumps: they would write memory (and secrets in it) to disk.
            Ulimit(name="core", soft=0, hard=0),
        ],
        # A real init reaps zombies, so orphaned children cannot pile up unreaped.
        "init": True,
        # Output floods are cut by the host; the engine's own log is capped too (host disk).
        "log_config": LogConfig(
            type="json-file", config={"max-size": LOG_MAX_SIZE, "max-file": "1"}
        ),
        # /dev/shm is another writable tmpfs: keep it small.
        "shm_size": f"{SHM_MB}m",
        # A private IPC namespace: no shared memory with other containers.
        "ipc_mode": "private",
    }
    environment = dict(IMAGE_ENV)
    if service and join is None:  # a toolchain's image sets its own PATH (e.g. Go's bin folder)
        del environment["PATH"]
    spec = {
        "image": image,
        "command": list(HARNESS_COMMAND if join else AGENT_COMMAND),
        # Non-root: even inside the container the tests own nothing but the scratch space.
        "user": f"{SANDBOX_UID}:{SANDBOX_UID}",
        "working_dir": "/tmp",  # noqa: S108 - the container's private tmpfs
        # Only what we set (over the image's own): nothing of the worker's environment
        # (secrets) reaches the run.
        "environment": environment,
        "labels": {**labels, LABEL_ROLE: "tester" if join else "candidate"},
        # The job arrives on stdin (stdin_open without detach also sets StdinOnce).
        "stdin_open": True,
        "tty": False,
        "host_config": host_config,
    }
    if join is None:  # a joined container takes its namespace's host name and network
        spec.update(hostname="sandbox", network_disabled=True)
    return spec


def _scratch(size_mb: int, *, exec_: bool = False) -> str:
    """Return the mount options of the scratch tmpfs.

    noexec: no dropped binaries are executed (Python only reads the .py files it imports);
    nosuid/nodev: no set-uid helpers or device nodes. A service's container must run what its
    build compiled (a Go binary), so there it executes, still without set-uid or devices: the
    binary has no more rights than the interpreter that could already run anything.
    """
    # The engine mounts a tmpfs noexec unless told `exec`.
    flags = "rw,exec,nosuid,nodev" if exec_ else "rw,nosuid,nodev,noexec"
    return f"{flags},size={size_mb}m,mode=1777"


def store_kwargs(image: str, kind: str, labels: dict[str, str], *, join: str) -> dict[str, Any]:
    """Return the create arguments of a datastore's container, joined to the run's namespace.

    The store runs its image's own entrypoint: it reads the seed on stdin, then serves on the
    run's loopback only. It is hardened like the sandbox's two containers, with fixed limits.
    """
    from docker.types import LogConfig, Ulimit

    file_bytes = STORE_FILE_MB * 1024 * 1024
    host_config = {
        # The run's loopback and nothing else: reachable by the service and the tests only.
        "network_mode": f"container:{join}",
        # Nothing outside the scratch tmpfs is writable (the cluster is copied there).
        "read_only": True,
        "tmpfs": {SCRATCH: _scratch(STORE_SCRATCH_MB)},
        # As the others: no capability, no privilege gain, the default seccomp profile.
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        # A service opening connections in a loop forks PostgreSQL backends up to this.
        "pids_limit": STORE_PIDS,
        # A query or a seed that balloons stops here, not in the host's memory.
        "mem_limit": f"{STORE_MEMORY_MB}m",
        "memswap_limit": f"{STORE_MEMORY_MB}m",
        "nano_cpus": 1_000_000_000,
        "ulimits": [
            Ulimit(name="nofile", soft=STORE_NOFILE, hard=STORE_NOFILE),
            Ulimit(name="fsize", soft=file_bytes, hard=file_bytes),
            Ulimit(name="core", soft=0, hard=0),
        ],
        "init": True,
        "log_config": LogConfig(
            type="json-file", config={"max-size": LOG_MAX_SIZE, "max-file": "1"}
        ),
        "shm_size": f"{STORE_SHM_MB}m",
        "ipc_mode": "private",
    }
    return {
        "image": image,
        "user": f"{SANDBOX_UID}:{SANDBOX_UID}",
        "working_dir": "/tmp",  # noqa: S108 - the container's private tmpfs
        "labels": {**labels, LABEL_ROLE: f"store-{kind}"},
        "stdin_open": True,  # the seed arrives on stdin, which is then closed
        "tty": False,
        "host_config": host_config,
    }
