"""Statically review a submission for ways of gaming the tests: flags for a human, not verdicts.

The defence is isolation: candidate code runs in its own container, apart from the test runner.
These flags are review signals on top of it. They point a reviewer at code reaching for process,
memory, descriptor or import internals, also through aliases, getattr, __import__ and
sys.modules. A static scan of Python cannot be complete: no flag is not proof of honest code.
"""

from __future__ import annotations

import ast
import collections
import hashlib
import threading
from collections.abc import Mapping

from .model import Flag
from .scan_rules import (
    ATTRIBUTE_DUNDERS,
    ATTRIBUTE_FLAGS,
    ATTRIBUTE_FUNCTIONS,
    ATTRIBUTE_GETTERS,
    CALL_FLAGS,
    COMPARISON_DUNDERS,
    IMPORT_FLAGS,
    IMPORTERS,
    MAPPING_GETTERS,
    MODULE_SYNONYMS,
    SUSPICIOUS_TEXT,
    SYS_ATTRIBUTE_FLAGS,
    canonical_name,
    fold,
    join_name,
    literal,
)


def _is_constant_return(body: list[ast.stmt]) -> bool:
    statements = [
        s for s in body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    return (
        len(statements) == 1
        and isinstance(statements[0], ast.Return)
        and isinstance(statements[0].value, ast.Constant)
    )


def _uses(body: list[ast.stmt], name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for s in body for n in ast.walk(s))


class _Scanner(ast.NodeVisitor):
    def __init__(self, path: str, local_modules: frozenset[str]) -> None:
        self.path = path
        self.local_modules = local_modules
        self.flags: list[Flag] = []
        self.aliases: dict[str, str] = {}  # local name -> module or module.attr it stands for
        self.modules: set[str] = set()  # top-level modules imported, by any means
        self.called: set[int] = set()  # ids of the nodes called as functions
        self.shadowed: set[str] = set()  # names the file binds itself (a variable called exit)

    def flag(self, code: str, message: str, node: ast.AST) -> None:
        self.flags.append(Flag(code, message, self.path, getattr(node, "lineno", None)))

    def resolve(self, node: ast.AST) -> str | None:
        """Return the dotted name an expression stands for, through imports, getattr, lookups."""
        if isinstance(node, ast.Name):
            if node.id in self.aliases:
                return canonical_name(self.aliases[node.id])
            return "builtins" if node.id == "__builtins__" else node.id
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return join_name(base, node.attr) if base else None
        if isinstance(node, ast.Subscript):
            return self._lookup(node.value, node.slice)
        if not isinstance(node, ast.Call):
            return None
        func, args = self.resolve(node.func), node.args
        if func == "getattr" and len(args) >= 2 and (name := fold(args[1])) is not None:
            base = self.resolve(args[0])
            return join_name(base, name) if base else None
        if func in IMPORTERS and args and (name := fold(args[0])) is not None:
            fromlist = len(args) >= 4 or any(k.arg == "fromlist" for k in node.keywords)
            return canonical_name(name if fromlist or func != "__import__" else name.split(".")[0])
        if isinstance(node.func, ast.Attribute) and node.func.attr in MAPPING_GETTERS and args:
            return self._lookup(node.func.value, args[0])
        return None

    def _namespace(self, node: ast.AST) -> str | None:
        """Return what a vars(x) or x.__dict__ mapping holds the attributes of."""
        if isinstance(node, ast.Attribute) and node.attr == "__dict__":
            return self.resolve(node.value)
        if isinstance(node, ast.Call) and self.resolve(node.func) == "vars" and len(node.args) == 1:
            return self.resolve(node.args[0])
        return None

    def _lookup(self, container: ast.AST, key: ast.AST) -> str | None:
        """Return what container[key] stands for: a module of sys.modules or an attribute."""
        name = fold(key)
        if name is None:
            return None
        if self.resolve(container) == "sys.modules":
            return canonical_name(name)
        owner = self._namespace(container)
        return join_name(owner, name) if owner else None

    def _import(self, module: str, node: ast.AST) -> None:
        head = module.split(".")[0]
        self.modules.add(MODULE_SYNONYMS.get(head, head))
        for candidate in (module, head):
            entry = IMPORT_FLAGS.get(candidate)
            if entry:
                self.flag(entry[0], f"{entry[1]} ({module})", node)
                return

    def _check_path(self, full: str, node: ast.AST) -> None:
        """Flag a dangerous function, sys attribute or submodule named by its full path."""
        base, _, attr = full.rpartition(".")
        if full in CALL_FLAGS:
            self.flag(*CALL_FLAGS[full], node)
        if base == "sys" and attr in SYS_ATTRIBUTE_FLAGS:
            self.flag(*SYS_ATTRIBUTE_FLAGS[attr], node)
        if base and IMPORT_FLAGS.get(full):
            self._import(full, node)  # unittest.mock reached from `import unittest`

    def _check_attribute(self, base: str | None, attr: str, node: ast.AST) -> None:
        if attr in ATTRIBUTE_FLAGS:
            self.flag(*ATTRIBUTE_FLAGS[attr], node)
        if base:
            self._check_path(join_name(base, attr), node)

    def _check_named(
        self, func: str, target: ast.AST | None, key: ast.AST, node: ast.AST, hidden: bool = True
    ) -> None:
        """Flag getattr-like access: a computed name hides its target, a literal one is checked."""
        if hidden and literal(key) is None:
            self.flag(
                "computed_access", f"{func}() with an attribute name computed at run time", node
            )
        name = fold(key)
        base = self.resolve(target) if target is not None else None
        for part in name.split(".") if name else ():  # attrgetter("f_back.f_globals")
            self._check_attribute(base, part, node)
            base = join_name(base, part) if base else None

    def _check_lookup(self, container: ast.AST, key: ast.AST, node: ast.AST) -> None:
        """Flag x[key] and x.get(key) on sys.modules, vars(module) and module.__dict__."""
        if self.resolve(container) == "sys.modules":
            if (module := fold(key)) is not None:
                self._import(module, node)
            return
        owner = self._namespace(container)
        if owner is None:
            return
        if literal(key) is None and self._is_module(owner):
            self.flag("computed_access", f"looks up a computed name in {owner}'s namespace", node)
        if (name := fold(key)) is not None:
            self._check_attribute(owner, name, node)

    def _check_import_call(self, func: str, node: ast.Call) -> None:
        keys = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "name")]
        if not keys:
            return
        if literal(keys[0]) is None:
            self.flag("computed_import", f"{func}() of a module named at run time", node)
        if (module := fold(keys[0])) is not None:
            self._import(module, node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._import(alias.name, node)
            self.aliases[alias.asname or alias.name.split(".")[0]] = (
                alias.name if alias.asname else alias.name.split(".")[0]
            )
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level:  # the submission's own package: keep it apart from the standard library
            module = "." * node.level + module
        else:
            self._import(module, node)
        for alias in node.names:
            full = f"{module}.{alias.name}"
            if alias.name == "*" and not node.level:
                self._bind_star(canonical_name(module))
                continue
            self.aliases[alias.asname or alias.name] = full
            if not node.level:
                self._check_path(canonical_name(full), node)
        self.generic_visit(node)

    def _bind_star(self, module: str) -> None:
        """Bind the names `from module import *` brings in that the tables know (os.dup2)."""
        for full in (*CALL_FLAGS, *(f"sys.{name}" for name in SYS_ATTRIBUTE_FLAGS)):
            base, _, name = full.rpartition(".")
            if base == module:
                self.aliases[name] = full

    def visit_Call(self, node: ast.Call) -> None:
        self.called.add(id(node.func))
        name = self.resolve(node.func)
        method = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if name in CALL_FLAGS:
            self.flag(*CALL_FLAGS[name], node)
        if name in ATTRIBUTE_FUNCTIONS and len(node.args) >= 2:
            # setattr(self, key, value) from a dict is everyday code and reaches nothing new;
            # a hidden name matters when writing to a module (or when reading anything).
            hidden = name == "getattr" or self._is_module(node.args[0])
            self._check_named(name, node.args[0], node.args[1], node, hidden)
        elif name in ATTRIBUTE_GETTERS:
            for key in node.args[:1] if name.endswith("methodcaller") else node.args:
                self._check_named(name, None, key, node)
        elif method in ATTRIBUTE_DUNDERS and node.args:
            unbound = len(node.args) == (3 if method == "__setattr__" else 2)
            target = node.args[0] if unbound else node.func.value
            hidden = method.startswith("__get") or self._is_module(target)
            self._check_named(method, target, node.args[int(unbound)], node, hidden)
        elif method in MAPPING_GETTERS and node.args:
            self._check_lookup(node.func.value, node.args[0], node)
        if name in IMPORTERS:
            self._check_import_call(name, node)
        elif name in ("setattr", "delattr") and node.args and self._is_module(node.args[0]):
            self.flag("module_patch", f"{name}() on module {self.resolve(node.args[0])}", node)
        elif name == "open" and len(node.args) >= 2 and isinstance(node.args[0], ast.Constant):
            mode = node.args[1]
            writing = isinstance(mode, ast.Constant) and isinstance(mode.value, str)
            if writing and set(mode.value) & set("wax+"):
                self.flag("file_write", f"writes to {node.args[0].value!r}", node)
        self.generic_visit(node)

    def _is_module(self, node: ast.AST | str | None) -> bool:
        """Tell whether a name lies in builtins or an imported module not the submission's own."""
        name = node if isinstance(node, str | None) else self.resolve(node)
        head = (name or "").split(".")[0]
        return head == "builtins" or head in self.modules - self.local_modules - {""}

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._check_attribute(self.resolve(node.value), node.attr, node)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self._check_lookup(node.value, node.slice, node)
        self.generic_visit(node)

    def visit_Module(self, node: ast.Module) -> None:
        for child in ast.walk(node):
            if isinstance(child, ast.Name) and not isinstance(child.ctx, ast.Load):
                self.shadowed.add(child.id)
            elif isinstance(child, ast.arg | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                self.shadowed.add(child.arg if isinstance(child, ast.arg) else child.name)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        """Flag a dangerous function used as a value (f = eval); calls are visit_Call's."""
        if node.id == "__builtins__":
            self.flag(*ATTRIBUTE_FLAGS["__builtins__"], node)
        if isinstance(node.ctx, ast.Load) and id(node) not in self.called:
            name = self.resolve(node)
            if node.id in self.aliases or node.id not in self.shadowed:
                if name in ATTRIBUTE_FUNCTIONS:
                    self.flag("computed_access", f"passes {name} around, hiding its target", node)
                self._check_path(name, node)

    def _bind(self, target: ast.AST, value: ast.AST) -> None:
        """Track `o = os` and `m = __import__("gc")` like imports, so o.dup2 resolves."""
        name = self.resolve(value)
        if isinstance(target, ast.Name) and name and name.split(".")[0] in self.modules:
            self.aliases[target.id] = name

    def _check_targets(self, targets: list[ast.expr], node: ast.AST) -> None:
        for target in targets:
            if isinstance(target, ast.Attribute):
                base = self.resolve(target.value)
                if (base or "").split(".")[0] == "builtins":
                    self.flag("builtins_patch", f"replaces builtins.{target.attr}", node)
                elif self._is_module(base):
                    self.flag("module_patch", f"assigns {base}.{target.attr}", node)

    def visit_Assign(self, node: ast.Assign) -> None:
        self._check_targets(node.targets, node)
        for target in node.targets:
            dunder = isinstance(target, ast.Name) and target.id in (*COMPARISON_DUNDERS, "__hash__")
            if (
                dunder
                and isinstance(node.value, ast.Lambda)
                and (
                    isinstance(node.value.body, ast.Constant)
                    or len(node.value.args.args) < 2
                    or not _uses([ast.Expr(node.value.body)], node.value.args.args[1].arg)
                )
            ):
                self.flag("always_equal", f"{target.id} is a lambda ignoring its argument", node)
        self.generic_visit(node)
        for target in node.targets:
            self._bind(target, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check_targets([node.target], node)
        self.generic_visit(node)
        if node.value is not None:
            self._bind(node.target, node.value)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.generic_visit(node)
        self._bind(node.target, node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_targets([node.target], node)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name in COMPARISON_DUNDERS:
            args = node.args.args
            if _is_constant_return(node.body):
                self.flag("always_equal", f"{node.name} returns a constant", node)
            elif len(args) < 2 or not _uses(node.body, args[1].arg):
                self.flag("always_equal", f"{node.name} ignores the object it compares to", node)
        elif node.name == "__hash__" and _is_constant_return(node.body):
            self.flag("always_equal", "__hash__ returns a constant", node)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and any(t in node.value for t in SUSPICIOUS_TEXT):
            self.flag("test_files_access", f"refers to harness paths: {node.value[:60]!r}", node)


# CPython before 3.11.8 keeps ast.parse's recursion bookkeeping per interpreter, not per
# thread: two threads parsing at once (a worker grading two submissions) can fail with
# "SystemError: AST constructor recursion depth mismatch". Parsing is quick; serialize it.
_PARSE_LOCK = threading.Lock()
# Files scanned recently, by path, content hash and the submission's own module names: a
# candidate runs the public tests again and again on mostly unchanged files. Only the digest and
# the flags are kept (never the source), and a bound keeps a long-lived worker's memory flat.
CACHE_SIZE = 1024


class ScanCache:
    """A bounded, thread-safe map from a file's identity to its flags, least recently used out."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._entries: collections.OrderedDict[tuple, tuple[Flag, ...]] = collections.OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple) -> tuple[Flag, ...] | None:
        """Return the flags stored under `key`, or None."""
        with self._lock:
            flags = self._entries.get(key)
            if flags is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return flags

    def put(self, key: tuple, flags: tuple[Flag, ...]) -> None:
        """Store flags under `key`, dropping the least recently used entry past the bound."""
        with self._lock:
            self._entries[key] = flags
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        """Forget every entry and reset the counters."""
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0


_cache = ScanCache()


def _cache_key(path: str, source: str, local_modules: frozenset[str]) -> tuple:
    digest = hashlib.sha256(source.encode("utf-8", "surrogatepass")).digest()
    return (path, digest, local_modules)


def scan_source(path: str, source: str, local_modules: frozenset[str] = frozenset()) -> list[Flag]:
    """Return the flags of one Python source file (from the cache when its content was seen)."""
    key = _cache_key(path, source, local_modules)
    cached = _cache.get(key)
    if cached is not None:
        return list(cached)
    flags = _scan(path, source, local_modules)
    _cache.put(key, tuple(flags))
    return flags


def _scan(path: str, source: str, local_modules: frozenset[str]) -> list[Flag]:
    try:
        with _PARSE_LOCK:
            tree = ast.parse(source, filename=path)
    except RecursionError:
        return [Flag("scan_incomplete", "nests too deeply to parse: review by hand", path)]
    except (SyntaxError, ValueError) as exc:
        return [
            Flag(
                "syntax_error",
                f"does not parse: {exc.msg if hasattr(exc, 'msg') else exc}",
                path,
                getattr(exc, "lineno", None),
            )
        ]
    scanner = _Scanner(path, local_modules)
    try:
        scanner.visit(tree)
    except RecursionError:  # hundreds of nested expressions: nobody writes that to solve a task
        scanner.flag("scan_incomplete", "nests too deeply to scan: review by hand", tree)
    return scanner.flags


def scan_files(files: Mapping[str, str]) -> tuple[Flag, ...]:
    """Return review flags for every Python file of a submission (others are not code)."""
    flags: list[Flag] = []
    local = frozenset(p.split("/")[0].removesuffix(".py") for p in files)
    for path in sorted(files):
        if path.endswith(".py"):
            flags.extend(scan_source(path, files[path], local))
    unique = dict.fromkeys(flags)  # one flag per code/line, in order
    return tuple(unique)
