"""Drafts in one SQLite file: the embedded default, shared by every process and thread of a host.

Each write is one ``INSERT OR REPLACE`` in autocommit mode, so a draft is replaced whole or
not at all (last write wins), and a process killed mid-save leaves the previous draft. WAL
mode lets readers run beside a writer; ``synchronous = NORMAL`` survives a killed process
(only a power cut may lose the last saves). Expired drafts are never returned, and each save
deletes at most :data:`PURGE_BATCH` of them through an index on ``expires``, so no job is
needed and no save pays for a backlog.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from datetime import datetime, timezone

from composer._sqlite import ConnectionPool
from composer.drafts._model import Draft
from composer.errors import ConfigError, InputError

__all__ = ["PURGE_BATCH", "SqliteDrafts"]

_log = logging.getLogger("composer.drafts")

#: expired drafts one save deletes (about 40 us each): a save adds at most one draft to expire
#: later, so 16 clear any backlog quickly and bound what one save pays for it
PURGE_BATCH = 16

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS composer_drafts ("
    "key TEXT PRIMARY KEY, body TEXT NOT NULL, format TEXT NOT NULL, "
    "saved_at REAL NOT NULL, expires REAL NOT NULL, "
    "display_as_link TEXT NOT NULL DEFAULT '[]') WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS composer_drafts_expires ON composer_drafts (expires)",
)
#: a file made before the display_as_link choices were kept gets their column (a JSON array);
#: its drafts read as having none, and code of that time still reads and writes the file
_ADD_CHOICES = "ALTER TABLE composer_drafts ADD COLUMN display_as_link TEXT NOT NULL DEFAULT '[]'"
_PUT = (
    "INSERT OR REPLACE INTO composer_drafts (key, body, format, saved_at, expires, display_as_link) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_PURGE = (
    "DELETE FROM composer_drafts WHERE key IN "
    f"(SELECT key FROM composer_drafts WHERE expires <= ? ORDER BY expires LIMIT {PURGE_BATCH})"
)
_GET = "SELECT body, format, saved_at, display_as_link FROM composer_drafts WHERE key = ? AND expires > ?"


class SqliteDrafts:
    """Drafts in the SQLite file at ``path`` (created with its table when missing).

    Connections belong to the store, not to threads: each call borrows one from a pool of
    at most ``pool_size`` idle connections and gives it back, so short-lived threads leave
    no open file behind; after a fork the child opens its own. Raises
    :class:`~composer.ConfigError` for a bad ``pool_size``, and ``sqlite3.Error`` when the
    file cannot be opened.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, busy_timeout: float = 5.0, pool_size: int = 4
    ) -> None:
        if not isinstance(pool_size, int) or isinstance(pool_size, bool) or pool_size <= 0:
            raise ConfigError(f"DraftStore.sqlite pool_size must be a positive int, got {pool_size!r}")
        if not isinstance(path, (str, os.PathLike)):
            raise ConfigError(f"DraftStore.sqlite path must be a file path, got {type(path).__name__}")
        self.path = os.fspath(path)
        if not isinstance(self.path, str) or self.path in ("", ":memory:") or self.path.startswith("file:"):
            # each pooled connection would open its own empty in-memory database
            raise ConfigError(
                f"DraftStore.sqlite needs a file on disk, got {self.path!r}; use DraftStore.memory() "
                "for drafts that live in one process"
            )
        self.busy_timeout = busy_timeout
        self.pool_size = pool_size
        self._pool = ConnectionPool(self.path, busy_timeout=busy_timeout, size=pool_size)
        try:
            with self._pool.borrow() as connection:  # a bad path fails here, not at the first save
                for statement in _SCHEMA:
                    connection.execute(statement)
                _add_choices(connection)
        except sqlite3.Error as exc:
            raise ConfigError(f"DraftStore.sqlite cannot open {self.path!r} as a database: {exc}") from exc

    def put(self, key: str, draft: Draft, expires: float, ttl: float) -> None:
        now = draft.saved_at.timestamp()
        with self._pool.borrow() as connection:
            choices = json.dumps(sorted(draft.display_as_link))
            connection.execute(_PUT, (key, draft.body, draft.format, now, expires, choices))
            connection.execute(_PURGE, (now,))

    def get(self, key: str, now: float) -> Draft | None:
        with self._pool.borrow() as connection:
            row = connection.execute(_GET, (key, now)).fetchone()
        if row is None:
            return None
        body, format, saved_at, choices = row
        try:
            return Draft(body, format, datetime.fromtimestamp(saved_at, timezone.utc), json.loads(choices))
        except (InputError, TypeError, ValueError, OverflowError, OSError) as exc:
            _log.warning("composer drafts %s: ignoring an unreadable draft at %r (%s)", self.path, key, exc)
            return None

    def delete(self, key: str) -> None:
        with self._pool.borrow() as connection:
            connection.execute("DELETE FROM composer_drafts WHERE key = ?", (key,))

    def count(self) -> int:
        """Rows in the table, expired ones included (for tests and monitoring)."""
        with self._pool.borrow() as connection:
            return int(connection.execute("SELECT count(*) FROM composer_drafts").fetchone()[0])

    def close(self) -> None:
        """Close the idle connections this process opened; a later call opens new ones."""
        self._pool.close()


def _add_choices(connection: sqlite3.Connection) -> None:
    """Add the ``display_as_link`` column to a table made before it existed (once per file;
    two processes opening the file at once may both try, and one finds it added)."""
    columns = {row[1] for row in connection.execute("PRAGMA table_info(composer_drafts)")}
    if "display_as_link" in columns:
        return
    try:
        connection.execute(_ADD_CHOICES)
    except sqlite3.OperationalError as exc:
        if "duplicate column" not in str(exc):
            raise
