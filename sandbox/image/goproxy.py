#!/usr/bin/python3
"""Turn Debian's Go library sources into a module proxy on disk, so `go build` finds them offline.

Runs once when the go image is built (as root):  goproxy.py OUT MODULE...
Each MODULE (e.g. github.com/lib/pq) is read from /usr/share/gocode/src/MODULE and published
at the version of the Debian package that ships it; GOPROXY=file://OUT then serves it.
The modules they require in turn (test libraries, for these two) get a go.mod with no
requirements and no code: go reads them to build the module graph, never to compile.
"""

import json
import os
import re
import subprocess
import sys
import zipfile
from datetime import UTC, datetime

GOCODE = "/usr/share/gocode/src"
# Never part of a module zip: version control and the vendored copies of other modules.
SKIPPED_DIRS = {".git", ".hg", ".svn", "vendor"}


def escape(path):
    """Return the proxy's case-escaped form of a module path (upper case -> !lower)."""
    return re.sub(r"[A-Z]", lambda match: "!" + match.group().lower(), path)


def debian_version(directory):
    """Return the semantic version of the Debian package that ships `directory`."""
    owner = subprocess.run(["dpkg-query", "-S", directory], capture_output=True, text=True)
    package = owner.stdout.split(":", 1)[0].strip()
    version = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", package],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.match(r"^(?:\d+:)?(\d+\.\d+\.\d+)", version)
    if not match:
        raise SystemExit(f"{package} {version}: no semantic version")
    return "v" + match.group(1)


def module_files(root):
    """Yield (path, name in the zip) of the module's regular files, nested modules left out."""
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = sorted(
            name
            for name in subdirs
            if name not in SKIPPED_DIRS
            and not os.path.isfile(os.path.join(directory, name, "go.mod"))
            and not os.path.islink(os.path.join(directory, name))
        )
        for name in sorted(names):
            path = os.path.join(directory, name)
            if os.path.isfile(path) and not os.path.islink(path):
                yield path, os.path.relpath(path, root)


def requirements(mod):
    """Return the (module, version) pairs a go.mod requires."""
    pairs = re.findall(r"^require\s+([^\s(]+)\s+(\S+)", mod, re.M)
    for block in re.findall(r"^require\s*\((.*?)^\)", mod, re.M | re.S):
        for line in block.splitlines():
            fields = line.split("//")[0].split()
            if len(fields) == 2:
                pairs.append((fields[0], fields[1]))
    return pairs


def write_version(out, module, version, mod, stamp="2000-01-01T00:00:00Z"):
    """Write the list, info and mod files of one module version; return its folder."""
    target = os.path.join(out, escape(module), "@v")
    os.makedirs(target, exist_ok=True)
    listed = os.path.join(target, "list")
    versions = set()
    if os.path.exists(listed):
        with open(listed) as handle:
            versions = set(handle.read().split())
    files = {
        "list": "".join(f"{known}\n" for known in sorted(versions | {version})),
        f"{version}.info": json.dumps({"Version": version, "Time": stamp}),
        f"{version}.mod": mod,
    }
    for name, text in files.items():
        with open(os.path.join(target, name), "w") as handle:
            handle.write(text)
    return target


def publish(out, module):
    """Write MODULE's list, info, mod and zip files under `out`; return its go.mod."""
    root = os.path.join(GOCODE, module)
    with open(os.path.join(root, "go.mod")) as handle:
        mod = handle.read()
    declared = re.search(r"^module\s+(\S+)", mod, re.M).group(1).strip('"')
    if declared != module:
        raise SystemExit(f"{root}/go.mod declares {declared}, not {module}")
    version = debian_version(root)
    stamp = datetime.fromtimestamp(os.path.getmtime(os.path.join(root, "go.mod")), UTC)
    target = write_version(out, module, version, mod, stamp.strftime("%Y-%m-%dT%H:%M:%SZ"))
    with zipfile.ZipFile(os.path.join(target, f"{version}.zip"), "w") as archive:
        for path, name in module_files(root):
            archive.write(path, f"{module}@{version}/{name}")
    print(f"goproxy: {module} {version}")
    return mod


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out, modules = argv[0], argv[1:]
    required = set()
    for module in modules:
        required.update(requirements(publish(out, module)))
    for module, version in sorted(required):
        if module not in modules:
            write_version(out, module, version, f"module {module}\n")
            print(f"goproxy: {module} {version} (go.mod only)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
