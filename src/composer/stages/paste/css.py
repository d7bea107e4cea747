"""The two CSS readings the paste stage needs from an inline ``style``: its declarations, and
``margin-left`` as a length in points."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

__all__ = ["declarations", "margin_left"]

_LENGTH = re.compile(r"^(-?(?:\d+(?:\.\d*)?|\.\d+))(pt|px|em|rem|cm|mm|in)?$")
_TO_PT = {"pt": 1.0, "px": 0.75, "em": 12.0, "rem": 12.0, "cm": 28.35, "mm": 2.835, "in": 72.0}


def declarations(style: str) -> dict[str, str]:
    """An inline ``style`` as {property: value}, names lower-cased, the last one winning."""
    out: dict[str, str] = {}
    for part in style.split(";"):
        name, sep, value = part.partition(":")
        if sep:
            out[name.strip().lower()] = value.strip()
    return out


def margin_left(el: HtmlElement) -> float | None:
    """The ``margin-left`` of an element's inline style in points (``36pt``, ``.5in``, ``48px``),
    None when it has none or it is not a plain length."""
    style = el.get("style")
    if not style or "margin-left" not in style:
        return None
    match = _LENGTH.match(declarations(style).get("margin-left", "").replace(" ", "").lower())
    if match is None:
        return None
    return float(match.group(1)) * _TO_PT[match.group(2) or "px"]
