"""What the static scan flags, and how it names what an expression refers to (posix is os)."""

from __future__ import annotations

import ast

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
    "mock": ("module_patch", "uses mock patching in a solution (the PyPI backport)"),
    "fcntl": ("file_descriptors", "imports fcntl (manipulates file descriptors)"),
    "trace": ("trace_hooks", "imports trace"),
    "sys": None,
    "os": None,
}
# The same functions under another module's name: posix and nt are what os re-exports.
MODULE_SYNONYMS = {"posix": "os", "nt": "os", "__builtins__": "builtins"}
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
    "os.writev": ("file_descriptors", "writes to raw file descriptors"),
    "os.pwrite": ("file_descriptors", "writes to raw file descriptors"),
    "os.sendfile": ("file_descriptors", "copies between raw file descriptors"),
    "os.dup2": ("file_descriptors", "rewires file descriptors"),
    "os.dup": ("file_descriptors", "duplicates file descriptors"),
    "os.close": ("file_descriptors", "closes raw file descriptors"),
    "os.closerange": ("file_descriptors", "closes raw file descriptors"),
    "os.fdopen": ("file_descriptors", "opens raw file descriptors"),
    "os.pipe": ("file_descriptors", "creates raw file descriptors (os.pipe)"),
    "os.pipe2": ("file_descriptors", "creates raw file descriptors (os.pipe2)"),
    "os.set_inheritable": ("file_descriptors", "passes file descriptors to child processes"),
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
# Functions that take an attribute name: with a computed one, the scan cannot see the target.
# hasattr is left out: it answers yes or no and hands back nothing.
ATTRIBUTE_FUNCTIONS = ("getattr", "setattr", "delattr")
ATTRIBUTE_GETTERS = ("operator.attrgetter", "operator.methodcaller")
ATTRIBUTE_DUNDERS = ("__getattribute__", "__getattr__", "__setattr__", "__delattr__")
# Functions that import a module by a name given as their first argument.
IMPORTERS = ("__import__", "importlib.import_module")
# Lookups by key on sys.modules, vars(module) or module.__dict__.
MAPPING_GETTERS = ("get", "pop", "setdefault", "__getitem__")
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


def join_name(base: str, attr: str) -> str:
    """Return base.attr as the tables name it: builtins.eval is eval."""
    if base == "builtins":
        return attr
    full = f"{base}.{attr}"
    return "__import__" if full == "importlib.__import__" else full


def canonical_name(name: str) -> str:
    """Return an imported dotted name as the tables name it: posix.dup2 is os.dup2."""
    head, *parts = name.split(".")
    result = MODULE_SYNONYMS.get(head, head)
    for part in parts:
        result = join_name(result, part)
    return result


def literal(node: ast.AST) -> str | None:
    """Return the string a node is when it is one string literal."""
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def fold(node: ast.AST) -> str | None:
    """Return the string a node spells out from literals alone ("du" + "p2"), else None."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = fold(node.left), fold(node.right)
        return None if left is None or right is None else left + right
    return literal(node)
