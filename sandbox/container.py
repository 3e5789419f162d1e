"""The hardened container specification: every limit and security option, with why."""

from __future__ import annotations

from typing import Any

from .image.recipe import AGENT_COMMAND, HARNESS_COMMAND, IMAGE_ENV, SANDBOX_UID
from .model import Limits

NOFILE = 256
LOG_MAX_SIZE = "1m"
SHM_MB = 8


LABEL_ROLE = "org.assessor.sandbox.role"


def create_kwargs(
    image: str, limits: Limits, labels: dict[str, str], *, join: str | None = None
) -> dict[str, Any]:
    """Return the `APIClient.create_container` arguments of one container (host_config as kwargs).

    Without `join`, the candidate's container: it runs the agent and has no network but its own
    loopback. With `join` (the candidate container's id), the tester's container: it runs the
    supervisor and shares that loopback-only namespace, its only way to the candidate's code.
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
        # noexec: no dropped binaries are executed (Python only reads the .py files it imports);
        # nosuid/nodev: no set-uid helpers or device nodes.
        "tmpfs": {
            "/tmp": f"rw,nosuid,nodev,noexec,size={limits.scratch_mb}m,mode=1777",  # noqa: S108 - private
        },
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
    spec = {
        "image": image,
        "command": list(HARNESS_COMMAND if join else AGENT_COMMAND),
        # Non-root: even inside the container the tests own nothing but the scratch space.
        "user": f"{SANDBOX_UID}:{SANDBOX_UID}",
        "working_dir": "/tmp",  # noqa: S108 - the container's private tmpfs
        # Only what we set: nothing of the worker's environment (secrets) reaches the run.
        "environment": dict(IMAGE_ENV),
        "labels": {**labels, LABEL_ROLE: "tester" if join else "candidate"},
        # The job arrives on stdin (stdin_open without detach also sets StdinOnce).
        "stdin_open": True,
        "tty": False,
        "host_config": host_config,
    }
    if join is None:  # a joined container takes its namespace's host name and network
        spec.update(hostname="sandbox", network_disabled=True)
    return spec
