"""Validate the relative POSIX paths that name files inside a job."""

from __future__ import annotations

import re

# Only plain names: no spaces, quotes or shell/glob characters that could confuse a tool later.
_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
MAX_PATH_LENGTH = 200
MAX_DEPTH = 8


def path_problem(path: object) -> str | None:
    """Return why `path` is not a safe relative file path, or None when it is."""
    if not isinstance(path, str) or not path:
        return "is not a non-empty string"
    if "\\" in path:
        return "contains a backslash (paths use forward slashes)"
    if path.startswith("/"):
        return "is an absolute path"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in path):
        return "contains a control character"
    if len(path) > MAX_PATH_LENGTH:
        return f"is longer than {MAX_PATH_LENGTH} characters"
    parts = path.split("/")
    if len(parts) > MAX_DEPTH:
        return f"is nested deeper than {MAX_DEPTH} levels"
    for part in parts:
        if part == "..":
            return "climbs out of its folder with '..'"
        if part in ("", "."):
            return "has an empty or '.' component"
        if part.startswith("."):
            return "is or lies in a hidden file or folder"
        if not _PART.match(part):
            return f"has a component with unusual characters ({part!r})"
    return None
