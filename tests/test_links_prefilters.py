"""The links stage's C-speed shortcuts answer what the plain reading answers, on inputs aimed at
their edges (mixed case, markers glued or split, quotes, comments, unclosed tags, non-ASCII)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composer import Document, Policy
from composer._html.urls import (
    _PATH,
    _plain_link,
    _read_link,
    _span_end,
    _to_url,
    _valid_host,
    find_links,
    glued,
    lower_in_place,
    url_starts,
)
from composer.embeds.claimed import may_claim
from composer.stages.links import Links, _context, _linkify, _opens_construct, _split, _text_starts
from test_links import _final

PIECES = st.sampled_from(
    [
        "http://",
        "https://",
        "HTTPS://",
        "hTTp:/",
        "://",
        ":",
        "/",
        "www.",
        "WWW.",
        "ww",
        "w.",
        "x.org",
        "a",
        "@",
        "_",
        "-",
        ".",
        " ",
        "\n",
        '"',
        "'",
        "=",
        "<",
        ">",
        "<a ",
        'href="',
        "<!--",
        "-->",
        "<?",
        "<!",
        "!",
        "?",
        "İ",
        "é",
        "😀",
        "\u200b",
        ":80",
        "#",
        "&amp;",
        "%",
    ]
)
TEXT = st.lists(PIECES, max_size=16).map("".join)


def _reference_starts(lower: str) -> list[int]:
    schemes = [m.start() for m in re.finditer("https?://", lower)]
    return sorted(schemes + [m.start() for m in re.finditer(r"www\.", lower)])


@settings(max_examples=600, deadline=None)
@given(TEXT)
def test_url_starts_finds_every_marker(text: str) -> None:
    lower = lower_in_place(text)
    assert sorted(url_starts(lower)) == _reference_starts(lower)


@settings(max_examples=600, deadline=None)
@given(TEXT)
def test_text_starts_keeps_what_the_look_back_keeps(text: str) -> None:
    starts = sorted(url_starts(lower_in_place(text)))
    expected = [
        at
        for at in starts
        if not glued(text[at - 1 : at], www=text.startswith(("w", "W"), at)) and _context(text, at) != "tag"
    ]
    assert _text_starts(text, starts) == expected


@settings(max_examples=400, deadline=None)
@given(TEXT, st.integers(min_value=0, max_value=80))
def test_a_construct_is_found_by_its_second_character(text: str, end: int) -> None:
    lower = lower_in_place(text)
    assert _opens_construct(lower, end) == ("<!" in lower[:end] or "<?" in lower[:end])


URL_PIECES = st.sampled_from(
    [
        "a",
        "Z",
        "0",
        "9",
        ".",
        "-",
        ":",
        "8",
        "65535",
        "65536",
        "/",
        "?",
        "#",
        "[",
        "]",
        "\\",
        "%",
        "_",
        "~",
        "(",
        ")",
    ]
)


@settings(max_examples=800, deadline=None)
@given(
    st.sampled_from(["http://", "https://", "HTTP://", "www."]),
    st.lists(URL_PIECES, max_size=14).map("".join),
)
def test_an_ascii_url_without_userinfo_needs_no_urlsplit(marker: str, rest: str) -> None:
    """The shortcut of ``_to_url``: what ``_span_end`` accepted, ASCII with no "@" or '"',
    is a URL urlsplit reads with a host and a valid port."""
    text = marker + rest
    www = marker == "www."
    end = _span_end(text, 0, www)
    if end < 0:
        return
    found = text[:end]
    url = _to_url(found, www)
    assert url == ("https://" + found if www else found)
    parts = urlsplit(url)
    assert parts.port is None or 0 <= parts.port <= 65535
    assert parts.hostname


TAIL = st.sampled_from(
    ["<b <code>y</code>", '<i title="a>b">c</i>', "<!-- c -->", "<?x?>", "<pre>p</pre>", "</code>", " ", "z"]
)
URLS = st.sampled_from(
    ["https://a.example/x", "www.b.example", " ", "t ", "<b>u</b> ", "<code>k</code> ", "<a href=/y>l</a> "]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(URLS, max_size=5).map("".join), st.lists(TAIL, max_size=4).map("".join))
def test_what_follows_the_last_url_in_text_changes_no_link(head: str, tail: str) -> None:
    """The skipped elements' tags, comments and quoted ">" are read up to the last URL start
    in text only: what follows it, malformed or not, links what the tree links."""
    source = f"<p>{head}</p><p>{tail}</p>"
    fast = Document(source, "html", Policy())
    Links()(fast)
    slow = Document(source, "html", Policy())
    _linkify(slow.tree)
    assert _final(fast) == _final(slow)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(["&", "#", "&#", "#&", "##", "#a", "a", "composer", "-", "composer-", " ", "é"]),
        max_size=30,
    ).map("".join)
)
def test_the_claim_prefilter_finds_every_reference(content: str) -> None:
    assert may_claim(content) == ("composer-" in content or "&#" in content)


def _labels_valid(host: str, www: bool) -> bool:
    labels = host.split(".")
    if not host or any(not label or label[0] == "-" or label[-1] == "-" for label in labels):
        return False
    return not www or len(labels) >= 3


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(["a", "b1", ".", "-", "é", "www"]), max_size=8).map("".join), st.booleans())
def test_a_host_is_judged_by_its_labels(host: str, www: bool) -> None:
    assert _valid_host(host, www) == _labels_valid(host, www)


def test_many_hashes_before_the_reference_are_searched_past() -> None:
    assert may_claim("color:#333;" * 20 + "&#99;omposer-x")
    assert may_claim("#" * 20 + "&" + "#" * 3)
    assert not may_claim("color:#333;&amp;" * 20)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["a:b;", "http://", "https://x", ":", "www.", " "]), min_size=20, max_size=60)
)
def test_url_starts_past_many_colons(pieces: list[str]) -> None:
    lower = "".join(pieces)
    assert sorted(url_starts(lower)) == _reference_starts(lower)


@settings(max_examples=600, deadline=None)
@given(TEXT)
def test_a_text_node_without_a_marker_has_no_link(text: str) -> None:
    """The tree walk's pretest (``_split``): no "://" and no "www." means find_links finds none."""
    if "://" not in text and "www." not in text.lower():
        assert find_links(text) == []
    assert (_split(text) is None) == (find_links(text) == [])


