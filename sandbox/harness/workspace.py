"""The run's folders on the scratch disk, and the cgroup's OOM counters."""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path


def write_tree(root: Path, files: dict[str, str]) -> dict[str, str]:
    """Write `files` under `root` and return their SHA-256 digests."""
    digests = {}
    for rel, text in files.items():
        if rel.startswith("/") or ".." in rel.split("/"):
            raise ValueError(f"unsafe path {rel!r}")
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode()
        path.write_bytes(data)
        digests[rel] = hashlib.sha256(data).hexdigest()
    return digests


def freeze_tree(root: Path) -> None:
    """Make the tests read-only: a speed bump only, as the same uid may chmod them back."""
    for path in sorted(root.rglob("*"), reverse=True):
        path.chmod(0o555 if path.is_dir() else 0o444)
    root.chmod(0o555)


def read_oom_counters() -> dict[str, int]:
    """Read this cgroup's OOM-kill and limit-hit counters (cgroup v1 or v2), where visible."""
    counters: dict[str, int] = {}
    for path, key in (
        ("/sys/fs/cgroup/memory/memory.oom_control", "oom_kill"),
        ("/sys/fs/cgroup/memory.events", "oom_kill"),
    ):
        try:
            for line in Path(path).read_text().splitlines():
                name, _, value = line.partition(" ")
                if name == key:
                    counters["oom_kill"] = counters.get("oom_kill", 0) + int(value)
        except (OSError, ValueError):
            continue
    with contextlib.suppress(OSError, ValueError):
        counters["failcnt"] = int(Path("/sys/fs/cgroup/memory/memory.failcnt").read_text())
    return counters


def module_names(paths: list[str]) -> list[str]:
    """Return the top-level module names the candidate's files define, sorted."""
    names = set()
    for path in paths:
        head, _, rest = path.partition("/")
        if rest.endswith(".py") or (not rest and head.endswith(".py")):
            names.add(head if rest else head[:-3])
    return sorted(n for n in names if n.isidentifier())
