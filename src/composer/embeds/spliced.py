"""Line-long links found and replaced in the HTML string itself, when no tree is needed.

Most posts that get a player hold it as ``<p><a href="URL">URL</a></p>`` in editor markup
that no other stage parsed. Building a tree for it costs a parse here and a serialization
in the sanitizer (~120 µs on a 5 KB post) for one paragraph's worth of change. So the embed
stage first asks this module for the candidates, in document order: it answers only when
every anchor of the post can be judged from the string exactly as the tree would judge it,
and None whenever it is unsure; the tree then decides, as before.

What makes the string readable: no tag whose content or placement the look-backs cannot
follow (:data:`_UNSURE`: raw text, tables, code, headings, frames, comments, ``<!``/``<?``),
no ``>`` inside a quoted attribute value, no carriage return, and every ``<a`` a plain
``<a href="...">`` holding text only. An anchor whose text shows its URL is then a
candidate exactly when it is the whole content of a ``<p>`` (whitespace aside); text next to
it on either side proves it is not; any other shape is left to the tree.

The string is also the one the sanitizer reads, where the tree's serialization would have
been: URL attribute values that libxml2 writes differently (whitespace, non-ASCII, a
reference: it percent-encodes them) send the post to the tree, so the output is the same.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from lxml import etree
from lxml.html import HtmlElement

__all__ = ["MARK_NAME", "Line", "lines", "mark", "splice"]

#: a line-long link: (start of its ``<p>``, end of its ``</p>``, its URL)
Line = tuple[int, int, str]

#: the attribute the spliced players carry until the sanitizer admits them (then it goes)
MARK_NAME = "data-composer-player"

#: tags whose content, or whose effect on where a ``<p>`` lands, the look-backs cannot follow
#: (embeds are never made inside pre, code, aside, figure, table, h2-h4); ``<!``: comments
_UNSURE = re.compile(
    r"<(?:iframe|aside|figure|figcaption|table|caption|colgroup|col|thead|tbody|tfoot|tr|td|th"
    r"|h[1-6]|script|style|template|noembed|noframes|noscript|xmp|plaintext|title|textarea|select"
    r"|option|optgroup|svg|math|object|applet|marquee|frameset|frame|html|head|body)[\s/>]|<[!?]"
)
#: a ">" inside a quoted attribute value: the look-backs would take it for a tag's end
_QUOTED_GT = re.compile(r"""=[\t\n\f\r ]*(?:"[^"]*>|'[^']*>)""")
#: a URL attribute whose value libxml2 would write otherwise (it percent-encodes whitespace
#: and non-ASCII, drops leading blanks), or one not plainly double-quoted; ``&amp;`` only
_URI_VALUE = re.compile(
    r"""=(?:(?<=[\s"'/]href=)|(?<=[\s"'/]src=)|(?<=[\s"'/]action=)|(?<=[\s"'/]name=))"""
    r"""(?!"(?:[!#-%'-~]|&amp;)*")"""
)
#: an "=" with a blank beside it (``href = "..."``: the look-behinds above cannot see it)
_SPACED = re.compile(r"=(?:(?<=\s=)|(?=\s))")
_NAME_BEFORE = re.compile(r"([^\s\"'/=<>]+)\s*\Z")
_URI_NAMES = frozenset({"href", "src", "action", "name"})
#: start and end tags of code and pre, whose text may hold anything
_BOXES = re.compile(r"<(/?)(pre|code)(?=[\s/>])")
#: an anchor as editors and the links stage write it (on the original case)
_A_TAG = re.compile(r'<a href="((?:[^"<>&]|&amp;)*)"(?: (?!href=)[a-z][a-z-]*="[^"]*")*>')
#: what may follow "<a" in an anchor's start tag
_A_NEXT = frozenset(" \t\n\f/>")


def lines(
    html: str, lower: str, url_of: Callable[[str, str], str | None], skip: frozenset[str]
) -> list[Line] | None:
    """The line-long links of ``html`` (``lower``: it lower-cased, index for index) whose URL
    ``url_of(href, text)`` gives and ``skip`` does not hold, in order; None when one anchor
    cannot be judged from the string (the tree decides)."""
    if "\r" in html or _UNSURE.search(lower) or _QUOTED_GT.search(html):
        return None
    if _URI_VALUE.search(lower) or _spaced_uri(lower) or not _boxed(lower):
        return None
    found: list[Line] = []
    find = lower.find
    at = find("<a")
    while at >= 0:
        following = lower[at + 2 : at + 3]
        if following not in _A_NEXT:
            if not following:
                return None
            at = find("<a", at + 2)  # <abbr>, <address>, ...
            continue
        tag = _A_TAG.match(html, at)
        if tag is None:
            return None
        close = find("<", tag.end())
        if not lower.startswith("</a>", close):
            return None  # markup in the link, or no end tag: the tree knows its extent
        text = html[tag.end() : close]
        if "&" in text:
            if _other_reference(text):
                return None
            text = text.replace("&amp;", "&")
        url = url_of(tag.group(1).replace("&amp;", "&"), text)
        if url is not None and url not in skip:
            line = _line(html, lower, at, close + 4)
            if line is None:
                return None
            if line:
                found.append((line[0], line[1], url))
        at = find("<a", close + 4)
    return found


def _other_reference(text: str) -> bool:
    """Whether ``text`` may hold a character reference other than ``&amp;``."""
    return "&" in text and "&" in text.replace("&amp;", "")


def _spaced_uri(lower: str) -> bool:
    """Whether a URL attribute may be written ``name = value`` (prose "a = b" too)."""
    for found in _SPACED.finditer(lower):
        at = found.start()
        name = _NAME_BEFORE.search(lower, max(0, at - 48), at)
        if name is not None and name.group(1) in _URI_NAMES:
            return True
    return False


def _boxed(lower: str) -> bool:
    """Whether every ``code`` holds text only and every ``pre`` text or one such ``code``:
    then no ``<p>`` or ``<a>`` stands in one, and both parsers close each where it ends."""
    find = lower.find
    for tag in _BOXES.finditer(lower):
        closing, name = tag.groups()
        if closing:
            continue  # checked from its start tag
        at = find("<", find(">", tag.end()) + 1)
        if name == "pre" and lower.startswith("<code", at) and lower[at + 5 : at + 6] in _A_NEXT:
            at = find("<", find(">", at) + 1)
            if not lower.startswith("</code>", at):
                return False
            at = find("<", at + 7)
        if at < 0 or not lower.startswith(f"</{name}>", at):
            return False
    return True


def _line(html: str, lower: str, start: int, end: int) -> tuple[int, int] | tuple[()] | None:
    """The ``<p>`` that holds nothing but the anchor at ``start:end``, ``()`` when text
    stands beside it (it is not alone on its line), None when unsure."""
    gt = lower.rfind(">", 0, start)
    before = html[gt + 1 : start]
    lt = lower.find("<", end)
    if lt < 0:
        lt = len(html)
    after = html[end:lt]
    if _other_reference(before) or _other_reference(after):
        return None  # a reference may spell a space
    if before.strip() or after.strip():
        return ()
    if gt < 2 or not html.startswith("<p>", gt - 2) or not html.startswith("</p>", lt):
        return None
    if lower.rfind("<", 0, gt - 2) > lower.rfind(">", 0, gt - 2):
        return None  # "<p>" may be inside a tag left open before it
    return gt - 2, lt + 4


def mark() -> str:
    """A fresh ``name="value"`` for the players of one run: a value no post can guess."""
    return f' {MARK_NAME}="{secrets.token_hex(12)}"'


def splice(html: str, placed: list[tuple[int, int, HtmlElement]], marked: str | None) -> str:
    """``html`` with each ``(start, end, element)`` of ``placed`` (in order) written over
    ``html[start:end]``; the iframes carry ``marked`` (see :func:`mark`) when given."""
    out: list[str] = []
    done = 0
    for start, end, built in placed:
        if marked is not None:
            value = marked.split('"')[1]
            for iframe in built.iter("iframe"):
                iframe.set(MARK_NAME, value)
        out.append(html[done:start])
        out.append(etree.tostring(built, method="html", encoding="unicode", with_tail=False))
        done = end
    out.append(html[done:])
    return "".join(out)