#: the path pattern as it was, one ordinary character per pass of the group
_PATH_ONE_BY_ONE = re.compile(_PATH.pattern.replace(";]+\n", ";]\n", 1), re.VERBOSE)
PATH_PIECES = st.sampled_from([*"/?#a%&=.,;!-'\"()[]{} \n<>`、。é😀\u200b\x85~*:\uff5c", "Z9", ".."])


def test_the_old_path_pattern_is_rebuilt() -> None:
    assert _PATH_ONE_BY_ONE.pattern != _PATH.pattern


@settings(max_examples=1500, deadline=None)
@given(st.lists(PATH_PIECES, max_size=24).map("".join))
def test_a_path_run_taken_at_once_ends_where_one_by_one_ends(text: str) -> None:
    for at in range(len(text)):
        new, old = _PATH.match(text, at), _PATH_ONE_BY_ONE.match(text, at)
        assert (new and new.end()) == (old and old.end())


PLAIN_PIECES = st.sampled_from(
    [
        *("http://", "https://", "HTTPS://", "hTtp://", "www.", "WWW.", "x", "Z9", "org", "-", "--", "."),
        *("..", "/", "//", "?", "#", "_", "%", "=", "&", "+", "~", "~~", ":", ":80", "@", " ", "\n", "\t"),
        *("<", ">", "`", "é", "\u212a", "\u017f", "\u0131", "\x0b", "\x85", "\u2028", "\u200b", ","),
        *("!", "(", ")", "'", '"', "*", "]", "}", "[", "{", ")x", "]."),
    ]
)
PLAIN_TEXT = st.lists(PLAIN_PIECES, max_size=14).map("".join)


@settings(max_examples=2000, deadline=None)
@given(
    st.sampled_from(["", "see ", "("]),
    st.sampled_from(["http://", "https://", "www.", "HTTP://", "wWw."]),
    st.lists(st.sampled_from(["x", "ab", "9", "-", "."]), min_size=1, max_size=7).map("".join),
    PLAIN_TEXT,
)
def test_a_plain_url_read_at_once_is_what_the_grammar_reads(
    head: str, marker: str, host: str, rest: str
) -> None:
    text = head + marker + host + rest
    for at in range(len(text)):
        plain = _plain_link(text, at)
        if plain is not None:
            assert plain == _read_link(text, at)


LABEL = st.sampled_from(["x", "ab", "Z9", "a-b", "-a", "b-", "xn--e", "\u212a", "_", "é", ""])
PATH_CHARS = st.sampled_from([*"aZ/-_%=&+#~.?", "9", ".x", "?q", "~~", "x", "y", "/"])
TAILS = st.sampled_from(
    [
        *("", " ", "\n", "<", "`", ".", ",", ")", "]", "}", ":", ":8", "é", "\u212a", "\x85", "@", "'"),
        *('"', "(", "["),
    ]
)


@settings(max_examples=2000, deadline=None)
@given(
    st.sampled_from(["http://", "https://", "www.", "HTTPS://", "wWw."]),
    st.lists(LABEL, min_size=1, max_size=4).map(".".join),
    st.one_of(st.just(""), st.lists(PATH_CHARS, max_size=8).map(lambda p: "/" + "".join(p))),
    st.lists(TAILS, max_size=3).map("".join),
)
def test_a_url_of_the_plain_shape_is_read_as_the_grammar_reads_it(
    marker: str, host: str, path: str, tail: str
) -> None:
    text = marker + host + path + tail
    plain = _plain_link(text, 0)
    assert plain is None or plain == _read_link(text, 0)


@pytest.mark.parametrize(
    "text",
    [
        "https://www.nimh.nih.gov/health/topics/psychotherapies if",
        "www.samaritans.org",
        "http://x.org/a.b?c=d&e=f#g<",
        "HTTPS://X.ORG/",
        "www.x.y/p-q_r~s%20\n",
    ],
)
def test_the_plain_shape_takes_the_common_urls(text: str) -> None:
    assert _plain_link(text, 0) is not None
    assert _plain_link(text, 0) == _read_link(text, 0)
