"""Counting emoji the way a reader sees them, fast on text that has none.

What counts as one emoji (UTS #51 sequences, found by longest match, left to right):

* every sequence the ``emoji`` package lists (its data is the Unicode ``emoji-test.txt``:
  fully-, minimally- and unqualified forms and the components): ZWJ sequences, skin-tone and
  hair variants, keycaps with or without VS16, subdivision flags (tag sequences) - one each;
* a lone character with text presentation by default (``©``, ``®``, ``™``, ``☺``, ``↔``, digits,
  ``#``) does **not** count unless VS16 (U+FE0F) follows it: readers see it as text;
* VS15 (U+FE0E) does not switch an emoji-presentation character (``😀``) off: most platforms
  draw it as an emoji anyway, and it would be a free pass around the limit;
* regional indicators pair left to right as grapheme clusters do: each pair is one (a flag, or
  two boxed letters when the pair names no country), and a lone one is one;
* a **lone skin-tone modifier** (or hair component), i.e. one not attached to a base that takes
  it, counts as one: it is drawn as a colour swatch (``😀🏻`` is two, ``a🏻`` is one);
* a **non-RGI ZWJ join** counts as the RGI pieces it is made of (``👨‍🦰‍🐶`` is two): no platform
  draws it as one glyph, and counting it as one would let a thousand emoji joined by ZWJ pass as
  one. The ZWJ, variation selectors and tag characters left between pieces are invisible.

Speed: text that is ASCII holds no emoji (a keycap needs U+20E3), so :func:`count` returns at
once. Otherwise C-speed checks come first: the UTF-8 bytes must hold an astral character,
U+FE0F, U+20E3, a ZWJ or one of the BMP's emoji-presentation characters. Then the stretches
that may hold emoji are found by encoding the text to Latin-1 (in C), an error handler noting
each run of characters outside it; when a post holds many such runs (another script,
typographic quotes), the rest is pre-scanned by chunks that are ASCII or cp1252. Only those
stretches are matched, one regular expression finding the runs of characters that can belong
to an emoji and a trie the sequences; a short stretch's spans are remembered, since the same
few emoji recur from post to post. The tables are built from the ``emoji`` package's data on
first use (about 15 ms), so a newer ``emoji`` release brings new emoji with no code change
here; no generated module to refresh.

Shortcodes (``:thumbsup:``) follow ``emoji.emojize(text, language="alias")`` exactly (the same
name pattern, the same names, alias before English name), from a precomputed table: the
package's own lookup scans all emoji for each unknown name, which a post could abuse.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from html.entities import html5
from typing import Any

import emoji

from composer.stages.emoji.stretches import ranges_to_scan

_RI_FIRST = "\U0001f1e6"
_RI_LAST = "\U0001f1ff"
_UNQUALIFIED = emoji.STATUS["unqualified"]
_FULLY_QUALIFIED = emoji.STATUS["fully_qualified"]
_KEYCAP_BASES = "0123456789#*"
#: stretches up to this long have their spans remembered (see _stretch_spans)
_REMEMBERED_AT_MOST = 64
_KEYCAP_TAIL = "\ufe0f\u20e3"
#: trie key marking the end of a sequence that counts
_END = ""
#: emoji.core._EMOJI_NAME_PATTERN (emoji 2.x), copied: the characters a shortcode name may hold
NAME_CHARS = (
    "\\w\\-&.’”“()!#*+,/«»\u0300\u0301\u0302\u0303\u0306\u0308\u030a\u0327\u064b\u064e\u064f"
    "\u0650\u0653\u0654\u3099\u30fb\u309a\u0655"
)
SHORTCODE = re.compile(f":[{NAME_CHARS}]+:")

Trie = dict[str, Any]


@dataclass(frozen=True)
class _Tables:
    trie: Trie
    #: a maximal run of non-ASCII characters that can be part of an emoji (a keycap's ASCII
    #: base is taken in by :func:`_runs`)
    runs: re.Pattern[str]
    #: in UTF-8, what every emoji that counts holds one of (besides an astral character or
    #: U+FE0F, found with bytes.find): ZWJ, the keycap mark, an emoji-presentation BMP character
    bmp_trigger: re.Pattern[bytes]
    #: HTML entities (numeric, or a named one that stands for such a character)
    entity: re.Pattern[str]
    #: references after ``&`` that the entity pattern can never match at (``amp;``, ...)
    plain_references: tuple[str, ...]
    shortcodes: dict[str, str]
    #: the length of the longest shortcode, colons included
    longest_shortcode: int


def _ranges(points: list[int], gap: int) -> list[tuple[int, int]]:
    """Sorted code points merged into ranges, bridging gaps of up to ``gap``."""
    merged = [(points[0], points[0])]
    for point in points[1:]:
        if point - merged[-1][1] <= gap:
            merged[-1] = (merged[-1][0], point)
        else:
            merged.append((point, point))
    return merged


def _char_class(points: list[int], gap: int = 1) -> str:
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in _ranges(points, gap)
    )


def _build() -> _Tables:
    trie: Trie = {}
    chars = {chr(c) for c in range(ord(_RI_FIRST), ord(_RI_LAST) + 1)}
    for seq, info in emoji.EMOJI_DATA.items():
        chars.update(seq)
        if _RI_FIRST <= seq[0] <= _RI_LAST:
            continue  # flags: regional indicators pair by rule, see _segment
        node = trie
        for ch in seq:
            node = node.setdefault(ch, {})
        if not (len(seq) == 1 and info["status"] == _UNQUALIFIED):
            node[_END] = True
    wide = {c for c in chars if not c.isascii()}
    # The BMP part as an exact set (re compiles it to a bitmap); the astral part as a few
    # coarse ranges, because a long list of astral ranges is tested one by one per character.
    # Characters of a coarse range that are in no emoji are skipped by _segment.
    bmp = sorted(ord(c) for c in wide if ord(c) <= 0xFFFF)
    astral = sorted(ord(c) for c in wide if ord(c) > 0xFFFF)
    runs = re.compile(f"(?:[{_char_class(bmp)}]|[{_char_class(astral, gap=0x100)}])+")
    _check_latin1_stretches(trie)
    names = sorted(name for name, value in html5.items() if any(c in wide for c in value))
    entity = re.compile("&(?:#|" + "|".join(re.escape(n) for n in names) + ")")
    plain = tuple(
        ref
        for ref in ("amp;", "lt;", "gt;", "quot;", "nbsp;")
        if not any(ref.startswith(name) or name.startswith(ref) for name in names)
    )
    presentation = {
        seq for seq, info in emoji.EMOJI_DATA.items() if len(seq) == 1 and info["status"] <= _FULLY_QUALIFIED
    }
    # all three-byte UTF-8 starting with E2: one alternative per second byte, so the search
    # jumps from one E2 byte to the next (typographic quotes and dashes are E2 too)
    by_second: dict[int, set[int]] = {0x80: {0x8D}, 0x83: {0xA3}}  # ZWJ, keycap mark
    for c in presentation:
        utf8 = c.encode()
        if len(utf8) == 3:
            by_second.setdefault(utf8[1], set()).add(utf8[2])
    if any(len(c.encode()) == 3 and c.encode()[0] != 0xE2 for c in presentation):
        raise RuntimeError("an emoji-presentation BMP character outside U+2000-U+2FFF: update _may_count")
    trigger = re.compile(
        b"\\xe2(?:"
        + b"|".join(
            re.escape(bytes([second])) + b"[" + b"".join(re.escape(bytes([t])) for t in sorted(thirds)) + b"]"
            for second, thirds in sorted(by_second.items())
        )
        + b")"
    )
    shortcodes = _shortcode_table()
    longest = max(map(len, shortcodes))
    return _Tables(trie, runs, trigger, entity, plain, shortcodes, longest)


def _check_latin1_stretches(trie: Trie) -> None:
    """What :func:`.stretches.ranges_to_scan` relies on: a Latin-1 character never counts alone and only
    ever starts a sequence (``©️``, ``#️⃣``), so a stretch that starts one character before a run
    outside Latin-1 and ends with it holds every sequence that touches the run."""
    stack = [(trie, 0)]
    while stack:
        node, depth = stack.pop()
        for ch, child in node.items():
            if ch == _END:
                continue
            if ch <= "\xff" and (depth or _END in child):
                raise RuntimeError(f"{ch!r} counts alone or inside a sequence: update stretches.py")
            stack.append((child, depth + 1))


def _shortcode_table() -> dict[str, str]:
    """Name -> emoji as ``emoji.emojize(language="alias")`` resolves it (first match wins)."""
    english: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for seq, info in emoji.EMOJI_DATA.items():
        if info["status"] > _FULLY_QUALIFIED:
            continue
        english.setdefault(info["en"], seq)
        for alias in info.get("alias", ()):
            aliases.setdefault(alias, seq)
    return {**english, **aliases}


_TABLES: _Tables | None = None
_LOCK = threading.Lock()


def _tables() -> _Tables:
    global _TABLES
    if _TABLES is None:
        with _LOCK:
            if _TABLES is None:
                _TABLES = _build()
    return _TABLES


def _segment(run: str, trie: Trie) -> Iterator[tuple[int, int]]:
    """Spans of the emoji in ``run``: longest match, falling back to the last complete one."""
    i = 0
    n = len(run)
    while i < n:
        ch = run[i]
        if _RI_FIRST <= ch <= _RI_LAST:
            j = i + 2 if i + 1 < n and _RI_FIRST <= run[i + 1] <= _RI_LAST else i + 1
            yield i, j
            i = j
            continue
        node = trie.get(ch)
        if node is None:
            i += 1
            continue
        end = i + 1 if _END in node else 0
        j = i + 1
        while j < n:
            node = node.get(run[j])
            if node is None:
                break
            j += 1
            if _END in node:
                end = j
        if end:
            yield i, end
            i = end
        else:
            i += 1


def _runs(text: str, first: int, last: int, tables: _Tables) -> Iterator[tuple[int, str]]:
    """Each run of characters in ``text[first:last]`` that may belong to an emoji, with its offset.

    A keycap's base (``1``, ``#``) is ASCII, so a run that starts with U+FE0F or U+20E3 takes
    the character before it in: that character can only ever start a keycap.
    """
    for match in tables.runs.finditer(text, first, last):
        start = match.start()
        if start > first and text[start] in _KEYCAP_TAIL and text[start - 1] in _KEYCAP_BASES:
            start -= 1
        yield start, text[start : match.end()]


def _spans_between(text: str, first: int, last: int, tables: _Tables) -> Iterator[tuple[int, int]]:
    for at, run in _runs(text, first, last, tables):
        for i, j in _segment(run, tables.trie):
            yield at + i, at + j


@lru_cache(maxsize=4096)
def _stretch_spans(stretch: str) -> tuple[tuple[int, int], ...]:
    """The spans in a short stretch; remembered: a post's emoji are a few that recur."""
    return tuple(_spans_between(stretch, 0, len(stretch), _tables()))


def _emoji_spans(text: str, tables: _Tables) -> list[tuple[int, int]]:
    """``(start, end)`` of each emoji in non-ASCII ``text``, in order."""
    found: list[tuple[int, int]] = []
    runs, chunks = ranges_to_scan(text)
    for first, last in runs:
        if last - first > _REMEMBERED_AT_MOST:
            found.extend(_spans_between(text, first, last, tables))
        elif spans := _stretch_spans(text[first:last]):
            found.extend([(first + i, first + j) for i, j in spans])
    for first, last in chunks:
        found.extend(_spans_between(text, first, last, tables))
    return found


def _emoji_groups(text: str, tables: _Tables) -> list[tuple[int, int]]:
    """See :func:`groups`; ``text`` is not ASCII."""
    found: list[tuple[int, int]] = []
    runs, chunks = ranges_to_scan(text)
    for first, last in runs:  # a run outside Latin-1, one character before it: one group
        if last - first > _REMEMBERED_AT_MOST:
            if long := list(_spans_between(text, first, last, tables)):
                found.append((long[0][0], len(long)))
        elif spans := _stretch_spans(text[first:last]):
            found.append((first + spans[0][0], len(spans)))
    for first, last in chunks:  # anything between two emoji: each its own group
        found.extend((start, 1) for start, _ in _spans_between(text, first, last, tables))
    return found


def _may_count(text: str, tables: _Tables) -> bool:
    """False when ``text`` holds nothing an emoji that counts is made of (C-speed checks).

    Every sequence that counts holds an astral character, U+FE0F, U+20E3, a ZWJ or one of
    the sixty emoji-presentation characters of the BMP (``⌚``, ``⭐``, ...): typographic text
    (quotes, dashes, accents, other scripts) holds none of them.
    """
    utf8 = text.encode("utf-8", "surrogatepass")
    return b"\xf0" in utf8 or b"\xef\xb8\x8f" in utf8 or tables.bmp_trigger.search(utf8) is not None


def count(text: str) -> int:
    """How many emoji a reader sees in ``text`` (see the module docstring for the rules)."""
    if text.isascii():
        return 0
    tables = _tables()
    if not _may_count(text, tables):
        return 0
    return len(_emoji_spans(text, tables))


def found_any(text: str) -> bool:
    """Whether ``text`` holds at least one emoji."""
    if text.isascii():
        return False
    tables = _tables()
    if not _may_count(text, tables):
        return False
    return bool(_emoji_spans(text, tables))


def may_hold_emoji(text: str) -> bool:
    """Whether ``text`` holds a character that some emoji that counts is made of; False
    means that no text made of the same characters, in any order, holds an emoji."""
    return not text.isascii() and _may_count(text, _tables())


def spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each emoji in ``text``, in order."""
    if text.isascii():
        return []
    tables = _tables()
    if not _may_count(text, tables):
        return []
    return _emoji_spans(text, tables)


def groups(text: str) -> list[tuple[int, int]]:
    """Where the emoji of ``text`` stand, in order: ``(start, count)``, ``count`` emoji from
    ``start`` on with nothing between them but characters outside Latin-1 (so no tag, no
    ASCII space, no URL), the first at ``start``. The counts add up to :func:`count`."""
    if text.isascii():
        return []
    tables = _tables()
    if not _may_count(text, tables):
        return []
    return _emoji_groups(text, tables)


#: ``&`` read past one by one before the rest of a source is left to the entity pattern
_AMPERSANDS_AT_MOST = 8


def has_entity(source: str) -> bool:
    """Whether HTML ``source`` may spell an emoji as an entity (``&#x1F600;``, ``&hearts;``).

    The first few ``&`` are read in place: one that starts ``&amp;``, ``&lt;``, ... (which the
    entity pattern can never match) is passed over without the regular expression.
    """
    at = source.find("&")
    if at < 0:
        return False
    tables = _tables()
    plain = tables.plain_references
    for _ in range(_AMPERSANDS_AT_MOST):
        if not source.startswith(plain, at + 1):
            break
        at = source.find("&", at + 1)
        if at < 0:
            return False
    return tables.entity.search(source, at) is not None


def _name(name: str) -> str | None:
    return _tables().shortcodes.get(name if name.isascii() else unicodedata.normalize("NFKC", name))


def has_shortcode(text: str) -> bool:
    """Whether ``text`` holds a ``:name:`` that is an emoji's name or alias."""
    if ":" not in text or not _may_have_shortcode(text):
        return False
    return any(_name(m.group()) is not None for m in SHORTCODE.finditer(text))


#: a colon and the name characters after it up to the next colon (left for the next match)
_COLON_PAIR = re.compile(f":[{NAME_CHARS}]+(?=:)")


def has_shortcode_in_joined(text: str) -> bool:
    """Whether some pair of consecutive colons in ``text`` encloses an emoji's name or alias:
    True whenever a text joined into ``text`` holds a shortcode, whatever stands before it
    (``:ab`` + ``:smile:`` reads ``:ab:smile:``, where :data:`SHORTCODE` finds ``:ab:`` only)."""
    if ":" not in text:
        return False
    return any(_name(m.group() + ":") is not None for m in _COLON_PAIR.finditer(text))


#: colons read one by one before the pattern decides (CSS in pasted Office markup has hundreds)
_COLONS_AT_MOST = 32


def _may_have_shortcode(text: str) -> bool:
    """False when no two consecutive colons enclose a known name (C-speed ``find``).

    A shortcode's name holds no colon, so what :data:`SHORTCODE` matches lies between two
    consecutive colons; text there longer than any name is one only if it holds some
    character outside ASCII (which NFKC may fold) and no space (which a name never holds).
    True ("perhaps") past :data:`_COLONS_AT_MOST` colons.
    """
    tables = _tables()
    longest = tables.longest_shortcode
    ascii_text = text.isascii()
    at = text.find(":")
    for _ in range(_COLONS_AT_MOST):
        end = text.find(":", at + 1)
        if end < 0:
            return False
        if end - at >= longest:
            if not ascii_text and text.find(" ", at, end) < 0:
                return True  # perhaps: the pattern decides
        elif end > at + 1 and _name(text[at : end + 1]) is not None:
            return True
        at = end
    return True


def emojize(text: str) -> str:
    """``text`` with each known ``:name:`` replaced by its emoji (as ``emoji.emojize(..., "alias")``)."""
    if ":" not in text:
        return text
    return SHORTCODE.sub(lambda m: _name(m.group()) or m.group(), text)
