"""The `sandbox` command group (mounted as `assessor sandbox`): build the image, check the host."""

from __future__ import annotations

import sys
import time

import click

from .errors import InfrastructureError
from .image.languages import LANGUAGES, STORES

VARIANT_NAMES = (*LANGUAGES, *STORES)


@click.group(name="sandbox")
def sandbox() -> None:
    """Manage the hardened containers that grade candidates' code.

    The sandbox images are never pulled: build them on each worker host with `build-image`,
    then run `doctor` to prove the engine enforces every limit.
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
    "sandbox/image/Dockerfile where a registry is reachable (with --language: a Dockerfile "
    "generated from the row, on top of the current default image).",
)
@click.option(
    "--language",
    "languages",
    multiple=True,
    type=click.Choice(VARIANT_NAMES),
    help="Build the image of this language or datastore instead (repeatable): "
    "assessor-sandbox-<language>, assessor-store-<datastore>; python is the default image.",
)
@click.option("--all", "build_all", is_flag=True, help="Build the default image and every other.")
@click.option("--force", is_flag=True, help="Rebuild even when the image matches this code.")
@click.option("--refresh-base", is_flag=True, help="Re-run debootstrap instead of using the cache.")
def build_image_command(
    image: str | None,
    offline: bool,
    languages: tuple[str, ...],
    build_all: bool,
    force: bool,
    refresh_base: bool,
) -> None:
    """Build a sandbox image, showing each step; skip it when it is already up to date.

    Without --language, the default (Python) image. Each base root fs is cached per package
    set, so a rebuild after a harness change takes seconds.
    """
    from .image import build_image, default_image, image_status
    from .image.languages import variant

    if image and (languages or build_all):
        raise click.UsageError("--image names the default image only; drop it with --language.")
    names = VARIANT_NAMES if build_all else languages or (None,)
    try:
        for name in dict.fromkeys(names):
            target = variant(name).image if name else image or default_image()
            if not force and not refresh_base:
                status, label = image_status(None, target)
                if status == "current":
                    click.echo(f"{target} is up to date (version {label}); use --force to rebuild.")
                    continue
            build_image(
                target,
                method="offline" if offline else "dockerfile",
                progress=_progress(),
                refresh_base=refresh_base,
                variant=name,
            )
    except InfrastructureError as exc:
        raise click.ClickException(str(exc)) from exc


@sandbox.command("doctor")
@click.option(
    "--image",
    default=None,
    help="Image to check (default: $SANDBOX_IMAGE, else assessor-sandbox:latest).",
)
@click.option(
    "--language",
    "languages",
    multiple=True,
    type=click.Choice(VARIANT_NAMES),
    help="Require this language's or datastore's image to be current (repeatable); "
    "otherwise a missing or stale one is only reported.",
)
def doctor_command(image: str | None, languages: tuple[str, ...]) -> None:
    """Check the engine and the image, then prove each limit holds; exit 1 on any failure.

    Also lists each language and datastore image as current, stale or missing.
    """
    from .docker_backend import DockerBackend
    from .doctor import variant_checks

    backend = DockerBackend(image=image)
    checks = backend.check()
    if checks[0].ok:  # the engine answered
        checks += variant_checks(backend.client, required=languages)
    failed = 0
    for check in checks:
        failed += not check.ok
        if not check.ok:
            mark = click.style("FAIL", fg="red")
        elif "(optional)" in check.detail:
            mark = click.style(" -- ", fg="yellow")
        else:
            mark = click.style(" ok ", fg="green")
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
