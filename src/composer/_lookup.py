"""Asking a forum's own callback: the one way the library calls code the forum wrote per post.

Quote cards (``Embeds(own_cards=...)``), ``@mentions`` and ``#hashtags`` each hand the forum a
tuple of keys once per post and read back a mapping. What is promised, the same for all three:

- only the keys asked are read (anything else the mapping holds is ignored);
- each value is passed through the caller's ``keep``; a value it refuses is left out, with a
  warning naming the key and what came back (the key stays as the post wrote it);
- a callback that raises, or returns something other than a mapping, gives None, with a
  warning carrying the traceback; the caller notes the failure and the post goes on.

The post is never refused nor lost because of the forum's callback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

__all__ = ["ask"]

K = TypeVar("K")
V = TypeVar("V")


def ask(
    lookup: Callable[[tuple[K, ...]], object],
    keys: Sequence[K],
    keep: Callable[[object], V | None],
    log: logging.Logger,
    what: str,
    otherwise: str,
) -> dict[K, V] | None:
    """``{key: keep(value)}`` for each of ``keys`` the lookup answered with a value ``keep``
    accepts, in the order of ``keys``; None when the lookup failed.

    ``what`` names the lookup in the log (``"own-card lookup"``) and ``otherwise`` says what
    becomes of the post's keys when it fails (``"own links stay links"``).
    """
    try:
        answer = lookup(tuple(keys))
        if not isinstance(answer, Mapping):
            raise TypeError(f"the {what} returned {type(answer).__name__}, not a mapping")
        found: dict[K, V] = {}
        for key in keys:
            value = answer.get(key)
            if value is None:
                continue
            kept = keep(value)
            if kept is None:
                log.warning(
                    "%s: unusable answer for %.200r: %s %.80r; it stays as written",
                    what,
                    key,
                    type(value).__name__,
                    value,
                )
            else:
                found[key] = kept
        return found
    except Exception:
        log.warning("%s failed; %s", what, otherwise, exc_info=True)
        return None
