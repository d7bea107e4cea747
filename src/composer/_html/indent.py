"""Plain text's indentation, shown: the spaces and tabs that start a line become no-break spaces.

A browser collapses the white space that starts a line of HTML, so indented plain text (code,
nested list markers typed by hand) would lose its shape. The parse stage writes every line of
a text post, and of a plain paste, through :func:`indented`; ``Result.text`` reads no-break
spaces at a line's start back as spaces (:mod:`composer._html.text`).
"""

from __future__ import annotations

__all__ = ["TAB", "indented", "lead"]

#: no-break spaces standing for a tab at a line's start
TAB = 4
_BLANKS = " \t"


def lead(line: str) -> int:
    """How many characters of ``line`` are its indentation (the spaces and tabs it starts with)."""
    return len(line) - len(line.lstrip(_BLANKS))


def indented(indent: str) -> str:
    """``indent`` (spaces and tabs) as the no-break spaces that show it: one a space, four a tab."""
    return "".join("\xa0" * TAB if ch == "\t" else "\xa0" for ch in indent)
