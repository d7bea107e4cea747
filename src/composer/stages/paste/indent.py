"""The plain-paste undo's lines keep their indentation (code, nested list markers).

Plain text becomes paragraphs with ``<br>`` line breaks (the parse stage), where a browser
collapses the spaces that start a line; here they become no-break spaces, a tab four of them,
so they show. ``Result.text`` reads no-break spaces at a line's start back as spaces
(:mod:`composer._html.text`).
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

__all__ = ["TAB", "is_indented", "keep_indentation"]

#: no-break spaces standing for a tab at a line's start
TAB = 4
_INDENTED = re.compile(r"(?:^|\n)[ \t]")
_LEAD = re.compile(r"^(\n?)([ \t]+)")


def _nbsp(match: re.Match[str]) -> str:
    return match.group(1) + "".join("\xa0" * TAB if ch == "\t" else "\xa0" for ch in match.group(2))


def is_indented(text: str) -> bool:
    """Whether a line of plain ``text`` starts with a space or a tab (the tree is needed)."""
    return _INDENTED.search(text) is not None


def keep_indentation(body: HtmlElement) -> None:
    """Make the spaces and tabs that start a line of plain text (paragraphs with ``<br>``,
    as the parse stage writes it) no-break spaces in ``body``, so they show."""
    for p in body.iter("p"):
        if p.text:
            p.text = _LEAD.sub(_nbsp, p.text)
        for br in p.iter("br"):
            if br.tail:
                br.tail = _LEAD.sub(_nbsp, br.tail)
