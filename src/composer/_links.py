"""Finding bare URLs in text: one grammar for every format.

Only URLs with a scheme (``http://``, ``https://``) or a leading ``www.`` count; words that
merely look like host names (``config.py``) stay text. A URL holding control or invisible
format characters (bidi overrides, zero-width) is refused and stays text, because what a
reader sees would not be where the link goes.

:class:`LinkFinder` also serves as markdown-it's ``linkify`` object, so markdown, HTML and
plain text all link the same URLs (and linkify-it's 1.6 ms per 5 KB scan is avoided).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

_CANDIDATE = re.compile(
    r"(?<![\w@/.+-])(?:https?://(?=[^\s/?#<>\"'`])|www\.(?=\w))[^\s<>\"'`]*", re.IGNORECASE
)
_WORD_END = re.compile(r"[\s<>\"'`]")
_PRETEST = re.compile(r"https?://|www\.", re.IGNORECASE)
_TRAILING = ".,:;!?*'\""
#: control and invisible format characters (Cc, Cf): a URL holding one is not linked
#: (tab, newline and carriage return are left out: browsers strip them from URLs)
_HIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)
_URL_ASCII = "".join(chr(c) for c in range(0x21, 0x7F))
_PAIRS = {")": "(", "]": "[", "}": "{"}


@dataclass(frozen=True)
class Link:
    """A URL found in text: ``text[index:last_index]`` links to ``url``."""

    index: int
    last_index: int
    text: str
    url: str
    schema: str


def _trim(candidate: str) -> str:
    while candidate:
        last = candidate[-1]
        if last in _TRAILING or (last in _PAIRS and candidate.count(last) > candidate.count(_PAIRS[last])):
            candidate = candidate[:-1]
        else:
            break
    return candidate


def url_starts(lower: str) -> list[int]:
    """Where an ``http://``, ``https://`` or ``www.`` URL may start in lower-cased text.

    C-speed ``str.find`` over the markers; callers judge the context around each start.
    """
    starts = []
    at = lower.find("://")
    while at >= 0:
        if lower.endswith("https", 0, at):
            starts.append(at - 5)
        elif lower.endswith("http", 0, at):
            starts.append(at - 4)
        at = lower.find("://", at + 3)
    at = lower.find("www.")
    while at >= 0:
        starts.append(at)
        at = lower.find("www.", at + 4)
    return starts


def has_hidden(text: str) -> bool:
    """Whether ``text`` holds a control or invisible format character."""
    return _HIDDEN.search(text) is not None


def find_links(text: str) -> list[Link]:
    """Every bare URL in ``text``, left to right."""
    links = []
    for match in _CANDIDATE.finditer(text):
        found = _trim(match.group())
        if "://" not in found and found.count(".") < 2:
            continue  # "www." with no further dot is not a host
        if found.endswith("://") or has_hidden(found):
            continue
        url = found if "://" in found else "https://" + found
        if not url.isascii():  # as lxml writes hrefs: UTF-8, percent-encoded
            url = quote(url, safe=_URL_ASCII)
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError:
            continue  # the sanitizer would drop it: not a link
        if not parts.hostname:
            continue
        schema = url[: url.index(":") + 1].lower()
        links.append(Link(match.start(), match.start() + len(found), found, url, schema))
    return links


class LinkFinder:
    """The subset of linkify-it's interface markdown-it-py calls, backed by :func:`find_links`."""

    def pretest(self, text: str) -> bool:
        return _PRETEST.search(text) is not None

    def test(self, text: str) -> bool:
        return self.pretest(text) and bool(find_links(text))

    def match(self, text: str) -> list[Link] | None:
        return find_links(text) or None

    def match_at_start(self, text: str) -> Link | None:
        # markdown-it asks this at every "://" with the rest of the post: look at the first
        # word only, or n URLs cost n whole-text scans
        end = _WORD_END.search(text)
        links = find_links(text[: end.start()] if end else text)
        return links[0] if links and links[0].index == 0 else None
