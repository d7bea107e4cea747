"""Words a later stage reads (``@name``, ``#tag``) kept as typed by the markdown renderer.

markdown-it reads ``@_ann_`` as ``@`` then emphasis, and the name ``_ann_`` is gone before
the mention stage sees the text. When a chain's stages declare the words they read (the
Stage protocol's ``words``: a sigil and the pattern of a word at it), the parse stage adds
:func:`words_rule` to its renderer: an inline rule that runs before emphasis and takes a
whole word as text, so no delimiter inside it (``_``, ``*``) opens or closes anything.

Where a word starts is decided by the stage's own pattern, lookbehind included, shown the
text as a reader sees it, with CommonMark's readings:

- a run of ``*`` or ``~`` right before the sigil that opens emphasis or strikethrough
  (CommonMark's left-flanking rule) closed after the word, or that closes one opened before
  it, is not seen by a reader, so the character before that run is what the pattern's
  lookbehind is shown (``**@_ann_**`` and ``~~x)~~@_ann_`` hold the word ``@_ann_``;
  ``x*@ann`` none, nor an unclosed ``*@_ann_``, whose ``*`` shows);
- a ``_`` before the sigil is a word character to the grammar and stays one (``_@ann_`` is
  emphasis around ``@ann``, as before, and ``x_@_ann_`` holds no word), except before a name
  that starts with ``_``: markdown would read the sigil alone and emphasis after it, so an
  opening ``_`` run closed after the word is looked through like ``*`` (``_@_ann_ x_`` is
  emphasis around ``@_ann_ x``). Whether a run closes is judged by CommonMark's flanking
  rules over :data:`_WINDOW` characters and :data:`_MAX_RUNS` runs around the word (a
  shorter closer, an odd ``~`` run, or a pair the rule of 3 may refuse, counts as none;
  pairs of two delimiter kinds that cross are not modelled);
- a character reference is the character it spells: a sigil so spelled is the sigil
  (``&#64;_ann_`` reads as ``@_ann_``, as the stage reads ``&#64;ann``), and one right before
  the sigil is shown to the lookbehind decoded (``&amp;@_a_`` is ``&@_a_`` to a reader,
  which the stage does not link, so markdown reads it as it would with no word stage).

Inside link text nothing is kept (a link's text is no word to link).
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import NamedTuple

from markdown_it.common.utils import isPunctChar, isWhiteSpace
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

__all__ = ["STOPS", "is_word_pattern", "kept_end", "sigil_problem", "words_rule"]

#: the characters markdown-it's text rule stops at: only there can an inline rule start, so
#: only these can be sigils (a letter would be swallowed with the text around it)
STOPS = frozenset("!#$%&*+-:<=>@[\\]^_`{}~")
#: delimiters of emphasis and strikethrough looked through before a sigil
_MARKS = "*~"
#: the delimiters looked through before a name that starts with "_" (when they can open)
_OPENERS = "*~_"
_KEPT_END = "_composer_kept_end"
#: how many delimiter runs of one kind are read around a word to find its emphasis' other end
_MAX_RUNS = 16
#: what ends a link, an image, a code span or an autolink (then the character shown before a
#: sigil is the construct's last one)
_CONSTRUCT_ENDS = ")]`>"
#: a run of one delimiter, and the runs of each
_RUN = re.compile(r"_+|\*+|~+")
_RUNS = {char: re.compile(re.escape(char) + "+") for char in _OPENERS}
#: the longest character reference markdown-it decodes (``&`` + 32 name characters + ``;``)
_LONGEST_REFERENCE = 34
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


def _word_at(
    pattern: re.Pattern[str], src: str, pos: int, sigil: str, size: int, edge: str | None = None
) -> tuple[str, int] | None:
    """The word ``pattern`` reads at ``pos``, where ``src[pos : pos + size]`` spells ``sigil``
    (itself, or a character reference): ``(the word as a reader sees it, its length in
    src)``, or None. ``edge``: the last character a reader sees of the tokens made before
    (None when text is pending), for what a link or a code span ends with."""
    start = _run_start(src, pos, _MARKS)
    opening = _run_start(src, start, _OPENERS) if src.startswith("_", pos + size) else start
    for at in dict.fromkeys((opening, start)):
        if at == pos or not _flanks_left(_shown_before(src, at, edge), sigil):
            continue
        found = _match(pattern, src, pos, sigil, size, at, edge)  # the delimiters looked through
        openers = [run.group() for run in _RUN.finditer(src, at, pos)]
        if found is not None and _closed(src, pos + found[1], openers):
            return found  # emphasis opened right before the sigil closes after the word
    closers = list(_RUN.finditer(src, start, pos))
    if closers and all(_can(src, run, run.group()[0])[1] and _opened_before(src, run) for run in closers):
        return _match(pattern, src, pos, sigil, size, start, edge)  # it closes emphasis opened before
    return _match(pattern, src, pos, sigil, size, pos, edge)


def _match(
    pattern: re.Pattern[str], src: str, pos: int, sigil: str, size: int, start: int, edge: str | None
) -> tuple[str, int] | None:
    """:func:`_word_at`, the pattern's lookbehind shown the character a reader sees before
    ``start`` (``start`` is ``pos``, or where the delimiters looked through begin)."""
    before = _shown_before(src, start, edge)
    if start == pos and size == 1 and before == src[start - 1 : start]:
        match = pattern.match(src, pos)
    else:
        window = before + sigil + src[pos + size : pos + size + _WINDOW]
        match = pattern.match(window, len(before))
        if match is not None and match.end() == len(window) and pos + size + _WINDOW < len(src):
            return None  # maybe a longer word, cut short by the window
    if match is None or match.end() == match.start():
        return None
    word = match.group(0)
    return None if "\n" in word else (word, len(word) - 1 + size)


def _run_start(src: str, pos: int, chars: str) -> int:
    """Where the run of ``chars`` that ends at ``pos`` starts (``pos`` when there is none)."""
    while pos > 0 and src[pos - 1] in chars:
        pos -= 1
    return pos


def _shown_before(src: str, at: int, edge: str | None = None) -> str:
    """The character a reader sees right before ``src[at]`` ("" at the start of the text):
    a character reference ending there is the character it spells (``&amp;`` is ``&``), and
    the end of a link, an image, a code span or an autolink is ``edge``, the last character
    shown of the tokens before (``[a](u)@_ann_`` reads ``a@_ann_``)."""
    if at == 0:
        return ""
    if edge is not None and src[at - 1] in _CONSTRUCT_ENDS:
        return edge
    if src[at - 1] == ";":
        amp = src.rfind("&", max(0, at - _LONGEST_REFERENCE), at)
        reference = _REFERENCE.match(src, amp) if amp >= 0 else None
        if reference is not None and reference.end() == at:
            return html.unescape(reference.group(0))[-1:]
    return src[at - 1]


def _space(char: str) -> bool:
    return not char or isWhiteSpace(ord(char))  # the text's edges count as white space


def _punct(char: str) -> bool:
    return bool(char) and isPunctChar(char)


def _flanks_left(before: str, after: str) -> bool:
    """CommonMark's left-flanking delimiter run, between the characters ``before`` and
    ``after`` ("" at the text's edges)."""
    return not _space(after) and (not _punct(after) or _space(before) or _punct(before))


def _flanks_right(before: str, after: str) -> bool:
    """CommonMark's right-flanking delimiter run (see :func:`_flanks_left`)."""
    return not _space(before) and (not _punct(before) or _space(after) or _punct(after))


def _closed(src: str, at: int, openers: list[str]) -> bool:
    """Whether each run of ``openers`` (in order, the last nearest the sigil) closes after
    ``at``, innermost first (crossed pairs cancel the inner one in CommonMark)."""
    ends = [_closer_after(src, at, opener) for opener in reversed(openers)]
    return all(end >= 0 for end in ends) and ends == sorted(set(ends))


class _Run(NamedTuple):
    """A delimiter run of the inline source, and whether it can open and close."""

    start: int
    end: int
    opens: bool
    closes: bool


@lru_cache(maxsize=4)
def _runs(src: str, char: str) -> tuple[list[int], list[_Run]]:
    """The runs of ``char`` in ``src`` (an inline run's source), with their starts, found once
    per source: a post with many words reads each run's flanking once."""
    runs = [_Run(m.start(), m.end(), *_can(src, m, char)) for m in _RUNS[char].finditer(src)]
    return [run.start for run in runs], runs


def _opened_before(src: str, closer: re.Match[str]) -> bool:
    """Whether the run ``closer`` closes, whole, a run opened within :data:`_WINDOW`
    characters (and :data:`_MAX_RUNS` runs) before it (:func:`_closer_after`, mirrored)."""
    char, need, at = closer.group()[0], len(closer.group()), closer.start()
    starts, runs = _runs(src, char)
    index = bisect_left(starts, at)
    closed = 0
    for run in reversed(runs[max(0, index - _MAX_RUNS) : index]):
        if run.end < at - _WINDOW:
            break
        if run.opens:
            if closed:
                closed -= 1
                continue
            return _fits(need, run.end - run.start, char)
        if run.closes:
            closed += 1
    return False


def _can(src: str, run: re.Match[str], char: str) -> tuple[bool, bool]:
    """Whether a delimiter ``run`` of ``char`` can open, and whether it can close
    (CommonMark's flanking rules; a ``_`` run inside a word does neither, nor an odd run of
    ``~``, part of which shows)."""
    if char == "~" and (run.end() - run.start()) % 2:
        return False, False  # strikethrough pairs "~~"; an odd "~" shows
    before, after = src[run.start() - 1 : run.start()], src[run.end() : run.end() + 1]
    left, right = _flanks_left(before, after), _flanks_right(before, after)
    if char == "_":
        return left and (not right or _punct(before)), right and (not left or _punct(after))
    return left, right


def _fits(need: int, size: int, char: str) -> bool:
    """Whether a run of ``size`` closes (or opens) one of ``need`` whole: none of it left
    showing (``~~`` pairs one for one), and no rule of 3 against the pair (``*`` and ``_``)."""
    if char == "~":
        return size == need
    return size >= need and ((need + size) % 3 != 0 or need % 3 == size % 3 == 0)


def _closer_after(src: str, at: int, opener: str) -> int:
    """Where a run of ``opener``'s delimiter within :data:`_WINDOW` characters (and
    :data:`_MAX_RUNS` runs) after ``at`` closes it whole, or -1 (CommonMark: a
    right-flanking run closes, a ``_`` one only when not left-flanking or before
    punctuation; a run opened after ``at`` takes the next closer first). A shorter closer,
    or a pair the rule of 3 may refuse, is no: the word is then not kept, and markdown reads
    the text as it would with no word stage."""
    char, need = opener[0], len(opener)
    starts, runs = _runs(src, char)
    index = bisect_left(starts, at)
    opened = 0
    for run in runs[index : index + _MAX_RUNS]:
        if run.start >= at + _WINDOW:
            break
        if run.closes:
            if opened:
                opened -= 1
                continue
            return run.start if _fits(need, run.end - run.start, char) else -1
        if run.opens:
            opened += 1
    return -1


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


def _visible_end(tokens: list[Token]) -> str:
    """The last character a reader sees of ``tokens`` ("" for none, or after a break or an
    image, which a word does not run on from): the delimiter runs at their end (their own
    text tokens, ``*``, ``_``, ``~``) and the open and close tokens are looked through."""
    for token in reversed(tokens):
        if token.type in ("softbreak", "hardbreak", "image"):
            return ""
        if token.type in ("text", "text_special", "code_inline") and token.content:
            if token.type == "text" and not token.content.strip(_OPENERS):
                continue  # a delimiter run's own token
            return token.content[-1]
    return ""


def kept_end(state: StateInline) -> int:
    """Where the last word :func:`words_rule` kept in this inline run ends (-1: none): the
    text before it is no other rule's to take (a ``www.`` link must not split ``@www.x.com``)."""
    end: int = getattr(state, _KEPT_END, -1)
    return end


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
        edge = None if state.pending else _visible_end(state.tokens)
        found = _word_at(table[sigil], state.src, state.pos, sigil, size, edge)
        if found is None:
            return False
        word, length = found
        if not silent:
            state.pending += word
        state.pos += length
        setattr(state, _KEPT_END, state.pos)
        return True

    return keep_words
