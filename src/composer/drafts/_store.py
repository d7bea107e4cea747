"""The :class:`DraftStore` face: checks, limits and the clock, over an interchangeable backend."""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from composer import _checks
from composer.drafts._memory import MemoryDrafts
from composer.drafts._model import Clock, Draft, DraftBackend, check_clock, check_key, check_ttl, utc_now
from composer.drafts._redis import RedisDrafts
from composer.drafts._sqlite import SqliteDrafts
from composer.errors import ConfigError, InputError
from composer.inputs import FORMATS, Format, as_text
from composer.policy import Policy

if TYPE_CHECKING:
    import redis

__all__ = ["DEFAULT_TTL", "DraftStore"]

#: how long a draft is kept after its last save
DEFAULT_TTL = timedelta(days=7)


def _size(body: object) -> int:
    """The UTF-8 size of a draft body (one encoding pass), or :class:`~composer.InputError`."""
    if isinstance(body, str):
        if body.isascii():
            return len(body)
        try:
            return len(body.encode("utf-8"))
        except UnicodeEncodeError as exc:
            raise InputError(
                f"draft body has a lone surrogate at character {exc.start}; it is not text "
                "(decode the editor's bytes as UTF-8)"
            ) from None
    if isinstance(body, (bytes, bytearray)):
        return len(body)
    if isinstance(body, memoryview):
        return body.nbytes
    raise InputError(f"draft body must be str or UTF-8 bytes, got {_checks.got(body)}")


