"""`assessor challenges` and `assessor grade`: validate, sync and try challenge folders."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

import sandbox
from assessor import jobs
from assessor.challenges import ChallengeFormatError, read_challenge
from assessor.challenges.scoring import VISIBILITIES
from assessor.challenges.validate import Report, validate
from assessor.extensions import db
from assessor.kinds import KindError, Material, get_kind
from assessor.models import Challenge
from assessor.services import catalog, library_sync
from assessor.wording import plural

PATHS = click.argument(
    "paths", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path)
)


@click.group("challenges", help="Validate challenge folders and sync them into the catalog.")
def group() -> None:
    """Manage the challenge catalog."""


def _folders(paths: tuple[Path, ...]) -> list[Path]:
    if paths:
        return [
            p
            for path in paths
            for p in (
                [path] if (path / "challenge.yaml").exists() else catalog.challenge_folders(path)
            )
        ]
    return catalog.challenge_folders(current_app.config["CHALLENGES_DIR"])


def _image() -> str:
    return current_app.config["SANDBOX_IMAGE"]


def _echo_err(message: str) -> None:
    click.echo(message, err=True)


def _print_report(report: Report) -> None:
    mark = click.style("ok", fg="green") if report.ok else click.style("FAIL", fg="red")
    click.echo(f"\n{report.slug} [{report.kind}]: {mark}")
    for check in report.checks:
        sign = click.style("✓", fg="green") if check.ok else click.style("✗", fg="red")
        click.echo(f"  {sign} {check.name:<34} {check.detail}")
    if report.runs:
        click.echo(f"  {'variant':<28} {'status':<16} {'score':>12} {'hidden':>12} {'secs':>6}")
        for run in report.runs:
            click.echo(
                f"  {run.name:<28} {run.status:<16} "
                f"{f'{run.score:g}/{run.max_score:g}':>12} "
                f"{f'{run.hidden_score:g}/{run.hidden_max:g}':>12} {run.seconds:>6.1f}"
            )


@group.command("validate")
@PATHS
@click.option("--json", "as_json", is_flag=True, help="Print one machine-readable JSON report.")
@click.option(
    "--jobs",
    "-j",
    "parallel",
    type=click.IntRange(1, 16),
    default=2,
    show_default=True,
    help="Sandbox runs at once per challenge.",
)
@with_appcontext
def validate_command(paths: tuple[Path, ...], as_json: bool, parallel: int) -> None:
    """Check challenge folders: format, then sandbox runs of every solution.

    PATHS are challenge folders or folders of them (default: CHALLENGES_DIR). The reference
    must pass every test (twice, identically, with time to spare); the starter must not reach
    100% of the hidden points; every wrong/* solution must score below 100%.
    Exits non-zero if any challenge fails.
    """
    folders = _folders(paths)
    backend = jobs.queue().backend
    reports, failures = [], 0
    for index, folder in enumerate(folders, 1):
        _echo_err(f"[{index}/{len(folders)}] {folder.name}")
        try:
            spec = read_challenge(folder)
        except ChallengeFormatError as exc:
            failures += 1
            reports.append(
                {"slug": folder.name, "ok": False, "problems": [str(p) for p in exc.problems]}
            )
            if not as_json:
                click.echo(f"\n{folder.name}: " + click.style("INVALID", fg="red"))
                for problem in exc.problems:
                    click.echo(f"  ✗ {problem}")
            continue
        report = validate(
            spec, backend, _image(), progress=lambda m: _echo_err(f"    {m}"), parallel=parallel
        )
        failures += not report.ok
        reports.append(report.to_dict())
        if not as_json:
            _print_report(report)
    if as_json:
        click.echo(json.dumps({"ok": failures == 0, "challenges": reports}, indent=2))
    else:
        click.echo(f"\n{len(folders) - failures} of {plural(len(folders), 'challenge')} valid.")
    if failures:
        sys.exit(1)


@group.command("sync")
@PATHS
@click.option("--no-retire", is_flag=True, help="Keep challenges whose folder is gone.")
@with_appcontext
def sync_command(paths: tuple[Path, ...], no_retire: bool) -> None:
    """Load challenge folders into the catalog as immutable versions.

    An unchanged folder is a no-op; a changed one becomes a new version (assessments keep the
    versions they pinned); a folder gone from CHALLENGES_DIR retires its challenge. A new
    version's test manifest comes from running the reference solution in the sandbox.
    """
    folders = _folders(paths) if paths else None
    try:  # recorded like a sync from the catalog page, which shows its report too
        outcomes = library_sync.sync_now(
            current_app.config["CHALLENGES_DIR"],
            jobs.queue().backend,
            _image(),
            folders=folders,
            retire=not no_retire,
            progress=lambda name: _echo_err(f"syncing {name} ..."),
        )
    except library_sync.SyncInProgress as busy:
        raise click.ClickException(f"{busy} Wait for it to finish, then sync again.") from busy
    for outcome in outcomes:
        colour = "red" if not outcome.ok else ("green" if outcome.action != "unchanged" else None)
        line = f"{outcome.slug:<36} {click.style(outcome.action, fg=colour)}"
        click.echo(line + (f"  {outcome.detail}" if outcome.detail else ""))
    if not all(o.ok for o in outcomes):
        sys.exit(1)


@group.command("list")
@with_appcontext
def list_command() -> None:
    """List the catalog: slug, kind, current version and state."""
    for challenge in db.session.scalars(select(Challenge).order_by(Challenge.slug)):
        version = challenge.current_version
        state = "retired" if challenge.retired else "active"
        click.echo(
            f"{challenge.slug:<36} {version.kind if version else '-':<9} "
            f"{version.content_hash[:12] if version else '-':<13} {state}"
        )


@click.command("grade")
@click.argument("challenge_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("solution_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--public-only", is_flag=True, help="Run only the public tests.")
@with_appcontext
def grade_command(
    challenge_dir: Path, solution_dir: Path, as_json: bool, public_only: bool
) -> None:
    """Grade the files of SOLUTION_DIR against the challenge in CHALLENGE_DIR.

    Points come from the manifest of a reference run, never from the candidate's run.
    """
    try:
        spec = read_challenge(challenge_dir)
    except ChallengeFormatError as exc:
        raise click.ClickException(str(exc)) from exc
    files = {
        p.relative_to(solution_dir).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(solution_dir.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }
    try:
        sandbox.check_submission(files, spec.editable)
    except sandbox.SubmissionRefused as exc:
        raise click.ClickException("submission refused:\n  " + "\n  ".join(exc.problems)) from exc
    kind = get_kind(spec.kind)
    job = kind.build_job(Material.of_spec(spec), files, which="all", image=_image())
    if job is None:
        raise click.ClickException(f"{spec.slug} is a {kind.description} challenge: nothing runs")
    backend = jobs.queue().backend
    try:
        manifest = kind.trusted_manifest(spec, backend, _image())
    except KindError as exc:
        raise click.ClickException(f"the reference run failed: {exc}") from exc
    result = sandbox.run(job, backend)
    card = kind.score(
        manifest,
        result,
        visibilities=("public",) if public_only else VISIBILITIES,
        trusted_paths=set(spec.starter) - set(files),
    )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "score": card.score,
                    "max_score": card.max_score,
                    "status": result.status.value,
                    "tests": [
                        {k: v for k, v in t.to_dict().items() if k != "duration_s"}
                        for t in card.tests
                    ],
                    "flags": list(card.flags),
                },
                indent=2,
            )
        )
        return
    click.echo(
        f"{spec.title}: {card.score:g}/{card.max_score:g} points "
        f"({card.percent:.0f}%), run {result.status.value} in {result.duration_s:.1f}s"
    )
    for test in card.tests:
        sign = (
            click.style("✓", fg="green") if test.outcome == "passed" else click.style("✗", fg="red")
        )
        click.echo(f"  {sign} {test.id}  {test.points:g}/{test.max_points:g}  [{test.skill}]")
        if test.outcome != "passed" and test.message:
            click.echo("      " + test.message.strip().splitlines()[-1][:200])
    for skill, bucket in card.by_skill.items():
        click.echo(f"  {skill:<16} {bucket['score']:g}/{bucket['max']:g}")
    for flag in card.flags:
        click.echo(click.style(f"  flag {flag['code']}: {flag['message']}", fg="yellow"))
