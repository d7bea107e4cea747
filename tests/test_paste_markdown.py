"""``paste(..., target="markdown")``: markdown source for a markdown editor, and its round trip.

The round trip: every clipboard of the corpus, pasted with ``target="markdown"`` and the
markdown rendered back through ``Pipeline().run(Submission(md, "markdown"))``, keeps the rich
paste's visible text (whitespace aside), its links, its emphasis, its lists (kind, depth,
start, item count), its code blocks and its table cells, except where markdown has no syntax
for what the paste holds (KNOWN, each with its reason).
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml.html import HtmlElement, fragment_fromstring

from composer import Clipboard, InputError, Pipeline, Policy, StageError, Submission
from corpus_cases import paste_clipboards
from corpus_paths import CORPORA
from fixture_files import FIXTURES, read_cases

PIPE = Pipeline()
PASTE_CORPUS = CORPORA / "paste"
_SPACES = re.compile(r"\s+")
_MARKS = {"strong": "strong", "b": "strong", "em": "em", "i": "em", "code": "code", "s": "s", "del": "s"}

#: clipboard -> the aspects that differ after the round trip, and why markdown cannot keep them
KNOWN: dict[str, tuple[set[str], str]] = {
    "word/generic/list-in-table/input.html": (
        {"lists"},
        "a GFM cell holds one line: the list's items join with spaces",
    ),
    "more/c04-excel2016-cell-formatting.html": (
        {"marks"},
        "a<em>ll m</em><strong><em>i</em>xed</strong>: runs of * touching each other and letters"
        " cannot be delimited; their text stays, the marks go",
    ),
}


def _clipboards() -> list[Path]:
    """Every clipboard of the corpus: word/ and google-docs/ (``input*.html``) and more/."""
    return paste_clipboards()


def _squash(text: str) -> str:
    return _SPACES.sub("", text)


def _depth(el: HtmlElement) -> int:
    return sum(1 for a in el.iterancestors() if a.tag in ("ul", "ol"))


def semantics(html: str) -> dict[str, object]:
    """What the round trip must keep, by aspect: text, links, marks, lists, code, cells."""
    root = fragment_fromstring(html or "<p></p>", create_parent="div")
    return {
        "text": _squash(root.text_content()),
        # markdown-it percent-encodes what the HTML path keeps as typed: one address
        "links": [unquote(a.get("href") or "") for a in root.iter("a")],
        "marks": sorted(
            (_MARKS[str(e.tag)], _squash(e.text_content())) for e in root.iter() if e.tag in _MARKS
        ),
        "lists": [
            (e.tag, _depth(e), e.get("start") or "1", len([c for c in e if c.tag == "li"]))
            for e in root.iter("ul", "ol")
        ],
        "code": [pre.text_content().removesuffix("\n") for pre in root.iter("pre")],
        "cells": [_squash(c.text_content()) for c in root.iter("td", "th") if _squash(c.text_content())],
    }


def _both(html: str) -> tuple[dict[str, object], dict[str, object]]:
    """The rich paste's semantics, and those of its markdown rendered back."""
    markdown = PIPE.paste(Clipboard(html=html), target="markdown").markdown
    assert markdown is not None
    before = semantics(PIPE.paste(Clipboard(html=html)).html)
    return before, semantics(PIPE.run(Submission(markdown, "markdown")).html)


def _differing(html: str) -> set[str]:
    before, after = _both(html)
    return {aspect for aspect in before if before[aspect] != after[aspect]}


def test_the_corpus_is_there() -> None:
    assert len(_clipboards()) >= 100


@pytest.mark.parametrize("path", _clipboards(), ids=lambda p: p.relative_to(PASTE_CORPUS).as_posix())
def test_round_trip(path: Path) -> None:
    name = path.relative_to(PASTE_CORPUS).as_posix()
    expected, _reason = KNOWN.get(name, (set(), ""))
    assert _differing(path.read_text(encoding="utf-8")) == expected


def test_known_names_exist() -> None:
    names = {p.relative_to(PASTE_CORPUS).as_posix() for p in _clipboards()}
    assert set(KNOWN) <= names


