"""Words a forum's directory turns into links (``@name``, ``#tag``): the machinery the
``mentions`` and ``hashtags`` stages share, written with the public stage-writer API alone.

One pass, in order:

1. **Markup that claims the class is read as text.** The link class (``mention``,
   ``hashtag``) belongs to the stage: an ``<a>`` carrying it whose text is one word of the
   grammar is unwrapped to that text (and looked up again below, like typed text), and any
   other element loses the class. So every such link a reader sees is one the lookup confirmed.
2. **Candidates.** Every word of the grammar in the text a reader sees (outside ``code``,
   ``pre``, ``kbd``, ``samp``, links and raw text: :data:`~composer.SKIPPED_TAGS`), read across
   inline markup as a reader reads it (``@an<b>n2</b>`` is ``@ann2``).
3. **One lookup.** The forum's callback gets every distinct candidate, as written, in order of
   first appearance, up to the stage's ``max_names`` (the rest stay text, and
   ``Result.stats["not_looked_up"]`` counts them under the stage's name), and returns
   ``{word: url}`` for those it knows. A URL must be a str of at most :data:`MAX_URL`
   characters, path-absolute (``/u/ann``, not ``//``) or absolute ``http(s)://host...``,
   without backslash, white space, control or format characters; another value
   (``//evil.com``, ``/\\evil.com``, ``u/ann``, ``javascript:``) leaves that word as text
   (logged).
4. **Links.** ``<a class="{cls}" href="{url}">{sigil}{word}</a>`` where each known word stood.

A callback that raises or returns something other than a mapping leaves every word as text;
the error is logged (with its traceback) and the stage's name is added to
``Result.stats["lookup_failed"]``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache, partial
from typing import NamedTuple
from unicodedata import category

from lxml.html import Element, HtmlElement

from composer._lookup import ask as ask_lookup
from composer.document import LOOKUP_FAILED, Document
from composer.text_nodes import TextNode, splice, visible_text

__all__ = ["MAX_NAMES", "MAX_URL", "NOT_LOOKED_UP", "Grammar", "Lookup", "grammar", "link_words"]

#: ``words -> {word: url}``: the forum's directory, asked once per post
Lookup = Callable[[Sequence[str]], Mapping[str, str]]
#: the longest URL a lookup may return
MAX_URL = 2048
#: how many distinct words one lookup call is asked about, by default (``max_names``)
MAX_NAMES = 1000
#: ``stats`` key: ``{stage name: how many distinct words were not looked up}`` (over the cap)
NOT_LOOKED_UP = "not_looked_up"
#: how many inline elements out a word is followed across (``<b><i>@an</i></b>n``)
_CLIMB = 8
#: how much text after a word its look-ahead reads (``.`` then a letter), across markup
_AHEAD = 2


@cache
def _marks() -> str:
    """Every combining mark (Unicode category M*) as a regex class body, found once per process.

    ``\\w`` leaves marks out, and names in Devanagari, Thai or decomposed Latin need them.
    Marks live below U+1F000 and at U+E0100-U+E01EF (checked against the whole range).
    """
    ranges: list[tuple[int, int]] = []
    for lo, hi in ((0x300, 0x1F000), (0xE0100, 0xE01F0)):
        for code in range(lo, hi):
            if category(chr(code))[0] == "M":
                if ranges and ranges[-1][1] == code - 1:
                    ranges[-1] = (ranges[-1][0], code)
                else:
                    ranges.append((code, code))
    return "".join(f"\\U{a:08x}-\\U{b:08x}" if a != b else f"\\U{a:08x}" for a, b in ranges)


class Grammar(NamedTuple):
    """A sigil and the words it marks: ``word`` finds ``sigil`` + word (the word in group 1)."""

    sigil: str
    word: re.Pattern[str]
    #: a character the sigil may not follow (the look-behind of ``word``, for a node's edge)
    glued_before: re.Pattern[str]
    #: what may not follow a word (the look-ahead of ``word``, for a node's edge)
    glued_after: re.Pattern[str]


@cache
def grammar(sigil: str, longest: int, inner: str) -> Grammar:
    """The words after ``sigil``: 1 to ``longest`` letters, digits and combining marks of any
    script, ``_`` and the characters of ``inner`` (not first, not last); the sigil not glued to
    a word, a path or an address; the word not followed by more of itself or the sigil.
    Compiled once per process and arguments."""
    marks = _marks()
    letter = f"[\\w{marks}]"
    middle = f"[\\w{marks}{re.escape(inner)}]"
    before = f"[\\w{marks}.+\\-/@=~&%#$*^|\\\\`]"
    after = f"{letter}|{re.escape(sigil)}" + (f"|[{re.escape(inner)}]{letter}" if inner else "")
    body = f"\\w(?:{middle}{{0,{longest - 2}}}{letter})?"
    return Grammar(
        sigil,
        re.compile(f"(?<!{before}){re.escape(sigil)}({body})(?!{after})"),
        re.compile(before),
        re.compile(after),
    )


# -- reading across inline markup -------------------------------------------------------

#: elements whose text runs on with the text around them (a reader sees one word across them)
_INLINE = frozenset(
    "a abbr b bdi bdo big cite code del dfn em font i ins kbd mark q s samp small span strike "
    "strong sub sup time tt u var".split()
)


def _inline(el: HtmlElement) -> bool:
    return not isinstance(el.tag, str) or el.tag in _INLINE  # a comment is no boundary either


def _content(el: HtmlElement) -> str:
    """The text a reader sees in an inline element (a comment shows none)."""
    return el.text_content() if isinstance(el.tag, str) else ""


def _before(el: HtmlElement) -> str:
    """What a reader sees right before ``el`` within its line ("" at a boundary); empty
    inline elements and comments are looked through."""
    for _ in range(_CLIMB):
        prev = el.getprevious()
        if prev is None:
            parent = el.getparent()
            if parent is None:
                return ""
            if parent.text or not _inline(parent):
                return str(parent.text or "")
            el = parent
            continue
        if prev.tail:
            return str(prev.tail)
        if not _inline(prev):
            return ""
        content = _content(prev)
        if content:
            return content
        el = prev
    return ""


def _after(el: HtmlElement, tail: bool = True) -> str:
    """What a reader sees right after ``el`` (after its tail too, when ``tail`` is False)
    within its line, at least :data:`_AHEAD` characters of it when there are ("" at a
    boundary); empty inline elements and comments are looked through."""
    seen = ""
    for _ in range(_CLIMB):
        if tail and el.tail:
            seen += str(el.tail)
            if len(seen) >= _AHEAD:
                return seen
        tail = True
        nxt = el.getnext()
        if nxt is None:
            parent = el.getparent()
            if parent is None or not _inline(parent):
                return seen
            el = parent
            continue
        if not _inline(nxt):
            return seen
        seen += _content(nxt)
        if len(seen) >= _AHEAD:
            return seen
        el = nxt
    return seen


def _text_before(node: TextNode) -> str:
    """What a reader sees right before ``node``'s text, within its line ("" at a boundary)."""
    el = node.element
    if node.is_tail:
        if not _inline(el):
            return ""
        return _content(el) or _before(el)
    return _before(el) if _inline(el) else ""


