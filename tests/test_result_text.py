"""``Result.text`` keeps every space the HTML shows (cases in tests/fixtures/result-text.txt).

A browser collapses only ASCII white space; no-break spaces and the Unicode spaces
(ideographic, em, en, thin, ...) show wherever they stand, at a line's start and end too.
The plain-text projection must keep them, so a notification or a search index reads what the
post shows.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import cast

import html5lib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composer import Clipboard, Format, Pipeline, Policy, Result, Submission
from fixture_files import FIXTURES, read_cases

PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))

_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _result(kind: str, source: str) -> Result:
    if kind == "paste":
        return PIPE.paste(Clipboard(html=source))
    if kind == "paste-plain":
        return PIPE.paste(Clipboard(html=source), plain=True)
    assert kind in ("text", "markdown", "html"), kind
    return PIPE.run(Submission(source, cast(Format, kind)))


@pytest.mark.parametrize(
    ("title", "kind", "source", "expected"), read_cases(FIXTURES / "result-text.txt", 3), ids=lambda x: x[:40]
)
def test_result_text(title: str, kind: str, source: str, expected: str) -> None:
    assert _result(kind, _unescape(source)).text == _unescape(expected)


#: the spaces a browser shows as they are (it collapses only " \t\n\r\f")
SHOWN = "\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_PIECE = st.one_of(
    st.sampled_from(["word", "東京", "a-b", "x", "3.14"]),
    st.text(st.sampled_from(SHOWN), min_size=1, max_size=3),
    st.sampled_from([" ", "  ", "\t", "\n", "\n\n", "\n \n"]),
)


def _visible(markup: str) -> str:
    """What a browser shows of ``markup``: its text, ASCII white space being collapsible."""
    body = html5lib.parse(markup, namespaceHTMLElements=False).find("body")
    assert body is not None
    return "".join(body.itertext())


def _unicode_spaces(text: str) -> Counter[str]:
    return Counter(ch for ch in text if ch in SHOWN and ch != "\xa0")


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECE, min_size=1, max_size=12).map("".join))
def test_text_keeps_what_the_html_shows(post: str) -> None:
    """For text posts and plain pastes: the text's non-space characters are the HTML's, and
    each space the HTML shows is in the text (a no-break space as a plain space)."""
    for result in (PIPE.run(Submission(post, "text")), PIPE.paste(Clipboard(text=post))):
        shown = _visible(result.html)
        assert "".join(result.text.split()) == "".join(shown.split())
        assert _unicode_spaces(result.text) == _unicode_spaces(shown)
        assert result.text.count(" ") >= shown.count("\xa0")
