"""Build the sandbox images and tell whether the engine's copies match this code.

The default image runs Python; each language and datastore of `languages.VARIANTS` has an
image of its own, built the same way and labelled with a version of its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import EngineUnavailable, ImageBuildFailed
from .languages import (
    FAILED_PREFIXES,
    LABEL_IMAGE,
    LANGUAGES,
    READY_LINE,
    STORES,
    Variant,
    variant,
    variant_of_image,
)
from .recipe import LABEL_HARNESS, PACKAGE_DIR, default_image, harness_version

__all__ = [
    "FAILED_PREFIXES",
    "LABEL_HARNESS",
    "LABEL_IMAGE",
    "LANGUAGES",
    "READY_LINE",
    "STORES",
    "Variant",
    "build_image",
    "cache_dir",
    "default_image",
    "ensure_image",
    "ensure_language_image",
    "ensure_store_image",
    "expected_version",
    "harness_version",
    "image_status",
    "language_image",
    "store_image",
    "variant",
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


def language_image(name: str) -> str:
    """Return the image a candidate writing in language `name` runs in."""
    if name not in LANGUAGES:
        raise KeyError(f"no language {name!r}; known: {', '.join(LANGUAGES)}")
    return variant(name).image


def store_image(name: str) -> str:
    """Return the image of datastore `name` (postgres, redis)."""
    if name not in STORES:
        raise KeyError(f"no datastore {name!r}; known: {', '.join(STORES)}")
    return variant(name).image


def expected_version(image: str | None = None) -> tuple[str, str]:
    """Return (label key, value) an up-to-date `image` carries."""
    row = variant_of_image(image or default_image())
    return (row.label, row.version()) if row else (LABEL_HARNESS, harness_version())


def image_status(client, image: str | None = None) -> tuple[str, str | None]:
    """Return ("missing" | "stale" | "current", the image's version label).

    The label is the harness's for the default image, the row's own for the other variants.
    """
    import docker

    key, version = expected_version(image)
    try:
        with _engine(client) as engine:
            attrs = engine.api.inspect_image(image or default_image())
    except docker.errors.ImageNotFound:
        return "missing", None
    label = ((attrs.get("Config") or {}).get("Labels") or {}).get(key)
    return ("current" if label == version else "stale"), label


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
    variant: str | None = None,
) -> str:
    """Build an image (offline from Debian, or from a Dockerfile); return its version label.

    Without `variant` (or with "python") this is the default image, named `image`; otherwise
    the language's or datastore's image, named by its row.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    row = _variant_row(variant)
    image = row.image if row else image or default_image()
    progress = progress or (lambda message: None)
    version = row.version() if row else harness_version()
    directory = cache or cache_dir()
    with _engine(client) as client, _build_lock(directory):
        if row is not None:
            from .variant_build import build_variant

            build_variant(client, row, method, directory, progress, refresh_base)
        elif method == "offline":
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
    progress(f"{image}: ready (version {version})")
    return version


def _variant_row(name: str | None) -> Variant | None:
    """Return the row of a non-default variant; None for the default (python) image."""
    if name is None or name == "python":
        return None
    return variant(name)


def _build_dockerfile(client, image: str, version: str, progress) -> None:
    _stream_build(
        client,
        progress,
        path=str(PACKAGE_DIR),
        dockerfile="image/Dockerfile",
        tag=image,
        buildargs={"HARNESS_VERSION": version},
    )


def _stream_build(client, progress, **options) -> None:
    """Run `docker build` with `options`, never pulling a base the engine lacks."""
    import docker

    try:
        for chunk in client.api.build(rm=True, forcerm=True, decode=True, **options):
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
    variant: str | None = None,
) -> str:
    """Build the image only when it is missing or its label is stale; return the status."""
    directory = cache or cache_dir()
    row = _variant_row(variant)
    image = row.image if row else image
    with _engine(client) as client:
        if image_status(client, image)[0] == "current":
            return "current"
        with _build_lock(directory):
            # Another process may have built it while we waited for the lock.
            if image_status(client, image)[0] == "current":
                return "current"
        build_image(
            image,
            method=method,
            client=client,
            cache=directory,
            progress=progress,
            variant=variant,
        )
    return "built"


def ensure_language_image(name: str, **options) -> str:
    """Build language `name`'s image when missing or stale; return "current" or "built".

    `options` are ensure_image's (client, cache, progress, method).
    """
    language_image(name)  # refuses an unknown name before any work
    return ensure_image(variant=name, **options)


def ensure_store_image(name: str, **options) -> str:
    """Build datastore `name`'s image when missing or stale; return "current" or "built"."""
    store_image(name)
    return ensure_image(variant=name, **options)