def _text_after(node: TextNode) -> str:
    """What a reader sees right after ``node``'s text, within its line, at least
    :data:`_AHEAD` characters of it when there are ("" at a boundary)."""
    el = node.element
    if node.is_tail:
        return _after(el, tail=False)
    if len(el):
        first = el[0]
        if not _inline(first):
            return ""
        seen = _content(first)
        return seen if len(seen) >= _AHEAD else seen + _after(first)
    return _after(el) if _inline(el) else ""


def _matches(node: TextNode, words: Grammar) -> list[re.Match[str]]:
    """The words in ``node``'s text, less one at an edge glued to the text beyond it."""
    text = node.text
    found = list(words.word.finditer(text))
    if found and found[0].start() == 0 and words.glued_before.match(_text_before(node)[-1:]):
        found.pop(0)
    # the look-ahead reads up to two characters (``.`` then a letter): a word that ends one
    # short of the node's end is checked against the text beyond it too (``@ann.<b>b</b>``)
    if found and len(text) - found[-1].end() < 2:
        rest = text[found[-1].end() :]
        if words.glued_after.match((rest + _text_after(node))[:2]):
            found.pop()
    return found


# -- the pass ---------------------------------------------------------------------------


def _neutralize(root: HtmlElement, words: Grammar, cls: str) -> None:
    """Step 1: markup that claims the class is read as the text it shows."""
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or cls not in (el.get("class") or "").split():
            continue
        classes = [c for c in (el.get("class") or "").split() if c != cls]
        if classes:
            el.set("class", " ".join(classes))
        else:
            del el.attrib["class"]
        if el.tag == "a" and not len(el) and words.word.fullmatch((el.text or "").strip()):
            el.drop_tag()


