"""Statically review a submission for ways of gaming the tests: flags for a human, not verdicts.

Every runtime defence of the harness is backed here by a flag a reviewer will see, so a wrong
answer that slips past the runtime checks is still never a silent pass.
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Mapping

from .model import Flag

# module -> (flag code, why it matters for grading)
IMPORT_FLAGS = {
    "pytest": ("pytest_internals", "imports the test framework in a solution"),
    "_pytest": ("pytest_internals", "imports pytest internals"),
    "pluggy": ("pytest_internals", "imports pytest's plugin machinery"),
    "gc": ("gc_access", "imports gc, which can reach any live object (tests, results)"),
    "ctypes": ("ctypes", "imports ctypes, which can rewrite memory and call libc"),
    "cffi": ("ctypes", "imports cffi, which can rewrite memory and call libc"),
    "signal": ("signal_use", "imports signal (can stop or kill the grading process)"),
    "atexit": ("atexit", "registers exit handlers (can act after the tests ran)"),
    "builtins": ("builtins_patch", "imports builtins (can replace built-in functions)"),
    "importlib": ("import_hooks", "uses importlib (can load or replace modules)"),
    "subprocess": ("process_spawn", "starts processes (background work, escaping the harness)"),
    "multiprocessing": ("process_spawn", "starts processes (background work)"),
    "socket": ("network", "uses sockets (the sandbox has no network)"),
    "inspect": ("frame_inspection", "imports inspect (can read the caller's frames)"),
    "unittest.mock": ("module_patch", "uses mock patching in a solution"),
    "trace": ("trace_hooks", "imports trace"),
    "sys": None,
    "os": None,
}
CALL_FLAGS = {
    "os._exit": ("hard_exit", "ends the process without reporting (os._exit)"),
    "os.abort": ("hard_exit", "aborts the process"),
    "sys.exit": ("hard_exit", "exits the process (sys.exit)"),
    "exit": ("hard_exit", "exits the process (exit)"),
    "quit": ("hard_exit", "exits the process (quit)"),
    "os.kill": ("signal_use", "sends signals (can kill the grading process)"),
    "os.killpg": ("signal_use", "sends signals to a process group"),
    "os.fork": ("process_spawn", "forks the process"),
    "os.system": ("process_spawn", "runs a shell command"),
    "os.popen": ("process_spawn", "runs a shell command"),
    "os.setsid": ("process_spawn", "detaches from the session (daemonising)"),
    "os.write": ("file_descriptors", "writes to raw file descriptors (e.g. the report pipe)"),
    "os.dup2": ("file_descriptors", "rewires file descriptors"),
    "os.dup": ("file_descriptors", "duplicates file descriptors"),
    "os.close": ("file_descriptors", "closes raw file descriptors"),
    "os.fdopen": ("file_descriptors", "opens raw file descriptors"),
    "os.chmod": ("test_files_access", "changes file permissions"),
    "sys._getframe": ("frame_inspection", "reads the caller's frames (sys._getframe)"),
    "inspect.currentframe": ("frame_inspection", "reads frames (inspect.currentframe)"),
    "inspect.stack": ("frame_inspection", "reads the call stack (inspect.stack)"),
    "inspect.getouterframes": ("frame_inspection", "reads outer frames"),
    "sys.settrace": ("trace_hooks", "installs a trace function"),
    "sys.setprofile": ("trace_hooks", "installs a profile function"),
    "threading.settrace": ("trace_hooks", "installs a thread trace function"),
    "threading.setprofile": ("trace_hooks", "installs a thread profile function"),
    "eval": ("dynamic_code", "evaluates code built at run time (eval)"),
    "exec": ("dynamic_code", "executes code built at run time (exec)"),
    "compile": ("dynamic_code", "compiles code at run time"),
    "__import__": ("dynamic_code", "imports modules by computed name (__import__)"),
    "atexit.register": ("atexit", "registers exit handlers"),
}
ATTRIBUTE_FLAGS = {
    "f_back": ("frame_inspection", "walks to the caller's frame (f_back)"),
    "f_locals": ("frame_inspection", "reads or writes a frame's locals (f_locals)"),
    "f_globals": ("frame_inspection", "reads a frame's globals (f_globals)"),
    "tb_frame": ("frame_inspection", "reaches frames through a traceback"),
    "gi_frame": ("frame_inspection", "reaches a generator's frame"),
    "__subclasses__": ("introspection", "walks the class hierarchy (__subclasses__)"),
    "__builtins__": ("builtins_patch", "touches __builtins__"),
    "__code__": ("introspection", "reads or swaps function code objects"),
    "__globals__": ("introspection", "reaches a function's globals"),
}
SYS_ATTRIBUTE_FLAGS = {
    "modules": ("sys_modules", "reads or changes sys.modules (can swap loaded modules)"),
    "meta_path": ("import_hooks", "changes import machinery (sys.meta_path)"),
    "path_hooks": ("import_hooks", "changes import machinery (sys.path_hooks)"),
    "path": ("import_hooks", "changes the import path (sys.path)"),
    "excepthook": ("trace_hooks", "replaces sys.excepthook"),
    "addaudithook": ("trace_hooks", "installs an audit hook"),
}
COMPARISON_DUNDERS = ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__")
SUSPICIOUS_TEXT = (
    "/tmp/job",  # noqa: S108 - a string searched for, not a path used
    "/tests/",
    "../tests",
    "conftest",
    "__pycache__",
    ".pyc",
    "_pytest",
    "@@ASSESSOR",
)


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


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

    def flag(self, code: str, message: str, node: ast.AST) -> None:
        self.flags.append(Flag(code, message, self.path, getattr(node, "lineno", None)))

    def resolve(self, node: ast.AST) -> str | None:
        dotted = _dotted(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        base = self.aliases.get(head, head)
        return f"{base}.{rest}" if rest else base

    def _import(self, module: str, node: ast.AST) -> None:
        for candidate in (module, module.split(".")[0]):
            entry = IMPORT_FLAGS.get(candidate)
            if entry:
                self.flag(entry[0], f"{entry[1]} ({module})", node)
                return

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._import(alias.name, node)
            self.aliases[alias.asname or alias.name.split(".")[0]] = (
                alias.name if alias.asname else alias.name.split(".")[0]
            )
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level == 0:
            self._import(module, node)
        for alias in node.names:
            full = f"{module}.{alias.name}"
            self.aliases[alias.asname or alias.name] = full
            self._check_name(full, node)
            if module == "sys" and alias.name in SYS_ATTRIBUTE_FLAGS:
                self.flag(*SYS_ATTRIBUTE_FLAGS[alias.name], node)
        self.generic_visit(node)

    def _check_name(self, full: str, node: ast.AST) -> None:
        entry = CALL_FLAGS.get(full)
        if entry:
            self.flag(entry[0], entry[1], node)

    def visit_Call(self, node: ast.Call) -> None:
        name = self.resolve(node.func)
        if name in CALL_FLAGS:
            self.flag(*CALL_FLAGS[name], node)
        elif name in ("setattr", "delattr") and node.args:
            target = self.resolve(node.args[0])
            if target == "builtins" or (target and target.split(".")[0] in self._modules()):
                self.flag("module_patch", f"{name}() on module {target}", node)
        elif name == "open" and len(node.args) >= 2 and isinstance(node.args[0], ast.Constant):
            mode = node.args[1]
            writing = isinstance(mode, ast.Constant) and isinstance(mode.value, str)
            if writing and set(mode.value) & set("wax+"):
                self.flag("file_write", f"writes to {node.args[0].value!r}", node)
        self.generic_visit(node)

    def _modules(self) -> set[str]:
        """Return the foreign modules imported here (the submission's own are fair game)."""
        heads = {v.split(".")[0] for v in self.aliases.values()}
        return heads - self.local_modules - {""}

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in ATTRIBUTE_FLAGS:
            self.flag(*ATTRIBUTE_FLAGS[node.attr], node)
        base = self.resolve(node.value)
        if base == "sys" and node.attr in SYS_ATTRIBUTE_FLAGS:
            self.flag(*SYS_ATTRIBUTE_FLAGS[node.attr], node)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "__builtins__":
            self.flag(*ATTRIBUTE_FLAGS["__builtins__"], node)

    def _check_targets(self, targets: list[ast.expr], node: ast.AST) -> None:
        for target in targets:
            if isinstance(target, ast.Attribute):
                base = self.resolve(target.value)
                head = (base or "").split(".")[0]
                if head == "builtins":
                    self.flag("builtins_patch", f"replaces builtins.{target.attr}", node)
                elif head in self._modules():
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


def scan_source(path: str, source: str, local_modules: frozenset[str] = frozenset()) -> list[Flag]:
    """Return the flags of one Python source file."""
    try:
        with _PARSE_LOCK:
            tree = ast.parse(source, filename=path)
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
    scanner.visit(tree)
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
