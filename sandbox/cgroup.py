"""Read a container's OOM-kill evidence from the host's cgroup files while it still exists.

An OOM kill of a child process (not the container's main process) leaves the container running,
so engine state alone can miss it; the memory cgroup's counters do not.
"""

from __future__ import annotations

from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def _candidates(container_id: str, parent: str, root: Path) -> list[tuple[Path, str]]:
    parent = (parent or "docker").strip("/")
    return [
        # cgroup v1 (cgroupfs driver, then systemd driver)
        (root / "memory" / parent / container_id / "memory.oom_control", "oom_kill"),
        (
            root / "memory/system.slice" / f"docker-{container_id}.scope/memory.oom_control",
            "oom_kill",
        ),
        # cgroup v2
        (root / parent / container_id / "memory.events", "oom_kill"),
        (root / "system.slice" / f"docker-{container_id}.scope/memory.events", "oom_kill"),
    ]


def oom_kills(container_id: str, parent: str = "", root: Path | None = None) -> int | None:
    """Return the container's OOM-kill count, or None when its cgroup is not visible."""
    for path, key in _candidates(container_id, parent, root or CGROUP_ROOT):
        try:
            text = path.read_text()
        except OSError:
            continue
        for line in text.splitlines():
            name, _, value = line.partition(" ")
            if name == key and value.strip().isdigit():
                return int(value)
    return None
