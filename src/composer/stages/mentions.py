"""Stage ``mentions``: ``@name`` becomes a link to the person's profile, when the forum knows them.

Written with the public stage-writer API alone (:func:`~composer.visible_text`,
:func:`~composer.splice`, ``allows``), as a forum's own stage would be. What it does, in order:

1. **Prefilter.** A post with no ``@`` (nor, in HTML, a character reference that may spell
   one, nor the word ``mention`` that a forged mention needs) is not looked at: no tree.
2. **Markup mentions are read as text.** The class ``mention`` is this stage's: an ``<a
   class="mention">`` in submitted or pasted HTML whose text is ``@name`` is unwrapped to that
   text (and looked up again below, like typed text), and any other element loses the class.
   So every mention a reader sees is one the lookup confirmed, and the forum notifies it.
3. **Candidates.** Every ``@name`` in the text a reader sees (outside ``code``, ``pre``,
   ``kbd``, ``samp``, links and raw text; see :data:`~composer.SKIPPED_TAGS`), by the grammar
   of :data:`MENTION`; an ``@`` glued to a word (``ann@example.com``), a path or a URL is not one.
4. **One lookup.** ``lookup(names)`` gets all the distinct candidate names of the post at once,
   as written, in order of first appearance, and returns ``{name: profile_url}`` for the ones
   that are people (any case folding is the forum's: a name it leaves out stays text). A URL
   must be a str of at most :data:`MAX_URL` characters: relative, or ``http``/``https``,
   without white space or control characters; another value leaves that name as text.
5. **Links.** Each known ``@name`` becomes ``<a class="mention" href="profile_url">@name</a>``
   (the sanitizer adds ``rel`` as for any link); ``doc.mentions`` gets each mentioned name once,
   the first spelling of each distinct profile URL, in order: ``Result.mentions``, for the
   forum's notifications.

The limit (``Policy.max_mentions``, problem ``too_many_mentions``) is the ``limits`` stage's,
which counts the ``mention`` links of the finished tree, distinct by ``href``, so this stage
must run before it: ``Pipeline().insert_after("links", Mentions(lookup=...))``.

**A lookup that fails** (raises, or returns something other than a mapping) must not lose the
post: every ``@name`` stays text, the error is logged (logger ``composer.stages.mentions``,
with its traceback) and ``Result.stats["lookup_failed"]`` lists ``"mentions"``. No notice:
the person did nothing wrong, and the post renders the same once the lookup works again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, partial
from typing import ClassVar, NamedTuple
from unicodedata import category
from urllib.parse import urlsplit

from lxml.html import Element, HtmlElement

from composer._html.urls import has_hidden
from composer.allowlist import Allowlist
from composer.document import LOOKUP_FAILED, Document
from composer.errors import ConfigError
from composer.policy import Policy
from composer.text_nodes import TextNode, splice, visible_text

__all__ = ["MAX_NAME", "MAX_URL", "MENTION_CLASS", "Lookup", "Mentions", "mention_pattern"]

_log = logging.getLogger(__name__)

#: ``names -> {name: profile_url}``: the forum's directory, asked once per post
Lookup = Callable[[Sequence[str]], Mapping[str, str]]
#: the class on every mention link (the ``limits`` stage counts it)
MENTION_CLASS = "mention"
#: the longest name, in characters (Discourse's limit)
MAX_NAME = 60
#: the longest profile URL a lookup may return
MAX_URL = 2048


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


class _Grammar(NamedTuple):
    mention: re.Pattern[str]
    #: a character an ``@`` may not follow (the pattern's look-behind, for a node's edge)
    glued_before: re.Pattern[str]
    #: what may not follow a name (the pattern's look-ahead, for a node's edge)
    glued_after: re.Pattern[str]


@cache
def _grammar() -> _Grammar:
    marks = _marks()
    word = f"[\\w{marks}]"
    inner = f"[\\w{marks}.\\-]"
    before = f"[\\w{marks}.+\\-/@=~&%#$*^|\\\\`]"
    after = f"{word}|@|[.\\-]{word}"
    return _Grammar(
        re.compile(f"(?<!{before})@(\\w(?:{inner}{{0,{MAX_NAME - 2}}}{word})?)(?!{after})"),
        re.compile(before),
        re.compile(after),
    )


def mention_pattern() -> re.Pattern[str]:
    """The grammar of a mention, ``@`` then a name (group 1), compiled on first use.

    A name is 1 to :data:`MAX_NAME` characters: letters, digits and combining marks of any
    script, ``_``, ``.`` and ``-``; it starts with a letter, digit or ``_`` and ends with a
    letter, digit, mark or ``_`` (``Thanks @ann.`` mentions ``ann``). The ``@`` may not follow
    a letter, digit, mark or any of ``_ . + - / @ = ~ & % # $ * ^ | \\ ` `` (an e-mail address,
    a path, a URL), and the name may not be followed by ``@`` or another name character (a
    longer name is not cut to a known one: ``@ann@example.com`` is no mention). The stage
    applies the same two rules across inline markup: ``x<b>@ann</b>`` and ``@an<b>n2</b>``
    read as ``x@ann`` and ``@ann2``, so neither mentions ``ann``.
    """
    return _grammar().mention


#: elements whose text runs on with the text around them (a reader sees one word across them)
_INLINE = frozenset(
    "a abbr b bdi bdo big cite code del dfn em font i ins kbd mark q s samp small span strike "
    "strong sub sup time tt u var".split()
)


def _inline(el: HtmlElement) -> bool:
    return not isinstance(el.tag, str) or el.tag in _INLINE  # a comment is no boundary either


def _content(el: HtmlElement) -> str:
    """The text a reader sees in an inline neighbour (a comment shows none)."""
    return el.text_content() if isinstance(el.tag, str) else ""


def _text_before(node: TextNode) -> str:
    """What a reader sees right before ``node``'s text, within its line ("" at a boundary)."""
    el = node.element
    if node.is_tail:
        return _content(el) if _inline(el) else ""
    if not _inline(el):
        return ""
    prev = el.getprevious()
    if prev is not None:
        return prev.tail or (_content(prev) if _inline(prev) else "")
    parent = el.getparent()
    return (parent.text or "") if parent is not None else ""


