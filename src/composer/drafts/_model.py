"""What a draft is, and the checks every backend relies on (keys, time to live, the clock)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Protocol

from composer import _checks
from composer.errors import ConfigError, InputError
from composer.inputs import FORMATS, Format

__all__ = [
    "MAX_KEY_LENGTH",
    "Clock",
    "Draft",
    "DraftBackend",
    "check_clock",
    "check_key",
    "check_ttl",
    "utc_now",
]

#: characters a draft key may have: a forum's own key (``user:42:topic:7``, a session id) fits
MAX_KEY_LENGTH = 256

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock as an aware UTC datetime (the default ``now``)."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Draft:
    """A reply kept while its author was away: the editor's content, raw, as it was saved.

    ``body`` is the editor's source (never sanitized when stored; :meth:`Pipeline.restore
    <composer.Pipeline.restore>` sanitizes it on the way out); ``format`` is ``"html"``,
    ``"markdown"`` or ``"text"``; ``saved_at`` is an aware datetime in UTC (default: now);
    ``display_as_link`` the URLs the person chose to keep as links ("Display as a link
    instead"), which ``restore`` keeps as links: a list, tuple, set or frozenset of ``str``,
    stored as a ``frozenset``. Raises :class:`~composer.InputError` when a field has the
    wrong type or value.
    """

    body: str
    format: Format = "html"
    saved_at: datetime = field(default_factory=utc_now)
    display_as_link: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not isinstance(self.body, str):
            raise InputError(f"Draft.body must be a str, got {_checks.got(self.body)}")
        _checks.choice("Draft.format", self.format, FORMATS, InputError)
        if not isinstance(self.saved_at, datetime) or self.saved_at.utcoffset() is None:
            raise InputError(
                f"Draft.saved_at must be an aware datetime, got {_checks.got(self.saved_at)}; "
                "write datetime.now(timezone.utc)"
            )
        object.__setattr__(self, "saved_at", self.saved_at.astimezone(timezone.utc))
        links = _checks.str_set(
            "Draft.display_as_link", self.display_as_link, InputError, example="https://example.com/"
        )
        object.__setattr__(self, "display_as_link", links)


class DraftBackend(Protocol):
    """Where a :class:`~composer.DraftStore` keeps drafts; implementations must be thread-safe.

    Times are POSIX seconds from the store's clock. ``put`` replaces the key's draft in one
    atomic step (last write wins) and may purge expired drafts; ``get`` never returns a draft
    whose ``expires`` is at or before ``now``, and returns every field that was put
    (``display_as_link`` included: a backend that drops it embeds a chosen link again).
    """

    def put(self, key: str, draft: Draft, expires: float, ttl: float) -> None: ...

    def get(self, key: str, now: float) -> Draft | None: ...

    def delete(self, key: str) -> None: ...

    def close(self) -> None: ...


def check_key(key: object) -> str:
    """``key`` when it is a usable draft key, else :class:`~composer.InputError` naming it."""
    if not isinstance(key, str):
        raise InputError(
            f"draft key must be a str such as 'user:42:topic:7', got {_checks.got(key)}; "
            "build it from the forum's ids, e.g. f'user:{user_id}:topic:{topic_id}'"
        )
    if not key:
        raise InputError("draft key must not be empty; use e.g. 'user:42:topic:7' or a guest session id")
    if key.isspace():
        raise InputError(
            f"draft key must not be blank (only white space, {key!r}); "
            "use e.g. 'user:42:topic:7' or a guest session id"
        )
    if len(key) > MAX_KEY_LENGTH:
        raise InputError(f"draft key has {len(key)} characters; the limit is {MAX_KEY_LENGTH}")
    if not key.isprintable():
        raise InputError(f"draft key {key!r} has control or invisible characters; keys are printable text")
    return key


def check_ttl(ttl: object) -> timedelta:
    """A positive time to live, as a ``timedelta`` or seconds; else :class:`~composer.ConfigError`."""
    if isinstance(ttl, timedelta):
        seconds = ttl.total_seconds()
    elif isinstance(ttl, (int, float)) and not isinstance(ttl, bool):
        seconds = float(ttl)
    else:
        raise ConfigError(f"DraftStore ttl must be a timedelta or seconds, got {_checks.got(ttl)}")
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(f"DraftStore ttl must be positive, got {ttl!r}; write ttl=timedelta(days=7)")
    if seconds > _MAX_TTL_SECONDS:  # an expiry past year 9999 cannot be stored or compared
        raise ConfigError(
            f"DraftStore ttl must be at most 100 years, got {ttl!r}; write ttl=timedelta(days=7)"
        )
    return timedelta(seconds=seconds)


_MAX_TTL_SECONDS = 100 * 365.25 * 24 * 3600


def check_clock(now: object) -> Clock:
    """A callable returning aware datetimes (tried once now); else :class:`~composer.ConfigError`."""
    if not callable(now):
        raise ConfigError(f"DraftStore now must be a callable returning a datetime, got {_checks.got(now)}")
    sample = now()
    if not isinstance(sample, datetime) or sample.utcoffset() is None:
        raise ConfigError(
            f"DraftStore now() must return an aware datetime, got {_checks.got(sample)}; "
            "write now=lambda: datetime.now(timezone.utc)"
        )
    return now
