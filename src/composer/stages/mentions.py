"""Stages ``mentions`` and ``hashtags``: ``@name`` and ``#tag`` become links, when the forum knows them.

Written with the public stage-writer API alone (:func:`~composer.visible_text`,
:func:`~composer.splice`, ``allows``), as a forum's own stage would be; the pass they share
(markup claiming the class read as text, candidates read as a reader reads them, one lookup,
links) is described in :mod:`composer.stages._words`.

**Mentions.** ``@name`` becomes ``<a class="mention" href="profile_url">@name</a>`` for the
names the forum's ``lookup`` knows; ``doc.mentions`` (``Result.mentions``) gets each mentioned
name once, the first spelling of each distinct profile URL, in order, for the forum's
notifications. The limit (``Policy.max_mentions``, problem ``too_many_mentions``) is the
``limits`` stage's, which counts the ``mention`` links of the finished tree, distinct by
``href``: one place decides it, and since this stage reads any ``mention`` markup a person
wrote as text, what it counts is what this stage made. So the stage runs before ``limits``:
``Pipeline().insert_after("links", Mentions(lookup=...))`` (after ``links``: URLs holding an
``@`` are links by then, and left alone).

**In markdown** both stages declare their ``words`` (the Stage protocol's), so the parse
stage's renderer keeps each word as typed before emphasis reads it: ``@_ann_`` is the name
``_ann_``, not ``@<em>ann</em>`` (:mod:`composer._html.markdown_words`).

**Hashtags.** ``#tag`` becomes ``<a class="hashtag" href="tag_url">#tag</a>`` for the tags
(or categories) the forum's ``lookup`` knows; nothing is counted or listed.

**One call, capped.** The forum's ``lookup`` is called at most once per run, with the
distinct candidates in reading order, at most the stage's ``max_names`` of them (default
1000: a 100 000-character post could hold some 33 000); the others stay text, and
``Result.stats["not_looked_up"]`` maps the stage's name to how many there were.

**A lookup that fails** (raises, or returns something other than a mapping) must not lose the
post: every word stays text, the error is logged with its traceback (logger
``composer.stages.mentions``) and ``Result.stats["lookup_failed"]`` holds the stage's name.
No notice: the person did nothing wrong, and the post renders the same once the lookup works.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from composer import _checks
from composer.allowlist import Allowlist
from composer.document import Document
from composer.errors import ConfigError
from composer.policy import Policy
from composer.stages._words import MAX_NAMES, MAX_URL, NOT_LOOKED_UP, Grammar, Lookup, grammar, link_words

__all__ = [
    "HASHTAG_CLASS",
    "MAX_NAME",
    "MAX_NAMES",
    "MAX_TAG",
    "MAX_URL",
    "MENTION_CLASS",
    "NOT_LOOKED_UP",
    "Hashtags",
    "Lookup",
    "Mentions",
    "hashtag_pattern",
    "mention_pattern",
]

_log = logging.getLogger(__name__)

#: the class on every mention link (the ``limits`` stage counts it)
MENTION_CLASS = "mention"
#: the class on every hashtag link
HASHTAG_CLASS = "hashtag"
#: the longest name, in characters (Discourse's limit)
MAX_NAME = 60
#: the longest tag, in characters
MAX_TAG = 50


#: the joiners some scripts spell words with (Persian ``می‌خواهم`` holds a ZWNJ, Sinhala
#: ``ශ්‍රී`` a ZWJ): inside a name they are part of it, so the name is never cut at one
_JOINERS = "\u200c\u200d"


def _mentions() -> Grammar:
    return grammar("@", MAX_NAME, ".-" + _JOINERS)


def _hashtags() -> Grammar:
    return grammar("#", MAX_TAG, "-" + _JOINERS)


def mention_pattern() -> re.Pattern[str]:
    """The grammar of a mention, ``@`` then a name (group 1), compiled on first use.

    A name is 1 to :data:`MAX_NAME` characters: letters, digits and combining marks of any
    script, ``_``, ``.``, ``-`` and the joiners ZWNJ and ZWJ (U+200C, U+200D: Persian and
    Indic names are spelt with them, and a name is never cut at one); it starts with a letter,
    digit or ``_`` and ends with a letter, digit, mark or ``_`` (``Thanks @ann.`` mentions
    ``ann``). The ``@`` may not follow a letter, digit, mark or any of
    ``_ . + - / @ = ~ & % # $ * ^ | \\ ` `` (an e-mail address, a path, a URL), and the name
    may not be followed by ``@`` or by more name characters (a longer name is not cut to a
    known one: ``@ann@example.com`` is no mention). The stage
    applies the same rules across inline markup: ``x<b>@ann</b>`` and ``@an<b>n2</b>`` read
    as ``x@ann`` and ``@ann2``, so neither mentions ``ann``.
    """
    return _mentions().word


def hashtag_pattern() -> re.Pattern[str]:
    """The grammar of a hashtag, ``#`` then a tag (group 1): as a mention's name (joiners
    included), without ``.`` and at most :data:`MAX_TAG` characters (``#python-3``, ``#日本``; ``C#`` and
    ``&#35;`` as text are no tags)."""
    return _hashtags().word


def _check(stage: str, lookup: object, what: str, max_names: object) -> None:
    if not callable(lookup):
        raise ConfigError(
            f"{stage}.lookup must be a callable {what}, got {type(lookup).__name__} "
            f"{lookup!r:.60}; write {stage}(lookup=find_them)"
        )
    _checks.not_async(lookup, f"{stage}.lookup", ConfigError)
    _checks.count(f"{stage}.max_names", max_names, ConfigError, minimum=1)


#: where a word may start: the sigil, not after a letter or digit, then a letter or digit
_STARTS = {sigil: re.compile(f"(?<!\\w){re.escape(sigil)}\\w") for sigil in "@#"}
#: in markdown a ``_`` before the sigil may be emphasis, which a reader does not see (``_@ann_``)
_STARTS_MARKDOWN = {sigil: re.compile(f"(?<![^\\W_]){re.escape(sigil)}\\w") for sigil in "@#"}


def _may_hold(doc: Document, sigil: str, cls: str, references: tuple[str, ...]) -> bool:
    """The prefilter: C-speed tests on the prepared content, no tree. A word needs the sigil
    before a letter or digit (``issue #42`` passes, ``# Heading`` and ``a@b`` do not); in HTML
    and markdown a character reference may spell the sigil, and in HTML a forged link needs
    the class (class names are case-sensitive)."""
    content = doc.content
    starts = _STARTS_MARKDOWN if doc.format == "markdown" else _STARTS
    if sigil in content and starts[sigil].search(content):
        return True
    if doc.format == "text":
        return False
    return cls in content or any(ref in content for ref in references)


@dataclass(frozen=True)
class Mentions:
    """Link ``@name`` to the profile ``lookup`` gives (see the module docstring for the rules).

    ``lookup``: a callable ``(names: Sequence[str]) -> Mapping[str, str]`` of the forum's own,
    called at most once per run, with every distinct candidate name of the post (none: no
    call), returning ``{name: profile_url}`` for the people it knows. It does the I/O (one
    database query); the stage does none.

    ``max_names``: how many distinct names one call is asked about at most (default
    :data:`MAX_NAMES`, 1000): the first ones in reading order; the others stay text, and
    ``Result.stats["not_looked_up"]["mentions"]`` says how many there were.

    Raises :class:`~composer.ConfigError` when ``lookup`` is not callable or is an
    ``async def`` function, or ``max_names`` is not an int of at least 1.
    """

    lookup: Lookup
    name: str = "mentions"
    max_names: int = MAX_NAMES
    allows: ClassVar[Allowlist] = Allowlist.of(classes={"a": {MENTION_CLASS}})

    def __post_init__(self) -> None:
        _check("Mentions", self.lookup, "names -> {name: profile_url}", self.max_names)

    def bind(self, policy: Policy) -> None:
        """Compile the grammar now, once per process, rather than on the first post."""
        _mentions()

    @property
    def words(self) -> Mapping[str, re.Pattern[str]]:
        """The words this stage reads, for the parse stage to keep as typed in markdown
        (``@_ann_`` is the name ``_ann_``, not ``@`` and emphasis)."""
        return {"@": _mentions().word}

    def settings(self) -> dict[str, object]:
        """What changes the stage's output besides the post: the cap on a lookup call. The
        lookup's answers are the forum's data, like the embed cache's, not part of a fingerprint."""
        return {"max_names": self.max_names}

    def __call__(self, doc: Document) -> None:
        if not _may_hold(doc, "@", MENTION_CLASS, ("&#", "&commat")):
            return
        names, urls = link_words(
            doc, _mentions(), MENTION_CLASS, self.lookup, self.name, _log, self.max_names
        )
        people: dict[str, str] = {}
        for name in names:  # document order: the first spelling of each person
            url = urls.get(name)
            if url is not None:
                people.setdefault(url, name)
        known = set(doc.mentions)  # a set: a post may name thousands
        doc.mentions.extend(n for n in people.values() if n not in known)


@dataclass(frozen=True)
class Hashtags:
    """Link ``#tag`` to the page ``lookup`` gives (see the module docstring for the rules).

    ``lookup``: a callable ``(tags: Sequence[str]) -> Mapping[str, str]``, called at most once
    per run with every distinct candidate tag, returning ``{tag: url}`` for the tags (or
    categories) the forum knows; ``max_names`` caps that call as :class:`Mentions`' does
    (``Result.stats["not_looked_up"]["hashtags"]``). Raises :class:`~composer.ConfigError` when
    ``lookup`` is not callable or ``max_names`` is not an int of at least 1.
    """

    lookup: Lookup
    name: str = "hashtags"
    max_names: int = MAX_NAMES
    allows: ClassVar[Allowlist] = Allowlist.of(classes={"a": {HASHTAG_CLASS}})

    def __post_init__(self) -> None:
        _check("Hashtags", self.lookup, "tags -> {tag: url}", self.max_names)

    def bind(self, policy: Policy) -> None:
        """Compile the grammar now, once per process, rather than on the first post."""
        _hashtags()

    @property
    def words(self) -> Mapping[str, re.Pattern[str]]:
        """The words this stage reads (see :attr:`Mentions.words`)."""
        return {"#": _hashtags().word}

    def settings(self) -> dict[str, object]:
        """The cap on a lookup call (see :meth:`Mentions.settings`)."""
        return {"max_names": self.max_names}

    def __call__(self, doc: Document) -> None:
        if _may_hold(doc, "#", HASHTAG_CLASS, ("&#35", "&#x23", "&#X23", "&num;")):
            link_words(doc, _hashtags(), HASHTAG_CLASS, self.lookup, self.name, _log, self.max_names)
