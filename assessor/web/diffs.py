"""The change between two saved revisions of a file, highlighted and escaped by Pygments."""

from __future__ import annotations

import difflib

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import DiffLexer

from assessor.web.rendering import MAX_SHOWN_CHARS

# Pygments escapes every character: a candidate's "</pre><script>" in a diff stays text.
_FORMATTER = HtmlFormatter(cssclass="highlight", wrapcode=True)


def revision_diff_html(before: str, after: str, path: str, old: int, new: int) -> Markup:
    """Return a highlighted unified diff of one file from revision `old` to revision `new`."""
    lines = difflib.unified_diff(
        before[:MAX_SHOWN_CHARS].splitlines(keepends=True),
        after[:MAX_SHOWN_CHARS].splitlines(keepends=True),
        fromfile=f"{_name(old)}/{path}",
        tofile=f"{_name(new)}/{path}",
    )
    diff = "".join(lines) or "(no change in this file)\n"
    return Markup(highlight(diff, DiffLexer(stripnl=False), _FORMATTER))  # noqa: S704


def _name(revision: int) -> str:
    return "starter" if revision == 0 else f"revision-{revision}"
