"""Export the comparison of an assessment's candidates as CSV, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import Any

from assessor.extensions import db
from assessor.models import Assessment
from assessor.services.audience import Audience
from assessor.services.audit import record
from assessor.services.compare import Comparison, comparison

# A cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets: a
# candidate named '=HYPERLINK("http://evil","Click")' would become a live link, or worse
# (CSV injection). Such text gets a leading apostrophe, which spreadsheets show as text.
# The full-width forms count too: some spreadsheets fold them to ASCII before parsing.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: Any) -> Any:
    """Return a cell value that no spreadsheet will evaluate; numbers pass unchanged."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = str(value)
        return "'" + text if text.lstrip(" ").startswith(FORMULA_STARTS) else text
    return value


def comparison_csv(table: Comparison) -> str:
    """Write the comparison as CSV text: one row per candidate, figures as on the page."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    view = table.assessment
    header = ["Candidate"] + ([] if table.identities_hidden else ["Email"]) + ["Status"]
    header += [f"{item.title} (%)" for item in view.items]
    header += [f"{skill} (%)" for skill in view.skills]
    header += [
        "Total (%)",
        "Total note",
        "Time used (min)",
        "Integrity signals",
        "Signal kinds",
        "Decisions",
        "Scorecards submitted",
    ]
    writer.writerow([safe_cell(h) for h in header])
    for row in table.rows:
        cells = [row["candidate_name"]]
        cells += [] if table.identities_hidden else [row["candidate_email"]]
        cells += [row["status_label"]]
        cells += [c["percent"] for c in row["items"]]
        cells += [s["percent"] for s in row["skills"]]
        used = row["time_used_seconds"]
        cells += [
            row["percent"],
            "" if row["total_state"] == "final" else row["total_text"],
            None if used is None else int(used // 60),
            row["signals"],
            "; ".join(row["signal_kinds"]),
            "; ".join(d["label"] for d in row["decisions"]),
            row["reviews_submitted"],
        ]
        writer.writerow([safe_cell(c) for c in cells])
    return out.getvalue()


def export_comparison(
    assessment_id: int,
    audience: Audience,
    *,
    actor_id: int,
    ip: str | None = None,
    sort: str = "total",
    descending: bool = True,
) -> str:
    """Build the CSV of the comparison and record the export in the audit log."""
    table = comparison(assessment_id, audience, sort=sort, descending=descending)
    text = comparison_csv(table)
    record(
        "assessment.export",
        actor_id=actor_id,
        target=db.session.get(Assessment, assessment_id),
        ip=ip,
        format="csv",
        candidates=len(table.rows),
        identities=not table.identities_hidden,
    )
    db.session.commit()
    return text
