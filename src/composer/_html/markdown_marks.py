"""Which emphasis marks markdown can delimit where they stand (CommonMark's flanking rules).

``<b>(a)</b>b`` cannot be written with ``**``: an opening run must not be followed by white
space, and when followed by punctuation it must follow white space or punctuation (closing
runs mirror this). A mark markdown would not read back keeps its text and loses the mark;
one that became literal asterisks would change the text. Nor can a mark touch a neighbour
written with the same character (``<b>1</b><i>x</i>``): the two runs join into one.

Dropping a mark turns its delimiter (punctuation) back into the letter or space beside it,
which can only make its neighbours' runs fail too, so the decision runs to a fixpoint over
the marks of one block; a block still changing after a few passes loses all its marks
(always readable back: the text stays), so the cost stays linear.
"""

from __future__ import annotations

import unicodedata
from typing import Any

__all__ = ["DELIMITERS", "undelimitable"]

#: the inline marks markdown writes with delimiter runs, and their delimiters
DELIMITERS = {"b": "**", "strong": "**", "i": "*", "em": "*", "s": "~~", "del": "~~"}
# inline elements the walk passes through to find a neighbour; any other edge is a block's
_THROUGH = frozenset({"span", "u", "sup", "sub", "mark", "small", "abbr", "cite", "q", "kbd"})
# what each inline element shows first and last when it is not walked through
_EDGES = {"a": ("[", ")"), "code": ("`", "`"), "img": ("!", ")"), "br": ("\n", "\n")}


def _is_space(char: str) -> bool:
    """CommonMark's Unicode white space; a block's edge (``""``) counts as one."""
    return not char or char.isspace() or unicodedata.category(char) == "Zs"


def _is_punctuation(char: str) -> bool:
    return bool(char) and unicodedata.category(char)[0] in "PS"


def _text(node: Any) -> str:
    return str(node.get_text() if getattr(node, "name", None) else node)


def _code_as_text(node: Any) -> bool:
    """A code span right after another shows as text (their backticks would join)."""
    prev = node.previous_sibling
    return bool(node.name == "code" and getattr(prev, "name", None) == "code" and prev.get_text())


def _edge(node: Any, forward: bool, dropped: set[int]) -> str | None:
    """The character ``node``'s markdown shows first (or last); None when it shows nothing."""
    name = getattr(node, "name", None)
    text = _text(node)
    if name is None:
        return (text[:1] if forward else text[-1:]) or None
    if name in _EDGES and not _code_as_text(node):
        return _EDGES[name][0 if forward else 1]
    if not text:
        return None
    if name in DELIMITERS and id(node) not in dropped and text.strip():
        outer = text[:1] if forward else text[-1:]
        return " " if outer.isspace() else DELIMITERS[name][0]
    children = list(node.children)
    for child in children if forward else reversed(children):
        char = _edge(child, forward, dropped)
        if char is not None:
            return char
    return None


def _outside(el: Any, forward: bool, dropped: set[int]) -> tuple[str, bool]:
    """The character shown right after (or before) ``el``, through inline parents, and
    whether it is a neighbour's (not an enclosing mark's)."""
    node = el
    while True:
        sibling = node.next_sibling if forward else node.previous_sibling
        while sibling is not None:
            char = _edge(sibling, forward, dropped)
            if char is not None:
                return char, True
            sibling = sibling.next_sibling if forward else sibling.previous_sibling
        parent = node.parent
        name = getattr(parent, "name", None)
        if name in DELIMITERS and id(parent) not in dropped:
            return str(DELIMITERS[name][0]), False
        if name in _EDGES:
            return _EDGES[name][1 if forward else 0], False
        if name not in _THROUGH and name not in DELIMITERS:
            return "", False
        node = parent


def _inner(el: Any, forward: bool, dropped: set[int]) -> tuple[str, bool]:
    """The first (or last) character inside ``el``'s delimiters, and whether white space
    before it moved outside them (markdownify keeps a run's edge spaces outside)."""
    char = ""
    children = list(el.children)
    for child in children if forward else reversed(children):
        found = _edge(child, forward, dropped)
        if found is not None:
            char = found
            break
    if not _is_space(char):
        return char, False
    text = _text(el).strip()
    return (text[:1] if forward else text[-1:]), True


def _delimits(el: Any, dropped: set[int]) -> bool:
    if not _text(el).strip():
        return True  # shows nothing either way
    first, spaced_before = _inner(el, True, dropped)
    last, spaced_after = _inner(el, False, dropped)
    before, neighbour_before = (" ", False) if spaced_before else _outside(el, False, dropped)
    after, neighbour_after = (" ", False) if spaced_after else _outside(el, True, dropped)
    own = DELIMITERS[el.name][0]
    if (neighbour_before and before == own) or (neighbour_after and after == own):
        return False  # "**a***b*": a neighbour's run of the same character joins ours
    opens = not _is_space(first) and (
        not _is_punctuation(first) or _is_space(before) or _is_punctuation(before)
    )
    closes = not _is_space(last) and (not _is_punctuation(last) or _is_space(after) or _is_punctuation(after))
    return opens and closes


_PASSES = 4


def _block(el: Any) -> int:
    parent = el.parent
    while parent is not None and (
        parent.name in _THROUGH or parent.name in DELIMITERS or parent.name in _EDGES
    ):
        parent = parent.parent
    return id(parent)


def undelimitable(root: Any) -> set[int]:
    """The ``id()`` of every mark under the BeautifulSoup ``root`` markdown cannot delimit
    where it stands; the others keep their delimiters."""
    blocks: dict[int, list[Any]] = {}
    for el in root.find_all(list(DELIMITERS)):
        blocks.setdefault(_block(el), []).append(el)
    dropped: set[int] = set()
    for marks in blocks.values():
        for _ in range(_PASSES):
            before = len(dropped)
            dropped.update(id(el) for el in marks if id(el) not in dropped and not _delimits(el, dropped))
            if len(dropped) == before:
                break
        else:
            dropped.update(id(el) for el in marks)
    return dropped