@pytest.mark.parametrize(
    ("title", "source", "expected"),
    read_cases(FIXTURES / "paste" / "markdown.txt"),
    ids=[c[0] for c in read_cases(FIXTURES / "paste" / "markdown.txt")],
)
def test_markdown_case(title: str, source: str, expected: str) -> None:
    """Each case's markdown, and the case renders back to the same text and links."""
    plain = title.startswith("plain:")
    result = PIPE.paste(Clipboard(html=source), plain=plain, target="markdown")
    assert result.markdown == expected
    back = semantics(PIPE.run(Submission(expected, "markdown")).html)
    pasted = semantics(result.html)
    assert (back["text"], back["links"]) == (pasted["text"], pasted["links"])


def test_same_notices_and_undo_as_the_html_target() -> None:
    clip = Clipboard(html="<p>hi<script>x()</script></p>", files=(("image/png", b"\x89PNG"),))
    html, markdown = PIPE.paste(clip), PIPE.paste(clip, target="markdown")
    assert markdown.notices == html.notices and markdown.problems == html.problems
    assert markdown.html == html.html and html.markdown is None
    assert markdown.markdown == "hi" and markdown.to_dict()["markdown"] == "hi"
    assert markdown.notices[0].action is not None
    assert markdown.notices[0].action.code == "paste_as_plain"


def test_a_refused_paste_has_empty_markdown() -> None:
    big = Pipeline(policy=Policy(max_length=10))
    result = big.paste(Clipboard(html="<p>" + "x" * 100 + "</p>"), target="markdown")
    assert not result.ok and result.markdown == ""


def test_nesting_too_deep_to_convert_is_a_stage_error() -> None:
    deep = Pipeline(policy=Policy(max_depth=5000))
    with pytest.raises(StageError, match="markdown"):
        deep.paste(Clipboard(html="<b>" * 2000 + "x" + "</b>" * 2000), target="markdown")


@pytest.mark.parametrize("target", ["md", "HTML", "", None, 1, b"markdown"])
def test_another_target_is_an_input_error(target: object) -> None:
    with pytest.raises(InputError, match=r"paste\(target=\.\.\.\)"):
        PIPE.paste(Clipboard(html="<p>x</p>"), target=target)  # type: ignore[arg-type]


_WORDS = st.text(
    alphabet=st.sampled_from([*"ab1 .-+*_`#[]()<>!|~&\\=", "\u00a0"]), min_size=1, max_size=30
).filter(lambda s: s.strip())


@settings(max_examples=150, deadline=None)
@given(st.lists(_WORDS, min_size=1, max_size=4))
def test_special_characters_render_back_as_the_same_text(paragraphs: list[str]) -> None:
    """Any text of markdown's special characters, pasted as paragraphs, renders back the same."""
    html = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    assert _differing(html) == set()


_LINES = st.text(alphabet=st.sampled_from([*"ab1 .-*(\n"]), min_size=1, max_size=12).filter(str.strip)
_RUNS = st.lists(
    st.tuples(st.sampled_from(["", "b", "i", "s", "b i"]), st.one_of(_WORDS, _LINES)), min_size=1, max_size=5
)


def _run_html(mark: str, text: str) -> str:
    tags = mark.split()
    inner = escape(text).replace("\n", "<br>")
    return "".join(f"<{t}>" for t in tags) + inner + "".join(f"</{t}>" for t in reversed(tags))


@settings(max_examples=150, deadline=None)
@given(_RUNS)
def test_emphasis_keeps_its_text_and_never_invents_a_mark(runs: list[tuple[str, str]]) -> None:
    """Runs of bold, italic and struck text among special characters: the text renders back
    the same, and every mark that renders back was in the paste (one markdown cannot
    delimit, as in ``**(a)**b``, is dropped, never shown as asterisks)."""
    before, after = _both("<p>" + "".join(_run_html(m, t) for m, t in runs) + "</p>")
    assert after["text"] == before["text"]
    kept = list(before["marks"])  # type: ignore[call-overload]
    for mark in after["marks"]:  # type: ignore[attr-defined]
        assert mark in kept
        kept.remove(mark)


_ITEM_TEXT = st.text(alphabet=st.sampled_from([*"ab1 .-+*#>"]), min_size=1, max_size=8).filter(str.strip)


@st.composite
def _lists(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(["ul", "ol"]))
    start = draw(st.sampled_from(["", ' start="0"', ' start="7"', ' start="12"'])) if tag == "ol" else ""
    items = []
    for _ in range(draw(st.integers(1, 3))):
        inner = escape(draw(_ITEM_TEXT))
        if depth < 2 and draw(st.booleans()):
            inner += draw(_lists(depth + 1))
        items.append(f"<li>{inner}</li>")
    return f"<{tag}{start}>{''.join(items)}</{tag}>"


