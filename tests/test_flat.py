"""composer._html.flat: the text of markup no parser may read (too deep, too large), read by
linear regexes, for a refused rich paste's plain fallback and a too-deep draft's restore."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composer._html.flat import markup_text

TEXTS = [
    ("<p>a</p><p>b</p>", "a\n\nb"),
    ("<div><div><div>x</div></div></div>", "x"),
    ("one<br>two<br/>three", "one\ntwo\nthree"),
    ("<p>a\n   b</p><script>alert(1)</script><!-- c --><style>p{}</style>", "a b"),
    ("<ul><li>x &lt;y&gt;</li><li>z</li></ul>", "x <y>\n\nz"),
    ("<p<p<p<p>text", "text"),
]


@pytest.mark.parametrize(("markup", "text"), TEXTS)
def test_the_text_of_a_draft_is_read_without_parsing(markup: str, text: str) -> None:
    assert markup_text(markup) == text


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(st.text("abcxyz&;<> ", min_size=1, max_size=8), min_size=1, max_size=8),
    depth=st.integers(0, 400),
)
def test_any_nesting_keeps_its_words(words: list[str], depth: int) -> None:
    """However deep the draft nests, its words come back (escaped as typed in HTML, decoded)."""
    typed = " ".join(" ".join(words).split())
    escaped = typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert markup_text("<div><blockquote>" * depth + f"<p><b>{escaped}</b></p>") == typed
