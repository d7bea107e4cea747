"""The two CSS readings the paste stage needs from an inline ``style``: its declarations, and
``margin-left`` as a length in points.

Word and Google Docs repeat a handful of ``style`` strings on every paragraph and run, and
the stage reads each element's style several times (meaning, hidden, monospace, lists), so
readings are remembered by the string (:func:`memo`): a bounded cache of short strings, pure
functions of them, so a hit is the same answer a fresh reading gives.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import TypeVar

from lxml import etree
from lxml.html import HtmlElement

__all__ = ["MEMO_LONGEST", "StyleMap", "declarations", "margin_left", "memo", "read_styles"]

_LENGTH = re.compile(r"^(-?(?:\d+(?:\.\d*)?|\.\d+))(pt|px|em|rem|cm|mm|in)?$")
_TO_PT = {"pt": 1.0, "px": 0.75, "em": 12.0, "rem": 12.0, "cm": 28.35, "mm": 2.835, "in": 72.0}
#: a style longer than this is read afresh each time: the caches hold short strings only
MEMO_LONGEST = 1024
#: distinct strings each reading remembers (a clipboard holds a few dozen)
_MEMO_SIZE = 512

_T = TypeVar("_T")


def memo(read: Callable[[str], _T]) -> Callable[[str], _T]:
    """``read`` (a pure function of a style string, returning a value nobody mutates) with
    its answers for short strings remembered."""
    cached = lru_cache(maxsize=_MEMO_SIZE)(read)

    def reading(style: str) -> _T:
        return cached(style) if len(style) <= MEMO_LONGEST else read(style)

    reading.__doc__ = read.__doc__
    reading.__name__ = read.__name__
    return reading


@memo
def declarations(style: str) -> Mapping[str, str]:
    """An inline ``style`` as {property: value}, names lower-cased, the last one winning
    (shared between callers: read it, never change it)."""
    out: dict[str, str] = {}
    for part in style.split(";"):
        name, sep, value = part.partition(":")
        if sep:
            out[name.strip().lower()] = value.strip()
    return out


@memo
def _margin_left(style: str) -> float | None:
    match = _LENGTH.match(declarations(style).get("margin-left", "").replace(" ", "").lower())
    if match is None:
        return None
    return float(match.group(1)) * _TO_PT[match.group(2) or "px"]


def margin_left(el: HtmlElement, styles: StyleMap | None = None) -> float | None:
    """The ``margin-left`` of an element's inline style in points (``36pt``, ``.5in``, ``48px``),
    None when it has none or it is not a plain length (``styles``: a :data:`StyleMap` to read
    the style from)."""
    style = el.get("style") if styles is None else styles.get(el)
    if not style or "margin-left" not in style:
        return None
    return _margin_left(style)


#: each element's inline ``style`` (elements without one are absent), read once for the
#: clean-up's steps: lxml makes a new string at each read (~0.3 µs for Word's 300-character
#: styles, and its hash another ~0.5 µs in a reading's memo), and the steps read each style
#: several times. A step that removes an element's style removes its entry too; elements
#: made later have none.
StyleMap = dict[etree._Element, str]


def read_styles(root: etree._Element) -> StyleMap:
    """The :data:`StyleMap` of ``root`` and the elements under it."""
    return {el: style for el in root.iter(etree.Element) if (style := el.get("style"))}
