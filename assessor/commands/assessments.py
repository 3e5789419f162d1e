"""`assessor assessments`: create and list assessments from scripts (the UI's services)."""

from __future__ import annotations

import click


@click.group("assessments")
def group() -> None:
    """Create and list assessments."""
