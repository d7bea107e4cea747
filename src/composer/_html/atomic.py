"""Possessive quantifiers on every supported Python: the scans' guard against catastrophic backtracking.

A possessive quantifier (``X*+``) never gives back what it matched, so a scan of hostile
input cannot try exponentially many ways to split it. Python's ``re`` reads them only from
3.11 (where they are also the fastest form: ``re`` keeps no backtracking state for them);
composer supports 3.10, where ``X*+`` is a "multiple repeat" error. The scans write each one
with :func:`possessive` (a loop) or :func:`run` (a one-character class), which give the
native form where it is read and, before 3.11, a form that matches exactly the same and
never backtracks either:

- a loop, ``(?:X)*+``: an atomic group ``(?=(?P<name>(?:X)*))(?P=name)``. A lookahead is
  atomic in ``re`` (once it matched, nothing backtracks into it) and the back-reference
  consumes exactly what it matched. :func:`compile_atomic` names each group uniquely, so a
  fragment may be used many times in one pattern; its groups are listed by ``findall`` and
  ``groups()``, so a pattern read that way reads its own groups by name or by a number
  before the first such group.
- a run of one character class, ``C*+``: ``C*(?!C)``. The run can end only where no ``C``
  follows, so its one match is the possessive run's; backtracking into it fails at each
  character given back in one step, so it costs at most what matching it did. No group.

tests/test_regex_versions.py checks, on Python 3.11 and later, that the 3.10 forms match
exactly what the possessive ones match, on generated inputs.
"""

from __future__ import annotations

import re
import sys
from itertools import count

__all__ = ["NATIVE", "compile_atomic", "possessive", "run"]

#: whether this Python reads possessive quantifiers (3.11+); tests set it False to build
#: the 3.10 forms on a newer Python and compare them
NATIVE = sys.version_info >= (3, 11)

_OPEN = "(?P<_atomic>"
_BACK = "(?P=_atomic)"
_MARKS = re.compile(rf"({re.escape(_OPEN)}|{re.escape(_BACK)})")


def possessive(pattern: str, quantifier: str = "*", *, final: bool = False) -> str:
    """``(?:pattern)*+`` (``quantifier`` for ``*``): a loop that never gives back.

    Before 3.11, an atomic group (compile the pattern with :func:`compile_atomic`); with
    ``final``, where only what cannot fail follows it to the end of the pattern, the plain
    greedy loop: nothing can backtrack into it, so it needs no group."""
    loop = f"(?:{pattern}){quantifier}"
    if NATIVE:
        return f"{loop}+"
    return loop if final else f"(?={_OPEN}{loop})){_BACK}"


def run(char_class: str, quantifier: str = "*") -> str:
    """``char_class*+`` (``quantifier``: ``*`` or ``+``) for a class matching one character."""
    return f"{char_class}{quantifier}+" if NATIVE else f"{char_class}{quantifier}(?!{char_class})"


def compile_atomic(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, each atomic group of :func:`possessive` in ``pattern``
    named uniquely (``_atomic0``, ``_atomic1``, ... in order) with its back-reference: the
    groups nest, so each back-reference closes the innermost group still open."""
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
