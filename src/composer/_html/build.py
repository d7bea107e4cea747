"""Build markup element by element (embed players, link cards, quote cards)."""

from __future__ import annotations

from lxml.html import Element, HtmlElement

__all__ = ["child"]


def child(parent: HtmlElement, tag: str, cls: str | None = None, text: str | None = None) -> HtmlElement:
    """Append a new ``<tag>`` to ``parent`` and return it, with ``class`` ``cls`` and ``text``
    (set as text, never parsed as markup) when given."""
    el = Element(tag)
    if cls:
        el.set("class", cls)
    if text:
        el.text = text
    parent.append(el)
    return el
