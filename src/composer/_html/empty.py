"""Empty leftovers out of the tree before the sanitizer: no element a reader sees as a gap.

A refused image leaves ``<p></p>``; LibreOffice ends a copy with ``<p><br></p>``; editors
leave ``<b></b>`` and ``<s></s>`` behind. An element is empty when it holds nothing but
whitespace (no-break spaces too) and ``<br>``:

- an empty block (:data:`BLOCKS`) goes; where it stood between two runs of text, a newline
  (whitespace) stays so the words on either side do not merge;
- an empty inline element (:data:`INLINES`) is unwrapped: its whitespace and line breaks stay.

Nothing here holds text, so nothing is reported. The sanitize stage scans its output
(:func:`may_have_empty`'s prefilter, one C-speed search, in the pass that looks for
``<pre`` too, then :func:`has_empty`); only when it finds an empty element, typed
(``<p><br></p>``), left by a stage (a refused image) or by the sanitizer itself
(``<p><script>x()</script></p>``), is that output parsed, cleared by :func:`drop_empty` and
sanitized once more: the sanitizer stays last, and a post with no empty element pays one scan.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from composer._html.atomic import compile_atomic, possessive, run
from composer._html.tree import BLOCK_TAGS, remove_keeping_tail

__all__ = ["BLOCKS", "INLINES", "MAYBE_EMPTY_PATTERN", "drop_empty", "has_empty", "may_have_empty"]

BLOCKS = ("p", "div", "h2", "h3", "h4", "blockquote")
INLINES = ("b", "strong", "i", "em", "u", "s", "del", "ins", "strike", "sub", "sup", "q", "mark", "small")
_SPACE = " \t\r\n\f\xa0"
#: an empty element in a sanitizer's output (lower-case names, quoted attributes); the
#: lookahead drops most tags at their first letter, before the alternation is tried
_EMPTY = re.compile(
    r"<(?=[pdhbsiuqem])(p|div|h[2-4]|blockquote|b|strong|i|em|u|s|del|ins|strike|sub|sup|q|mark|small)"
    r"(?: [^>]*)?>(?=[\s&<\xa0])(?:\s|&nbsp;|\xa0|<br>)*</\1>"
)

_FILLER = r"[\s\xa0]|&nbsp;|<br>"
#: what :data:`_EMPTY` needs, read without its alternation and back-reference: a start tag
#: whose name may be listed (never ``br``), then filler only, then any end tag. Most ``<``
#: fail at a letter or at the first character after the tag, and only a post where one
#: passes is read by :data:`_EMPTY` (exact: each unit of filler starts with its own
#: character, so neither needs to give one back). No ``<br>`` starts a match, so no two
#: tries read the same filler: linear, as a run of ``<br>`` would not be otherwise
#: the prefilter's pattern (every match starts at a ``<``), for a caller that asks another
#: question of the same output in the same pass, as a second ``<``-anchored alternative
#: (possessive, :mod:`composer._html.atomic`: compiled with ``compile_atomic``; before 3.11
#: it holds a group, so the caller reads its own groups by name)
MAYBE_EMPTY_PATTERN = (
    f"<[{''.join(sorted({name[0] for name in (*BLOCKS, *INLINES)}))}]{run('[a-z0-9]')}(?<!<br)"
    f"(?:>| {run('[^>]')}>){possessive(_FILLER)}</"
)
_MAYBE_EMPTY = compile_atomic(MAYBE_EMPTY_PATTERN)


def may_have_empty(markup: str) -> bool:
    """Whether a sanitizer's output ``markup`` holds an empty element (one C-speed scan)."""
    return _MAYBE_EMPTY.search(markup) is not None and _EMPTY.search(markup) is not None


def has_empty(markup: str) -> bool:
    """:func:`may_have_empty` for a caller whose own pass found a match of
    :data:`MAYBE_EMPTY_PATTERN` in ``markup``: the exact search alone."""
    return _EMPTY.search(markup) is not None


def _invisible(child: HtmlElement, keeps: frozenset[str], hidden: frozenset[str]) -> bool:
    """A child that shows nothing once sanitized: a comment, a ``<br>``, an element removed
    with its content (``script``; the sanitizer counts it), or one it unwraps to nothing."""
    tag = child.tag
    if not isinstance(tag, str) or tag == "br" or tag in hidden:
        return True
    if tag in keeps or child.text_content().strip(_SPACE):
        return False
    return not any(
        isinstance(d.tag, str) and (d.tag in keeps or d.tag in hidden) for d in child.iterdescendants()
    )


def _is_empty(el: HtmlElement, keeps: frozenset[str], hidden: frozenset[str]) -> bool:
    if (el.text or "").strip(_SPACE):
        return False
    return all(_invisible(c, keeps, hidden) and not (c.tail or "").strip(_SPACE) for c in el)


def drop_empty(body: HtmlElement, keeps: frozenset[str], hidden: frozenset[str]) -> None:
    """Remove empty blocks and unwrap empty inline elements in ``body``, innermost first.

    ``keeps``: the tags the sanitizer keeps; ``hidden``: those it removes with their content.
    What an empty element still holds (a ``script``, a comment) is left in its place for the
    sanitizer to remove and count; line breaks in an empty block go with it.
    """
    for el in reversed(list(body.iter(*BLOCKS, *INLINES))):
        if not _is_empty(el, keeps, hidden):
            continue
        if el.tag in INLINES:
            el.drop_tag()
            continue
        space = "\n" if _inline_before(el) and _inline_after(el) else ""
        for br in [c for c in el if c.tag == "br"]:
            remove_keeping_tail(br)
        if len(el):
            el.text = space + (el.text or "")
            el.drop_tag()
        else:
            remove_keeping_tail(el, space)


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
