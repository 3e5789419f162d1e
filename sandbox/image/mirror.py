"""Find the Debian mirror this machine already uses, from its apt sources."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import ImageBuildFailed

APT_DIR = Path("/etc/apt")


def _deb822_entries(text: str) -> list[tuple[list[str], list[str], list[str]]]:
    entries = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        if fields.get("enabled", "yes").lower() == "no":
            continue
        entries.append(
            (
                fields.get("types", "").split(),
                fields.get("uris", "").split(),
                fields.get("suites", "").split(),
            )
        )
    return entries


def _one_line_entries(text: str) -> list[tuple[list[str], list[str], list[str]]]:
    entries = []
    for line in text.splitlines():
        line = re.sub(r"\[[^\]]*\]", " ", line.split("#", 1)[0]).split()
        if len(line) >= 3:
            entries.append(([line[0]], [line[1]], [line[2]]))
    return entries


def debian_mirror(suite: str = "bookworm", apt_dir: Path = APT_DIR) -> str:
    """Return the URI of the first enabled `deb` source serving `suite`."""
    entries = []
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        entries += _deb822_entries(path.read_text())
    for path in [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]:
        if path.is_file():
            entries += _one_line_entries(path.read_text())
    for types, uris, suites in entries:
        if "deb" in types and suite in suites and uris:
            return uris[0]
    raise ImageBuildFailed(f"no apt source for Debian {suite!r} under {apt_dir}")
