"""Where resolved embeds are kept, so a URL is fetched once and not once per post or per preview.

Values are JSON objects (what the resolver stores about a URL, or that it failed); every backend
round-trips them through JSON, so all three behave the same: ``get`` returns a fresh copy, and a
value that is not JSON-serializable fails at ``set`` (``TypeError``), not later. The caller picks
the time to live per entry (long for a success, short for a failure); an entry with ``ttl <= 0``
is not stored and an expired one is never returned.

- :class:`MemoryCache`: one process, LRU-bounded; for tests and single-process servers.
- :class:`SqliteCache`: the embedded default; one file shared by every process and thread on a
  host (WAL mode, a connection per thread and per process, a busy timeout).
- :class:`RedisCache`: for many hosts; needs the ``redis`` extra.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from composer.errors import ConfigError

if TYPE_CHECKING:
    import redis

__all__ = ["Cache", "MemoryCache", "RedisCache", "SqliteCache"]


class Cache(Protocol):
    """A key-value store with per-entry expiry; implementations must be thread-safe."""

    def get(self, key: str) -> dict[str, Any] | None: ...

    def set(self, key: str, value: Mapping[str, Any], ttl: float) -> None: ...


def _dump(value: Mapping[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _load(text: str | bytes) -> dict[str, Any] | None:
    value = json.loads(text)
    return value if isinstance(value, dict) else None


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
        return _load(text)

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


class SqliteCache:
    """A cache in one SQLite file, shared safely by the processes and threads of one host.

    Expiry uses wall-clock time (``time.time``), the only clock processes share. Expired rows are
    never returned and are deleted now and then by :meth:`prune`, which ``set`` calls about once
    every ``prune_every`` writes.
    """

    _SCHEMA = (
        "CREATE TABLE IF NOT EXISTS composer_cache ("
        "key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL NOT NULL) WITHOUT ROWID"
    )

    def __init__(
        self, path: str | os.PathLike[str], *, busy_timeout: float = 5.0, prune_every: int = 500
    ) -> None:
        self.path = os.fspath(path)
        self.busy_timeout = busy_timeout
        self.prune_every = prune_every
        self._local = threading.local()
        self._all: list[tuple[int, sqlite3.Connection]] = []
        self._lock = threading.Lock()
        connection = self._connection()  # create the file and table now: a bad path fails here
        connection.execute(self._SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        # one connection per thread, and a new one after fork: SQLite handles must not cross either
        held: tuple[int, sqlite3.Connection] | None = getattr(self._local, "held", None)
        if held is not None and held[0] == os.getpid():
            return held[1]
        connection = sqlite3.connect(
            self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
        )
        connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute(
            "PRAGMA synchronous = NORMAL"
        )  # WAL keeps the file consistent; a cache may lose the tail
        self._local.held = (os.getpid(), connection)
        with self._lock:
            self._all.append(self._local.held)
        return connection

    def get(self, key: str) -> dict[str, Any] | None:
        row = (
            self._connection()
            .execute("SELECT value FROM composer_cache WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return None if row is None else _load(row[0])

    def set(self, key: str, value: Mapping[str, Any], ttl: float) -> None:
        text = _dump(value)
        connection = self._connection()
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
        cursor = self._connection().execute("DELETE FROM composer_cache WHERE expires <= ?", (time.time(),))
        return cursor.rowcount

    def close(self) -> None:
        """Close every connection this object opened in this process."""
        with self._lock:
            held, self._all = self._all, []
        for pid, connection in held:
            if pid == os.getpid():  # a parent's handles are the parent's to close
                connection.close()
        self._local = threading.local()


class RedisCache:
    """A cache in Redis, for forums served from many hosts; expiry is Redis's own (``PX``)."""

    def __init__(self, client_or_url: redis.Redis | str, prefix: str = "composer:embed:") -> None:
        try:
            import redis
        except ImportError:
            raise ConfigError(
                "RedisCache needs the redis client: pip install 'forum-composer[redis]'"
            ) from None
        self.client: redis.Redis = (
            redis.Redis.from_url(client_or_url) if isinstance(client_or_url, str) else client_or_url
        )
        self.prefix = prefix

    def get(self, key: str) -> dict[str, Any] | None:
        raw = self.client.get(self.prefix + key)
        if raw is None:
            return None
        assert isinstance(raw, (bytes, str))
        return _load(raw)

    def set(self, key: str, value: Mapping[str, Any], ttl: float) -> None:
        text = _dump(value)
        if ttl <= 0:
            self.client.delete(self.prefix + key)
            return
        self.client.set(self.prefix + key, text, px=max(1, round(ttl * 1000)))
