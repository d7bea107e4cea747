"""Helpers for stage writers: the text a reader sees, and elements spliced into it.

A stage that turns words into markup (``@name`` into a mention link, ``>!secret!<`` into a
spoiler) needs the same two things every time: the text nodes a person reads, leaving out
code, preformatted text, existing links and raw text (script, style, ...); and a way to put
an element where a match stood, keeping the text around it. Both work on the lxml tree a
stage gets from ``doc.tree``::

    for node in visible_text(doc.tree):
        splice(node, MENTION, make_link)

Splicing one node never moves another node of the same list, so a list from
:func:`visible_text` stays valid while it is spliced; the elements spliced in are not in it
(a mention is never looked at again).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass

from lxml.html import HtmlElement

__all__ = ["SKIPPED_TAGS", "TextNode", "splice", "visible_text"]

#: Elements whose text :func:`visible_text` leaves out: code and preformatted text, links,
#: raw text and foreign content (the sanitizer removes or never shows their text as prose).
SKIPPED_TAGS: frozenset[str] = frozenset(
    (
        "a code pre kbd samp "
        "script style textarea title xmp iframe noembed noframes noscript plaintext template "
        "svg math object"
    ).split()
)


@dataclass(frozen=True, eq=False)
class TextNode:
    """One run of text in the tree: ``element.text`` (``is_tail`` False: the text at the
    start of ``element``) or ``element.tail`` (True: the text right after ``element``)."""

    element: HtmlElement
    is_tail: bool

    @property
    def text(self) -> str:
        """The text as it is now ("" when there is none)."""
        return (self.element.tail if self.is_tail else self.element.text) or ""


def visible_text(root: HtmlElement, *, skip: Collection[str] = SKIPPED_TAGS) -> list[TextNode]:
    """The non-empty text nodes under ``root``, in document order, outside ``skip`` elements.

    ``root``: usually ``doc.tree`` (its own tail is not included). ``skip``: tag names whose
    whole content is left out; their tail text is still visible and included. Comments and
    processing instructions are left out the same way. Iterative, so a deep tree costs no
    call stack. Returns a list: splice its nodes while going through it.
    """
    nodes: list[TextNode] = []
    if root.text:
        nodes.append(TextNode(root, False))
    stack: list[tuple[HtmlElement, Iterator[HtmlElement]]] = [(root, iter(root))]
    while stack:
        parent, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if stack and parent.tail:
                nodes.append(TextNode(parent, True))
            continue
        if isinstance(child.tag, str) and child.tag not in skip:
            if child.text:
                nodes.append(TextNode(child, False))
            stack.append((child, iter(child)))
        elif child.tail:
            nodes.append(TextNode(child, True))
    return nodes


def splice(
    node: TextNode,
    pattern: re.Pattern[str] | str,
    build: Callable[[re.Match[str]], HtmlElement | None],
) -> int:
    """Replace each match of ``pattern`` in ``node``'s text by the element ``build`` makes.

    The text before, between and after the matches stays where it was; each new element
    takes the text up to the next one as its tail (a tail ``build`` set is replaced). ``build``
    returns None to leave a match as text. Matches are looked for within this one text node
    (``@na<b>me</b>`` is two nodes). Returns how many elements were spliced in. Raises
    ValueError when ``build`` returns an element that is already in a tree.
    """
    text = node.text
    if not text:
        return 0
    made: list[HtmlElement] = []
    before = ""
    last = 0
    for match in re.finditer(pattern, text):
        if match.end() == match.start():
            continue  # an empty match replaces nothing
        element = build(match)
        if element is None:
            continue
        if element.getparent() is not None:
            raise ValueError(f"splice: build returned <{element.tag}>, which is already in a tree")
        gap = text[last : match.start()]
        if made:
            made[-1].tail = gap or None
        else:
            before = gap
        made.append(element)
        last = match.end()
    if not made:
        return 0
    made[-1].tail = text[last:] or None
    owner = node.element
    if node.is_tail:
        owner.tail = before or None
        after = owner
        rest = made
    else:
        owner.text = before or None
        owner.insert(0, made[0])
        after, rest = made[0], made[1:]
    for element in rest:  # addnext is O(1), where insert(index) would be O(siblings) each
        after.addnext(element)
        after = element
    return len(made)
