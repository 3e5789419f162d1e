"""Render untrusted text safely: Markdown by cmark-gfm, sanitized by nh3; code by Pygments."""

from __future__ import annotations

import difflib
import re

import cmarkgfm
import nh3
from markupsafe import Markup, escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import DiffLexer, TextLexer, get_lexer_for_filename
from pygments.util import ClassNotFound

from assessor.services import DomainError

# A design answer of 8,000 words fits; the candidate's preview refuses more, and a longer text
# (an answer saved up to the file limit, a statement) shows its rest as plain text. cmark-gfm is
# linear in its input, so the cap bounds the CPU a preview costs: markdown-it spent 6-9 s on
# 200,000 "[" characters, and a token may ask for 60 previews a minute.
MAX_MARKDOWN_CHARS = 50_000
# GFM tables pad every short row to the header's width: 50 KB of "|" and newlines made 5 MB of
# empty cells (0.4 s of cmark). A text whose tables could hold more cells is rendered without
# the table extension; any other text past this much HTML is shown as plain text.
MAX_TABLE_CELLS = 50_000
MAX_MARKDOWN_HTML_CHARS = 10 * MAX_MARKDOWN_CHARS
# nh3's HTML parser slows down with the square of the nesting: 18,000 nested ">" (36 KB) took it
# 5 s. A document nests a few levels; past this many, the text is shown as plain text.
MAX_MARKDOWN_NESTING = 48
# cmark escapes "<" and ">" in text and attributes: every "<" of its output opens a tag.
_TAG = re.compile(r"<(/?)[a-z][^>]*>")
_HEADING = re.compile(r"(</?h)([1-5])(?=[\s>])")
# Raw HTML is never rendered, yet what the candidate typed stays readable (`<id>`, an HTML
# comment in a starter answer), as plain text. cmark has no such mode, so every "<" that opens
# no autolink is hidden from the parser as a private-use character, then written as "&lt;".
# `\\` and `\<` are matched first so that a backslash escape keeps its meaning.
_HIDDEN_LT = "\ue000"
_ANGLE = re.compile(
    r"\\[\\<]|<(?![A-Za-z][A-Za-z0-9.+-]{1,31}:[^\s<>]*>|[\w.!#$%&'*+/=?^`{|}~-]+@[\w.-]+>)"
)


class MarkdownTooLong(DomainError):
    """Markdown past MAX_MARKDOWN_CHARS, sent to be previewed."""

    status = 413

    def __init__(self, length: int) -> None:
        super().__init__(
            f"A preview takes up to {MAX_MARKDOWN_CHARS:,} characters of Markdown; this text "
            f"has {length:,}. Shorten the answer to preview it."
        )


def render_markdown(text: str) -> str:
    """Render Markdown to sanitized HTML, headings one level down (the page owns the h1).

    Past MAX_MARKDOWN_CHARS the rest follows as plain text, after a note that says so.
    """
    # Lone surrogates (valid in JSON, not in UTF-8) would stop the C parser and nh3 alike.
    text = text.encode("utf-8", "replace").decode("utf-8")
    shown, rest = text[:MAX_MARKDOWN_CHARS], text[MAX_MARKDOWN_CHARS:]
    html = _markdown_html(shown)
    if html is None:
        return _plain(
            "This text nests or expands too far to show formatted; here it is as typed.", text
        )
    if rest:
        html += _plain(
            f"The text is longer than {MAX_MARKDOWN_CHARS:,} characters: the rest is shown as "
            "typed.",
            rest,
        )
    return html


def _markdown_html(text: str) -> str | None:
    """Return `text` as sanitized HTML, or None when it expands past MAX_MARKDOWN_HTML_CHARS."""
    hidden = _ANGLE.sub(_hide_lt, text.replace(_HIDDEN_LT, "\ufffd"))
    # No CMARK_OPT_UNSAFE: no raw HTML, and no javascript: or data: links.
    html = cmarkgfm.markdown_to_html_with_extensions(hidden, extensions=_extensions(text))
    if len(html) > MAX_MARKDOWN_HTML_CHARS or _nesting(html) > MAX_MARKDOWN_NESTING:
        return None
    html = html.replace(_HIDDEN_LT, "&lt;").replace("%EE%80%80", "%3C")
    # nh3 strips anything that slipped through, so a crafted answer cannot script the page.
    html = nh3.clean(html, link_rel="noopener noreferrer")
    return _HEADING.sub(lambda m: f"{m[1]}{int(m[2]) + 1}", html)


def _extensions(text: str) -> tuple[str, ...]:
    """Return GFM's tables and strikethrough; no tables if they could outgrow MAX_TABLE_CELLS."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        # A delimiter row (|---|:-:|) starts a table whose rows all get its number of cells.
        delimiter_row = "|" in line and "-" in line and not line.strip(" \t|:-")
        if delimiter_row and (line.count("|") + 1) * (len(lines) - number) > MAX_TABLE_CELLS:
            return ("strikethrough",)
    return ("table", "strikethrough")


def _nesting(html: str) -> int:
    """Return how deep the elements of cmark's HTML nest (a linear scan of its tags)."""
    depth = deepest = 0
    for tag in _TAG.finditer(html):
        if tag[1]:
            depth -= 1
        elif not tag[0].endswith("/>"):
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def _hide_lt(match: re.Match[str]) -> str:
    return _HIDDEN_LT if match[0] == "<" else match[0]


def _plain(note: str, text: str) -> str:
    return f'<p class="note">{escape(note)}</p>\n<pre class="plain">{escape(text)}</pre>\n'


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
