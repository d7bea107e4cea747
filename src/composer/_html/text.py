"""The plain-text projection of safe HTML (notifications, search, e-mail, length limits)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml.html import HtmlElement

from composer._html.tree import BLOCK_TAGS, parse

_SPACES = re.compile(r"\s+")
#: blocks set off by a blank line; other blocks by a line break
_PARAGRAPH_TAGS = frozenset(
    {"p", "pre", "blockquote", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_HIDDEN_TAGS = frozenset({"script", "style", "template", "head", "title"})


class _Writer:
    """Collects text, folding whitespace as a browser does and merging requested breaks."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.breaks = 0  # newlines owed before the next text
        self.line_start = True

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
            self.parts.append(value)
            self.line_start = False

    def newline(self, count: int, forced: bool = False) -> None:
        if forced:
            self.parts.append("\n" * max(self.breaks, 1))
            self.breaks = 0
            self.line_start = True
        else:
            self.breaks = max(self.breaks, count)


def _walk(root: HtmlElement, out: _Writer, pre: bool) -> None:
    """Write the text under ``root``; iterative, so the tree's depth costs no call stack."""
    # a frame: the children still to visit, whether they are in a <pre>, and what to do when
    # they are done (the element's own closing: its break, a cell's space, its tail)
    Exit = tuple[int, str, str | None, bool]
    stack: list[tuple[Iterator[HtmlElement], bool, Exit | None]] = [(iter(root), pre, None)]
    while stack:
        children, inside_pre, _ = stack[-1]
        child = next(children, None)
        if child is None:
            exit_ = stack.pop()[2]
            if exit_ is not None:
                block, tag, tail, outer_pre = exit_
                if block:
                    out.newline(block)
                elif tag in ("td", "th"):
                    out.text(" ", False)
                if tail:
                    out.text(tail, outer_pre)
            continue
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag and tag not in _HIDDEN_TAGS:
            block = 2 if tag in _PARAGRAPH_TAGS else 1 if tag in BLOCK_TAGS else 0
            if tag == "br":
                out.newline(1, forced=True)
            if block:
                out.newline(block)
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
    return "\n".join(line.rstrip(" ") for line in "".join(out.parts).split("\n")).strip()


def html_to_text(source: str) -> str:
    """Visible text of an HTML fragment (see :func:`element_text`)."""
    if "<" not in source and "&" not in source:
        return _SPACES.sub(" ", source).strip()
    return element_text(parse(source))
