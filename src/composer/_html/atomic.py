"""Atomic groups every supported Python reads: the scans' guard against catastrophic backtracking.

A possessive quantifier (``X*+``) or an atomic group (``(?>X)``) never gives back what it
matched, so a scan of hostile input cannot try exponentially many ways to split it. Python's
``re`` reads both only from 3.11; composer supports 3.10, where they are "multiple repeat"
errors. The scans write the same guarantee in two forms that mean the same on every version:

- a loop or alternation that must not give back, ``(?:A|B)*+``: :func:`atomic` of it,
  ``(?=(?P<name>X))(?P=name)``. A lookahead is atomic in ``re`` (once it has matched, nothing
  backtracks into it) and the back-reference consumes exactly what it matched: ``(?>X)``.
  :func:`compile_atomic` names each such group uniquely, so a fragment may be used many times in one
  pattern; its groups are listed by ``findall`` and ``groups()``, so a pattern read that way
  reads its own groups by name.
- a run of one character class, ``C*+`` (``C++``): ``C*(?!C)`` (``C+(?!C)``). The run can end
  only where no ``C`` follows, so its one match is the possessive run's; backtracking into it
  fails at each character given back in one step, so it costs at most what matching it did.
  Where what follows the run can never start with a ``C`` (``[^"]*"``), the guard is implied
  and the run is written plainly.

tests/test_regex_versions.py checks, on Python 3.11 and later, that each rewritten pattern
matches exactly what its possessive original matched.
"""

from __future__ import annotations

import re
from itertools import count

__all__ = ["atomic", "compile_atomic"]

_OPEN = "(?P<_atomic>"
_BACK = "(?P=_atomic)"
_MARKS = re.compile(rf"({re.escape(_OPEN)}|{re.escape(_BACK)})")


def atomic(pattern: str) -> str:
    """``(?>pattern)`` for every Python 3.10+: a group that never gives back what it matched.
    A pattern holding it is compiled by :func:`compile_atomic`."""
    return f"(?={_OPEN}{pattern})){_BACK}"


def compile_atomic(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, each :func:`atomic` group in ``pattern`` named uniquely
    (``_atomic0``, ``_atomic1``, ... in order) with its back-reference: the groups nest, so
    each back-reference closes the innermost group still open."""
    numbers = count()
    open_groups: list[int] = []
    pieces: list[str] = []
    for piece in _MARKS.split(pattern):
        if piece == _OPEN:
            open_groups.append(next(numbers))
            piece = f"(?P<_atomic{open_groups[-1]}>"
        elif piece == _BACK:
            piece = f"(?P=_atomic{open_groups.pop()})"
        pieces.append(piece)
    return re.compile("".join(pieces), flags)
