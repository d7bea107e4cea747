"""Words a later stage reads (``@name``, ``#tag``) kept as typed by the markdown renderer.

markdown-it reads ``@_ann_`` as ``@`` then emphasis, and the name ``_ann_`` is gone before
the mention stage sees the text. When a chain's stages declare the words they read (the
Stage protocol's ``words``: a sigil and the pattern of a word at it), the parse stage adds
:func:`words_rule` to its renderer: an inline rule that runs before emphasis and takes a
whole word as text, so no delimiter inside it (``_``, ``*``) opens or closes anything.

Where a word starts is decided by the stage's own pattern, lookbehind included, with one
reading of markdown's: a run of ``*`` or ``~`` right before the sigil may be emphasis or
strikethrough, which a reader does not see, so the character before that run is what the
pattern's lookbehind is shown (``**@_ann_**`` holds the word ``@_ann_``; ``x*@ann`` none).
A ``_`` before the sigil is a word character to the grammar and stays one: ``_@ann_`` is
emphasis around ``@ann``, as before. A sigil spelled as a character reference is the sigil
(``&#64;_ann_`` reads as ``@_ann_``, as the stage reads ``&#64;ann``). Inside link text
nothing is kept (a link's text is no word to link).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable

from markdown_it.rules_inline import StateInline

__all__ = ["STOPS", "is_word_pattern", "sigil_problem", "words_rule"]

#: the characters markdown-it's text rule stops at: only there can an inline rule start, so
#: only these can be sigils (a letter would be swallowed with the text around it)
STOPS = frozenset("!#$%&*+-:<=>@[\\]^_`{}~")
#: delimiters of emphasis and strikethrough looked through before a sigil
_MARKS = "*~"
#: how much text after a sigil is shown to a pattern when the character before it is borrowed
#: (a word longer than this is not kept: never a problem for names of at most 60 characters)
_WINDOW = 256

#: a character reference, as markdown-it's entity rule reads one
_REFERENCE = re.compile(r"&(?:#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});")

Rule = Callable[[StateInline, bool], bool]


def sigil_problem(sigil: object) -> str | None:
    """Why ``sigil`` cannot mark a word, for an error message (None: it can): a sigil is one
    character of :data:`STOPS`."""
    if isinstance(sigil, str) and len(sigil) == 1 and sigil in STOPS:
        return None
    return f"a sigil is one character markdown stops at: {' '.join(sorted(STOPS))}"


def is_word_pattern(pattern: object) -> bool:
    """Whether ``pattern`` can read a word: a compiled ``str`` regex (not bytes, not text)."""
    return isinstance(pattern, re.Pattern) and isinstance(pattern.pattern, str)


def _word_at(pattern: re.Pattern[str], src: str, pos: int, sigil: str, size: int) -> tuple[str, int] | None:
    """The word ``pattern`` reads at ``pos``, where ``src[pos : pos + size]`` spells ``sigil``
    (itself, or a character reference): ``(the word as a reader sees it, its length in
    src)``, or None."""
    start = pos
    while start > 0 and src[start - 1] in _MARKS:
        start -= 1
    if start == pos and size == 1:
        match = pattern.match(src, pos)
    else:  # the pattern sees the character before the delimiters, and the sigil itself
        before = src[start - 1 : start]  # "" at the start of the text
        window = before + sigil + src[pos + size : pos + size + _WINDOW]
        match = pattern.match(window, len(before))
        if match is not None and match.end() == len(window) and pos + size + _WINDOW < len(src):
            return None  # maybe a longer word, cut short by the window
    if match is None or match.end() == match.start():
        return None
    word = match.group(0)
    return None if "\n" in word else (word, len(word) - 1 + size)


def _spelled(src: str, pos: int, table: dict[str, re.Pattern[str]]) -> tuple[str, int] | None:
    """The sigil at ``pos`` and how many characters spell it: itself, or a character
    reference markdown decodes to it (``&#64;_ann_`` is ``@_ann_`` to a reader)."""
    char = src[pos]
    if char in table:
        return char, 1
    if char != "&":
        return None
    reference = _REFERENCE.match(src, pos)
    if reference is None:
        return None
    decoded = html.unescape(reference.group(0))
    return (decoded, reference.end() - pos) if decoded in table else None


def words_rule(words: Iterable[tuple[str, re.Pattern[str]]]) -> Rule:
    """An inline rule keeping each word of ``words`` (sigil, pattern) as typed text."""
    table = dict(words)

    def keep_words(state: StateInline, silent: bool) -> bool:
        if state.linkLevel > 0:
            return False
        spelled = _spelled(state.src, state.pos, table)
        if spelled is None:
            return False
        sigil, size = spelled
        found = _word_at(table[sigil], state.src, state.pos, sigil, size)
        if found is None:
            return False
        word, length = found
        if not silent:
            state.pending += word
        state.pos += length
        return True

    return keep_words
