"""Build the sandbox image without a registry: debootstrap Debian, add the libraries, import.

The debootstrapped base and the downloaded libraries are cached, so a rebuild that only changes
the harness takes seconds: it re-packs the cached base with the new harness and imports it.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import os
import platform
import py_compile
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..errors import ImageBuildFailed
from .mirror import debian_mirror
from .recipe import (
    HARNESS_MODULE,
    PYTHON_VERSION,
    REQUIREMENTS,
    SANDBOX_UID,
    SANDBOX_USER,
    SITE_DIR,
    harness_files,
    import_changes,
)

SUITE = "bookworm"
VARIANT = "minbase"
PACKAGES = ("python3",)
# Left out of the base: package caches, docs and translations nobody reads in a sandbox.
SLIM_PATHS = (
    "var/cache/apt/archives",
    "var/lib/apt/lists",
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
)
Progress = Callable[[str], None]


def _run(command: list[str], progress: Progress, what: str) -> None:
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    )
    tail: list[str] = []
    for line in process.stdout:
        tail = [*tail[-19:], line.rstrip()]
    if process.wait() != 0:
        raise ImageBuildFailed(f"{what} failed (exit {process.returncode}):\n" + "\n".join(tail))
    progress(f"  {what}: done")


def base_tarball(
    cache_dir: Path, progress: Progress, refresh: bool = False, packages: tuple[str, ...] = ()
) -> Path:
    """Return the cached debootstrapped root fs (python3 + `packages`), building it when missing."""
    packages = (*PACKAGES, *packages)
    key = hashlib.sha256(f"{SUITE}|{VARIANT}|{','.join(packages)}".encode()).hexdigest()[:12]
    target = cache_dir / f"base-{SUITE}-{key}.tar"
    if target.is_file() and not refresh:
        progress(f"base root fs: cached ({target})")
        return target
    if os.geteuid() != 0 or shutil.which("debootstrap") is None:
        raise ImageBuildFailed("debootstrap (run as root) is needed to build the base root fs")
    mirror = debian_mirror(SUITE)
    progress(f"base root fs: debootstrap {SUITE} ({VARIANT}, {', '.join(packages)}) from {mirror}")
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix="base-") as tmp:
        root = Path(tmp, "rootfs")
        _run(
            [
                "debootstrap",
                f"--variant={VARIANT}",
                f"--include={','.join(packages)}",
                SUITE,
                str(root),
                mirror,
            ],
            progress,
            "debootstrap",
        )
        for rel in SLIM_PATHS:
            for child in (root / rel).glob("*"):
                shutil.rmtree(
                    child
                ) if child.is_dir() and not child.is_symlink() else child.unlink()
        partial = Path(tmp, "base.tar")
        _run(["tar", "--numeric-owner", "-C", str(root), "-cf", str(partial), "."], progress, "tar")
        os.replace(partial, target)
    return target


def library_dir(cache_dir: Path, progress: Progress) -> Path:
    """Return the cached folder of the image's Python libraries, downloading them when missing."""
    key = hashlib.sha256(REQUIREMENTS.read_bytes() + b"compiled").hexdigest()[:12]
    target = cache_dir / f"libs-py{PYTHON_VERSION}-{key}"
    if target.is_dir():
        progress(f"libraries: cached ({target})")
        return target
    progress("libraries: pip install --target (binary wheels for the image's Python)")
    staging = Path(tempfile.mkdtemp(dir=cache_dir, prefix="libs-"))
    arch = platform.machine()
    try:
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--no-compile",
                "--target",
                str(staging),
                "--only-binary=:all:",
                "--python-version",
                PYTHON_VERSION,
                "--implementation",
                "cp",
                "--platform",
                f"manylinux2014_{arch}",
                "--platform",
                f"manylinux_2_28_{arch}",
                "-r",
                str(REQUIREMENTS),
            ],
            progress,
            "pip install",
        )
        shutil.rmtree(staging / "bin", ignore_errors=True)  # console scripts with host shebangs
        # Bytecode now: the image's root fs is read-only, so without it every run would
        # recompile pytest and Flask from source (and the host's 3.11 shares the magic number).
        _run([sys.executable, "-m", "compileall", "-q", str(staging)], progress, "compileall")
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _root_owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mode = 0o755 if info.isdir() else 0o644
    return info


