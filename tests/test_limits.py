"""Input limits: every oversized, deep or undecodable input ends in a Problem or InputError."""

from __future__ import annotations

import pytest

from composer import Clipboard, InputError, Pipeline, Policy, Submission
from composer._limits import too_deep

PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))


def test_too_large_is_refused_before_decoding() -> None:
    pipe = Pipeline(policy=Policy(max_input_bytes=1000, embed_mode="cache_only"))
    for body in ("x" * 1001, b"x" * 1001, "é" * 501):
        result = pipe.run(Submission(body))
        assert not result.ok
        assert result.problems[0].code == "too_large"
        assert result.problems[0].params["limit"] == 1000
        assert result.html == ""
    assert pipe.run(Submission("é" * 500)).ok
    assert pipe.paste(Clipboard(html="<p>" + "x" * 2000 + "</p>")).problems[0].code == "too_large"


def test_default_size_limit_admits_a_word_paste_with_images() -> None:
    assert Policy().max_input_bytes == 32 * 1024 * 1024


def test_too_deep_is_a_problem_not_a_silent_cut() -> None:
    deep = "<div>" * 300 + "inner text" + "</div>" * 300
    result = PIPE.run(Submission(deep))
    assert [p.code for p in result.problems] == ["too_deep"]
    assert "100" in result.problems[0].message
    ok = "<div>" * 99 + "inner text" + "</div>" * 99
    assert "inner text" in PIPE.run(Submission(ok)).html


def test_deep_markdown_and_paste() -> None:
    assert not PIPE.run(Submission("<blockquote>" * 200, "html")).ok
    result = PIPE.paste(Clipboard(html="<ul><li>" * 200), plain=True)
    assert [p.code for p in result.problems] == ["too_deep"]


@pytest.mark.parametrize(
    ("source", "deep"),
    [
        ("<p>a" * 500, False),  # implied </p>
        ("<ul>" + "<li>x" * 500 + "</ul>", False),  # implied </li>
        ("<table>" + "<tr><td>x" * 500 + "</table>", False),
        ("<br>" * 500 + "<img src=x>" * 500, False),  # void elements
        ("<b>x</b>" * 500, False),
        ("<!--" + "<div>" * 500 + "-->", False),  # inside a comment
        ("<div/>" * 101, True),  # an HTML5 parser opens a non-void <div/>
        ("<div><script></div></script>" * 101, True),  # end tags in raw text do not close
        ('<div title="<">' * 101, True),  # a < inside a quoted value does not hide the tag
        ('<div a=b"c>' * 101, True),  # a quote inside an unquoted value is just a character
        ("<span><div></span>" * 60, True),  # an inline end tag does not close a block
        ("<div>" * 101, True),
    ],
)
def test_depth_scan_errs_on_the_deep_side(source: str, deep: bool) -> None:
    assert too_deep(source, 100) is deep


def test_depth_scan_is_linear_on_unclosed_markup() -> None:
    # each of these would make a backtracking regex quadratic; the scan must simply finish
    for source in ("<a" * 200_000, '<a "' * 200_000, "<!--" * 200_000, "<a b='" * 200_000):
        too_deep(source, 100)


def test_control_characters_are_removed_and_counted() -> None:
    result = PIPE.run(Submission("a\x00b\x07c\ud800d\ufffe"))
    assert result.html == "a\ufffdbcd"  # NUL becomes U+FFFD, as in an HTML parser
    removed = result.notices[-1].params["removed"]
    assert removed["characters"] == {"control": 4}


def test_invalid_utf8_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not valid UTF-8"):
        PIPE.run(Submission(b"caf\xe9"))
    with pytest.raises(InputError, match="clipboard html"):
        PIPE.paste(Clipboard(html=b"\xff"))
    assert PIPE.run(Submission("café".encode())).html == "café"


def test_too_long_counts_visible_text() -> None:
    pipe = Pipeline(policy=Policy(max_length=100, embed_mode="cache_only"))
    # long markup, short text: fine
    assert pipe.run(Submission("<b>" + "x" * 50 + "</b>" + "<i></i>" * 100)).ok
    result = pipe.run(Submission("<p>" + "x" * 101 + "</p>"))
    assert [p.code for p in result.problems] == ["too_long"]
    assert result.problems[0].params == {"length": 101, "limit": 100}
