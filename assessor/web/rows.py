"""Links of dashboard rows, added the same way for the page and for its live JSON."""

from __future__ import annotations

from typing import Any

from flask import url_for


def with_links(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give each row its report's URL once the candidate has started (there is work to read)."""
    for row in rows:
        row["report_url"] = (
            url_for("staff.attempt", attempt_id=row["id"]) if row["has_report"] else None
        )
    return rows
