"""Build a language or datastore image: the default image's contents plus one row's toolchain.

Offline: debootstrap python3 and the row's packages into a base of its own (cached by package
set), compose it with the libraries and the harness, `docker import`, then run the row's
one-time setup in a container and commit the result. Where a registry is reachable, the same
row becomes a Dockerfile on top of the default image instead.
"""

from __future__ import annotations

import contextlib
import io
import json
import tarfile
import tempfile
from pathlib import Path

from ..errors import ImageBuildFailed
from .languages import LABEL_IMAGE, SCRIPT_DIR, SCRIPTS_IN_IMAGE, Variant
from .offline import Progress, base_tarball, compose, library_dir
from .recipe import SANDBOX_UID, default_image, harness_version, import_changes

SETUP_TIMEOUT_S = 900


def _quoted(value: str) -> str:
    return json.dumps(value)  # a Dockerfile double-quoted string: spaces stay in one value


def variant_changes(row: Variant) -> list[str]:
    """Return the instructions that make a root fs the row's image: labels, env, user, CMD."""
    changes = import_changes(harness_version())
    if row.command:  # the row's CMD replaces the harness's
        changes = [change for change in changes if not change.startswith("CMD ")]
    changes.append(f"LABEL {LABEL_IMAGE}={row.version()}")
    changes += [f"ENV {key}={_quoted(value)}" for key, value in row.env]
    if row.command:
        changes.append("CMD " + json.dumps(list(row.command)))
    return changes


def extra_files(row: Variant) -> dict[str, bytes]:
    """Return the files the row ships beside the harness, by their path in the image."""
    return {f"{SCRIPTS_IN_IMAGE}/{name}": (SCRIPT_DIR / name).read_bytes() for name in row.files}


def build_variant_offline(
    client, row: Variant, *, cache_dir: Path, progress: Progress, refresh_base: bool = False
) -> None:
    """Build the row's image from the machine's Debian mirror and import it into the engine."""
    from docker.utils import parse_repository_tag

    cache_dir.mkdir(parents=True, exist_ok=True)
    base = base_tarball(cache_dir, progress, refresh=refresh_base, packages=row.packages)
    libs = library_dir(cache_dir, progress)
    repository, tag = parse_repository_tag(row.image)
    tag = tag or "latest"
    staging_tag = f"{tag}-setup" if row.setup else tag
    changes = variant_changes(row)
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix="image-") as tmp:
        rootfs = Path(tmp, "rootfs.tar")
        progress(f"root fs: {row.name} base + sandbox user + libraries + harness")
        compose(base, libs, rootfs, extra_files(row), row.prune, row.links)
        progress(f"docker import as {repository}:{staging_tag}")
        client.api.import_image_from_file(
            str(rootfs), repository=repository, tag=staging_tag, changes=changes
        )
    if row.setup:
        try:
            _setup_and_commit(client, row, f"{repository}:{staging_tag}", changes, progress)
        finally:
            client.api.remove_image(f"{repository}:{staging_tag}", noprune=False)


def _setup_and_commit(client, row: Variant, staging: str, changes: list[str], progress) -> None:
    """Run the row's setup as root, offline, in a container of `staging`; commit it as the image."""
    from docker.utils import parse_repository_tag

    progress(f"setup: {' '.join(row.setup)}")
    api = client.api
    container = api.create_container(
        staging,
        command=list(row.setup),
        user="0:0",
        host_config=api.create_host_config(network_mode="none"),
    )["Id"]
    try:
        api.start(container)
        code = api.wait(container, timeout=SETUP_TIMEOUT_S).get("StatusCode")
        if code != 0:
            tail = api.logs(container, tail=20).decode(errors="replace")
            raise ImageBuildFailed(f"setup of {row.name} failed (exit {code}):\n{tail}")
        repository, tag = parse_repository_tag(row.image)
        api.commit(container, repository=repository, tag=tag or "latest", changes=changes)
        progress("  setup: committed")
    finally:
        api.remove_container(container, force=True)


def dockerfile(row: Variant, base: str | None = None) -> str:
    """Return the Dockerfile of the row's image, on top of the default image (registry hosts)."""
    lines = [f"FROM {base or default_image()}", "USER root"]
    if row.packages:
        packages = " ".join(row.packages)
        lines.append(
            "RUN apt-get update && apt-get install -y --no-install-recommends "
            f"{packages} && rm -rf /var/lib/apt/lists/*"
        )
    lines += [f"COPY {name} {SCRIPTS_IN_IMAGE}/{name}" for name in row.files]
    lines += [f"RUN ln -s {target} {path}" for path, target in row.links]
    lines += [f"ENV {key}={_quoted(value)}" for key, value in row.env]
    if row.setup:
        lines.append("RUN " + json.dumps(list(row.setup)))
    lines += [f"LABEL {LABEL_IMAGE}={row.version()}", f"USER {SANDBOX_UID}:{SANDBOX_UID}"]
    if row.command:
        lines.append("CMD " + json.dumps(list(row.command)))
    return "\n".join(lines) + "\n"


def dockerfile_context(row: Variant, base: str | None = None) -> bytes:
    """Return the build context (the Dockerfile and any shipped file) as a tar archive."""
    files = {"Dockerfile": dockerfile(row, base).encode()}
    files.update({name: (SCRIPT_DIR / name).read_bytes() for name in row.files})
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(content), 0o755
            archive.addfile(info, io.BytesIO(content))
    return data.getvalue()


def build_variant(client, row: Variant, method: str, directory: Path, progress, refresh_base):
    """Build the row's image by `method`, then remove the image it replaced, if unused."""
    from . import _stream_build

    previous = _image_id(client, row.image)
    if method == "offline":
        build_variant_offline(
            client, row, cache_dir=directory, progress=progress, refresh_base=refresh_base
        )
    else:
        # The image inherits the default image's harness: it must be this code's.
        from . import image_status

        status, label = image_status(client, default_image())
        if status != "current":
            raise ImageBuildFailed(
                f"{default_image()} is {status} (label {label}): build the default image first"
            )
        _stream_build(
            client,
            progress,
            fileobj=io.BytesIO(dockerfile_context(row)),
            custom_context=True,
            tag=row.image,
        )
    if previous and previous != _image_id(client, row.image):
        _remove_quietly(client, previous)


def _image_id(client, image: str) -> str | None:
    import docker

    try:
        return client.api.inspect_image(image)["Id"]
    except docker.errors.ImageNotFound:
        return None


def _remove_quietly(client, image_id: str) -> None:
    """Remove a replaced image: each harness change would otherwise leave hundreds of MB."""
    import docker

    with contextlib.suppress(docker.errors.APIError):
        client.api.remove_image(image_id)  # refused while a container or another tag uses it
