"""Build the sandbox image and tell whether the engine's copy matches this harness."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import EngineUnavailable, ImageBuildFailed
from .recipe import LABEL_HARNESS, PACKAGE_DIR, default_image, harness_version

__all__ = [
    "LABEL_HARNESS",
    "build_image",
    "cache_dir",
    "default_image",
    "ensure_image",
    "harness_version",
    "image_status",
]

METHODS = ("offline", "dockerfile")


def cache_dir() -> Path:
    """Return where base root fs and libraries are cached (SANDBOX_CACHE_DIR overrides)."""
    override = os.environ.get("SANDBOX_CACHE_DIR")
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "assessor" / "sandbox"


@contextlib.contextmanager
def _engine(client):
    """Yield `client`, or a fresh client from the environment that is closed afterwards."""
    if client is not None:
        yield client
        return
    import docker

    try:
        fresh = docker.from_env()
    except docker.errors.DockerException as exc:
        raise EngineUnavailable(f"cannot reach the Docker engine: {exc}") from exc
    try:
        yield fresh
    finally:
        fresh.close()


def image_status(client, image: str | None = None) -> tuple[str, str | None]:
    """Return ("missing" | "stale" | "current", the image's harness label)."""
    import docker

    try:
        with _engine(client) as engine:
            attrs = engine.api.inspect_image(image or default_image())
    except docker.errors.ImageNotFound:
        return "missing", None
    label = ((attrs.get("Config") or {}).get("Labels") or {}).get(LABEL_HARNESS)
    return ("current" if label == harness_version() else "stale"), label


@contextlib.contextmanager
def _build_lock(directory: Path) -> Iterator[None]:
    """Serialise builds across processes (e.g. two test sessions starting at once)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "build.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_image(
    image: str | None = None,
    *,
    method: str = "offline",
    client=None,
    cache: Path | None = None,
    progress: Callable[[str], None] | None = None,
    refresh_base: bool = False,
) -> str:
    """Build the sandbox image (offline from Debian, or from the Dockerfile); return its label."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    image = image or default_image()
    progress = progress or (lambda message: None)
    version = harness_version()
    directory = cache or cache_dir()
    with _engine(client) as client, _build_lock(directory):
        if method == "offline":
            from .offline import build_offline

            build_offline(
                client,
                image,
                version,
                cache_dir=directory,
                progress=progress,
                refresh_base=refresh_base,
            )
        else:
            _build_dockerfile(client, image, version, progress)
        status, label = image_status(client, image)
    if status != "current":
        raise ImageBuildFailed(f"built {image} but its label is {label!r}, not {version!r}")
    progress(f"{image}: ready (harness {version})")
    return version


def _build_dockerfile(client, image: str, version: str, progress) -> None:
    import docker

    try:
        for chunk in client.api.build(
            path=str(PACKAGE_DIR),
            dockerfile="image/Dockerfile",
            tag=image,
            rm=True,
            forcerm=True,
            decode=True,
            buildargs={"HARNESS_VERSION": version},
        ):
            if "error" in chunk:
                raise ImageBuildFailed(f"docker build failed: {chunk['error'].strip()}")
            line = str(chunk.get("stream", "")).strip()
            if line.startswith("Step "):
                progress(line)
    except docker.errors.APIError as exc:
        raise ImageBuildFailed(f"docker build failed: {exc}") from exc


def ensure_image(
    image: str | None = None,
    *,
    method: str = "offline",
    client=None,
    cache: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> str:
    """Build the image only when it is missing or its harness label is stale; return the status."""
    directory = cache or cache_dir()
    with _engine(client) as client:
        if image_status(client, image)[0] == "current":
            return "current"
        with _build_lock(directory):
            # Another process may have built it while we waited for the lock.
            if image_status(client, image)[0] == "current":
                return "current"
        build_image(image, method=method, client=client, cache=directory, progress=progress)
    return "built"
