"""Microsoft Word clipboards, and the list builder Word and Google Docs lists share.

Word does not put lists on the clipboard: it puts paragraphs styled ``mso-list:l0 level2 lfo1``
whose first span (``mso-list:Ignore``) holds the bullet glyph or number as text. Such runs are
rebuilt into real ``ul``/``ol`` nesting here, and the glyph text goes (the list renders it).

Nesting is bounded by what the stages build, not only by what the input says: at most
:data:`MAX_LIST_LEVELS` list levels (Word's own maximum), and never so deep that an item's
content would end up past ``Policy.max_depth`` (the output must parse again on a re-render).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lxml import etree
from lxml.html import Element, HtmlElement

from composer._html.tree import splice

#: ``mso-list:l0 level2 lfo1``: list l0 (the definition), level 2, list instance lfo1
_MSO_LIST = re.compile(r"\b(l\d+)\s+level(\d+)\s+(lfo\d+)", re.IGNORECASE)
#: a number marker: "1.", "2)", "a.", "iv.", "A)", "(3)", "1.2.1"
_ORDERED = re.compile(r"^\(?(?:\d+|[a-zA-Z]|[ivxlcdmIVXLCDM]+)[.)]$|^\d+$|^(?:\d+\.)+\d*$")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_PARAGRAPHS = ("p", "div", "pre", *_HEADINGS)
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
#: an item Word wrote as a real ``li`` (no marker text): "ol a" is its list's kind and type
LIST_OF = "data-composer-list"
#: a lettered marker without a dot ("A"); "o" is Word's second-level bullet glyph
_BARE_LETTER = re.compile(r"^[A-Za-np-z]$")
_SPACE = " \t\r\n\xa0"
#: a list level's format: ``(kind, ol type, start)``, kind "ul" or "ol", type None for decimal
ListFormat = tuple[str, str | None, int]
#: Word offers nine list levels; a source claiming more joins the deepest one built
MAX_LIST_LEVELS = 9
_LENGTH = re.compile(r"^(-?(?:\d+(?:\.\d*)?|\.\d+))(pt|px|em|rem|cm|mm|in)?$")
_TO_PT = {"pt": 1.0, "px": 0.75, "em": 12.0, "rem": 12.0, "cm": 28.35, "mm": 2.835, "in": 72.0}
#: how far (pt) a continuation may sit left of its item's text and still belong to it (rounding)
_INDENT_SLACK = 1.0


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
            if indent is None or indent <= block.indent + _INDENT_SLACK:
                break
            at -= 1
    del stack[at + 1 :]
    block.li.tail = None
    stack[at].el[-1].append(block.li)


def depth_of(el: HtmlElement) -> int:
    """Element levels from the root down to ``el``, both included: O(depth)."""
    return 1 + sum(1 for _ in el.iterancestors())


def height(el: HtmlElement) -> int:
    """Element levels in the subtree of ``el``, ``el`` included; iterative (no recursion on
    the input's depth), O(size)."""
    depth = best = 0
    for event, _ in etree.iterwalk(el, events=("start", "end")):
        if event == "start":
            depth += 1
            best = max(best, depth)
        else:
            depth -= 1
    return best


def list_levels(room: int) -> int:
    """How many list levels fit in ``room`` element levels (each level is ``ul`` + ``li``)."""
    return min(room // 2, MAX_LIST_LEVELS)


def _new_list(item: Item) -> HtmlElement:
    el: HtmlElement = Element(item.kind)
    if item.kind == "ol" and item.type not in (None, "1"):
        el.set("type", str(item.type))
    if item.kind == "ol" and item.start is not None and item.start != 1:
        el.set("start", str(item.start))
    return el


# -- Word --------------------------------------------------------------------------------


def _list_style(el: HtmlElement) -> tuple[str, int, str] | None:
    style = el.get("style")
    if not style or "mso-list" not in style:
        return None
    value = declarations(style).get("mso-list", "")
    match = _MSO_LIST.search(value)
    if match is None:
        return None
    return match.group(1).lower(), int(match.group(2)), match.group(3).lower()


def _is_list_paragraph(el: HtmlElement) -> bool:
    return isinstance(el.tag, str) and el.tag in _PARAGRAPHS and _list_style(el) is not None


def _is_continuation(el: HtmlElement) -> bool:
    """A paragraph Word styles as part of a list item without a marker of its own."""
    return (
        el.tag == "p"
        and (el.get("class") or "").startswith("MsoListParagraph")
        and "mso-list" not in (el.get("style") or "")
    )


def _is_marker(text: str) -> bool:
    """What Word writes as a bullet or number: one glyph, or "1." / "a)" / "iv."."""
    return len(text) <= 1 or _ORDERED.match(text) is not None


def _ignored_spans(el: HtmlElement) -> list[HtmlElement]:
    spans = []
    for span in el.iter("span"):
        style = span.get("style")
        if style and "mso-list" in style and declarations(style).get("mso-list", "").lower() == "ignore":
            spans.append(span)
    return spans


def _take_marker(el: HtmlElement) -> str:
    """Remove the ``mso-list:Ignore`` span(s) of a list paragraph; return the glyph text.

    A span whose text does not look like a marker is unwrapped instead: it is text.
    """
    marker = ""
    for span in _ignored_spans(el):
        text = span.text_content().strip(_SPACE)
        if _is_marker(text):
            marker += text
            span.drop_tree()  # keeps its tail: the item's own text
        else:
            span.drop_tag()
    return marker


def _runs(body: HtmlElement) -> Iterator[list[HtmlElement]]:
    """Groups of consecutive list paragraphs (only whitespace between; comments are gone by now)."""
    seen: set[HtmlElement] = set()
    for el in body.iter(*_PARAGRAPHS):
        if el in seen or not _is_list_paragraph(el):
            continue
        run = [el]
        seen.add(el)
        nxt = _next_block(el)
        while nxt is not None and (_is_list_paragraph(nxt) or _is_continuation(nxt)):
            run.append(nxt)
            seen.add(nxt)
            nxt = _next_block(nxt)
        yield run


def _next_block(el: HtmlElement) -> HtmlElement | None:
    """The element after ``el`` past whitespace and empty inline leftovers (Word's bookmark spans)."""
    nxt = el.getnext()
    if (el.tail or "").strip(_SPACE):
        return None
    while nxt is not None and nxt.tag in ("span", "a") and not nxt.text_content().strip(_SPACE):
        if (nxt.tail or "").strip(_SPACE):
            return None
        nxt = nxt.getnext()
    return nxt


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


def _kind_of(par: HtmlElement, marker: str, known: ListFormat | None) -> tuple[str, str | None, int | None]:
    """``(kind, ol type, start)`` of an item: the list definition first, then the marker."""
    number = marker_number(marker, known[1] if known else None) if marker else None
    if known is not None:
        kind, type_, start = known
        return kind, type_, number[1] if number and kind == "ol" else start
    stated = par.get(LIST_OF)
    if stated:
        kind, _, type_ = stated.partition(" ")
        return kind, type_ or None, None
    if number is not None and (_ORDERED.match(marker) or _BARE_LETTER.match(marker)):
        return "ol", number[0], number[1]
    return "ul", None, None


def _item(par: HtmlElement, formats: dict[tuple[str, int], ListFormat]) -> Item:
    found = _list_style(par)
    assert found is not None
    list_id, level, instance = found
    marker = _take_marker(par)
    indent = margin_left(par)
    kind, type_, start = _kind_of(par, marker, formats.get((list_id, level)))
    par.attrib.pop(LIST_OF, None)
    li: HtmlElement = Element("li")
    if par.tag in _HEADINGS:
        # a numbered heading stays a heading, inside its list item
        par.attrib.pop("style", None)
        li.append(par)
    else:
        li.text = par.text
        for child in list(par):
            li.append(child)  # moves the child with its tail
    return Item(level, kind, (list_id, instance), li, start, type_, indent, marker=marker)


def rebuild_word_lists(
    body: HtmlElement, max_depth: int, formats: dict[tuple[str, int], ListFormat] | None = None
) -> int:
    """Turn Word's list paragraphs into nested ``ul``/``ol``; return how many items were built.

    A list item sits ``2 * level - 1`` elements below where its paragraph stood; levels are
    capped so that no content goes deeper than ``max_depth``, and a run with no room even for
    a flat list stays paragraphs. ``formats`` are the document's list definitions
    (:func:`composer.stages.paste.styles.list_formats`); without one, an item's marker says
    whether it is numbered and how. A paragraph Word marks as part of a list without a marker
    of its own (``MsoListParagraph``) continues the deepest item before it whose text is
    indented no further than the paragraph (``margin-left``, inline or from a class rule);
    such paragraphs at the run's end that stand further right than every item's text follow
    the list instead.
    """
    formats = formats or {}
    _li_paragraphs(body)
    built = 0
    for run in list(_runs(body)):
        first = run[0]
        parent = first.getparent()
        if parent is None:
            continue
        # the deepest li at depth + 2L - 1, holding the paragraph's content (or the heading)
        levels = list_levels(max_depth - depth_of(first) - max(height(par) for par in run) + 1)
        if levels < 1:
            continue
        anchor: HtmlElement = Element("span")  # placeholder keeping the run's position
        first.addprevious(anchor)
        tail = run[-1].tail
        items: list[Item] = []
        for par in run:
            par.tail = None
            parent.remove(par)
            if not _is_list_paragraph(par):
                if items:
                    items.append(Item(0, "", None, par, indent=margin_left(par), follows=True))
                else:
                    anchor.addprevious(par)  # a continuation before any item: a paragraph
                continue
            items.append(_item(par, formats))
        after = _indented_after(items)
        for top in build_lists(items, levels):
            anchor.addprevious(top)
        for block in after:
            anchor.addprevious(block.li)
        built += sum(1 for item in items if not item.follows)
        previous = anchor.getprevious()
        if previous is not None:
            previous.tail = tail
        parent.remove(anchor)
    return built


def _indented_after(items: list[Item]) -> list[Item]:
    """Take the continuations that end ``items`` and stand further right than any item's text:
    paragraphs after the list, indented, not part of it (nothing follows them in the list)."""
    indents = [item.indent for item in items if not item.follows and item.indent is not None]
    if not indents:
        return []
    right = max(indents) + _INDENT_SLACK

    def further_right(item: Item) -> bool:
        return item.follows and item.indent is not None and item.indent > right

    cut = len(items)
    while cut and further_right(items[cut - 1]):
        cut -= 1
    after = items[cut:]
    del items[cut:]
    return after


def _li_paragraphs(body: HtmlElement) -> None:
    """Word's mix of real lists and list paragraphs: its list items become list paragraphs too.

    Old Word documents put the first levels as ``<ol><li style="mso-list:...">`` and deeper
    ones as paragraphs; read one way, the levels and the numbering hold across both. The
    list's own kind and type are kept on the paragraph (:data:`LIST_OF`), and a list left
    holding nothing but such items is unwrapped.
    """
    lists: list[HtmlElement] = []
    for li in body.iter("li"):
        parent = li.getparent()
        if parent is None or parent.tag not in ("ol", "ul") or _list_style(li) is None:
            continue
        li.tag = "p"
        li.set(LIST_OF, f"{parent.tag} {parent.get('type') or ''}".strip())
        lists.append(parent)
    unwrap = []
    for lst in dict.fromkeys(lists):
        if all(
            not isinstance(c.tag, str) or c.tag in ("ol", "ul") or c.get(LIST_OF) is not None for c in lst
        ) and not (lst.text or "").strip(_SPACE):
            unwrap.append(lst)
            for outer in lst.iterancestors("ol", "ul"):
                if not (outer.text or "").strip(_SPACE) and all(
                    not isinstance(c.tag, str) or c.tag in ("ol", "ul") for c in outer
                ):
                    unwrap.append(outer)
    splice(unwrap=dict.fromkeys(unwrap))


def drop_list_markers(body: HtmlElement) -> None:
    """A glyph span left outside a list paragraph (a stray ``mso-list:Ignore``) goes too."""
    for span in _ignored_spans(body):
        if _is_marker(span.text_content().strip(_SPACE)):
            span.drop_tree()
        else:
            span.drop_tag()
