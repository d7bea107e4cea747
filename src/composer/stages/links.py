"""Stage ``links``: bare URLs in HTML text become links; links that hide characters do not.

Markdown and plain text are linked while they are parsed; HTML needs the tree, so the stage
first asks the source whether any URL stands outside a tag or an existing link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.html import Element, HtmlElement

from composer._limits import _RAW
from composer._links import _HIDDEN, find_links, has_hidden
from composer.document import Document

#: a character reference inside an href value (it may encode an invisible character)
_ENTITY_IN_HREF = re.compile(r"""href\s*=\s*["']?[^"'<>\s]*&#""", re.IGNORECASE)
_NO_LINKS_INSIDE = _RAW | {"a", "code", "pre", "kbd", "samp", "template", "object"}


def _in_text_at(source: str, start: int) -> bool:
    """A URL starting at ``start`` is not an attribute value (not after = " ' / or a word)."""
    if start == 0:
        return True
    before = source[start - 1]
    return not (before in "=\"'/" or before.isalnum() or before == "_")


def _bare_url_in_text(source: str) -> bool:
    """Whether a URL may stand in text outside a link (false positives only cost a parse).

    Finds each "://" and "www." with C-speed ``str.find`` and looks only around them.
    """
    lower = source.lower()
    starts = []
    at = lower.find("://")
    while at >= 0:
        if lower.endswith("https", 0, at) and _in_text_at(source, at - 5):
            starts.append(at - 5)
        elif lower.endswith("http", 0, at) and _in_text_at(source, at - 4):
            starts.append(at - 4)
        at = lower.find("://", at + 3)
    at = lower.find("www.")
    while at >= 0:
        if _in_text_at(source, at):
            starts.append(at)
        at = lower.find("www.", at + 4)
    return any(not _inside_link(lower, found) for found in starts)


def _inside_link(lower: str, at: int) -> bool:
    """Whether ``at`` follows an ``<a>`` start tag with no ``</a`` since.

    Any anchor counts, with or without href: nh3 may strip an unsafe href and keep the
    ``<a>``, and the next run must not link the text then either (idempotence)."""
    opened = max(lower.rfind(opening, 0, at) for opening in ("<a ", "<a>", "<a\n", "<a\t"))
    return opened >= 0 and opened > lower.rfind("</a", 0, at)


def _anchor(url: str, text: str) -> HtmlElement:
    a = Element("a")
    a.set("href", url)
    a.text = text
    return a


def _split(text: str) -> tuple[str, list[HtmlElement]] | None:
    """``text`` as leading text plus anchors (each carrying the text after it as tail)."""
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


def _linkify(el: HtmlElement) -> None:
    for child in list(el):
        if isinstance(child.tag, str) and child.tag not in _NO_LINKS_INSIDE:
            _linkify(child)
        if child.tail and (parts := _split(child.tail)):
            child.tail = parts[0] or None
            at = el.index(child) + 1
            for offset, a in enumerate(parts[1]):
                el.insert(at + offset, a)
    if el.text and (parts := _split(el.text)):
        el.text = parts[0] or None
        for offset, a in enumerate(parts[1]):
            el.insert(offset, a)


@dataclass(frozen=True)
class Links:
    """Link bare URLs in HTML text; unlink URLs with control or invisible format characters."""

    name: str = "links"

    def __call__(self, doc: Document) -> None:
        if doc.format == "html" and (doc.has_tree or _bare_url_in_text(doc.source)):
            _linkify(doc.tree)
        source = doc.source
        if has_hidden(source) or (doc.format == "html" and _ENTITY_IN_HREF.search(source)):
            for a in list(doc.tree.iter("a")):
                href = a.get("href")
                if href and _HIDDEN.search(href):
                    a.drop_tag()
                    doc.remove("links", "hidden characters")