def _text_after(node: TextNode) -> str:
    """What a reader sees right after ``node``'s text, within its line ("" at a boundary)."""
    el = node.element
    if node.is_tail:
        nxt = el.getnext()
        if nxt is not None:
            return (_content(nxt) or nxt.tail or "") if _inline(nxt) else ""
        parent = el.getparent()
        return (parent.tail or "") if parent is not None and _inline(parent) else ""
    if len(el):
        first = el[0]
        return (_content(first) or first.tail or "") if _inline(first) else ""
    return (el.tail or "") if _inline(el) else ""


def _matches(node: TextNode, grammar: _Grammar) -> list[re.Match[str]]:
    """The mentions in ``node``'s text, less one at an edge glued to the text beyond it."""
    text = node.text
    found = list(grammar.mention.finditer(text))
    if found and found[0].start() == 0 and grammar.glued_before.match(_text_before(node)[-1:]):
        found.pop(0)
    if found and found[-1].end() == len(text) and grammar.glued_after.match(_text_after(node)[:2]):
        found.pop()
    return found


def _may_mention(doc: Document) -> bool:
    """The prefilter (step 1): C-speed ``in`` tests on the prepared content. Class names are
    case-sensitive, so a forged mention spells ``mention`` as is or with character references."""
    content = doc.content
    if "@" in content:
        return True
    if doc.format != "html":
        return False
    return "mention" in content or "&#" in content or "&commat" in content


def _neutralize(root: HtmlElement, pattern: re.Pattern[str]) -> None:
    """Step 2: markup that claims to be a mention is read as the text it shows."""
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or MENTION_CLASS not in (el.get("class") or "").split():
            continue
        classes = [c for c in (el.get("class") or "").split() if c != MENTION_CLASS]
        if classes:
            el.set("class", " ".join(classes))
        else:
            del el.attrib["class"]
        text = el.text or ""
        if el.tag == "a" and not len(el) and pattern.fullmatch(text.strip()):
            el.drop_tag()


