"""The links stage: bare URLs in HTML text are linked the same way with or without a tree."""

from __future__ import annotations

import html
import re

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composer import Document, Pipeline, Policy, Submission
from composer._html.text import html_to_text
from composer.stages.links import Links, _linkify
from composer.stages.sanitize import Sanitize
from test_pathological import watchdog

PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))

TEXT = st.sampled_from(
    [
        "https://x.co",
        "http://y.org/a_(b)",
        "www.z.net",
        " ",
        "\n",
        ".",
        ",",
        "-",
        ":",
        "a",
        "é",
        "İ",  # lower-cases to two characters: positions after it must not shift
        "😀",
        "&amp;",
        "?a=1&amp;b=2",
        "&quot;",
        "&#46;",
        "&lt;",
        "< ",  # a lone "<" before a letter would open a tag, which parsers read differently
        ">",
        '"',
        "=",
        "<br>",
        "<!-- c -->",
        "`",
        '<abbr title="a>b https://a.co/x">T</abbr>',  # a ">" in a quoted value ends no tag
        "<!-- a > https://b.co -->",
        "‘",
        "’",
        "（",
        "）",
        "、",
        "~~",
    ]
)


#: well-formed, validly nested markup around the text: a stray end tag, a block in a
#: paragraph or a tag inside raw text is read differently by libxml2 and html5ever, which
#: is not the linking's business
def _element(name: str, inner: str, after: str) -> str:
    if name in ("script", 'a href="/t"'):  # raw text holds no tags; an <a> holds no <a>
        inner = re.sub(r"</?[a-z][^>]*>", "", inner).replace("<", "")
    return f"<{name}>{inner}</{name.split()[0]}>{after}"


HTML = st.recursive(
    st.lists(TEXT, max_size=6).map("".join),
    lambda inner: st.tuples(
        st.sampled_from(["b", "code", "kbd", "script", 'a href="/t"', "blockquote", "div"]), inner, inner
    ).map(lambda t: _element(*t)),
    max_leaves=8,
)
_LINK = re.compile(r'<a href="(http[^"]*)"[^>]*>(.*?)</a>')  # the links that linking made


def _final(doc: Document) -> tuple[list[tuple[str, str]], str]:
    """The links (href, text) and the visible text: what linking decides. (The markup may
    differ elsewhere: libxml2 drops a stray </p> that html5ever turns into <p></p>.)"""
    Sanitize()(doc)
    out = doc.html
    return _LINK.findall(out), " ".join(html_to_text(out).split())


@settings(max_examples=400, deadline=None)
@given(HTML)
def test_splicing_links_the_same_urls_as_the_tree(source: str) -> None:
    fast = Document(source, "html", Policy())
    Links()(fast)
    slow = Document(source, "html", Policy())
    _linkify(slow.tree)
    assert _final(fast) == _final(slow)


def test_a_plain_post_with_a_bare_url_needs_no_tree() -> None:
    doc = Document("<p>see https://example.com/a, and <b>more</b></p>", "html", Policy())
    Links()(doc)
    assert not doc.has_tree
    assert '<a href="https://example.com/a">https://example.com/a</a>,' in doc.html


def test_a_url_in_code_goes_to_the_tree_and_stays_text() -> None:
    doc = Document("<code>https://example.com</code> https://x.org", "html", Policy())
    Links()(doc)
    assert doc.has_tree
    assert doc.html.startswith("<code>https://example.com</code>")


#: many URL starts, refused or not: each used to cost a rescan of the pending text (markdown's
#: linkify rule searched it for a scheme at every "://": "a:// " * 10000 took 8.5 s)
STARTS = {
    "bare schemes": "a:// " * 20_000,
    "empty http schemes": "http:// " * 12_000,
    "glued schemes": "https://" * 12_000,
    "refused URLs in one word": "(http://a" * 10_000 + "\u200b",
    "www starts in one word": "(www.a.b" * 8_000 + "\u200b",
    "unclosed parentheses in a path": "http://a.b/" + "(x" * 40_000,
}


@pytest.mark.parametrize("fmt", ["markdown", "text", "html"])
@pytest.mark.parametrize("name", sorted(STARTS))
def test_many_url_starts_cost_linear_time(name: str, fmt: str) -> None:
    source = STARTS[name]
    outcome = watchdog(lambda: PIPE.run(Submission(source, fmt)), timeout=20)  # type: ignore[arg-type]
    # refused early, or rendered in time (and over max_links: thousands of links)
    assert set(outcome.problems) <= {"too_long", "too_complex", "too_many_links"}


ATTRIBUTE_TEXT = st.lists(
    st.sampled_from(["a", " ", ">", "<", "<b>", "=", "&amp;", "https://a.example/x", "www.b.example", "-->"]),
    max_size=6,
).map("".join)


def _titles(markup: str) -> list[str | None]:
    root = lxml.html.fragment_fromstring(markup, create_parent="div")
    return [el.get("title") for el in root.iter("abbr")]


@settings(max_examples=300, deadline=None)
@given(ATTRIBUTE_TEXT, st.sampled_from(['"', "'"]), ATTRIBUTE_TEXT.filter(lambda t: "<" not in t))
def test_links_never_go_into_attribute_values(value: str, quote: str, text: str) -> None:
    source = f"<abbr title={quote}{value}{quote}>T</abbr> {html.escape(text)}"
    out = PIPE.run(Submission(source, "html")).html
    assert _titles(out) == _titles(source)


class _TreeFirst:
    """Parses the tree before the links stage, which then links on it instead of the string."""

    name = "tree_first"

    def __call__(self, doc: Document) -> None:
        doc.tree  # noqa: B018 - the parse is the point


_TREE_FIRST = PIPE.insert_before("links", _TreeFirst())
_ANCHOR_PIECES = ['<a href="/x">', '<a href="/y">', "</a>", "one ", "https://a.example/z ", "<br>", " "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_ANCHOR_PIECES), max_size=10).map("".join))
def test_the_string_splice_links_what_the_tree_links(source: str) -> None:
    """Anchors opened, nested and closed in any order: linking in the string (the common
    path) gives what linking on the tree gives. An <a> inside an open <a> closes it in
    HTML5, so a URL after the inner one's end tag is text (it was taken for link text)."""
    assert PIPE.run(Submission(source, "html")).html == _TREE_FIRST.run(Submission(source, "html")).html
