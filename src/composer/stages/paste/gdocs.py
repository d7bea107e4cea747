"""Google Docs (and other editors') list nesting, put right.

Google Docs nests a sub-list directly inside its parent list (``<ol><li>1</li><ol><li>1.1``),
not inside the parent item, and may skip levels (``<ol><ol><ol><li>``); newer versions also
state the depth as ``aria-level``, and some editors only indent flat items by ``margin-left``.
Such lists are flattened into items with a level and nested again by
:func:`composer.stages.paste.lists.build_lists`, so every sub-list ends up inside an item.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from composer._html.tree import BLOCK_TAGS
from composer.stages.paste.css import margin_left
from composer.stages.paste.lists import Item, build_lists, depth_of, list_levels, tallest

_LISTS = ("ul", "ol")


def _aria_level(li: HtmlElement) -> int | None:
    value = li.get("aria-level")
    return int(value) if value and value.isdigit() and 0 < int(value) < 100 else None


def _flatten(outer: HtmlElement) -> list[Item]:
    """The items of a misnested list, in order, with their depth (or their stated aria-level).

    Iterative: a work stack stands in for recursion, so the input's nesting costs no call
    stack (the depth scan bounds it, but a server thread's stack may be small).
    """
    out: list[Item] = []
    # (kind, element, depth, text): "list" to open, "child" to place, "tail" after a sub-list
    work: list[tuple[str, HtmlElement, int, str]] = [("list", outer, 1, "")]
    while work:
        kind, el, depth, tail = work.pop()
        if kind == "tail":
            _add_tail(el, tail, depth, out)
        elif kind == "list":
            if (el.text or "").strip():
                li: HtmlElement = el.makeelement("li")
                li.text = el.text
                out.append(Item(depth, str(el.tag), None, li))
            el.text = None
            work.extend(("child", child, depth, "") for child in reversed(el))
        else:
            lst = el.getparent()
            assert lst is not None
            text = el.tail or ""
            el.tail = None  # re-attached below, to whatever now precedes it
            if isinstance(el.tag, str) and el.tag in _LISTS:
                work.append(("tail", lst, depth, text))
                work.append(("list", el, depth + 1, ""))
                continue
            _take(lst, el, depth, out)
            _add_tail(lst, text, depth, out)
    return out


def _take(lst: HtmlElement, child: HtmlElement, depth: int, out: list[Item]) -> None:
    """One non-list child of a list: an item, or content of the item before it."""
    lst.remove(child)
    if not isinstance(child.tag, str):
        return
    if child.tag == "li":
        level = _aria_level(child) or depth
        out.append(Item(level, str(lst.tag), None, child))
    elif out:  # a stray block or inline element: it belongs to the item before it
        out[-1].li.append(child)
    else:
        wrapper: HtmlElement = lst.makeelement("li")
        wrapper.append(child)
        out.append(Item(depth, str(lst.tag), None, wrapper))


def _add_tail(lst: HtmlElement, tail: str, depth: int, out: list[Item]) -> None:
    if not tail.strip():
        return
    if not out:
        li: HtmlElement = lst.makeelement("li")
        li.text = tail
        out.append(Item(depth, str(lst.tag), None, li))
    else:
        _add_line(out[-1].li, tail)


def _add_line(li: HtmlElement, text: str) -> None:
    """``text`` at the end of ``li`` on a line of its own, where a reader saw it: text typed
    in a list after an item (or a sub-list) shows below it, not glued to its last word
    (after a block that ends the item, it already starts a line)."""
    last = li[-1] if len(li) else None
    if last is not None and isinstance(last.tag, str) and last.tag in BLOCK_TAGS:
        last.tail = (last.tail or "") + text
        return
    line: HtmlElement = li.makeelement("br")
    line.tail = text
    li.append(line)


def _replace(lst: HtmlElement, items: list[Item], max_depth: int) -> None:
    """Put the rebuilt lists where ``lst`` stood, with as many levels as ``max_depth`` leaves."""
    parent = lst.getparent()
    if parent is None:
        return
    # the deepest li at depth + 2L - 1 holds its content: the tallest item must fit
    levels = max(list_levels(max_depth - depth_of(lst) - (tallest(item.li for item in items) or 1) + 2), 1)
    for top in build_lists(items, levels):
        lst.addprevious(top)
    lst.drop_tree()  # the list is empty by now; drop_tree keeps its tail text


def _keep_loose_text(lst: HtmlElement, lis: list[HtmlElement]) -> None:
    """Text typed in a flat list outside its items (before the first, between two, after a
    comment) joins the item it follows, or the first item, on a line of its own as a reader
    saw it: the rebuilt list holds only the items."""
    lead = lst.text if (lst.text or "").strip() else None
    lst.text = None
    current: HtmlElement | None = None
    for child in lst:
        if isinstance(child.tag, str):
            current = child
        text, child.tail = child.tail, None
        if not text or not text.strip():
            continue
        if current is None:
            lead = (lead or "") + text
        else:
            _add_line(current, text)
    if lead is not None:
        line = lis[0].makeelement("br")
        line.tail = lis[0].text
        lis[0].text = lead
        lis[0].insert(0, line)


def _starts_deeper(lst: HtmlElement) -> bool:
    first = next((child for child in lst if isinstance(child.tag, str)), None)
    return first is not None and first.tag in _LISTS


def _deeper_siblings(lst: HtmlElement) -> list[HtmlElement]:
    """``lst`` and the lists right after it that start deeper (``<ol><ol><li>``: LibreOffice's
    sub-list of the item before, written as a list of its own)."""
    group = [lst]
    nxt = lst.getnext()
    while (
        nxt is not None
        and not (group[-1].tail or "").strip()
        and isinstance(nxt.tag, str)
        and nxt.tag in _LISTS
        and _starts_deeper(nxt)
    ):
        group.append(nxt)
        nxt = nxt.getnext()
    return group


def _indent_levels(lst: HtmlElement) -> list[int] | None:
    """Levels of a flat list whose items differ only by ``aria-level`` or ``margin-left``."""
    items = [child for child in lst if isinstance(child.tag, str)]
    if len(items) < 2 or any(child.tag != "li" for child in items):
        return None
    levels = [_aria_level(li) for li in items]
    if all(level is not None for level in levels) and len(set(levels)) > 1:
        return [level or 1 for level in levels]
    margins = [margin_left(li) for li in items]
    if all(m is not None for m in margins) and len(set(margins)) > 1:
        ranks = {m: i + 1 for i, m in enumerate(sorted({m for m in margins if m is not None}))}
        return [ranks[m] for m in margins if m is not None]
    return None


def fix_list_nesting(body: HtmlElement, max_depth: int) -> int:
    """Move sub-lists into items and nest flat indented lists; return how many lists were rebuilt.

    Levels are capped as in :func:`composer.stages.paste.lists.build_lists`, and so that no item's
    content ends up deeper than ``max_depth``; a list with no room to nest stays flat.
    """
    fixed = 0
    joined: set[HtmlElement] = set()
    for lst in list(body.iter(*_LISTS)):
        parent = lst.getparent()
        if parent is None or parent.tag in _LISTS or lst in joined:
            continue  # an inner list: handled with its outermost list; or joined to one before
        group = _deeper_siblings(lst)
        if len(group) > 1 or any(isinstance(child.tag, str) and child.tag in _LISTS for child in lst):
            items: list[Item] = []
            for key, member in enumerate(group):
                for item in _flatten(member):
                    item.key = key  # a list of its own: a sub-list only when it starts deeper
                    items.append(item)
            after = group[-1].tail  # what follows the group: kept after the rebuilt list
            for member in group[1:]:
                joined.add(member)
                member.tail = None  # whitespace between the lists (checked by _deeper_siblings)
                member.drop_tree()  # empty by now
            if len(group) > 1 and (after or "").strip():
                lst.tail = after  # lst's own tail was whitespace before the next list
            _replace(lst, items, max_depth)
            fixed += 1
        elif (levels := _indent_levels(lst)) is not None:
            lis = [child for child in lst if isinstance(child.tag, str)]
            _keep_loose_text(lst, lis)
            for li in lis:
                lst.remove(li)
            items = [Item(level, str(lst.tag), None, li) for level, li in zip(levels, lis, strict=True)]
            _replace(lst, items, max_depth)
            fixed += 1
    return fixed
