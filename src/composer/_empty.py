"""Empty leftovers out of the tree before the sanitizer: no element a reader sees as a gap.

A refused image leaves ``<p></p>``; LibreOffice ends a copy with ``<p><br></p>``; editors
leave ``<b></b>`` and ``<s></s>`` behind. An element is empty when it holds nothing but
whitespace (no-break spaces too) and ``<br>``:

- an empty block (:data:`BLOCKS`) goes; where it stood between two runs of text, a newline
  (whitespace) stays so the words on either side do not merge;
- an empty inline element (:data:`INLINES`) is unwrapped: its whitespace and line breaks stay.

Nothing here holds text, so nothing is reported. The pass runs on the working tree, before the
sanitizer (which stays last); a post with no candidate in its HTML is not parsed for it.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from composer._tree import BLOCK_TAGS, remove_keeping_tail

__all__ = ["BLOCKS", "INLINES", "drop_empty", "may_have_empty"]

BLOCKS = ("p", "div", "h2", "h3", "h4", "blockquote")
INLINES = ("b", "strong", "i", "em", "u", "s", "del", "ins", "strike", "sub", "sup", "q", "mark", "small")
_SPACE = " \t\r\n\f\xa0"
_CANDIDATE = re.compile(
    r"<(?:p|div|h[1-6]|blockquote|b|strong|i|em|u|s|del|ins|strike|sub|sup|q|mark|small)(?:\s[^<>]*)?>"
    r"(?:\s|&nbsp;|&#160;|&#xa0;|\xa0|<br\s*/?>)*</",
    re.IGNORECASE,
)


def may_have_empty(markup: str) -> bool:
    """Whether ``markup`` may hold an empty element (a cheap C-speed scan; may err towards yes)."""
    return _CANDIDATE.search(markup) is not None


def _is_empty(el: HtmlElement) -> bool:
    if (el.text or "").strip(_SPACE):
        return False
    for child in el:
        if child.tag != "br" and child.tag is not etree.Comment:
            return False
        if (child.tail or "").strip(_SPACE):
            return False
    return True


def drop_empty(body: HtmlElement) -> None:
    """Remove empty blocks and unwrap empty inline elements in ``body``, innermost first."""
    for el in reversed(list(body.iter(*BLOCKS, *INLINES))):
        if not _is_empty(el):
            continue
        if el.tag in INLINES:
            el.drop_tag()
            continue
        between = _inline_before(el) and _inline_after(el)
        remove_keeping_tail(el, "\n" if between else "")


def _inline(node: HtmlElement | None) -> bool:
    return node is not None and isinstance(node.tag, str) and node.tag not in BLOCK_TAGS and node.tag != "br"


def _inline_before(el: HtmlElement) -> bool:
    previous = el.getprevious()
    if previous is None:
        parent = el.getparent()
        return parent is not None and bool((parent.text or "").strip(_SPACE))
    return bool((previous.tail or "").strip(_SPACE)) or _inline(previous)


def _inline_after(el: HtmlElement) -> bool:
    return bool((el.tail or "").strip(_SPACE)) or _inline(el.getnext())
