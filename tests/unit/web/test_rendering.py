"""Markdown from candidates: linear on hostile input, capped, raw HTML shown as text."""

from __future__ import annotations

import resource
import subprocess
import sys
import textwrap

import pytest

from assessor.extensions import db
from assessor.services import attempts
from assessor.web import rendering
from assessor.web.rendering import MAX_MARKDOWN_CHARS, render_markdown
from tests.factories import make_assessment, make_attempt, make_version

from .candidates import enter

TOKEN = "render-token-" + "m" * 30

# Each input at 4x the cap, rendered without the cap. Inputs that were superlinear before
# (markdown-it: 200,000 "[" took 6-9 s) or that expand (tables) or nest deeply.
HOSTILE = textwrap.dedent(
    """
    import sys
    from assessor.web import rendering

    n = 4 * rendering.MAX_MARKDOWN_CHARS
    rendering.MAX_MARKDOWN_CHARS = n
    cases = {
        "brackets": "[" * n,
        "images": "![[" * (n // 3),
        "links": "[a](" * (n // 4),
        "emphasis": "*_" * (n // 2),
        "stars": "a*" * (n // 2),
        "nested quotes": ">" * n + " x",
        "nested lists": "".join("- " * i + "x\\n" for i in range(int(n**0.5))),
        "angles": "<" * n,
        "tags": "<a " * (n // 3),
        "backticks": "`a" * (n // 2),
        "references": "".join(f"[a{i}]: /u{i}\\n" for i in range(n // 24))
        + "".join(f"[a{i}]" for i in range(n // 24)),
        "wide table": "|" + "a|" * 500 + "\\n|" + "-|" * 500 + "\\n" + "x\\n" * (n // 2 - 1100),
        "tildes": "~" * n,
        "empty links": "[]" * (n // 2),
    }
    for name, text in cases.items():
        html = rendering.render_markdown(text)
        print(name, len(text), len(html), flush=True)
    """
)


def _cpu_limit(seconds: int):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))

    return limit


def test_hostile_markdown_renders_within_a_cpu_budget():
    # markdown-it needed minutes of CPU for these; cmark-gfm renders all of them in a second
    # or two. The budget is CPU time, not wall time: a busy machine does not fail the test.
    result = subprocess.run(
        [sys.executable, "-c", HOSTILE],
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=_cpu_limit(20),
        check=False,
    )
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr[-2000:])
    assert len(result.stdout.splitlines()) == 14


def test_raw_html_is_shown_as_the_text_typed_never_rendered():
    html = render_markdown(
        "Keep <id> and <!-- a prompt --> and `<b>`, \\<i>, <https://e.test/a> and <a@b.test>.\n\n"
        "<script>alert(1)</script>\n\n[x](javascript:alert(2)) [y](http://e.test/<z)"
    )
    assert (
        "Keep &lt;id&gt; and &lt;!-- a prompt --&gt; and <code>&lt;b&gt;</code>, &lt;i&gt;" in html
    )
    assert '<a href="https://e.test/a" rel="noopener noreferrer">https://e.test/a</a>' in html
    assert '<a href="mailto:a@b.test"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert "javascript:" not in html and 'href="http://e.test/%3Cz"' in html


def test_statements_keep_tables_code_strikethrough_and_shifted_headings():
    html = render_markdown(
        "# T\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~\n\n```py\nx < 1\n```\n"
    )
    assert html.startswith("<h2>T</h2>")
    assert "<td>1</td>" in html and "<del>old</del>" in html and "x &lt; 1" in html


def test_text_past_the_cap_follows_as_plain_text_with_a_note():
    text = "**a**" + "x" * (MAX_MARKDOWN_CHARS - 5) + "<script>alert(1)</script> **b**"
    html = render_markdown(text)
    assert html.startswith("<p><strong>a</strong>")
    assert f"longer than {MAX_MARKDOWN_CHARS:,} characters" in html
    assert html.endswith('<pre class="plain">&lt;script&gt;alert(1)&lt;/script&gt; **b**</pre>\n')


def test_tables_that_could_expand_to_megabytes_render_as_text():
    # Each "x" row would be padded to 400 empty cells: 2 million, 10 MB of HTML.
    text = "|" + "a|" * 400 + "\n|" + "-|" * 400 + "\n" + "x\n" * 5000
    html = render_markdown(text)
    assert "<table" not in html and "<td" not in html and len(html) < 3 * len(text)
    assert "<table>" in render_markdown("|a|b|\n|-|-|\n" + "|1|\n" * 5000)


def test_text_that_nests_deeply_is_shown_as_typed():
    # nh3's parser slows with the square of the depth: 18,000 nested quotes took 5 s.
    html = render_markdown(">" * 18_000 + " <x>")
    assert "nests or expands too far" in html and "<blockquote" not in html
    assert html.endswith("&gt; &lt;x&gt;</pre>\n")
    assert render_markdown("> > > - - quoted").count("<blockquote>") == 3


def test_html_past_its_cap_is_shown_as_typed(monkeypatch):
    monkeypatch.setattr(rendering, "MAX_MARKDOWN_HTML_CHARS", 100)
    html = render_markdown("`<a>` " * 50)
    assert "<code>" not in html and html.endswith("`&lt;a&gt;` </pre>\n")


def test_lone_surrogates_do_not_break_the_renderer():
    assert "a" in render_markdown("a\ud800b")


@pytest.fixture
def design(ctx):
    version = make_version(
        kind="design",
        files={"starter": {"answer.md": "# Answer\n"}, "tests": {}},
        meta={"editable": ["answer.md"]},
        manifest=[],
    )
    db.session.commit()
    attempt = make_attempt(make_assessment(versions=[version]), token=TOKEN)
    attempts.start(attempt.id)
    return attempt


def test_the_preview_refuses_markdown_past_the_cap_with_413(client, design):
    base = enter(client, TOKEN)
    ok = client.post(f"{base}/api/preview", json={"markdown": "x" * MAX_MARKDOWN_CHARS})
    assert ok.status_code == 200
    response = client.post(f"{base}/api/preview", json={"markdown": "[" * (MAX_MARKDOWN_CHARS + 1)})
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert f"up to {MAX_MARKDOWN_CHARS:,} characters" in error
    assert f"{MAX_MARKDOWN_CHARS + 1:,}" in error
    assert client.post(f"{base}/api/preview", json={"markdown": 5}).status_code == 400
