"""Hidden content stays hidden: ``display:none``, ``visibility:hidden`` and Word's ``mso-hide:all``.

A sanitizer drops ``style``, so text the clipboard hid (Word's hidden text and hidden list
paragraphs, a web page's advert or screen-reader copy) would appear in the post. It goes here,
before any list is built, and what held visible text is counted (``hidden text``).
"""

from __future__ import annotations

from lxml.html import HtmlElement

from composer._html.tree import splice
from composer.document import Document
from composer.stages.paste.content import has_text
from composer.stages.paste.css import StyleMap, declarations, memo, read_styles

__all__ = ["drop_hidden", "is_hidden", "take_hidden"]

_SPACE = " \t\r\n\xa0"


@memo
def is_hidden(style: str) -> bool:
    """Whether an inline ``style`` (class rules already merged in) hides its element; CSS
    keywords are read in any case (``DISPLAY: NONE``)."""
    style = style.lower()
    if "none" not in style and "hidden" not in style and "mso-hide" not in style:
        return False
    props = declarations(style)
    return (
        props.get("display", "").lower().replace("!important", "").strip() == "none"
        or props.get("visibility", "").lower().strip() == "hidden"
        or props.get("mso-hide", "").lower().strip() == "all"
    )


def drop_hidden(doc: Document, body: HtmlElement, styles: StyleMap | None = None) -> int:
    """Remove hidden elements with their content (tails stay); return how many held text."""
    counted = take_hidden(body, styles)
    if counted:
        doc.remove("elements", "hidden text", counted)
    return counted


def take_hidden(body: HtmlElement, styles: StyleMap | None = None) -> int:
    """:func:`drop_hidden` without the counting: return how many removed elements held text.
    ``styles``: the :data:`StyleMap` of ``body`` as it stands, when the caller has it."""
    hidden: list[HtmlElement] = []
    for el, style in (read_styles(body) if styles is None else styles).items():
        if is_hidden(style) and el is not body:
            hidden.append(el)
    # an element inside another hidden one goes with it: keep the outermost only
    marked = set(hidden)
    outer = [el for el in hidden if not any(a in marked for a in el.iterancestors())]
    counted = sum(1 for el in outer if has_text(el))
    splice(remove=outer)
    return counted
