"""A numbered list's ``type`` and ``start``, kept only when they are what HTML means by them.

The allowlist keeps ``ol type`` and ``ol start`` (Word's ``a.``, ``IV.`` and start values need
them), and a sanitizer passes any value through: ``type="disc"``, ``start="1e99"``,
``start="-99999999999"``. Every value is checked here, on every HTML post and paste whose
source holds an ``ol`` with either attribute: ``type`` must be one of :data:`TYPES`, and
``start`` a whole number (ASCII digits, optional surrounding spaces) from 0 to
:data:`MAX_START`, written back without leading zeros. Anything else is dropped, never
passed through; the list then counts from 1 in decimal, as a browser would show it.
"""

from __future__ import annotations

from lxml.html import HtmlElement

__all__ = ["MAX_START", "TYPES", "check_numbering"]

#: the ``ol type`` values HTML defines
TYPES = frozenset({"1", "a", "A", "i", "I"})
#: the largest ``start`` kept: CommonMark reads at most nine digits, so markdown can say it too
MAX_START = 999_999_999


def _start(value: str) -> str | None:
    text = value.strip(" \t\n\r\f")
    if not text.isascii() or not text.isdigit() or len(text.lstrip("0")) > len(str(MAX_START)):
        return None
    number = int(text)
    return str(number) if number <= MAX_START else None


def check_numbering(body: HtmlElement) -> int:
    """Drop every ``ol type``/``start`` under ``body`` that is not valid (see the module
    docstring), normalize the valid starts; return how many attributes were dropped."""
    dropped = 0
    for ol in body.iter("ol"):
        type_ = ol.get("type")
        if type_ is not None and type_ not in TYPES:
            del ol.attrib["type"]
            dropped += 1
        start = ol.get("start")
        if start is not None:
            good = _start(start)
            if good is None:
                del ol.attrib["start"]
                dropped += 1
            elif good != start:
                ol.set("start", good)
    return dropped
