"""The list builder Word and Google Docs lists share: items with a level, nested into ``ul``/``ol``.

A source states each item's depth (Word's ``mso-list`` level, Google Docs' nesting or
``aria-level``, an indent); :func:`build_lists` nests them, one pass, with the numbering the
source shows (``type``, ``start``, a jump where the markers say so) and continuation blocks
in the item their indent names. Nesting is bounded by what the stages build, not only by what
the input says: at most :data:`MAX_LIST_LEVELS` list levels (Word's own maximum).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lxml.html import HtmlElement

__all__ = [
    "INDENT_SLACK", "MAX_LIST_LEVELS", "Item", "ListFormat", "build_lists", "depth_of",
    "list_levels", "list_levels_above", "marker_number", "tallest",
]  # fmt: skip

_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
#: a list level's format: ``(kind, ol type, start)``, kind "ul" or "ol", type None for decimal
ListFormat = tuple[str, str | None, int]
#: Word offers nine list levels; a source claiming more joins the deepest one built
MAX_LIST_LEVELS = 9
#: how far (pt) a continuation may sit left of its item's text and still belong to it (rounding)
INDENT_SLACK = 1.0


@dataclass
class Item:
    """One list item to place: its depth as the source states it and the list it belongs to.

    A *continuation* (``follows``) is not an item but a block of one: it goes into the deepest
    open item whose ``indent`` (its text's left margin, pt) is at most its own.
    """

    level: int
    kind: str  # "ul" or "ol"
    key: object  # items of one source list share a key; a new key starts a new list
    li: HtmlElement
    start: int | None = None
    type: str | None = None  # an ``ol`` type: "a", "A", "i", "I" ("1" or None: decimal)
    indent: float | None = None  # None: not stated
    follows: bool = False
    marker: str = ""  # the number or glyph the source wrote, if any


@dataclass
class _Open:
    level: int
    kind: str
    key: object
    el: HtmlElement
    indent: float | None = None  # the indent of the list's last item
    next: int | None = None  # the number the list's next item shows, when known
    type: str | None = None


def build_lists(items: Iterable[Item], max_levels: int = MAX_LIST_LEVELS) -> list[HtmlElement]:
    """Nest ``items`` into real lists; return the top-level lists in order.

    Levels are relative: a first item at level 5 is a top item, a jump of two levels makes one
    nested list, and a later item shallower than everything open joins the top list. At most
    ``max_levels`` lists are ever open (clamped to 1..:data:`MAX_LIST_LEVELS`): a deeper item
    joins the deepest list. A numbered item whose stated number (``start``) is not the one its
    list would show starts a sibling list at that number. A continuation closes the lists
    deeper than the item it joins, so a deeper item after it starts a sub-list below it. One
    pass; each item costs O(1) amortized.
    """
    max_levels = min(max(max_levels, 1), MAX_LIST_LEVELS)
    tops: list[HtmlElement] = []
    stack: list[_Open] = []
    for item in items:
        if item.follows:
            if stack:
                _continue_item(stack, item)
            else:
                tops.append(item.li)  # nothing to continue: the block stays where it is
            continue
        if stack and item.key != stack[0].key and item.level <= stack[0].level:
            stack = []  # another list (a deeper one with its own id is a sub-list)
        popped: _Open | None = None
        while len(stack) > 1 and stack[-1].level > item.level:
            popped = stack.pop()
        if len(stack) == 1 and stack[0].level > item.level:
            stack[0].level = item.level
        top = stack[-1] if stack else None
        if top is not None and top.level == item.level and (top.kind != item.kind or _skips(top, item)):
            # same depth, other list type or a number the list would not show: a sibling list
            fresh = _new_list(item)
            if len(stack) == 1:
                tops.append(fresh)  # placed by the caller, after the current top list
            else:
                top.el.addnext(fresh)
            stack[-1] = _Open(item.level, item.kind, item.key, fresh, type=item.type)
        elif top is None:
            fresh = _new_list(item)
            tops.append(fresh)
            stack.append(_Open(item.level, item.kind, item.key, fresh, type=item.type))
        elif top.level < item.level:
            if len(stack) >= max_levels:
                top.level = item.level  # as deep as lists go: the item joins the deepest one
            elif popped is not None and popped.kind == item.kind and not _skips(popped, item):
                popped.level = item.level  # rejoin the deeper list we just left
                stack.append(popped)
            else:
                fresh = _new_list(item)
                parent_li = top.el[-1]
                parent_li.append(fresh)
                stack.append(_Open(item.level, item.kind, item.key, fresh, type=item.type))
        item.li.tail = None
        stack[-1].el.append(item.li)
        stack[-1].indent = item.indent
        shown = item.start if item.start is not None else stack[-1].next  # this item's number
        stack[-1].next = None if shown is None else shown + 1
    return tops


def _skips(lst: _Open, item: Item) -> bool:
    """Whether a numbered ``item`` states a number other than the one ``lst`` would give it
    (Word's hidden items keep their numbers; a restart shows 1 again). The marker is read by
    the list's type: "i." in a lettered list is its ninth item."""
    if item.kind != "ol" or item.start is None or lst.next is None or item.start == lst.next:
        return False
    number = marker_number(item.marker, lst.type) if item.marker else None
    return number is None or number[1] != lst.next


def _continue_item(stack: list[_Open], block: Item) -> None:
    """Put a continuation ``block`` in the deepest open item whose indent is at most its own.

    An unstated indent (the block's or an item's) ends the search: the block stays with the
    deepest item known to be no deeper than it. A block left of every item joins the top one.
    """
    at = len(stack) - 1
    if block.indent is not None:
        while at > 0:
            indent = stack[at].indent
            if indent is None or indent <= block.indent + INDENT_SLACK:
                break
            at -= 1
    del stack[at + 1 :]
    block.li.tail = None
    stack[at].el[-1].append(block.li)


def depth_of(el: HtmlElement) -> int:
    """Element levels from the root down to ``el``, both included: O(depth)."""
    return 1 + sum(1 for _ in el.iterancestors())


def tallest(elements: Iterable[HtmlElement]) -> int:
    """The most element levels in the subtree of one of ``elements``, itself included (0 for
    none): one walk, level by level, over all their subtrees at once; iterative (no recursion
    on the input's depth), O(size)."""
    best = 0
    level = [el for el in elements if isinstance(el.tag, str)]
    while level:
        best += 1
        level = [child for el in level for child in el if isinstance(child.tag, str)]
    return best


def list_levels(room: int) -> int:
    """How many list levels fit in ``room`` element levels (each level is ``ul`` + ``li``)."""
    return min(room // 2, MAX_LIST_LEVELS)


def list_levels_above(room: int, elements: list[HtmlElement]) -> int:
    """``list_levels(room - tallest(elements))``: the list levels that fit above ``elements``.

    A subtree is no taller than it has nodes, and :func:`list_levels` never falls as its room
    grows: when even the nodes counted (in C, no walk level by level) leave room for every
    level, that is the answer, and the height is not measured.
    """
    if list_levels(room - sum(len(list(el.iter())) for el in elements)) == MAX_LIST_LEVELS:
        return MAX_LIST_LEVELS
    return list_levels(room - tallest(elements))


def _new_list(item: Item) -> HtmlElement:
    el: HtmlElement = item.li.makeelement(item.kind)
    if item.kind == "ol" and item.type not in (None, "1"):
        el.set("type", str(item.type))
    if item.kind == "ol" and item.start is not None and item.start != 1:
        el.set("start", str(item.start))
    return el


# -- Word --------------------------------------------------------------------------------


def _roman(text: str) -> int | None:
    values = [_ROMAN.get(ch) for ch in text.lower()]
    if not values or None in values:
        return None
    total = 0
    for i, value in enumerate(values):
        assert value is not None
        nxt = values[i + 1] if i + 1 < len(values) else None
        total += -value if nxt is not None and nxt > value else value
    return total


def marker_number(marker: str, hint: str | None = None) -> tuple[str, int] | None:
    """The ``ol`` type and the number a Word marker states: "3." (1, 3), "c)" (a, 3), "IV" (I, 4).

    A single letter that is also a roman numeral is read by the list's type ``hint`` when there
    is one ("i." after "h." is 9; "v." after "iv." is 5), else as a letter, "i"/"I" aside.
    """
    text = marker.strip("()").rstrip(".)")
    if not text:
        return None
    if text.replace(".", "").isdigit():
        last = [part for part in text.split(".") if part][-1]
        return "1", int(last)
    value = _roman(text) if text.isascii() and (text.islower() or text.isupper()) else None
    if len(text) == 1 and text.isascii() and text.isalpha():
        roman = hint in ("i", "I") or (hint not in ("a", "A") and text in "iI")
        if value is None or not roman:
            return ("a" if text.islower() else "A"), ord(text.lower()) - ord("a") + 1
    if value is not None:
        return ("i" if text.islower() else "I"), value
    return None