def _usable_url(url: object) -> str | None:
    """``url`` when it may be a profile link (rule of step 4), else None."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL:
        return None
    if has_hidden(url) or any(c.isspace() for c in url):
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("", "http", "https") else None


def _ask(lookup: Lookup, names: list[str]) -> dict[str, str] | None:
    """Step 4: the profile URL of each name the forum knows; None when the lookup failed."""
    try:
        answer = lookup(tuple(names))
        if not isinstance(answer, Mapping):
            raise TypeError(f"the lookup returned {type(answer).__name__}, not a mapping")
        found: dict[str, str] = {}
        for name in names:
            url = answer.get(name)
            if url is None:
                continue
            usable = _usable_url(url)
            if usable is None:
                _log.warning("mention lookup: unusable profile URL for %r: %.80r", name, url)
            else:
                found[name] = usable
        return found
    except Exception:
        _log.warning("mention lookup failed; mentions stay text", exc_info=True)
        return None


@dataclass(frozen=True)
class Mentions:
    """Link ``@name`` to the profile ``lookup`` gives (see the module docstring for the rules).

    ``lookup``: a callable ``(names: Sequence[str]) -> Mapping[str, str]`` of the forum's own,
    called at most once per run, with every distinct candidate name of the post (none: no
    call). It does the I/O (one database query), the stage does none. Raises
    :class:`~composer.ConfigError` when ``lookup`` is not callable.
    """

    lookup: Lookup
    name: str = "mentions"
    allows: ClassVar[Allowlist] = Allowlist.of(classes={"a": {MENTION_CLASS}})

    def __post_init__(self) -> None:
        if not callable(self.lookup):
            raise ConfigError(
                f"Mentions.lookup must be a callable names -> {{name: profile_url}}, got "
                f"{type(self.lookup).__name__} {self.lookup!r:.60}; write Mentions(lookup=find_users)"
            )

    def bind(self, policy: Policy) -> None:
        """Compile the grammar now, once per process, rather than on the first post."""
        mention_pattern()

    def settings(self) -> dict[str, object]:
        """What changes the stage's output besides the post: nothing of its own. The lookup's
        answers are the forum's data, like the embed cache's, not part of a fingerprint."""
        return {}

    def __call__(self, doc: Document) -> None:
        if not _may_mention(doc):
            return
        grammar = _grammar()
        tree = doc.tree
        _neutralize(tree, grammar.mention)
        nodes = visible_text(tree)
        names, places = _candidates(nodes, grammar)
        if not names:
            return
        profiles = _ask(self.lookup, names)
        if profiles is None:
            failed = doc.stats.get(LOOKUP_FAILED, ())
            doc.stats[LOOKUP_FAILED] = (*failed, self.name)
            return
        if not profiles:
            return

        def link(at: int, match: re.Match[str]) -> HtmlElement | None:
            url = profiles.get(match.group(1))
            if url is None or (at, match.start()) not in places:
                return None
            a = Element("a")
            a.set("class", MENTION_CLASS)
            a.set("href", url)
            a.text = match.group(0)
            return a

        for at, node in enumerate(nodes):
            splice(node, grammar.mention, partial(link, at))
        by_url: dict[str, str] = {}
        for name in names:  # document order: the first spelling of each person
            url = profiles.get(name)
            if url is not None:
                by_url.setdefault(url, name)
        doc.mentions.extend(n for n in by_url.values() if n not in doc.mentions)


def _candidates(nodes: list[TextNode], grammar: _Grammar) -> tuple[list[str], set[tuple[int, int]]]:
    """Step 3: the distinct names in ``nodes``, in order of first appearance, and where each
    mention stands: ``(node index, start)`` pairs."""
    names: dict[str, None] = {}
    places: set[tuple[int, int]] = set()
    for i, node in enumerate(nodes):
        if "@" not in node.text:
            continue
        for match in _matches(node, grammar):
            names.setdefault(match.group(1))
            places.add((i, match.start()))
    return list(names), places
