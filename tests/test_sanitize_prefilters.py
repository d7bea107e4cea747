"""The sanitize stage's prefilters skip work only where the full scan would find nothing.

Each prefilter may say "maybe" wrongly, never "no" wrongly: on generated input aimed at the
edges (mixed case, references, quotes and ``>`` in values, spaced ``=``, comments, unclosed
tags, non-ASCII), whatever the full scan finds, the prefilter lets through.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from composer import Document, Policy
from composer._html.empty import _EMPTY, _MAYBE_EMPTY, may_have_empty
from composer._html.facts import Scan
from composer._html.iframe import harden_iframes
from composer._html.scan import _DIRECTION, _DIRECTION_CHARS, _DIRECTION_UTF8, drop_direction_controls
from composer._html.stray import start_tags
from composer.stages.sanitize.backends import Nh3Backend
from composer.stages.sanitize.removed import (
    _attributes,
    _missed,
    _odd_attributes,
    _scan_lower,
    removal_scanner,
    report_removed,
)
from composer.stages.sanitize.stage import _may_be_own, _own_links

POLICY = Policy()
SCANNER = removal_scanner(POLICY.allowlist)
NH3 = Nh3Backend(POLICY)

#: pieces of markup around attributes: names (handlers, URL attributes, look-alikes), the
#: ways "=" and a value are written, schemes allowed or not, and what may stand between
_MARKUP = st.sampled_from(
    [
        "<a",
        "<p",
        "<img",
        "<x-y",
        "<!--",
        "-->",
        ">",
        "/>",
        " ",
        "\t",
        "\n",
        "\x0c",
        "\u2028",
        "/",
        "=",
        " = ",
        "=\n",
        '"',
        "'",
        "href",
        "HREF",
        "src",
        "cite",
        "data",
        "data-href",
        "xhref",
        "formaction",
        "action",
        "poster",
        "background",
        "on",
        "onclick",
        "onerror",
        "OnLoad",
        "on1",
        "xon",
        "https:",
        "http:",
        "mailto:",
        "javascript:",
        "httpx:",
        " https:",
        "\x01https:",
        "https",
        "//ex.com/",
        "/rel",
        "#top",
        "&#106;",
        "&colon;",
        "&quot;",
        "a",
        "é",
        "😀",
    ]
)
_HTML = st.lists(_MARKUP, max_size=24).map("".join)


@settings(max_examples=1500, deadline=None)
@given(_HTML)
def test_the_attribute_prefilter_never_hides_a_handler_or_an_odd_url(html: str) -> None:
    lower = html.lower()
    found: Counter[tuple[str, str]] = Counter()
    _attributes(lower, SCANNER, found)
    if found:
        assert SCANNER.attributes.search(lower[::-1]) is not None, found


#: start tags whose attributes are bare words, and the edges of the start-tag pass that reads
#: them: names running over "<", "/" and quotes, "=" anywhere, end tags, spacing of any kind
_BARE_PARTS = ["<b", "<B", "<a-1", "<x:y", "<o:p", "</b", "</", "<", ">", "/>", "/", " ", "\t", "\n", "\x0c"]
_BARE_PARTS += ["\u2028", "\u3000"]
_BARE_PARTS += ["\u00a0", "and", "c", "on", "=", "'", '"', "&gt;", "<!--", "-->", "1", "é", "\u212a", "İ"]
_NEAR_BARE = st.sampled_from(_BARE_PARTS)


@settings(max_examples=3000, deadline=None)
@given(st.lists(_NEAR_BARE, max_size=20).map("".join))
def test_the_bare_words_fact_never_hides_a_tag_of_bare_words(source: str) -> None:
    facts = Scan(source)
    lower = facts.lower
    if SCANNER.bare.findall(lower):
        assert facts.bare_words, source
    assert facts.start_tags == start_tags(lower)
    for odd in (None, True, False):
        assert _missed(lower, SCANNER, facts.start_tags, odd, facts.bare_words) == _missed(
            lower, SCANNER, facts.start_tags, odd
        )


def test_the_bare_words_fact_reads_the_tags() -> None:
    assert Scan('<p class="x">if a<b and c>d</p>').bare_words
    assert Scan("x <B and\n c/>").bare_words
    assert not Scan('<p class="x"><a href="https://ex.com/" title=on>on and on</a><br /></p>').bare_words
    assert Scan("<b and c>").start_tags == frozenset({"b"})


def test_the_attribute_prefilter_passes_an_ordinary_post() -> None:
    lower = '<p class="x"><a href="https://ex.com/a" title="on">on and on</a> data-x="1"</p>'
    assert SCANNER.attributes.search(lower[::-1]) is None
    for odd in ('<a href="/rel">', '<b onclick="x()">', "<a href = 'javascript:x'>", '<a href=" https:x">'):
        assert SCANNER.attributes.search(odd[::-1]) is not None, odd


_NEAR_DIRECTION = st.sampled_from([*_DIRECTION_CHARS, "a", "é", "😀", "\u2000", "\u206a", "\ud800"])


@settings(max_examples=1000, deadline=None)
@given(st.lists(_NEAR_DIRECTION).map("".join))
def test_the_direction_prefilter_is_the_regex(text: str) -> None:
    assert (_DIRECTION_UTF8.search(text.encode("utf-8", "surrogatepass")) is not None) == (
        _DIRECTION.search(text) is not None
    )


def test_the_direction_prefilter_reads_every_character() -> None:
    for code in range(0x80, 0x10000):  # the BMP, lone surrogates included; beyond it, 4-byte UTF-8
        char = chr(code)
        assert drop_direction_controls("é" + char)[1] == (char in _DIRECTION_CHARS), hex(code)


_HREFS = st.lists(
    st.sampled_from(
        [' href="', "https:", "http:", "mailto:", "HTTPS:", "ftp:", "/x", "#a", "x", '"', "<a", ">", " "]
    ),
    max_size=16,
).map("".join)


@settings(max_examples=800, deadline=None)
@given(_HREFS)
def test_the_own_link_test_is_the_loop(out: str) -> None:
    policy = Policy()
    at, relative = out.find(' href="'), False
    while at >= 0 and not relative:
        tail = out[at + 7 :]
        scheme = tail.split(":", 1)[0] if ":" in tail else ""
        relative = not (scheme[:1].isalpha() and all(c.isalnum() or c in "+.-" for c in scheme))
        at = out.find(' href="', at + 7)
    assert _may_be_own(out, policy) == relative


_LINKS = st.lists(
    st.sampled_from(
        [
            "<a",
            "<A",
            " ",
            "\n",
            "/",
            "href",
            "HREF",
            "xhref",
            "href>",
            "=",
            " = ",
            '"',
            "'",
            "https:",
            "HTTPS:",
            "mailto:",
            "ftp:",
            "//ex.com/",
            "/t/1",
            "#top",
            "?q=1",
            "&#47;",
            "&colon;",
            "&quot;",
            "\u2028",
            ">",
            "</a>",
            "x",
        ]
    ),
    max_size=20,
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(_LINKS)
def test_no_odd_url_in_the_source_leaves_no_relative_link(source: str) -> None:
    """The own-link pass is skipped when the report's scan of the source finds no URL value
    but one plainly starting with an allowed scheme and no kept href is empty: no kept link
    is then relative."""
    out = NH3.plain(source)
    odd = report_removed(Document(source, "html", POLICY), source, out, POLICY.allowlist, SCANNER)
    if not _may_be_own(out, POLICY, odd):
        assert _own_links(out, POLICY) == out


_NEAR_EMPTY = st.lists(
    st.sampled_from(
        [
            "<p>",
            "<p",
            "<P>",
            "<div>",
            "<h2>",
            "<h5>",
            "<pre>",
            "<b>",
            "<br>",
            "<strong>",
            "<s>",
            "<span>",
            "<blockquote>",
            "<mark>",
            "<small>",
            '<p class="a">',
            ' title="a>b">',
            " ",
            "\n",
            "\xa0",
            "\u3000",
            "&nbsp;",
            "&amp;",
            ">",
            "<",
            "/",
            "</",
            "</p>",
            "</b>",
            "</div>",
            "</strong>",
            "</s>",
            "</small>",
            "x",
            "é",
        ]
    ),
    max_size=14,
).map("".join)


@settings(max_examples=3000, deadline=None)
@given(_NEAR_EMPTY)
def test_the_empty_element_prefilter_never_hides_one(markup: str) -> None:
    if _EMPTY.search(markup) is not None:
        assert _MAYBE_EMPTY.search(markup) is not None
    assert may_have_empty(markup) == (_EMPTY.search(markup) is not None)


_NEAR_PRE = st.lists(
    st.sampled_from(
        [
            *(
                "<pre <PRE <Pre <pre-x <prefix <listing <xmp <plaintext <image <svg <p <!-- --> > /> / "
                "\" ' = title= &lt; </pre> <code> x \u0130 é"
            ).split(),
            " ",
            "\n",
            "\xa0",
            "\x0c",
        ]
    ),
    max_size=16,
).map("".join)


@settings(max_examples=2000, deadline=None)
@given(_NEAR_PRE)
def test_nh3_keeps_a_pre_only_where_the_source_opened_one(source: str) -> None:
    """The newline fix after ``<pre>`` asks the shared start-tag scan of the source, not the output."""
    doc = Document(source, "html", POLICY)
    if "<pre" in NH3.plain(source):
        assert "pre" in doc.scan.start_tags


_NON_ASCII = st.lists(
    st.one_of(
        _MARKUP,
        st.sampled_from(
            ["É", "Ü", "ǅ", "Σ", "ﬁ", "\u0130", "\u212a", "😀", "<B ÉX>", "<b and c>", "<SCRIPT>", "\xa0"]
        ),
    ),
    max_size=24,
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(_NON_ASCII)
def test_the_ascii_lower_casing_finds_what_the_full_one_finds(source: str) -> None:
    """The report scans a changed non-ASCII source lower-cased in its ASCII letters only."""
    fast, exact = _scan_lower(source)
    full = source.lower()
    assert exact or len(fast) == len(source)
    assert bool(_missed(fast, SCANNER, None)) == bool(_missed(full, SCANNER, None))
    assert _odd_attributes(fast, SCANNER) == _odd_attributes(full, SCANNER)


_NEAR_IFRAME = st.lists(
    st.sampled_from(
        [
            '<iframe src="https://www.youtube-nocookie.com/embed/x"',
            "<IFRAME",
            "<iframe",
            "<iframex",
            ' title="<iframe allow=camera>"',
            ' allow="autoplay; camera"',
            ' width="640"',
            " allowfullscreen",
            ' style="x"',
            "/>",
            ">",
            "</iframe>",
            "></iframe>",
            "<p>",
            "<a href='/x' title='<iframe>'>",
            "&lt;iframe&gt;",
            "x",
            " ",
        ]
    ),
    max_size=14,
).map("".join)


@settings(max_examples=1000, deadline=None)
@given(_NEAR_IFRAME)
def test_hardening_nh3_output_reads_only_its_iframe_tags(source: str) -> None:
    """nh3 writes ``&lt;`` in values and lower-case names: unless an iframe holds raw text, its
    iframe tags are all the walk over every start tag would find."""
    out = NH3.iframes(source)
    assert harden_iframes(out, escaped=True) == harden_iframes(out)
