"""Text fidelity (issue 10, kinds 3-7): what the person typed is what the reader sees.

Fixture families in ``tests/fixtures/fidelity/``, one file a kind, each case naming its entry
point; and hypothesis properties that guard each kind beyond the listed inputs.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composer import Clipboard, Pipeline, Policy, Submission
from composer.result import Result
from fixture_files import FIXTURES, read_cases

PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))
BLEACH = Pipeline(policy=Policy(embed_mode="cache_only", sanitizer="bleach"))
FILES = sorted((FIXTURES / "fidelity").glob("*.txt"))
CASES = [(path.stem, *case) for path in FILES for case in read_cases(path, blocks=3)]
ENTRIES = ("run html", "run markdown", "run text", "paste", "plain", "paste text")


def _run(pipe: Pipeline, block: str) -> Result:
    entry, _, source = block.partition("\n")
    assert entry in ENTRIES, f"unknown entry point {entry!r}"
    if entry.startswith("run "):
        return pipe.run(Submission(source, entry[4:]))  # type: ignore[arg-type]
    if entry == "paste text":
        return pipe.paste(Clipboard(text=source))
    return pipe.paste(Clipboard(html=source), plain=entry == "plain")


def _removed(result: Result) -> str:
    for notice in result.notices:
        if notice.code == "content_removed":
            removed = notice.params["removed"]
            return "; ".join(
                f"{kind} " + ", ".join(f"{name}={count}" for name, count in names.items())
                for kind, names in removed.items()
            )
    return "-"


def test_every_kind_has_its_family() -> None:
    assert {path.stem for path in FILES} >= {"stray-lt", "markdown-images", "blocks", "direction", "empty"}
    for stem in {c[0] for c in CASES}:
        entries = {c[2].partition("\n")[0] for c in CASES if c[0] == stem}
        assert len(entries) >= 3, (stem, entries)


@pytest.mark.parametrize(
    ("kind", "title", "source", "html", "removed"), CASES, ids=[c[1][:60] for c in CASES]
)
def test_fixture(kind: str, title: str, source: str, html: str, removed: str) -> None:
    result = _run(PIPE, source)
    assert result.html.strip() == html.strip()
    assert _removed(result) == removed


@pytest.mark.parametrize(
    ("kind", "title", "source", "html", "removed"), CASES, ids=[c[1][:60] for c in CASES]
)
def test_bleach_shows_the_same_text(kind: str, title: str, source: str, html: str, removed: str) -> None:
    """The two backends serialize differently (bleach keeps some newlines) but agree on text."""
    pytest.importorskip("bleach")
    ours, theirs = _run(PIPE, source), _run(BLEACH, source)
    assert theirs.text.split() == ours.text.split()


# -- properties ---------------------------------------------------------------------------

_WORDS = st.text(
    alphabet="abcxyzABC0123456789<=-@.,/!?() ", min_size=1, max_size=40
)  # no ":": :a: is a shortcode


def _visible(result: Result) -> list[str]:
    return result.text.split()


@settings(max_examples=150, deadline=None)
@given(_WORDS)
def test_prose_with_lt_keeps_every_character(text: str) -> None:
    """Kind 3: with no ">" in it, a "<" is never a complete tag: nothing may go, in any entry."""
    expected = text.split()
    assert _visible(PIPE.run(Submission(text, "html"))) == expected
    assert _visible(PIPE.paste(Clipboard(html=text))) == expected
    assert _visible(PIPE.paste(Clipboard(html=text), plain=True)) == expected
    assert _visible(PIPE.run(Submission(text, "text"))) == expected


#: prose "<", and bogus comments holding what would hide the rest of the post once shown
_LTS = ["<", " < ", "<-", "<3 ", " <=", "</ ", "</ <!-- ", "</3 <? ", "</ <!x ", "</ <style "]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_LTS), st.text("xyz", min_size=1)),
        max_size=6,
    )
)
def test_prose_with_lt_and_tags(parts: list[tuple[str, str]]) -> None:
    """Kind 3 beside real markup: the prose "<" survive, the paragraph stays a paragraph.

    (Words that name an element, ``<a b</p>``, are markup to every parser: see stray-lt.txt.)"""
    text = "".join(lt + word for lt, word in parts)
    result = PIPE.run(Submission(f"<p><b>ok</b> {text}</p>", "html"))
    assert _visible(result) == ["ok", *text.split()]
    assert _removed(result) == "-"


_BLOCK_TAGS = [
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "dl",
    "dt",
    "dd",
    "center",
    "p",
    "div",
]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_BLOCK_TAGS), st.text("abc", min_size=1, max_size=5)), min_size=2))
def test_no_removal_joins_two_words(blocks: list[tuple[str, str]]) -> None:
    """Kind 5: each block's word stays a word of its own, in a post and in a paste."""
    source = "".join(f"<{tag}>{word}</{tag}>" for tag, word in blocks)
    words = [word for _, word in blocks]
    for result in (PIPE.run(Submission(source, "html")), PIPE.paste(Clipboard(html=source))):
        assert _visible(result) == words
        assert not re.search(r"<h[156][\s>]", result.html)


_DIRECTION = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.text("ab\u200d\u200c ", min_size=1), st.sampled_from(_DIRECTION)), min_size=1))
def test_direction_controls_are_removed_and_counted(parts: list[tuple[str, str]]) -> None:
    """Kind 6: every embedding, override and isolate goes and is counted; joiners stay."""
    text = "".join(a + b for a, b in parts)
    for fmt in ("html", "markdown", "text"):
        result = PIPE.run(Submission(text, fmt))
        assert not any(c in result.html for c in _DIRECTION)
        assert result.html.count("\u200d") == text.count("\u200d")
        assert f"direction control={len(parts)}" in _removed(result)


_EMPTY = [
    "<p></p>",
    "<p><br></p>",
    "<p>&nbsp;</p>",
    "<b></b>",
    "<s> </s>",
    "<div><br></div>",
    "<p><em></em></p>",
]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_EMPTY), st.just("<p>w</p>")), min_size=1))
def test_no_empty_element_is_left(parts: list[str]) -> None:
    """Kind 7: no empty block or inline element survives, whatever the order."""
    source = "".join(parts)
    for result in (PIPE.run(Submission(source, "html")), PIPE.paste(Clipboard(html=source))):
        assert not re.search(r"<(p|div|b|s|em)>(\s|<br>)*</\1>", result.html), result.html
        assert _visible(result) == ["w"] * parts.count("<p>w</p>")


_PASTED_URLS = st.one_of(
    st.builds(
        "data:image/{}{}".format,
        st.sampled_from(["png", "svg+xml", "avif", "heic", "x-icon"]),
        st.just(";base64,AAAA"),
    ),
    st.builds("file:///{}.png".format, st.text("abc/", min_size=1, max_size=12)),
    st.sampled_from(
        ["blob:https://example.com/1", "cid:part1@example.com", "filesystem:https://e.com/t/x.png"]
    ),
)


@settings(max_examples=100, deadline=None)
@given(_PASTED_URLS, st.booleans())
def test_markdown_images_by_pasted_address_are_refused(url: str, reference: bool) -> None:
    """Kind 4: whatever the scheme and image type, inline or by reference, nothing of the
    address is published and the image is refused like any pasted one."""
    source = f"a ![x][r] b\n\n[r]: {url}" if reference else f"a ![x]({url}) b"
    result = PIPE.run(Submission(source, "markdown"))
    assert _visible(result) == ["a", "b"]
    assert [n.code for n in result.notices if n.code == "image_paste_rejected"] == ["image_paste_rejected"]
    assert "images" in _removed(result)
