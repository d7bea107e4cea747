"""The links stage's C-speed shortcuts answer what the plain reading answers, on inputs aimed at
their edges (mixed case, markers glued or split, quotes, comments, unclosed tags, non-ASCII)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from composer._html.urls import _span_end, _to_url, glued, lower_in_place, url_starts
from composer.stages.links import _context, _opens_construct, _text_starts

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
@given(TEXT)
def test_a_construct_is_found_by_its_second_character(text: str) -> None:
    lower = lower_in_place(text)
    assert _opens_construct(lower) == ("<!" in lower or "<?" in lower)


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
