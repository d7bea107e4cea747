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
emphasis around ``@ann``, as before. Inside link text nothing is kept (a link's text is no
word to link).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from markdown_it.rules_inline import StateInline

__all__ = ["STOPS", "words_rule"]

#: the characters markdown-it's text rule stops at: only there can an inline rule start, so
#: only these can be sigils (a letter would be swallowed with the text around it)
STOPS = frozenset("!#$%&*+-:<=>@[\\]^_`{}~")
#: delimiters of emphasis and strikethrough looked through before a sigil
_MARKS = "*~"
#: how much text after a sigil is shown to a pattern when the character before it is borrowed
#: (a word longer than this is not kept: never a problem for names of at most 60 characters)
_WINDOW = 256

Rule = Callable[[StateInline, bool], bool]


def _word_at(pattern: re.Pattern[str], src: str, pos: int) -> str | None:
    """The word ``pattern`` reads at ``pos`` (a sigil), or None."""
    start = pos
    while start > 0 and src[start - 1] in _MARKS:
        start -= 1
    if start == pos:
        match = pattern.match(src, pos)
    else:  # the pattern sees the character before the delimiters, not them
        before = src[start - 1 : start]  # "" at the start of the text
        window = before + src[pos : pos + _WINDOW]
        match = pattern.match(window, len(before))
        if match is not None and match.end() == len(window) and pos + _WINDOW < len(src):
            return None  # maybe a longer word, cut short by the window
    if match is None or match.end() == match.start():
        return None
    word = match.group(0)
    return None if "\n" in word else word


def words_rule(words: Iterable[tuple[str, re.Pattern[str]]]) -> Rule:
    """An inline rule keeping each word of ``words`` (sigil, pattern) as typed text."""
    table = dict(words)

    def keep_words(state: StateInline, silent: bool) -> bool:
        pattern = table.get(state.src[state.pos])
        if pattern is None or state.linkLevel > 0:
            return False
        word = _word_at(pattern, state.src, state.pos)
        if word is None:
            return False
        if not silent:
            state.pending += word
        state.pos += len(word)
        return True

    return keep_words
