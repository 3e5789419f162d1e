"""Read the `service` kind's challenge.yaml fields: languages, datastores and the start-up limit."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from assessor.kinds.base import ProblemSink
from sandbox.service import STORE_PORTS as PORT_OF_STORE

# A language is a data row: its label for people; the sandbox maps the name to an image.
LANGUAGES: dict[str, str] = {"python": "Python", "node": "Node.js", "go": "Go", "java": "Java"}
STORES: dict[str, str] = {"postgres": "PostgreSQL", "redis": "Redis"}
# The seed of each datastore, under tests/ (it never reaches the candidate's container).
SEEDS = {"postgres": "fixtures/postgres.sql", "redis": "fixtures/redis.txt"}
STORE_PORTS = {port: store for store, port in PORT_OF_STORE.items()}
LANGUAGE_KEYS = {"build", "start", "port", "ready"}
DEFAULT_READY = "/"
DEFAULT_STARTUP_S = 90
STARTUP_BOUNDS = (5, 900)
READY_RE = re.compile(r"^/[A-Za-z0-9._~/?=&%-]*$")
COMMAND_MAX = 1000


def read_service_options(
    data: Mapping[str, Any], starter: Mapping[str, str], problem: ProblemSink
) -> dict[str, Any]:
    """Check `languages`, `services` and `startup_s`; return them resolved, to store."""
    file = "challenge.yaml"
    languages = _languages(data.get("languages"), starter, problem)
    services = data.get("services", [])
    if not isinstance(services, list) or not all(isinstance(s, str) for s in services):
        problem(file, f"must be a list drawn from {', '.join(STORES)}", "services")
        services = []
    for name in services:
        if name not in STORES:
            problem(file, f"unknown datastore {name!r} (known: {', '.join(STORES)})", "services")
    if len(set(services)) != len(services):
        problem(file, "lists a datastore twice", "services")
    startup = data.get("startup_s", DEFAULT_STARTUP_S)
    low, high = STARTUP_BOUNDS
    if (
        isinstance(startup, bool)
        or not isinstance(startup, int | float)
        or not low <= startup <= high
    ):
        problem(
            file, f"must be a number of seconds from {low} to {high}, got {startup!r}", "startup_s"
        )
        startup = DEFAULT_STARTUP_S
    return {
        "languages": languages,
        "services": [s for s in dict.fromkeys(services) if s in STORES],
        "startup_s": float(startup),
    }


def _languages(
    declared: Any, starter: Mapping[str, str], problem: ProblemSink
) -> dict[str, dict[str, Any]]:
    file = "challenge.yaml"
    if not isinstance(declared, dict) or not declared:
        problem(
            file,
            f"must map each allowed language ({', '.join(LANGUAGES)}) to its start command "
            "and port",
            "languages",
        )
        return {}
    resolved: dict[str, dict[str, Any]] = {}
    for name, row in declared.items():
        where = f"languages.{name}"
        if name not in LANGUAGES:
            problem(file, f"unknown language (known: {', '.join(LANGUAGES)})", where)
            continue
        if not isinstance(row, dict):
            problem(file, "must be a mapping with start, port and optionally build, ready", where)
            continue
        for key in sorted(set(row) - LANGUAGE_KEYS, key=str):
            problem(
                file, f"unknown key (known: {', '.join(sorted(LANGUAGE_KEYS))})", f"{where}.{key}"
            )
        entry = {
            "start": _command(row.get("start"), f"{where}.start", problem, required=True),
            "build": _command(row.get("build", ""), f"{where}.build", problem, required=False),
            "port": _port(row.get("port"), f"{where}.port", problem),
            "ready": _ready(row.get("ready", DEFAULT_READY), f"{where}.ready", problem),
        }
        if not any(path.startswith(f"{name}/") for path in starter):
            problem("starter/", f"has no {name}/ folder for the {LANGUAGES[name]} starter", where)
        resolved[name] = entry
    ports = {row["port"] for row in resolved.values() if row["port"]}
    if len(ports) > 1:
        # One hidden suite serves every language: it reaches the service on one port.
        problem(file, f"every language must use the same port, got {sorted(ports)}", "languages")
    for path in starter:
        if path.split("/", 1)[0] not in declared:
            problem(f"starter/{path}", "lies outside every declared language's folder", None)
    return resolved


def _command(value: Any, field: str, problem: ProblemSink, *, required: bool) -> str:
    if value in (None, "") and not required:
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > COMMAND_MAX:
        problem("challenge.yaml", f"must be a shell command (at most {COMMAND_MAX} chars)", field)
        return ""
    return value.strip()


def _port(value: Any, field: str, problem: ProblemSink) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1024 <= value <= 65535:
        problem("challenge.yaml", f"must be a port from 1024 to 65535, got {value!r}", field)
        return 0
    if value in STORE_PORTS:
        problem("challenge.yaml", f"{value} belongs to the {STORE_PORTS[value]} datastore", field)
        return 0
    return value


def _ready(value: Any, field: str, problem: ProblemSink) -> str:
    if not isinstance(value, str) or not READY_RE.match(value):
        problem("challenge.yaml", f"must be an HTTP path such as /health, got {value!r}", field)
        return DEFAULT_READY
    return value
