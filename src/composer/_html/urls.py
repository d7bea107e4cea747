"""Finding bare URLs in text: one grammar for every format.

Only URLs with a scheme (``http://``, ``https://``) or a leading ``www.`` count; words that
merely look like host names (``config.py``) stay text. The grammar is linkify-it's (its
fixture file runs in ``tests/test_links_grammar.py``), with two corrections:

- a host is letters, digits, marks and symbols (``✪df.ws``) joined by ``.`` and ``-``: it
  never swallows punctuation or ``~``, so ``‘http://example.org’`` links ``http://example.org``;
- closing punctuation a sentence puts after a URL (``’ ” » 、 ） 。``, ``~~``, ``*``) is left
  out of the link unless the URL opened it (``http://x.org/（注）`` keeps its parenthesis).

A URL holding control or invisible format characters (bidi controls, zero-width spaces) is
refused and stays text, because what a reader sees would not be where the link goes. A
zero-width joiner or non-joiner after a non-ASCII character is part of a word (Persian,
Malayalam, emoji sequences) and is allowed.

:class:`LinkFinder` also serves as markdown-it's ``linkify`` object, and :func:`link_at`
backs composer's replacement for markdown-it's inline linkify rule, so markdown, HTML and
plain text all link the same URLs. linkify-it-py itself is not used: it links the same
fixture cases but keeps the punctuation above and URLs with hidden characters, and our finder
is 15x faster or more on 5 KB posts (measured in docs/policy.md).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

#: a URL start at the beginning of a text, before :func:`glued` judges what precedes it
_MARKER = re.compile(r"https?://|www\.", re.IGNORECASE)
#: "user:pass@" before a host (linkify-it caps it at 50 characters)
_AUTH = re.compile(r"[^\s\x00-\x1f\x7f-\x9f@/\[\]()<>\uff5c`]{1,50}@")
#: a host candidate: ASCII letters, digits, dots and dashes, and any non-ASCII character that
#: is not a space (non-ASCII punctuation and symbols are cut out by _host_end)
_HOST = re.compile(r"[A-Za-z0-9.\-\u0080-\U0010ffff]+")
_PORT = re.compile(r":(\d{1,5})")
_SPACE_CC = r"\s\x00-\x1f\x7f-\x9f"
_END = rf"(?![{_SPACE_CC}]|\Z)"
#: linkify-it's path: ordinary characters, balanced brackets and quotes, and punctuation
#: only where more of the URL follows it; CJK sentence punctuation always ends it. A run of
#: ordinary characters is taken at once (``+``): one pass of the group per character cost
#: ~150 ns each, and since nothing follows the group, taking the run whole ends where taking
#: it a character at a time would
_PATH = re.compile(
    rf"""[/?#](?:
        [^{_SPACE_CC}<>\uff5c`、。，！？：；()\[\]{{}}.,"'?!\-;]+
      | \[[^{_SPACE_CC}<>`\]]*\]
      | \([^{_SPACE_CC}<>`)]*\)
      | \{{[^{_SPACE_CC}<>`}}]*\}}
      | "[^{_SPACE_CC}<>`"]+"
      | '[^{_SPACE_CC}<>`']+'
      | '(?=[^{_SPACE_CC}<>`\uff5c!-/:-@\[-^{{-~]|-)
      | \.{{2,}}[a-zA-Z0-9%/&]
      | \.(?![{_SPACE_CC}.]|\Z)
      | -+
      | ,{_END}
      | ;{_END}
      | !+(?![{_SPACE_CC}!]|\Z)
      | \?(?![{_SPACE_CC}?]|\Z)
    )*""",
    re.VERBOSE,
)
#: left out at the end of a URL: sentence punctuation, markdown's emphasis and strikethrough
_TRAILING = ".,:;!?*"
#: closing punctuation kept at the end only when the URL holds its opening partner
_CLOSERS = dict(zip("）」』】〕〉》］｝”’»›", "（「『【〔〈《［｛“‘«‹", strict=True))
#: THE invisible characters, as a regex class body: controls (Cc) but tab, newline and
#: carriage return, and the invisible format characters (Cf: soft hyphen, zero-width
#: spaces and joiners, bidi marks, embeddings, overrides and isolates, word joiner and
#: invisible operators, BOM, interlinear annotation). A URL holding one is not linked; a
#: scheme reader skips them (:func:`composer._html.hosts.scheme_at`); every module that asks
#: uses this set.
INVISIBLE = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
)
_HIDDEN = re.compile(f"[{INVISIBLE}]")
#: a joiner is part of a word after a non-ASCII character that is not a joiner itself
#: (Malayalam ends words with virama + ZWJ; IDNA drops joiners from hosts)
_JOINER_IN_WORD = re.compile(r"(?<=[^\x00-\x7f\u200c\u200d])[\u200c\u200d]")
_URL_ASCII = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != '"')


@dataclass(frozen=True)
class Link:
    """A URL found in text: ``text[index:last_index]`` links to ``url``.

    ``url`` is ASCII: the host IDNA-encoded, the rest percent-encoded as UTF-8; ``text`` is
    exactly what was typed, so ``last_index - index == len(text)``.
    """

    index: int
    last_index: int
    text: str
    url: str
    schema: str


def lower_in_place(text: str) -> str:
    """``text`` lower-cased with every character at its index: ``str.lower`` turns "İ"
    (U+0130, the one such character) into two, which would shift every position after it."""
    return (text.replace("\u0130", "i") if "\u0130" in text else text).lower()


#: ":"s not followed by "//" looked at one by one before the rest is searched for "://" at
#: once (in posts, most ":"s are a scheme's; style sheets and Office markup hold hundreds)
_OTHER_COLONS = 6


def url_starts(lower: str) -> list[int]:
    """Where an ``http://``, ``https://`` or ``www.`` URL may start in lower-cased text.

    C-speed ``str.find`` over the markers; callers judge the context around each start.
    The schemes are found from their ":": one character is found by ``memchr``, where a
    longer needle reads every character (``"://"``: ~5 µs on 5 KB, the ":"s of a post:
    under 1). Past a few other ":"s (style sheets, Office markup) the rest is searched for
    ``"://"`` at once.
    """
    starts: list[int] = []
    find = lower.find
    at = find(":")
    others = 0
    while at >= 0:
        if lower.startswith("//", at + 1):
            _scheme_start(lower, at, starts)
        elif others == _OTHER_COLONS:
            at = find("://", at)
            while at >= 0:
                _scheme_start(lower, at, starts)
                at = find("://", at + 3)
            break
        else:
            others += 1
        at = find(":", at + 1)
    at = find("www.")
    while at >= 0:
        starts.append(at)
        at = find("www.", at + 4)
    return starts


def _scheme_start(lower: str, colon: int, starts: list[int]) -> None:
    """Note where an http(s) scheme ends at the "://" at ``colon``, if one does."""
    if lower.endswith("https", 0, colon):
        starts.append(colon - 5)
    elif lower.endswith("http", 0, colon):
        starts.append(colon - 4)


def glued(before: str, www: bool) -> bool:
    """Whether a URL start after the character ``before`` is glued to it (no link there)."""
    return bool(before) and (before.isalnum() or before in "/.+-_" or (www and before == "@"))


def has_hidden(text: str) -> bool:
    """Whether ``text`` holds a control or invisible format character (a joiner after a
    non-ASCII character, as in Persian and Malayalam words, does not count)."""
    found = _HIDDEN.search(text)
    if found is None:
        return False
    if "\u200c" not in text and "\u200d" not in text:
        return True
    return _HIDDEN.search(_JOINER_IN_WORD.sub("", text)) is not None


def _host_char(char: str) -> bool:
    """Letters, digits, marks, other symbols (emoji, ``✪``) and in-word joiners."""
    if char.isascii():
        return char.isalnum() or char in ".-"
    category = unicodedata.category(char)
    return category[0] in "LNM" or category == "So" or char in "\u200c\u200d"


def _host_end(text: str, at: int) -> int:
    """Where the host starting at ``at`` ends (``at`` itself when there is none)."""
    match = _HOST.match(text, at)
    if match is None:
        return at
    host = match.group()
    if not host.isascii():
        for i, char in enumerate(host):
            if not _host_char(char):
                host = host[:i]
                break
    return at + len(host.rstrip("."))


def _valid_host(host: str, www: bool) -> bool:
    """No empty label, none starting or ending with "-"; ``www.`` and one more dot at least."""
    if not host or host[0] in ".-" or host[-1] in ".-" or ".." in host or ".-" in host or "-." in host:
        return False
    return not www or host.count(".") >= 2


def _span_end(text: str, start: int, www: bool) -> int:
    """Where the URL starting at ``start`` ends, or -1 when what follows is not a URL."""
    at = start + (0 if www else text.index("//", start) + 2 - start)
    if not www and text.find("@", at, at + 51) >= 0 and (auth := _AUTH.match(text, at)):
        after = auth.end()
        if _host_end(text, after) > after:
            at = after
    end = _host_end(text, at)
    if not _valid_host(text[at:end], www):
        return -1
    if port := _PORT.match(text, end):
        if int(port.group(1)) > 65535:
            return -1
        end = port.end()
    following = text[end : end + 1]
    if following in ("_", "@") or (following == ":" and text[end + 1 : end + 2].isdigit()):
        return -1  # "host_x", "host@", a port out of range: not a URL (linkify-it agrees)
    if following and _HIDDEN.match(following) and has_hidden(text[end - 1 : end + 2]):
        return -1  # a host cut short by an invisible character: the reader sees a longer one
    if following in ("/", "?", "#"):
        path = _PATH.match(text, end)
        assert path is not None  # the leading character alone matches
        end = path.end()
    return _trim(text, start, end)


def _trim(text: str, start: int, end: int) -> int:
    """Leave out the punctuation a sentence put after the URL."""
    while end > start:
        last = text[end - 1]
        if last in _TRAILING:
            end -= 1
        elif last == "~" and text[end - 2 : end - 1] == "~":
            end -= 2
            while end > start and text[end - 1] == "~":
                end -= 1
        elif last in _CLOSERS:
            span = text[start:end]
            if span.count(_CLOSERS[last]) >= span.count(last):
                break
            end -= 1
        elif not last.isascii() and unicodedata.category(last) in ("Po", "Ps", "Pi", "Pe", "Pf"):
            end -= 1  # 、。！ and unpaired quotes and brackets
        else:
            break
    return end


def ascii_host(host: str) -> str:
    """``host`` in ASCII: IDNA-encoded, or percent-encoded when IDNA refuses it."""
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return quote(host, safe="")  # as the browser's parser would read it: percent-decoded


def _to_url(found: str, www: bool) -> str | None:
    """The ASCII address ``found`` links to, or None when it is not a valid URL."""
    url = "https://" + found if www else found
    if url.isascii() and '"' not in url and "@" not in url:
        # what _span_end read is a valid host of ASCII letters, digits, dots and dashes, a
        # port of at most 65535 and a path after "/", "?" or "#": urlsplit would accept it
        return url
    if not url.isascii() or '"' in url:
        scheme, _, rest = url.partition("://")
        cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
        userinfo, at, hostport = rest[:cut].rpartition("@")
        host, colon, port = hostport.partition(":")
        if not host.isascii():
            host = ascii_host(host)
        netloc = quote(userinfo + at, safe=_URL_ASCII) + host + colon + port
        url = scheme + "://" + netloc + quote(rest[cut:], safe=_URL_ASCII)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return None  # the sanitizer would drop it: not a link
    return url if parts.hostname else None


def link_at(text: str, start: int) -> Link | None:
    """The URL starting exactly at ``start`` (a scheme or ``www.`` there), if it is one.

    Whether ``start`` is glued to what precedes it is the caller's business.
    """
    return _plain_link(text, start) or _read_link(text, start)


#: the common URL, read by one match: a scheme or ``www.``, ASCII labels of letters, digits
#: and inner dashes joined by dots, and a path of characters _PATH always takes; no port,
#: userinfo, quote, bracket or trailing punctuation (those go the long way)
_PLAIN_URL = re.compile(
    r"(?:https?://|www\.)(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
    r"(?:/[a-z0-9/_%=&+#~-]*(?:[.?][a-z0-9/_%=&+#~-]+)*)?",
    re.IGNORECASE | re.ASCII,  # ASCII: "K" (Kelvin) and "ſ" would match k and s
)
#: what ends a URL whatever it follows: no path, host, userinfo or trimming rule reads past
#: it (a ")" or "]" the URL did not open ends _PATH and _AUTH; "}" does not end _AUTH, and
#: quotes may open a quoted part of the path)
_PLAIN_STOPS = " \t\n\r<>`)]"


def _plain_link(text: str, start: int) -> Link | None:
    """The link :func:`_read_link` finds at ``start`` when the URL there has the plain shape
    of :data:`_PLAIN_URL`, ends in a letter, digit or "/" (nothing to trim) and is followed
    by one of :data:`_PLAIN_STOPS` or the end; None when it may not (then read it the long
    way). Most URLs in posts are plain, and one match costs a fraction of the host, port,
    path, trim and hidden-character reads."""
    match = _PLAIN_URL.match(text, start)
    if match is None:
        return None
    end = match.end()
    last = text[end - 1]
    if (end < len(text) and text[end] not in _PLAIN_STOPS) or not (last.isalnum() or last == "/"):
        return None
    found = match.group()
    if found.endswith("//"):
        return None
    url = "https://" + found if found[0] in "wW" else found
    return Link(start, end, found, url, url[: url.index(":") + 1].lower())


def _read_link(text: str, start: int) -> Link | None:
    """:func:`link_at` by the whole grammar."""
    www = text.startswith(("w", "W"), start)
    end = _span_end(text, start, www)
    if end < 0:
        return None
    found = text[start:end]
    if found.endswith("//") or has_hidden(found):
        return None
    url = _to_url(found, www)
    if url is None:
        return None
    schema = url[: url.index(":") + 1].lower()
    return Link(start, end, found, url, schema)


def refused_end(text: str, start: int) -> int:
    """How far a refused URL candidate at ``start`` reaches, so later starts inside it are
    skipped (each start would otherwise rescan the rest of the word: quadratic)."""
    www = text.startswith(("w", "W"), start)
    end = _span_end(text, start, www)
    return max(end, start + 1)


def _starts(text: str) -> list[int]:
    """Where a scheme or ``www.`` stands in ``text``, by C-speed ``str.find`` (a regex
    over the whole post cost more than all the rest of the linking)."""
    return sorted(url_starts(lower_in_place(text)))


def find_links(text: str) -> list[Link]:
    """Every bare URL in ``text``, left to right; each as typed, with its ASCII address."""
    links = []
    at = 0
    for start in _starts(text):
        if start < at:
            continue  # inside a link found, or a candidate refused
        if glued(text[start - 1 : start], www=text.startswith(("w", "W"), start)):
            continue
        link = link_at(text, start)
        if link is None:
            at = refused_end(text, start)
            continue
        links.append(link)
        at = link.last_index
    return links


class LinkFinder:
    """The subset of linkify-it's interface markdown-it-py's core rule calls (``www.`` links;
    ``http(s)://`` ones are taken by the inline rule in :mod:`composer.stages.parse`)."""

    def pretest(self, text: str) -> bool:
        return "://" in text or "www." in text.lower()  # a cheap superset, as linkify-it's

    def test(self, text: str) -> bool:
        return self.pretest(text) and bool(find_links(text))

    def match(self, text: str) -> list[Link] | None:
        return find_links(text) or None

    def match_at_start(self, text: str) -> Link | None:
        return link_at(text, 0) if _MARKER.match(text) else None
