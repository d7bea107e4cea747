"""Microsoft Word clipboards: list paragraphs rebuilt into real lists.

Word does not put lists on the clipboard: it puts paragraphs styled ``mso-list:l0 level2 lfo1``
whose first span (``mso-list:Ignore``) holds the bullet glyph or number as text. Such runs are
rebuilt into real ``ul``/``ol`` nesting here (by :func:`composer.stages.paste.lists.build_lists`),
and the glyph text goes (the list renders it).

Nesting is bounded by what the stages build, not only by what the input says: at most
:data:`MAX_LIST_LEVELS` list levels (Word's own maximum), and never so deep that an item's
content would end up past ``Policy.max_depth`` (the output must parse again on a re-render).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml.html import HtmlElement

from composer._html.tree import splice
from composer.stages.paste.content import has_text
from composer.stages.paste.css import StyleMap, declarations, margin_left, memo, read_styles
from composer.stages.paste.lists import (
    INDENT_SLACK,
    MAX_LIST_LEVELS,
    Item,
    ListFormat,
    build_lists,
    depth_of,
    list_levels_above,
    marker_number,
)

__all__ = ["LIST_OF", "MAX_LIST_LEVELS", "drop_list_markers", "rebuild_word_lists"]

#: ``mso-list:l0 level2 lfo1``: list l0 (the definition), level 2, list instance lfo1
_MSO_LIST = re.compile(r"\b(l\d+)\s+level(\d+)\s+(lfo\d+)", re.IGNORECASE)
#: a number marker: "1.", "2)", "a.", "iv.", "A)", "(3)", "1.2.1"
_ORDERED = re.compile(r"^\(?(?:\d+|[a-zA-Z]|[ivxlcdmIVXLCDM]+)[.)]$|^\d+$|^(?:\d+\.)+\d*$")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_PARAGRAPHS = ("p", "div", "pre", *_HEADINGS)
#: an item Word wrote as a real ``li`` (no marker text): "ol a" is its list's kind and type
LIST_OF = "data-composer-list"
#: a lettered marker without a dot ("A"); "o" is Word's second-level bullet glyph
_BARE_LETTER = re.compile(r"^[A-Za-np-z]$")
_SPACE = " \t\r\n\xa0"


def _list_style(el: HtmlElement, styles: StyleMap) -> tuple[str, int, str] | None:
    style = styles.get(el)
    if not style or "mso-list" not in style:
        return None
    return _mso_list(style)


@memo
def _mso_list(style: str) -> tuple[str, int, str] | None:
    """``(list id, level, list instance)`` of an ``mso-list`` style, lower-cased."""
    value = declarations(style).get("mso-list", "")
    match = _MSO_LIST.search(value)
    if match is None:
        return None
    return match.group(1).lower(), int(match.group(2)), match.group(3).lower()


def _is_list_paragraph(el: HtmlElement, styles: StyleMap) -> bool:
    return isinstance(el.tag, str) and el.tag in _PARAGRAPHS and _list_style(el, styles) is not None


def _is_continuation(el: HtmlElement, styles: StyleMap) -> bool:
    """A paragraph Word styles as part of a list item without a marker of its own."""
    return (
        el.tag == "p"
        and (el.get("class") or "").startswith("MsoListParagraph")
        and "mso-list" not in styles.get(el, "")
    )


def _is_marker(text: str) -> bool:
    """What Word writes as a bullet or number: one glyph, or "1." / "a)" / "iv."."""
    return len(text) <= 1 or _ORDERED.match(text) is not None


def _ignored_spans(el: HtmlElement, styles: StyleMap) -> list[HtmlElement]:
    spans = []
    for span in el.iter("span"):
        style = styles.get(span)
        if style and "mso-list" in style and declarations(style).get("mso-list", "").lower() == "ignore":
            spans.append(span)
    return spans


def _take_marker(el: HtmlElement, styles: StyleMap) -> str:
    """Remove the ``mso-list:Ignore`` span(s) of a list paragraph; return the glyph text.

    A span whose text does not look like a marker is unwrapped instead: it is text.
    """
    marker = ""
    for span in _ignored_spans(el, styles):
        text = span.text_content().strip(_SPACE)
        if _is_marker(text):
            marker += text
            span.drop_tree()  # keeps its tail: the item's own text
        else:
            span.drop_tag()
    return marker


def _runs(body: HtmlElement, styles: StyleMap) -> Iterator[list[HtmlElement]]:
    """Groups of consecutive list paragraphs (only whitespace between; comments are gone by now)."""
    seen: set[HtmlElement] = set()
    for el in body.iter(*_PARAGRAPHS):
        if el in seen or not _is_list_paragraph(el, styles):
            continue
        run = [el]
        seen.add(el)
        nxt = _next_block(el)
        while nxt is not None and (_is_list_paragraph(nxt, styles) or _is_continuation(nxt, styles)):
            run.append(nxt)
            seen.add(nxt)
            nxt = _next_block(nxt)
        yield run


def _next_block(el: HtmlElement) -> HtmlElement | None:
    """The element after ``el`` past whitespace and empty inline leftovers (Word's bookmark spans)."""
    nxt = el.getnext()
    if (el.tail or "").strip(_SPACE):
        return None
    while nxt is not None and nxt.tag in ("span", "a") and not has_text(nxt):
        if (nxt.tail or "").strip(_SPACE):
            return None
        nxt = nxt.getnext()
    return nxt


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


def _item(par: HtmlElement, formats: dict[tuple[str, int], ListFormat], styles: StyleMap) -> Item:
    found = _list_style(par, styles)
    assert found is not None
    list_id, level, instance = found
    marker = _take_marker(par, styles)
    indent = margin_left(par, styles)
    kind, type_, start = _kind_of(par, marker, formats.get((list_id, level)))
    par.attrib.pop(LIST_OF, None)
    if par.tag in _HEADINGS:
        # a numbered heading stays a heading, inside its list item
        li: HtmlElement = par.makeelement("li")
        par.attrib.pop("style", None)
        styles.pop(par, None)
        li.append(par)
    else:
        # the paragraph becomes the item, its text and children where they are (moving
        # each child into a new element costs more); its attributes go, as a new li has none
        li = par
        li.attrib.clear()
        styles.pop(li, None)
        li.tag = "li"
    return Item(level, kind, (list_id, instance), li, start, type_, indent, marker=marker)


def rebuild_word_lists(
    body: HtmlElement,
    max_depth: int,
    formats: dict[tuple[str, int], ListFormat] | None = None,
    styles: StyleMap | None = None,
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
    if styles is None:
        styles = read_styles(body)
    _li_paragraphs(body, styles)
    built = 0
    for run in list(_runs(body, styles)):
        first = run[0]
        parent = first.getparent()
        if parent is None:
            continue
        # the deepest li at depth + 2L - 1, holding the paragraph's content (or the heading)
        levels = list_levels_above(max_depth - depth_of(first) + 1, run)
        if levels < 1:
            continue
        anchor: HtmlElement = first.makeelement("span")  # placeholder keeping the run's position
        first.addprevious(anchor)
        tail = run[-1].tail
        items: list[Item] = []
        for par in run:
            par.tail = None
            parent.remove(par)
            if not _is_list_paragraph(par, styles):
                if items:
                    items.append(Item(0, "", None, par, indent=margin_left(par, styles), follows=True))
                else:
                    anchor.addprevious(par)  # a continuation before any item: a paragraph
                continue
            items.append(_item(par, formats, styles))
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
    right = max(indents) + INDENT_SLACK

    def further_right(item: Item) -> bool:
        return item.follows and item.indent is not None and item.indent > right

    cut = len(items)
    while cut and further_right(items[cut - 1]):
        cut -= 1
    after = items[cut:]
    del items[cut:]
    return after


def _li_paragraphs(body: HtmlElement, styles: StyleMap) -> None:
    """Word's mix of real lists and list paragraphs: its list items become list paragraphs too.

    Old Word documents put the first levels as ``<ol><li style="mso-list:...">`` and deeper
    ones as paragraphs; read one way, the levels and the numbering hold across both. The
    list's own kind and type are kept on the paragraph (:data:`LIST_OF`), and a list left
    holding nothing but such items is unwrapped.
    """
    lists: list[HtmlElement] = []
    for li in body.iter("li"):
        parent = li.getparent()
        if parent is None or parent.tag not in ("ol", "ul") or _list_style(li, styles) is None:
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


def drop_list_markers(body: HtmlElement, styles: StyleMap | None = None) -> None:
    """A glyph span left outside a list paragraph (a stray ``mso-list:Ignore``) goes too."""
    for span in _ignored_spans(body, read_styles(body) if styles is None else styles):
        if _is_marker(span.text_content().strip(_SPACE)):
            span.drop_tree()
        else:
            span.drop_tag()
