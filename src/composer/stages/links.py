"""Stage ``links``: bare URLs in HTML text become links; links that hide characters do not.

Markdown and plain text are linked while they are parsed; HTML needs the tree, so the stage
first asks the source whether any URL stands outside a tag or an existing link.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from lxml.html import Element, HtmlElement

from composer._html.facts import Scan
from composer._html.scan import _RAW
from composer._html.urls import (
    find_links,
    glued,
    has_hidden,
    link_at,
    lower_in_place,
    refused_end,
)
from composer.document import Document

#: besides raw text: links, code, and foreign content (whose text the sanitizer removes)
_NO_LINKS_EXTRA = frozenset({"a", "code", "pre", "kbd", "samp", "template", "object", "svg", "math"})
_NO_LINKS_INSIDE = _RAW | _NO_LINKS_EXTRA


#: how far back the tag around a URL is looked for; past it the tree decides
_WINDOW = 4096


def _context(source: str, start: int) -> str:
    """``"text"``, ``"tag"`` (an attribute value), ``"stray"`` (after a lone "<") or
    ``"unknown"`` (no "<" or ">" within the window), read with two bounded ``rfind`` calls;
    :class:`_Markup` corrects a ``"text"`` that stands in a quoted value or a comment."""
    low = max(start - _WINDOW, 0)
    lt, gt = source.rfind("<", low, start), source.rfind(">", low, start)
    if lt > gt:
        return "tag" if _tag_start(source, lt) else "stray"
    return "unknown" if lt == gt == -1 and low > 0 else "text"


#: where a quoted attribute value opens (HTML5 opens one only right after "=")
_QUOTE_OPENS = re.compile(r"""=[\t\n\f\r ]*(["'])""")
_TAG_NAME = re.compile(r"[a-z][^\s/>]*")


#: a ">" inside a quoted attribute value: the one shape the look-backs misread as text
_QUOTED_GT = re.compile(r"""=[\t\n\f\r ]*(?:"[^"]*>|'[^']*>)""")


def _needs_walk(source: str, lower: str, end: int) -> bool:
    """Whether the look-backs of :func:`_context` may take a place before ``end`` for text
    that is not: a quoted ">" in an attribute, a comment or another ``<!``/``<?``
    construct, all of which start before the place. Most posts have none, and skip
    :class:`_Markup`'s walk over every tag."""
    return _opens_construct(lower, end) or _QUOTED_GT.search(source, 0, end) is not None


def _opens_construct(lower: str, end: int) -> bool:
    """Whether ``lower[:end]`` holds ``<!`` or ``<?``, found by their second character: finding
    one character is a ``memchr``, while ``"<!" in lower`` reads every character (~6 µs on
    5 KB)."""
    for mark in "!?":
        at = lower.find(mark, 1, end)
        while at >= 0:
            if lower[at - 1] == "<":
                return True
            at = lower.find(mark, at + 1, end)
    return False


class _Markup:
    """Reads markup forward, as a browser's tokenizer does, far enough to tell whether a
    position is in text: not in a tag (a ">" inside a quoted attribute value does not end
    it), a comment, a ``<!``/``<?`` construct or a raw-text element. Each query starts where
    the last one stopped, so all of a post's queries together cost one pass."""

    def __init__(self, source: str, lower: str) -> None:
        self.source = source
        self.lower = lower
        self.at = 0  # everything before is read: it is text here
        self.tag = (-1, -1)  # the last construct read past a query: (start, end)

    def in_text(self, pos: int) -> bool:
        start, end = self.tag
        if start <= pos < end:
            return False
        while (lt := self.lower.find("<", self.at, pos)) >= 0:
            end = self._end(lt)
            self.tag = (lt, end)
            if end > pos:
                return False
            self.at = end
        return True

    def _end(self, lt: int) -> int:
        """Where the construct opened by the "<" at ``lt`` ends (its text, for raw text)."""
        lower = self.lower
        size = len(lower)
        if lower.startswith("<!--", lt):
            close = lower.find("-->", lt + 4)
            return close + 3 if close >= 0 else size
        following = lower[lt + 1 : lt + 2]
        if following in ("!", "?"):
            close = lower.find(">", lt + 2)
            return close + 1 if close >= 0 else size
        name = _TAG_NAME.match(lower, lt + 2 if following == "/" else lt + 1)
        if name is None:
            return lt + 1  # a "<" that opens nothing is text
        end = self._tag_end(name.end())
        if following != "/" and name.group() in _RAW and end < size:
            close = lower.find("</" + name.group(), end)
            return close if close >= 0 else size
        return end

    def _tag_end(self, at: int) -> int:
        """Just past the ">" that ends a tag whose attributes start at ``at``."""
        source = self.source
        while True:
            gt = source.find(">", at)
            if gt < 0:
                return len(source)
            opens = _QUOTE_OPENS.search(source, at, gt)
            if opens is None:
                return gt + 1
            close = source.find(opens.group(1), opens.end())
            if close < 0:
                return len(source)
            at = close + 1


def _tag_start(source: str, at: int) -> bool:
    """Whether the "<" at ``at`` opens a tag (a letter, "/" or "!" follows), not text."""
    following = source[at + 1 : at + 2]
    return following.isascii() and (following.isalpha() or following in "/!")


def _text_starts(source: str, starts: list[int]) -> list[int]:
    """The URL starts that may stand in text: not glued to what precedes them (the rule of
    find_links) and not in a tag by the look-back of :func:`_context`. Most starts are in
    ``href="..."`` and stop here, a few C-speed calls each; the anchors and skipped elements
    around the rest are read only when there is a rest."""
    found = []
    rfind = source.rfind
    for at in starts:
        if at >= 9 and source.startswith(_HREF_OPENS, at - 9):
            continue  # the common case, read at once: "<a" opens a tag and no ">" follows
        if at and (source[at - 1] == "/" or glued(source[at - 1], www=source[at] in "wW")):
            continue  # glued ("/": the www. of https://www.)
        low = at - _WINDOW if at > _WINDOW else 0
        lt = rfind("<", low, at)
        if lt > rfind(">", low, at) and _tag_start(source, lt):
            continue  # in a tag: an attribute value
        found.append(at)
    return found


_TOKEN_END = re.compile(r"[\s<>`]")
_HREF_VALUE = re.compile(r"""href\s*=\s*["']?([^"'>\s]*)""")  # on lower-cased markup
#: a character reference other than ``&amp;`` (on lower-cased markup: names are matched loosely)
_REFERENCE = re.compile(r"&(?!amp;)[a-z#]")


@lru_cache(maxsize=64)
def _skip_tags(names: frozenset[str]) -> re.Pattern[str]:
    """Start and end tags of ``names`` (elements whose text is never linked)."""
    return re.compile(r"<(/?)(" + "|".join(sorted(names, key=len, reverse=True)) + r")(?=[\s/>])")


#: what stands before most URL starts in a post: inside a tag by the look-back of _context
_HREF_OPENS = '<a href="'


#: a skipped element's start or end tag at an index: (index, name, closing)
_Event = tuple[int, str, bool]


def _skip_events(facts: Scan, end: int) -> list[_Event]:
    """The start and end tags of the skipped elements the post opens, in order, up to ``end``
    (the last URL start in text: the tags after it change nothing). An end tag of one never
    opened leaves its depth at 0, so the others' tags change nothing (and a shorter pattern
    reads faster)."""
    opened = _NO_LINKS_INSIDE & facts.start_tags
    if not opened:
        return []
    found = _skip_tags(opened).finditer(facts.lower, 0, end)
    return [(m.start(), m.group(2), m.group(1) == "/") for m in found]


def _outside_links(starts: list[int], events: list[_Event]) -> bool:
    """Whether one of ``starts`` stands outside a link: the last anchor tag before it does
    not open one (an <a> inside an open <a> closes it in HTML5, outside a table cell, so
    nesting is not counted here; where that reading is unsure, the splice hands the post to
    the tree). Any <a> counts, with or without href: nh3 may strip an unsafe href and keep
    the <a>, and the next run must not link its text either (idempotence)."""
    in_link = False
    seen = 0
    for at in starts:
        while seen < len(events) and events[seen][0] < at:
            if events[seen][1] == "a":
                in_link = not events[seen][2]
            seen += 1
        if not in_link:
            return True
    return False


def _splice(doc: Document, facts: Scan, starts: list[int], events: list[_Event]) -> str | None:
    """Link bare URLs in the HTML string itself (``facts.text``), when each stands in plain text.

    Most posts with a bare URL need nothing else from a tree; placing each URL with a few
    C-speed ``rfind`` calls (not in a tag, not in a link, code or raw-text element) and
    splicing an anchor in costs far less than a parse. ``starts`` are the text's
    :func:`_text_starts`, ``events`` its :func:`_skip_events`. Returns the lower-cased
    markup it read (before the anchors went in); None: a URL stands somewhere less plain (an
    entity in it, a skipped element open around it), and the tree must do it.
    """
    source, lower = facts.text, facts.lower
    rfind = lower.rfind
    markup = _Markup(source, lower) if starts and _needs_walk(source, lower, starts[-1]) else None
    depth: dict[str, int] = {}
    nonzero = 0  # how many names have a depth over 0
    in_link = False  # the last anchor tag opens one (see _outside_links)
    seen, count = 0, len(events)
    out: list[str] = []
    done = consumed = 0
    for at in starts:
        # which skipped elements are open; every event stands before the last start, so each
        # is read here unless the tree was asked to decide first
        while seen < count and (event := events[seen])[0] < at:
            tag, name, closing = event
            if rfind("<", 0, tag) > rfind(">", 0, tag):
                return None  # swallowed by a tag with no ">": its depth is unsure, the tree decides
            level = depth.get(name, 0)
            if not closing:
                depth[name] = level + 1
                nonzero += not level
            elif level:
                depth[name] = level - 1
                nonzero -= level == 1
            if name == "a":
                in_link = not closing
            seen += 1
        if at < consumed:
            continue
        if in_link or (markup is not None and not markup.in_text(at)):
            continue  # link text (never linked again), or in a quoted value or a comment
        if depth.get("a"):
            return None  # after nested anchors: HTML5 closed the outer one, unless a cell was between
        if _context(source, at) != "text":
            return None  # after a stray "<", or too far from any tag to tell: the tree knows
        if nonzero:
            return None  # in code or a raw-text element: the tree walk skips it exactly
        if source[at - 1 : at] == ";" and "&" in source[max(at - 12, 0) : at]:
            return None  # an entity just before: the character it spells may glue the URL
        stop = _TOKEN_END.search(source, at)
        end = stop.start() if stop else len(source)
        token = source[at:end]
        text = html.unescape(token) if "&" in token else token  # what a reader sees
        link = link_at(text, 0)
        if link is None:
            if text is not token:
                return None  # entities in a refused candidate: let the tree map its reach
            consumed = at + refused_end(text, 0)  # as find_links does: no start inside it
            continue
        cut = len(text) - link.last_index  # trailing punctuation left out of the link
        if cut and not token.endswith(text[link.last_index :]):
            return None  # the left-out tail is spelled with entities: let the tree map it
        consumed = at + len(token) - cut
        out.append(source[done:at])
        out.append(f'<a href="{html.escape(link.url)}">{token[: len(token) - cut]}</a>')
        done = at + len(token) - cut
    if out:
        out.append(source[done:])
        doc.set_html("".join(out))
    return lower


def _link_string(doc: Document) -> str | None:
    """Link the bare URLs of HTML that has no tree, in the string when it can (see
    :func:`_splice`). Returns the lower-cased markup read, None when the tree must link."""
    facts = doc.scan
    starts = _text_starts(facts.text, facts.url_starts) if facts.url_starts else []
    events = _skip_events(facts, starts[-1]) if starts else []
    if not starts or not _outside_links(starts, events):
        return _lower_html(doc)  # no URL in text outside a link: nothing to do
    source = doc.html
    if source is not doc.content:  # a stage before changed the markup: read it afresh
        facts = Scan(source)
        starts = _text_starts(source, facts.url_starts)
        events = _skip_events(facts, starts[-1]) if starts else []
    return _splice(doc, facts, starts, events)


def _anchor(url: str, text: str) -> HtmlElement:
    a = Element("a")
    a.set("href", url)
    a.text = text
    return a


def _split(text: str) -> tuple[str, list[HtmlElement]] | None:
    """``text`` as leading text plus anchors (each carrying the text after it as tail)."""
    if "://" not in text and "www." not in text.lower():
        return None  # no URL start (most text nodes): what find_links would find first
    links = find_links(text)
    if not links:
        return None
    anchors = []
    for i, link in enumerate(links):
        a = _anchor(link.url, link.text)
        end = links[i + 1].index if i + 1 < len(links) else len(text)
        a.tail = text[link.last_index : end] or None
        anchors.append(a)
    return text[: links[0].index], anchors


def _linkify(root: HtmlElement) -> None:
    """Link the URLs in every text node under ``root``. Iterative (a work stack), so the
    tree's depth costs no call stack; each text node is split on its own, so the order of
    visits does not matter, and the anchors made are never visited again."""
    work = [root]
    while work:
        el = work.pop()
        for child in list(el):
            if isinstance(child.tag, str) and child.tag not in _NO_LINKS_INSIDE:
                work.append(child)
            if child.tail and (parts := _split(child.tail)):
                child.tail = parts[0] or None
                _chain(child, parts[1])
        if el.text and (parts := _split(el.text)):
            el.text = parts[0] or None
            el.insert(0, parts[1][0])
            _chain(parts[1][0], parts[1][1:])


def _chain(after: HtmlElement, anchors: list[HtmlElement]) -> None:
    """Put ``anchors`` right after ``after``, in order: ``addnext`` costs O(1), where
    ``index``/``insert`` would cost O(siblings) each and 50 000 URLs would be quadratic."""
    for a in anchors:
        after.addnext(a)
        after = a


def _lower_html(doc: Document) -> str:
    """The working HTML lower-cased: the document's one copy while it is the prepared content
    (an IGNORECASE regex on the original costs twice a copy and a plain one)."""
    markup = doc.html
    return doc.scan.lower if markup is doc.content else lower_in_place(markup)


def _suspect_href(lower: str) -> bool:
    """Whether an href value may hold a control or invisible format character, raw or as a
    character reference, by number or by name (``&zwj;``, ``&ApplyFunction;``: the tree then
    decodes and judges it). Each value is looked at alone, so prose with emoji (whose ZWJ is
    such a character) costs nothing; nor does ASCII markup with no ``&`` but ``&amp;`` (most
    posts), where no value can hold one."""
    if lower.isascii() and ("&" not in lower or _REFERENCE.search(lower) is None):
        return False
    for value in _HREF_VALUE.findall(lower):  # HREF= too; lower-casing keeps the rest
        if ("&" in value and _REFERENCE.search(value)) or not (value.isascii() or not has_hidden(value)):
            return True
    return False


@dataclass(frozen=True)
class Links:
    """Link bare URLs in HTML text; unlink URLs with control or invisible format characters."""

    name: str = "links"

    def __call__(self, doc: Document) -> None:
        # the lower-cased markup a splice read: the hrefs it added after are addresses
        # ``link_at`` made, ASCII and percent-encoded, with no hidden character to look for
        read: str | None = None
        if doc.format == "html" and not doc.has_tree:
            read = _link_string(doc)
            if read is None:
                _linkify(doc.tree)
        elif doc.format == "html":
            _linkify(doc.tree)
        if doc.has_tree or _suspect_href(_lower_html(doc) if read is None else read):
            for a in list(doc.tree.iter("a")):
                href = a.get("href")
                if href and has_hidden(href):
                    a.drop_tag()
                    doc.remove("links", "hidden characters")
