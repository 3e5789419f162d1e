"""Render untrusted text safely: Markdown sanitized by nh3, code highlighted by Pygments."""

from __future__ import annotations

import difflib
import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import DiffLexer, TextLexer, get_lexer_for_filename
from pygments.util import ClassNotFound

# Raw HTML off: a statement or a design answer renders as Markdown only; nh3 then strips
# anything that slipped through, so a crafted answer cannot script the reviewer's page either.
_markdown = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
_HEADING = re.compile(r"(</?h)([1-5])(?=[\s>])")


def render_markdown(text: str) -> str:
    """Render Markdown to sanitized HTML, headings one level down (the page owns the h1)."""
    html = nh3.clean(_markdown.render(text), link_rel="noopener noreferrer")
    return _HEADING.sub(lambda m: f"{m[1]}{int(m[2]) + 1}", html)


# Pygments escapes every character of the source: a candidate's "</pre><script>" stays text.
_FORMATTER = HtmlFormatter(linenos="table", cssclass="highlight", wrapcode=True)
_DIFF_FORMATTER = HtmlFormatter(cssclass="highlight", wrapcode=True)
MAX_SHOWN_CHARS = 400_000


def code_html(text: str, path: str) -> Markup:
    """Return the file highlighted for its language, with line numbers."""
    try:
        lexer = get_lexer_for_filename(path, stripnl=False)
    except ClassNotFound:
        lexer = TextLexer(stripnl=False)
    return Markup(highlight(text[:MAX_SHOWN_CHARS], lexer, _FORMATTER))  # noqa: S704


def diff_html(starter: str, text: str, path: str) -> Markup:
    """Return a highlighted unified diff of the candidate's file against the starter."""
    lines = difflib.unified_diff(
        starter.splitlines(keepends=True),
        text[:MAX_SHOWN_CHARS].splitlines(keepends=True),
        fromfile=f"starter/{path}",
        tofile=f"submitted/{path}",
    )
    diff = "".join(lines) or "(no change from the starter)\n"
    return Markup(highlight(diff, DiffLexer(stripnl=False), _DIFF_FORMATTER))  # noqa: S704


def stylesheet() -> str:
    """Return the CSS for highlighted code (served as a static-like file)."""
    return _FORMATTER.get_style_defs(".highlight")
