"""Label sandbox containers with their owner and deadline, and sweep the ones left behind.

Two workers may share one engine, so the sweep removes only containers whose deadline has
passed (plus a grace) or whose owner process on this host is gone; a live run is never touched.
"""

from __future__ import annotations

import os
import socket
import time

LABEL = "org.assessor.sandbox"
LABEL_OWNER_HOST = "org.assessor.sandbox.owner-host"
LABEL_OWNER_PID = "org.assessor.sandbox.owner-pid"
LABEL_OWNER_START = "org.assessor.sandbox.owner-start"
LABEL_DEADLINE = "org.assessor.sandbox.deadline"
SWEEP_GRACE_S = 60.0


def process_start(pid: int) -> str | None:
    """Return a process's start time in clock ticks since boot (tells a reused pid apart)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return fields[19].decode()
    except (OSError, IndexError):
        return None


def run_labels(deadline_epoch: float, pid: int | None = None) -> dict[str, str]:
    """Return the labels of a container owned by this process and due by `deadline_epoch`."""
    pid = pid or os.getpid()
    return {
        LABEL: "1",
        LABEL_OWNER_HOST: socket.gethostname(),
        LABEL_OWNER_PID: str(pid),
        LABEL_OWNER_START: process_start(pid) or "",
        LABEL_DEADLINE: f"{deadline_epoch:.0f}",
    }


def owner_alive(labels: dict[str, str]) -> bool | None:
    """Tell whether the owner process is alive; None when it runs on another host."""
    if labels.get(LABEL_OWNER_HOST) != socket.gethostname():
        return None
    try:
        pid = int(labels.get(LABEL_OWNER_PID, ""))
    except ValueError:
        return False
    start = process_start(pid)
    return start is not None and start == labels.get(LABEL_OWNER_START, start)


def is_orphan(labels: dict[str, str], now: float, grace_s: float = SWEEP_GRACE_S) -> bool:
    """Tell whether a labelled container may be removed without hurting a live run."""
    try:
        deadline = float(labels[LABEL_DEADLINE])
    except (KeyError, ValueError):
        deadline = 0.0  # not made by us properly: only its owner's death protects it
    if now > deadline + grace_s:
        return True
    return owner_alive(labels) is False


def sweep_orphans(client, *, now: float | None = None, grace_s: float = SWEEP_GRACE_S) -> list[str]:
    """Remove leftover sandbox containers (call at worker start); return the removed ids."""
    import docker

    now = time.time() if now is None else now
    removed = []
    for summary in client.api.containers(all=True, filters={"label": f"{LABEL}=1"}):
        if is_orphan(summary.get("Labels") or {}, now, grace_s):
            try:
                client.api.remove_container(summary["Id"], force=True)
                removed.append(summary["Id"])
            except docker.errors.NotFound:
                continue
    return removed