@settings(max_examples=100, deadline=None)
@given(st.lists(_lists(), min_size=1, max_size=3))
def test_lists_keep_kind_depth_start_and_items(lists: list[str]) -> None:
    """Nested and adjacent lists of either kind, with start values and item text that looks
    like list syntax, come back as the same lists with the same text."""
    assert _differing("".join(lists)) == set()


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from([*"ab1 ()<>\\_*[]\"'|#"]), max_size=12))
def test_link_addresses_and_titles_render_back_the_same(path: str) -> None:
    """Addresses with spaces, parentheses, angle brackets, backslashes; titles with quotes."""
    href = escape("https://e.com/" + path, quote=True)
    html = f'<p><a href="{href}" title="{escape(path, quote=True)}">x</a></p>'
    assert _differing(html) == set()


_TEXT = _WORDS.map(escape)
_INLINE = st.one_of(
    _TEXT,
    _TEXT.map(lambda t: f"<b>{t}</b>"),
    _TEXT.map(lambda t: f"<code>{t}</code>"),
    _TEXT.map(lambda t: f'<a href="https://e.com/{t}">{t}</a>'),
    st.just("<br>"),
)
_PARA = st.lists(_INLINE, min_size=1, max_size=4).map("".join)
_BLOCK = st.one_of(
    _PARA.map(lambda p: f"<p>{p}</p>"),
    _PARA.map(lambda p: f"<h3>{p}</h3>"),
    _PARA.map(lambda p: f"<blockquote><p>{p}</p></blockquote>"),
    st.lists(_PARA, min_size=1, max_size=3).map(
        lambda xs: "<ul>" + "".join(f"<li>{x}</li>" for x in xs) + "</ul>"
    ),
    st.lists(st.lists(_PARA, min_size=2, max_size=2), min_size=1, max_size=3).map(
        lambda rows: (
            "<table>"
            + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
            + "</table>"
        )
    ),
    st.text(alphabet=st.sampled_from([*"a `~\n  #-"]), min_size=1, max_size=20)
    .filter(str.strip)
    .map(lambda t: f"<pre>{escape(t)}</pre>"),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(_BLOCK, min_size=1, max_size=4))
def test_blocks_of_special_text_keep_everything_but_undelimitable_marks(blocks: list[str]) -> None:
    """Paragraphs, headings, quotes, lists, tables and code of special characters, bold, code
    spans, links and breaks: only a mark markdown cannot delimit may go."""
    assert _differing("".join(blocks)) <= {"marks"}


_STYLED = st.one_of(
    _TEXT,
    _TEXT.map(lambda t: f"<i>{t}</i>"),
    _TEXT.map(lambda t: f"<s>{t}</s>"),
    _TEXT.map(lambda t: f"<b><i>{t}</i></b>"),
    _TEXT.map(lambda t: f"<sup>{t}</sup>"),
    _TEXT.map(lambda t: f'<img src="https://e.com/{t}.png" alt="{t}">'),
    _TEXT.map(lambda t: f"<code>{t}</code>"),
    st.just("<br>"),
)
_RUN = st.lists(_STYLED, min_size=1, max_size=4).map("".join)


def _list_of(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    items = st.lists(st.tuples(_RUN, st.one_of(st.just(""), inner)), min_size=1, max_size=3)
    return st.tuples(st.sampled_from(["ul", "ol", 'ol start="4"']), items).map(
        lambda t: f"<{t[0]}>" + "".join(f"<li>{a}{b}</li>" for a, b in t[1]) + f"</{t[0].split()[0]}>"
    )


_NESTED = st.recursive(st.just(""), _list_of, max_leaves=4).filter(bool)
_STRUCTURE = st.one_of(
    _RUN.map(lambda p: f"<p>{p}</p>"),
    _NESTED,
    st.tuples(_RUN, _NESTED).map(lambda t: f"<blockquote><p>{t[0]}</p>{t[1]}</blockquote>"),
    _RUN.map(lambda p: f"<ul><li><p>{p}</p><p>{p}</p></li></ul>"),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(_STRUCTURE, min_size=1, max_size=4))
def test_nested_lists_and_quotes_of_styled_text_keep_everything_but_undelimitable_marks(
    blocks: list[str],
) -> None:
    """Nested lists (breaks before a sub-list, empty items, starts), quotes, multi-paragraph
    items, of styled text with images and code: only a mark markdown cannot delimit may go."""
    assert _differing("".join(blocks)) <= {"marks"}
