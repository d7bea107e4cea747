"""The plain-text projection of safe HTML (notifications, search, e-mail, the plain-paste undo).

It reads as a person would type it: a blank line between paragraphs, ``- `` before a bullet
and ``1. `` (or ``a.``, ``iv.``: the list's ``type``, from its ``start``) before a numbered
item, nested items and an item's later lines indented under the marker, table cells split
by a tab, a row a line, and preformatted text (code) exactly as it stands.

White space folds as a browser folds it: only ASCII white space (space, tab, line breaks,
form feed) collapses, and is dropped at a line's start and end. Every other space a reader
sees is kept where it stands, at a line's start and end too: no-break spaces (the
indentation :mod:`composer._html.indent` shows, written as plain spaces, one each) and the
Unicode spaces (ideographic, em, en, thin, ...) as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml.html import HtmlElement

from composer._html.tree import BLOCK_TAGS, parse

__all__ = ["element_text", "html_to_text", "list_marker"]

#: the white space HTML collapses (the ASCII white space); every other space shows
_SPACES = re.compile(r"[ \t\n\r\f]+")
#: blocks set off by a blank line; other blocks by a line break
_PARAGRAPH_TAGS = frozenset(
    {"p", "pre", "blockquote", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_HIDDEN_TAGS = frozenset({"script", "style", "template", "head", "title"})
_ROMAN = (
    (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
    (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
)  # fmt: skip


def _roman(number: int) -> str:
    out = []
    for value, letters in _ROMAN:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


def _letters(number: int) -> str:
    out = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def list_marker(kind: str, number: int, type_: str | None = None) -> str:
    """The marker of item ``number`` of a ``kind`` ("ul"/"ol") list: "- ", "3. ", "c. ", "IV. "."""
    if kind != "ol":
        return "- "
    if type_ in ("a", "A") and number > 0:
        label = _letters(number)
    elif type_ in ("i", "I") and 0 < number < 4000:
        label = _roman(number)
    else:
        label = str(number)
    return f"{label.upper() if type_ in ('A', 'I') else label}. "


@dataclass
class _List:
    kind: str
    type: str | None
    number: int  # of the next item


class _Writer:
    """Collects text, folding whitespace as a browser does and merging requested breaks.

    ``indent`` starts every new line (the room under the list markers); a ``marker`` owed
    by a list item is written, in the place of the innermost indent, before its first text.
    """

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.breaks = 0  # newlines owed before the next text
        self.line_start = True
        self.indents: list[str] = []
        self.marker = ""

    def _start_line(self) -> None:
        if self.marker:
            self.parts.append("".join(self.indents[:-1]) + self.marker)
            self.marker = ""
        elif self.indents:
            self.parts.append("".join(self.indents))

    def text(self, value: str, pre: bool) -> None:
        if not pre:
            value = _SPACES.sub(" ", value)
            if value == " " and (self.breaks or self.line_start):
                return
        if self.breaks:
            if self.parts:
                self.parts.append("\n" * self.breaks)
            self.breaks = 0
            self.line_start = True
        if self.line_start and not pre:
            value = value.lstrip(" ")
        if value:
            if self.line_start:
                self._start_line()
            if pre and self.indents and "\n" in value:
                value = value.replace("\n", "\n" + "".join(self.indents))
            self.parts.append(value)
            self.line_start = value.endswith("\n")

    def newline(self, count: int, forced: bool = False) -> None:
        if forced:
            self.parts.append("\n" * max(self.breaks, 1))
            self.breaks = 0
            self.line_start = True
        else:
            self.breaks = max(self.breaks, count)


def _open_list(el: HtmlElement) -> _List:
    start = el.get("start") or ""
    number = int(start) if start.strip().isdigit() and len(start) < 10 else 1
    return _List(str(el.tag), el.get("type"), number)


def _walk(root: HtmlElement, out: _Writer, pre: bool) -> None:
    """Write the text under ``root``; iterative, so the tree's depth costs no call stack."""
    # a frame: the children still to visit, whether they are in a <pre>, and what to do when
    # they are done (the element's own closing: its break, its tail, an indent to drop)
    Exit = tuple[int, str, str | None, bool]
    stack: list[tuple[Iterator[HtmlElement], bool, Exit | None]] = [(iter(root), pre, None)]
    lists: list[_List] = []
    while stack:
        children, inside_pre, _ = stack[-1]
        child = next(children, None)
        if child is None:
            exit_ = stack.pop()[2]
            if exit_ is not None:
                block, tag, tail, outer_pre = exit_
                if tag in ("ul", "ol"):
                    lists.pop()
                elif tag == "li" and out.indents:
                    out.indents.pop()
                    out.marker = ""
                if block:
                    out.newline(block)
                if tail:
                    out.text(tail, outer_pre)
            continue
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag and tag not in _HIDDEN_TAGS:
            block = 2 if tag in _PARAGRAPH_TAGS else 1 if tag in BLOCK_TAGS else 0
            if block and out.indents:
                block = 1  # inside a list item: its blocks are lines of the item
            if tag == "br":
                out.newline(1, forced=True)
            if block:
                out.newline(block)
            if tag in ("td", "th") and child.getprevious() is not None:
                out.text("\t", True)
            if tag in ("ul", "ol"):
                lists.append(_open_list(child))
            elif tag == "li":
                current = lists[-1] if lists else _List("ul", None, 1)
                marker = list_marker(current.kind, current.number, current.type)
                current.number += 1
                out.marker = marker
                out.indents.append(" " * len(marker))
            inner_pre = inside_pre or tag == "pre"
            if child.text:
                out.text(child.text, inner_pre)
            stack.append((iter(child), inner_pre, (block, tag, child.tail, inside_pre)))
        elif child.tail:
            out.text(child.tail, inside_pre)


def element_text(el: HtmlElement) -> str:
    """Visible text of ``el``: one line per block, a blank line between paragraphs."""
    out = _Writer()
    if el.text:
        out.text(el.text, False)
    _walk(el, out, False)
    text = "\n".join(line.rstrip(" ") for line in "".join(out.parts).split("\n"))
    return _shown(text.strip("\n"))


def _shown(text: str) -> str:
    """``text`` with its no-break spaces written as plain ones, once the spaces HTML
    collapses were dropped (a no-break space at a line's end is kept)."""
    return text.replace("\xa0", " ") if "\xa0" in text else text


def html_to_text(source: str) -> str:
    """Visible text of an HTML fragment (see :func:`element_text`)."""
    if "<" not in source and "&" not in source:
        return _shown(_SPACES.sub(" ", source).strip(" "))
    return element_text(parse(source))
