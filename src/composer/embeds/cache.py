"""Where resolved embeds are kept, so a URL is fetched once and not once per post or per preview.

Values are JSON objects (what the resolver stores about a URL, or that it failed); every backend
round-trips them through JSON, so all three behave the same: ``get`` returns a fresh copy, and a
value that is not JSON-serializable fails at ``set`` (``TypeError``), not later. The caller picks
the time to live per entry (long for a success, short for a failure); an entry with ``ttl <= 0``
is not stored and an expired one is never returned.

- :class:`MemoryCache`: one process, LRU-bounded; for tests and single-process servers.
- :class:`SqliteCache`: the embedded default; one file shared by every process and thread on a
  host (WAL mode, a small pool of connections owned by the cache, a busy timeout).
- :class:`RedisCache`: for many hosts; needs the ``redis`` extra.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from composer._sqlite import ConnectionPool
from composer.errors import ConfigError

if TYPE_CHECKING:
    import redis

__all__ = ["Cache", "MemoryCache", "RedisCache", "SqliteCache"]

_log = logging.getLogger("composer.embeds")


class Cache(Protocol):
    """A key-value store with per-entry expiry; implementations must be thread-safe."""

    def get(self, key: str) -> dict[str, Any] | None: ...

    def set(self, key: str, value: Mapping[str, Any], ttl: float) -> None: ...


def _dump(value: Mapping[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _load(text: str | bytes, where: str) -> dict[str, Any] | None:
    """The stored object, or None (a miss, logged) when what is stored is not a JSON object."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        _log.warning("composer embed cache %s: ignoring an entry that is not JSON (%s)", where, exc)
        return None
    if not isinstance(value, dict):
        _log.warning("composer embed cache %s: ignoring an entry that is not an object", where)
        return None
    return value


class MemoryCache:
    """An in-process LRU cache holding at most ``max_entries`` entries."""

    def __init__(self, max_entries: int = 10_000) -> None:
        if max_entries <= 0:
            raise ConfigError("MemoryCache max_entries must be positive")
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            text = entry[1]
        return _load(text, "memory")

    def set(self, key: str, value: Mapping[str, Any], ttl: float) -> None:
        text = _dump(value)
        with self._lock:
            if ttl <= 0:
                self._entries.pop(key, None)
                return
            self._entries[key] = (time.monotonic() + ttl, text)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def close(self) -> None:
        """Nothing to release: entries stay (the cache has no descriptors or threads)."""

    def __enter__(self) -> MemoryCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class SqliteCache:
    """A cache in one SQLite file, shared safely by the processes and threads of one host.

    Connections belong to the cache, not to threads: each operation borrows one from a small
    pool and gives it back, so short-lived threads (a server's, or a thread pool's) leave no
    open file behind. At most ``pool_size`` idle connections are kept (2 descriptors each:
    the database and its WAL); a thread that finds none idle opens one and closes it after
    use if the pool is full. After a fork the child opens its own.

    Expiry uses wall-clock time (``time.time``), the only clock processes share. Expired rows are
    never returned and are deleted now and then by :meth:`prune`, which ``set`` calls about once
    every ``prune_every`` writes. :meth:`close` (or leaving a ``with`` block) closes the idle
    connections; the cache stays usable and opens new ones if used again.
    """

    _SCHEMA = (
        "CREATE TABLE IF NOT EXISTS composer_cache ("
        "key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL NOT NULL) WITHOUT ROWID"
    )

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float = 5.0,
        prune_every: int = 500,
        pool_size: int = 4,
    ) -> None:
        if pool_size <= 0:
            raise ConfigError("SqliteCache pool_size must be positive")
        self.path = os.fspath(path)
        self.busy_timeout = busy_timeout
        self.prune_every = prune_every
        self.pool_size = pool_size
        self._pool = ConnectionPool(self.path, busy_timeout=busy_timeout, size=pool_size)
        with self._pool.borrow() as connection:  # create the file and table now: a bad path fails here
            connection.execute(self._SCHEMA)

    def get(self, key: str) -> dict[str, Any] | None:
        with self._pool.borrow() as connection:
            row = connection.execute(
                "SELECT value FROM composer_cache WHERE key = ? AND expires > ?", (key, time.time())
            ).fetchone()
        return None if row is None else _load(row[0], self.path)

    def set(self, key: str, value: Mapping[str, Any], ttl: float) -> None:
        text = _dump(value)
        with self._pool.borrow() as connection:
            if ttl <= 0:
                connection.execute("DELETE FROM composer_cache WHERE key = ?", (key,))
                return
            connection.execute(
                "INSERT OR REPLACE INTO composer_cache (key, value, expires) VALUES (?, ?, ?)",
                (key, text, time.time() + ttl),
            )
        if self.prune_every and random.randrange(self.prune_every) == 0:
            self.prune()

    def prune(self) -> int:
        """Delete expired rows; returns how many went."""
        with self._pool.borrow() as connection:
            cursor = connection.execute("DELETE FROM composer_cache WHERE expires <= ?", (time.time(),))
            return cursor.rowcount

    def close(self) -> None:
        """Close the idle connections this process opened; a later call opens new ones."""
        self._pool.close()

    def __enter__(self) -> SqliteCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class RedisCache:
    """A cache in Redis, for forums served from many hosts; expiry is Redis's own (``PX``)."""

    def __init__(self, client_or_url: redis.Redis | str, prefix: str = "composer:embed:") -> None:
        try:
            import redis
        except ImportError:
            raise ConfigError(
                "RedisCache needs the redis client: pip install 'forum-composer[redis]'"
            ) from None
        self._owns_client = isinstance(client_or_url, str)
        self.client: redis.Redis = (
            redis.Redis.from_url(client_or_url) if isinstance(client_or_url, str) else client_or_url
        )
        self.prefix = prefix

    def get(self, key: str) -> dict[str, Any] | None:
        raw = self.client.get(self.prefix + key)
        if raw is None:
            return None
        if not isinstance(raw, (bytes, str)):
            return None
        return _load(raw, "redis")

    def set(self, key: str, value: Mapping[str, Any], ttl: float) -> None:
        text = _dump(value)
        if ttl <= 0:
            self.client.delete(self.prefix + key)
            return
        self.client.set(self.prefix + key, text, px=max(1, round(ttl * 1000)))

    def close(self) -> None:
        """Disconnect a client this cache made from a URL (one passed in is the caller's)."""
        if self._owns_client:
            self.client.close()

    def __enter__(self) -> RedisCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