def _url_size(url: str) -> int:
    """The UTF-8 size of one ``display_as_link`` URL, or :class:`~composer.InputError`."""
    try:
        return len(url.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise InputError(
            f"draft display_as_link holds {url!r}, with a lone surrogate at character {exc.start}; "
            "it is not text"
        ) from None


class DraftStore:
    """Keeps one draft per key (``user:42:topic:7``, a guest session id) while its author is away.

    Build one with :meth:`sqlite` (the embedded default), :meth:`redis` (many hosts) or
    :meth:`memory` (tests), or pass any :class:`~composer.drafts.DraftBackend`. Thread-safe;
    ``with DraftStore.sqlite(path) as drafts:`` closes it on leaving the block.

    Settings, shared by every constructor:

    - ``policy``: the :class:`~composer.Policy` of the pipeline that will restore the drafts;
      a draft over its ``max_input_bytes`` (UTF-8 bytes, default 32 MiB) is refused, as the
      pipeline would not read it.
    - ``max_bytes``: a smaller cap in UTF-8 bytes (e.g. to bound Redis memory); it may not
      exceed the policy's. Default: the policy's ``max_input_bytes``.
    - ``ttl``: how long a draft lives after its last save (``timedelta`` or seconds, default
      7 days); expired drafts are never loaded and are purged without a separate job.
    - ``now``: the clock, a callable returning an aware ``datetime`` (default UTC wall time);
      tests inject one to expire drafts without sleeping.

    Raises :class:`~composer.ConfigError` when a setting is wrong.
    """

    def __init__(
        self,
        backend: DraftBackend,
        *,
        policy: Policy | None = None,
        max_bytes: int | None = None,
        ttl: timedelta | float = DEFAULT_TTL,
        now: Clock = utc_now,
    ) -> None:
        if policy is not None and not isinstance(policy, Policy):
            raise ConfigError(f"DraftStore policy must be a Policy, got {_checks.got(policy)}")
        ceiling = (policy or Policy()).max_input_bytes
        if max_bytes is None:
            max_bytes = ceiling
        _checks.count("DraftStore max_bytes", max_bytes, ConfigError, minimum=1)
        if max_bytes > ceiling:
            raise ConfigError(
                f"DraftStore max_bytes ({max_bytes}) is over the policy's max_input_bytes ({ceiling}): "
                "the pipeline could not restore such a draft; lower max_bytes or raise the policy's"
            )
        self.backend = backend
        self.max_bytes: int = max_bytes
        self.ttl: timedelta = check_ttl(ttl)
        self._now = check_clock(now)

    # -- constructors --------------------------------------------------------------------

    @classmethod
    def sqlite(
        cls,
        path: str | os.PathLike[str],
        *,
        policy: Policy | None = None,
        max_bytes: int | None = None,
        ttl: timedelta | float = DEFAULT_TTL,
        now: Clock = utc_now,
        pool_size: int = 4,
    ) -> DraftStore:
        """Drafts in the SQLite file at ``path`` (created when missing; WAL mode), safe to share
        between the processes and threads of one host. At most ``pool_size`` idle connections
        are kept. Raises :class:`~composer.ConfigError` for a path that is not a file on disk
        (``":memory:"`` included: use :meth:`memory`) or cannot be opened as a database."""
        return cls(
            SqliteDrafts(path, pool_size=pool_size), policy=policy, max_bytes=max_bytes, ttl=ttl, now=now
        )

    @classmethod
    def redis(
        cls,
        client_or_url: redis.Redis | str,
        *,
        prefix: str = "composer:draft:",
        policy: Policy | None = None,
        max_bytes: int | None = None,
        ttl: timedelta | float = DEFAULT_TTL,
        now: Clock = utc_now,
    ) -> DraftStore:
        """Drafts in Redis (a ``redis://`` URL or a ``redis.Redis`` client) under ``prefix``;
        Redis expires them. Needs ``pip install 'forum-composer[redis]'`` (else
        :class:`~composer.ConfigError`). :meth:`close` disconnects a client made from a URL."""
        return cls(
            RedisDrafts(client_or_url, prefix=prefix), policy=policy, max_bytes=max_bytes, ttl=ttl, now=now
        )

    @classmethod
    def memory(
        cls,
        *,
        policy: Policy | None = None,
        max_bytes: int | None = None,
        ttl: timedelta | float = DEFAULT_TTL,
        now: Clock = utc_now,
    ) -> DraftStore:
        """Drafts in this process's memory (tests, single-process servers); lost on exit."""
        return cls(MemoryDrafts(), policy=policy, max_bytes=max_bytes, ttl=ttl, now=now)

    # -- drafts --------------------------------------------------------------------------

    def save(
        self,
        key: str,
        body: str | bytes,
        format: Format = "html",
        *,
        display_as_link: Iterable[str] = (),
    ) -> Draft:
        """Keep ``body`` (str, or UTF-8 bytes) as ``key``'s draft, replacing the previous one.

        ``display_as_link``: the URLs the person chose to keep as links ("Display as a link
        instead"), kept with the draft so :meth:`Pipeline.restore <composer.Pipeline.restore>`
        keeps them as links; a later save without them drops them (a draft is replaced whole).

        Returns the :class:`Draft` stored. Raises :class:`~composer.InputError`, storing
        nothing, when the key is not a non-blank printable str of at most 256 characters,
        ``format`` is not ``"html"``, ``"markdown"`` or ``"text"``, ``display_as_link`` is not a
        collection of str, or the body is not text or is, with the choices, over ``max_bytes``
        UTF-8 bytes (a draft is never truncated). The backend's own errors (``sqlite3.Error``
        such as a lock held past the busy timeout, or ``redis.RedisError``) propagate
        unchanged, and the previous draft stays.
        """
        check_key(key)
        _checks.choice("draft format", format, FORMATS, InputError)
        size = _size(body)
        links = _checks.str_set(
            "Draft.display_as_link", display_as_link, InputError, example="https://example.com/"
        )
        extra = sum(_url_size(url) for url in links)
        if size + extra > self.max_bytes:
            what = f"is {size + extra} bytes (body {size}, display_as_link {extra})" if extra else ""
            raise InputError(
                f"draft {what or f'body is {size} bytes'}; the limit is {self.max_bytes} (nothing was stored)"
            )
        draft = Draft(as_text(body, "draft body"), format, self._clock(), links)
        expires = (draft.saved_at + self.ttl).timestamp()
        self.backend.put(key, draft, expires, self.ttl.total_seconds())
        return draft

    def load(self, key: str) -> Draft | None:
        """``key``'s draft, or None when there is none or it expired. Raises
        :class:`~composer.InputError` for a malformed key."""
        return self.backend.get(check_key(key), self._clock().timestamp())

    def clear(self, key: str) -> None:
        """Forget ``key``'s draft (after the post is submitted, or on "Clear editor")."""
        self.backend.delete(check_key(key))

    def _clock(self) -> datetime:
        """The time now, from the store's clock; a clock that turns naive is a ConfigError."""
        at = self._now()
        if not isinstance(at, datetime) or at.utcoffset() is None:
            raise ConfigError(f"DraftStore now() must return an aware datetime, got {_checks.got(at)}")
        return at

    def close(self) -> None:
        """Release the backend's connections; the store reopens them if used again."""
        self.backend.close()

    def __enter__(self) -> DraftStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