def _dir_entry(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    return _root_owned(info)


def _file_entry(name: str, data: bytes) -> tuple[tarfile.TarInfo, io.BytesIO]:
    info = _root_owned(tarfile.TarInfo(name))
    info.size = len(data)
    return info, io.BytesIO(data)


def compose(
    base: Path,
    libs: Path,
    out: Path,
    extra: dict[str, bytes] | None = None,
    prune: tuple[str, ...] = (),
    links: tuple[tuple[str, str], ...] = (),
) -> None:
    """Write the image's root fs: the base, the sandbox user, the libraries, the harness.

    `extra` maps absolute paths to the contents of further (executable) files to ship;
    base entries matching a `prune` glob (e.g. "./usr/lib/*/libLLVM-*") are left out;
    `links` adds (path, target) symbolic links.
    """
    accounts = {
        "./etc/passwd": f"{SANDBOX_USER}:x:{SANDBOX_UID}:{SANDBOX_UID}::/tmp:/usr/sbin/nologin\n",
        "./etc/group": f"{SANDBOX_USER}:x:{SANDBOX_UID}:\n",
    }
    site = "." + SITE_DIR
    with tarfile.open(base) as src, tarfile.open(out, "w") as dst:
        present: set[str] = set()
        for member in src:
            if prune and any(fnmatch.fnmatchcase(member.name, pattern) for pattern in prune):
                continue
            present.add(member.name.rstrip("/"))
            if member.name in accounts:
                data = src.extractfile(member).read() + accounts[member.name].encode()
                member.size = len(data)
                dst.addfile(member, io.BytesIO(data))
            elif member.isfile():
                dst.addfile(member, src.extractfile(member))
            else:
                dst.addfile(member)
        for folder in [site, *(str(Path(path).parent) for path in extra or {})]:
            parts = ("." + folder.lstrip(".")).split("/")
            for depth in range(2, len(parts) + 1):
                name = "/".join(parts[:depth])
                if name not in present:  # the engine refuses duplicate paths
                    dst.addfile(_dir_entry(name))
                    present.add(name)
        for path, data in (extra or {}).items():
            info, stream = _file_entry("." + path, data)
            info.mode = 0o755
            dst.addfile(info, stream)
        for path, target in links:
            link = _root_owned(tarfile.TarInfo("." + path))
            link.type, link.linkname, link.mode = tarfile.SYMTYPE, target, 0o777
            dst.addfile(link)
        for path in sorted(libs.rglob("*")):
            dst.add(path, f"{site}/{path.relative_to(libs)}", recursive=False, filter=_root_owned)
        dst.addfile(_dir_entry(f"{site}/{HARNESS_MODULE}"))
        dst.addfile(_dir_entry(f"{site}/{HARNESS_MODULE}/__pycache__"))
        tag = sys.implementation.cache_tag
        with tempfile.TemporaryDirectory() as tmp:
            for source in harness_files():
                target = f"{SITE_DIR}/{HARNESS_MODULE}/{source.name}"
                dst.addfile(*_file_entry("." + target, source.read_bytes()))
                # Precompiled, so each run skips compiling the harness (the root fs is read-only).
                pyc = Path(tmp, source.name + "c")
                py_compile.compile(
                    str(source),
                    cfile=str(pyc),
                    dfile=target,
                    doraise=True,
                    invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
                )
                name = f"{site}/{HARNESS_MODULE}/__pycache__/{source.stem}.{tag}.pyc"
                dst.addfile(*_file_entry(name, pyc.read_bytes()))


def build_offline(
    client,
    image: str,
    version: str,
    *,
    cache_dir: Path,
    progress: Progress,
    refresh_base: bool = False,
) -> None:
    """Build `image` from the machine's own Debian mirror and import it into the engine."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    base = base_tarball(cache_dir, progress, refresh=refresh_base)
    libs = library_dir(cache_dir, progress)
    from docker.utils import parse_repository_tag

    repository, tag = parse_repository_tag(image)
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix="image-") as tmp:
        rootfs = Path(tmp, "rootfs.tar")
        progress("root fs: base + sandbox user + libraries + harness")
        compose(base, libs, rootfs)
        progress(f"docker import as {image} (harness {version})")
        client.api.import_image_from_file(
            str(rootfs), repository=repository, tag=tag or "latest", changes=import_changes(version)
        )
