"""What the candidate may do with a SQLite connection a test shares with it.

A test hands its own connection to the candidate's code so that what it measures (statements
through a trace callback, work through a progress handler) is measured in the tester. The
candidate may run SQL on it, but never change how the test observes or reads it: no hooks, no
factories that build the test's own rows, no replacing a built-in SQL function or collation that
the test's queries use, no untraced blob access.
"""

from __future__ import annotations

import functools
import sqlite3

from .executor import Ignored

# Hooks that watch or change what a test measures; native code; whole-database swaps; blob I/O
# that no trace callback sees.
DENIED = {
    "set_trace_callback",
    "set_authorizer",
    "set_progress_handler",
    "enable_load_extension",
    "load_extension",
    "serialize",
    "deserialize",
    "backup",
    "setlimit",
    "blobopen",
}
# Performed only under a new name. Under a built-in's name they are acknowledged and ignored:
# replacing upper() or count() would change the test's own queries, yet libraries register
# some on every connection (SQLAlchemy's SQLite dialect registers floor()).
REGISTERS = {"create_function", "create_aggregate", "create_window_function", "create_collation"}
SETTABLE = {"isolation_level"}  # row_factory and text_factory would build the test's own rows
BUILTIN_COLLATIONS = {"binary", "nocase", "rtrim"}


@functools.cache
def builtin_functions() -> frozenset[str]:
    """Return the SQL functions SQLite defines itself (read on a private connection)."""
    conn = sqlite3.connect(":memory:")
    try:
        names = {row[0].lower() for row in conn.execute("SELECT name FROM pragma_function_list")}
    finally:
        conn.close()
    return frozenset(names)


def settable(target: object, name: str) -> bool:
    """Tell whether the candidate may set attribute `name` of a test's object (rarely)."""
    return isinstance(target, sqlite3.Connection) and name in SETTABLE


def check(op: str, target: object, args: tuple) -> None:
    """Raise PermissionError when `op` on a shared connection would reach the test's side."""
    cls = target if isinstance(target, type) else type(target)
    if not issubclass(cls, sqlite3.Connection) or op not in ("getattr", "setattr", "callmethod"):
        return
    name = args[0]
    if name in DENIED:
        raise PermissionError(f"Connection.{name} is reserved for the tests")
    if op == "setattr" and name not in SETTABLE:
        raise PermissionError(f"Connection.{name} of a shared database cannot be changed")
    if name in REGISTERS:
        if op != "callmethod":  # the bound method would bypass the name check below
            raise PermissionError(f"call Connection.{name} directly")
        call_args = args[1] if len(args) > 1 else []
        sql_name = call_args[0] if call_args else None
        taken = BUILTIN_COLLATIONS if name == "create_collation" else builtin_functions()
        if not isinstance(sql_name, str):
            raise PermissionError(f"{name} needs a name")
        if sql_name.lower() in taken:
            raise Ignored(f"{name}({sql_name!r}) would replace a built-in of SQLite")