def _candidates(nodes: list[TextNode], words: Grammar) -> tuple[list[str], set[tuple[int, int]]]:
    """Step 2: the distinct words in ``nodes``, in order of first appearance, and where each
    stands: ``(node index, start)`` pairs."""
    names: dict[str, None] = {}
    places: set[tuple[int, int]] = set()
    for i, node in enumerate(nodes):
        if words.sigil not in node.text:
            continue
        for match in _matches(node, words):
            names.setdefault(match.group(1))
            places.add((i, match.start()))
    return list(names), places


#: white space and controls, in ASCII: one C-speed search (other characters are looked at one
#: by one, only in a URL that has any)
_ASCII_BAD = re.compile(r"[\x00-\x20\x7f]")
#: the two shapes a profile URL may have: path-absolute (``/u/ann``, never ``//``), or absolute
#: ``http(s)://`` with a host; a backslash anywhere is refused, since a browser reads it as ``/``
#: in such URLs (``/\evil.com`` is ``//evil.com``, another host)
_SHAPE = re.compile(r"/(?!/)|https?://[^/?#@:]", re.IGNORECASE)


def usable_url(url: object) -> str | None:
    """``url`` when it may be a link's target (the rule of step 3), else None."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL or _ASCII_BAD.search(url):
        return None
    if not url.isascii() and any(
        c.isspace() or category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in url if not c.isascii()
    ):
        return None
    return url if "\\" not in url and _SHAPE.match(url) else None


def _ask(lookup: Lookup, names: list[str], log: logging.Logger) -> dict[str, str] | None:
    """Step 3: the URL of each name the forum knows; None when the lookup failed (logged)."""
    return ask_lookup(lookup, names, usable_url, log, "lookup", "the words stay text")


def link_words(
    doc: Document,
    words: Grammar,
    cls: str,
    lookup: Lookup,
    stage: str,
    log: logging.Logger,
    most: int = MAX_NAMES,
) -> tuple[list[str], dict[str, str]]:
    """Run the pass over ``doc.tree``: ``(candidates looked up, in order; {word: url} of those
    linked)``. Only the first ``most`` distinct candidates are looked up; how many more there
    were goes to ``Result.stats["not_looked_up"][stage]``.

    ``stage`` names the stage in ``Result.stats["lookup_failed"]`` when ``lookup`` fails.
    """
    tree = doc.tree
    _neutralize(tree, words, cls)
    nodes = visible_text(tree)
    names, places = _candidates(nodes, words)
    if not names:
        return names, {}
    if len(names) > most:
        doc.stats[NOT_LOOKED_UP] = {**doc.stats.get(NOT_LOOKED_UP, {}), stage: len(names) - most}
        names = names[:most]
    urls = _ask(lookup, names, log)
    if urls is None:
        doc.stats[LOOKUP_FAILED] = (*doc.stats.get(LOOKUP_FAILED, ()), stage)
        return names, {}
    if urls:
        for at, node in enumerate(nodes):
            splice(node, words.word, partial(_link, urls, places, cls, at))
    return names, urls


def _link(
    urls: dict[str, str], places: set[tuple[int, int]], cls: str, at: int, match: re.Match[str]
) -> HtmlElement | None:
    url = urls.get(match.group(1))
    if url is None or (at, match.start()) not in places:
        return None
    a = Element("a")
    a.set("class", cls)
    a.set("href", url)
    a.text = match.group(0)
    return a
