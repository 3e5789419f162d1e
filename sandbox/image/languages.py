"""The toolchains and datastores of the sandbox: each one a data row, all built the same way.

Every image is the default image's root fs (python3, the libraries, the harness: the agent is
Python) plus the row's Debian packages, environment and optional one-time setup command.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path

from .recipe import harness_version

# Bump when the way a row becomes an image changes without any row changing.
VARIANT_RECIPE = "1"
LABEL_IMAGE = "org.assessor.sandbox.image"
SCRIPT_DIR = Path(__file__).resolve().parent  # the scripts rows ship, by file name
SCRIPTS_IN_IMAGE = "/usr/local/lib/assessor"
STORE_SCRIPT_PATH = f"{SCRIPTS_IN_IMAGE}/store_entrypoint.py"
GOPROXY_DIR = "/usr/share/assessor/goproxy"
# Debian's Go libraries the go image serves as modules: PostgreSQL and Redis clients.
GO_MODULES = ("github.com/lib/pq", "github.com/gomodule/redigo")
# A store's entrypoint prints exactly one of these on stdout (the server logs to stderr).
READY_LINE = "assessor-store: ready"
FAILED_PREFIXES = ("assessor-store: seed failed: ", "assessor-store: start failed: ")


@dataclass(frozen=True)
class Variant:
    """One image: a language the candidate writes in, or a datastore a service uses."""

    name: str
    kind: str  # "language" or "store"
    packages: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    # Run once, as root and without network, in a container of the fresh image; the result
    # is committed. For work that needs the image's own binaries (initdb, go install std).
    setup: tuple[str, ...] = ()
    command: tuple[str, ...] = ()  # the image's CMD; empty: the harness's
    prune: tuple[str, ...] = ()  # globs of root fs entries never used in a sandbox, left out
    files: tuple[str, ...] = ()  # scripts of this folder shipped to SCRIPTS_IN_IMAGE
    links: tuple[tuple[str, str], ...] = ()  # (path, target) symbolic links added to the root fs
    port: int | None = None  # a store's port on the run's loopback

    @property
    def image(self) -> str:
        """Return the image name (python is the default sandbox image)."""
        if self.name == "python":
            from .recipe import default_image

            return default_image()
        prefix = "assessor-store" if self.kind == "store" else "assessor-sandbox"
        return f"{prefix}-{self.name}:latest"

    @property
    def label(self) -> str:
        """Return the label key that carries this image's version."""
        from .recipe import LABEL_HARNESS

        return LABEL_HARNESS if self.name == "python" else LABEL_IMAGE

    def version(self) -> str:
        """Return the hash of the harness, this row and its scripts: the image's label."""
        if self.name == "python":
            return harness_version()
        digest = hashlib.sha256(f"variant {VARIANT_RECIPE}\n{harness_version()}\n".encode())
        digest.update(repr(dataclasses.astuple(self)).encode())  # every field of the row
        for name in self.files:
            digest.update(f"\0{name}\0".encode() + (SCRIPT_DIR / name).read_bytes())
        return digest.hexdigest()[:20]


def _store_command(*args: str) -> tuple[str, ...]:
    return ("python3", "-I", "-B", STORE_SCRIPT_PATH, *args)


VARIANTS: dict[str, Variant] = {
    row.name: row
    for row in (
        Variant("python", "language"),  # the default sandbox image
        Variant(
            "node",
            "language",
            packages=("nodejs", "node-pg", "node-redis", "node-graphql"),
            # Debian's node finds its packages under /usr/share/nodejs for require() only; both
            # require() and `import` look in /node_modules last, from any folder.
            links=(("/node_modules", "/usr/share/nodejs"),),
        ),
        Variant(
            "go",
            "language",
            packages=(
                "golang-go",
                "golang-github-lib-pq-dev",
                "golang-github-gomodule-redigo-dev",
            ),
            env=(
                ("GOCACHE", "/tmp/work/.cache/go-build"),  # noqa: S108 - the run's tmpfs
                ("GOPATH", "/tmp/work/go"),  # noqa: S108 - the run's tmpfs
                ("GOFLAGS", "-mod=mod"),
                # Modules come only from the image's own proxy of Debian's Go libraries
                # (lib/pq, redigo), never from the network; nothing to check them against.
                ("GOPROXY", f"file://{GOPROXY_DIR}"),
                ("GOSUMDB", "off"),
                ("GOTOOLCHAIN", "local"),
                ("CGO_ENABLED", "0"),
            ),
            # Debian ships std compiled with cgo; recompiled without it here, so each build
            # compiles only the candidate's packages instead of net/http and its dependencies.
            setup=(
                "sh",
                "-c",
                # (rm: the build cache of `go install` would otherwise weigh 24 MB in the image)
                "go install std && rm -rf /tmp/work && python3 -I -B "
                f"{SCRIPTS_IN_IMAGE}/goproxy.py {GOPROXY_DIR} {' '.join(GO_MODULES)}",
            ),
            files=("goproxy.py",),
            # The compiler's own packages (145 MB): only rebuilding the toolchain needs them.
            prune=("./usr/lib/go-*/pkg/linux_amd64/cmd", "./usr/lib/go-*/pkg/linux_amd64/cmd/*"),
        ),
        Variant(
            "java",
            "language",
            packages=("openjdk-17-jdk-headless", "libpostgresql-jdbc-java"),
            env=(
                # A JVM sized for a 256-512 MB container, starting fast (C1 only, serial GC).
                (
                    "JAVA_TOOL_OPTIONS",
                    "-XX:+UseSerialGC -Xss512k -XX:MaxRAMPercentage=60 -XX:TieredStopAtLevel=1",
                ),
                ("CLASSPATH", ".:/usr/share/java/postgresql.jar"),
            ),
        ),
        Variant(
            "postgres",
            "store",
            packages=("postgresql-15",),
            # The JIT's LLVM (150 MB; jit is off) and the package's unused default cluster.
            prune=(
                "./usr/lib/*/libLLVM-*",
                "./usr/lib/*/libz3.so*",
                "./usr/lib/postgresql/*/lib/llvmjit*",
                "./usr/lib/postgresql/*/lib/bitcode*",
                "./var/lib/postgresql/*/main*",
                "./etc/postgresql/*/main*",
            ),
            setup=_store_command("init-postgres"),
            port=5432,
            files=("store_entrypoint.py",),
            command=_store_command("postgres"),
        ),
        Variant(
            "redis",
            "store",
            packages=("redis-server",),
            command=_store_command("redis"),
            port=6379,
            files=("store_entrypoint.py",),
        ),
    )
}
LANGUAGES = tuple(name for name, row in VARIANTS.items() if row.kind == "language")
STORES = tuple(name for name, row in VARIANTS.items() if row.kind == "store")


def variant(name: str) -> Variant:
    """Return the row called `name`; raise KeyError naming the known ones otherwise."""
    try:
        return VARIANTS[name]
    except KeyError:
        raise KeyError(f"no sandbox image {name!r}; known: {', '.join(VARIANTS)}") from None


def variant_of_image(image: str) -> Variant | None:
    """Return the row whose image is `image`, if any."""
    for row in VARIANTS.values():
        if row.image == image:
            return row
    return None
