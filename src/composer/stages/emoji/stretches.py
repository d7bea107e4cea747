"""Where in a text emoji may be: the stretches the counter matches, found at C speed.

Each run of characters outside Latin-1 is found by the Latin-1 encoder (C speed; an error
handler notes each run, one call a run) and makes a stretch that starts one character early:
a Latin-1 character (``©``, a keycap's base) may start a sequence, never continue one
(:mod:`composer.stages.emoji.counter` checks it when it builds its tables). A text with many
such runs (another script, typographic quotes) would cost a call each: after
:data:`RUNS_AT_MOST`, the rest is pre-scanned by chunks, skipping those that fit in cp1252.
"""

from __future__ import annotations

import codecs
import threading
from collections.abc import Iterator

__all__ = ["RUNS_AT_MOST", "ranges_to_scan"]

#: characters per chunk in the cheap pre-scan (see _chunks); measured best of 64..512
_CHUNK = 128
#: runs outside Latin-1 noted one by one before the rest is left to the chunk pre-scan (each
#: costs a call of the error handler, ~0.5 µs: typographic quotes or another script make many)
RUNS_AT_MOST = 24


class _Runs(threading.local):
    """The runs outside Latin-1 the error handler noted, one list per thread."""

    found: list[tuple[int, int]]


_RUNS = _Runs()


def _note_run(error: UnicodeError) -> tuple[str, int]:
    """Encoding error handler: note the run's stretch (from one character before it), skip
    the run; past the limit, stop the encoding."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    found = _RUNS.found
    start, end = error.start, error.end
    found.append((start - 1 if start else 0, end))
    return "", end if len(found) < RUNS_AT_MOST else len(error.object)


_NOTE_RUNS = "composer.emoji.note-runs"
codecs.register_error(_NOTE_RUNS, _note_run)


def ranges_to_scan(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The stretches of ``text`` that may hold emoji, in order, none overlapping: one around
    each run outside Latin-1 the encoder noted (the module docstring says why it starts one
    character early), then those of :func:`_chunks` past the last, when it stopped noting."""
    found: list[tuple[int, int]] = []
    _RUNS.found = found
    text.encode("latin-1", _NOTE_RUNS)
    return found, list(_chunks(text, found[-1][1])) if len(found) >= RUNS_AT_MOST else []


def _chunks(text: str, begin: int) -> Iterator[tuple[int, int]]:
    """The stretches of ``text[begin:]`` that may hold emoji, by chunks of :data:`_CHUNK` characters.

    A chunk that fits in cp1252 (ASCII, Latin-1 letters, typographic quotes, dashes, the euro
    sign) holds none: its only candidates, ``©``, ``®`` and ``™``, count only with U+FE0F,
    which is outside cp1252. Those characters and a keycap's base can start a sequence that
    ends in the next chunk, so a stretch starts one character early (never before ``begin``,
    where the stretch before it ended). ``isascii`` and a single-byte encode run in C, far
    faster than the regular expression per character.
    """
    n = len(text)
    start = None
    for at in range(begin, n, _CHUNK):
        chunk = text[at : at + _CHUNK]
        if chunk.isascii() or len(chunk.encode("cp1252", "ignore")) == len(chunk):
            if start is not None:
                yield max(start - 1, begin), at
                start = None
        elif start is None:
            start = at
    if start is not None:
        yield max(start - 1, begin), n
