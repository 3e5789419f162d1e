"""The `sandbox` command group (mounted as `assessor sandbox`): build the image, check the host."""

from __future__ import annotations

import sys
import time

import click

from .errors import InfrastructureError


@click.group(name="sandbox")
def sandbox() -> None:
    """Manage the hardened containers that grade candidates' code.

    The sandbox image is never pulled: build it on each worker host with `build-image`, then
    run `doctor` to prove the engine enforces every limit.
    """


def _progress() -> object:
    started = time.monotonic()
    return lambda message: click.echo(f"[{time.monotonic() - started:6.1f}s] {message}")


@sandbox.command("build-image")
@click.option(
    "--image",
    default=None,
    help="Image name (default: $SANDBOX_IMAGE, else assessor-sandbox:latest).",
)
@click.option(
    "--offline/--dockerfile",
    default=True,
    help="Build from this machine's Debian mirror with debootstrap (default), or from "
    "sandbox/image/Dockerfile where a registry is reachable.",
)
@click.option("--force", is_flag=True, help="Rebuild even when the image matches the harness.")
@click.option("--refresh-base", is_flag=True, help="Re-run debootstrap instead of using the cache.")
def build_image_command(image: str | None, offline: bool, force: bool, refresh_base: bool) -> None:
    """Build the sandbox image, showing each step."""
    from .image import build_image, default_image, image_status

    image = image or default_image()
    try:
        if not force and not refresh_base:
            status, label = image_status(None, image)
            if status == "current":
                click.echo(f"{image} is up to date (harness {label}); use --force to rebuild.")
                return
        build_image(
            image,
            method="offline" if offline else "dockerfile",
            progress=_progress(),
            refresh_base=refresh_base,
        )
    except InfrastructureError as exc:
        raise click.ClickException(str(exc)) from exc


@sandbox.command("doctor")
@click.option(
    "--image",
    default=None,
    help="Image to check (default: $SANDBOX_IMAGE, else assessor-sandbox:latest).",
)
def doctor_command(image: str | None) -> None:
    """Check the engine and the image, then prove each limit holds; exit 1 on any failure."""
    from .docker_backend import DockerBackend

    backend = DockerBackend(image=image)
    failed = 0
    for check in backend.check():
        failed += not check.ok
        mark = click.style(" ok ", fg="green") if check.ok else click.style("FAIL", fg="red")
        click.echo(f"[{mark}] {check.name}: {check.detail}")
    backend.close()
    if failed:
        click.echo(f"{failed} check(s) failed.", err=True)
        sys.exit(1)
    click.echo("All checks passed.")


@sandbox.command("sweep")
def sweep_command() -> None:
    """Remove sandbox containers left behind by dead workers or past their deadline."""
    from .docker_backend import DockerBackend

    backend = DockerBackend()
    try:
        removed = backend.sweep_orphans()
    except InfrastructureError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"removed {len(removed)} container(s)")
