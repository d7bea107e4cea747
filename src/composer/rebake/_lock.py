"""One rebake per table at a time: a lock the operating system or the server drops with its holder.

Two rebakes of one table would render the same stale rows twice (no harm to the rows, the
write guard sees to that, but twice the work). The driver takes a lock for the whole run and
a second run of the same table stops at once. Nothing has to clean it up: a driver killed by
SIGKILL loses it with its process.

- PostgreSQL: a session advisory lock keyed by the table's OID (so ``posts``, ``public.posts``
  and ``"posts"`` are one table), held on a connection of its own for the run; the server
  drops it when that connection ends.
- SQLite: an exclusive lock, taken by SQLite itself, on a small lock file next to the database
  (``forum.sqlite3-rebake-<12 hex digits>.lock``, one per table, kept between runs: deleting
  it could let two runs lock two different files); the OS drops it when the process ends.
- Other databases, an in-memory or ``file:`` URI SQLite database: no lock.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import string
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from composer.rebake._columns import qualified
from composer.rebake._db import Table, sqlite_file
from composer.rebake._work import RebakeError

__all__ = ["only_run"]

#: the high 32 bits of the advisory lock key: "comp", so the forum's own advisory locks,
#: keyed by small numbers as a rule, are not this one
_PREFIX = 0x636F6D70
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _busy(spec: Table) -> RebakeError:
    return RebakeError(
        f"another rebake of {spec.name!r} is running on this database; let it finish (or stop it),"
        " then run this one: it goes on from where that one stopped"
    )


@contextmanager
def only_run(db: sa.Engine, spec: Table) -> Iterator[None]:
    """Hold the table's rebake lock while the block runs; :class:`RebakeError` at once when
    another process holds it."""
    if db.dialect.name == "postgresql":
        with _advisory(db, spec):
            yield
        return
    path = sqlite_file(str(db.url)) if db.dialect.name == "sqlite" else None
    if path is None:
        yield
        return
    with _lock_file(path, spec):
        yield


@contextmanager
def _advisory(db: sa.Engine, spec: Table) -> Iterator[None]:
    with db.connect() as conn:
        oid = conn.execute(
            sa.select(sa.func.to_regclass(qualified(spec.schema, spec.bare)).cast(sa.BigInteger))
        ).scalar()
        if oid is None:  # no such table: the count says so, in the database's words
            conn.rollback()
            yield
            return
        key = (_PREFIX << 32) | int(oid)
        taken = conn.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar_one()
        conn.commit()  # a session lock outlives the transaction; no transaction stays open
        if not taken:
            raise _busy(spec)
        try:
            yield
        finally:
            conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))
            conn.commit()


@contextmanager
def _lock_file(path: str, spec: Table) -> Iterator[None]:
    # SQLite folds the case of ASCII letters in names, and of nothing else
    name = f"{(spec.schema or 'main').translate(_ASCII_LOWER)}\0{spec.bare.translate(_ASCII_LOWER)}"
    path = os.path.realpath(path)  # one lock for the file, whatever link or relative path names it
    lock = f"{path}-rebake-{hashlib.sha256(name.encode()).hexdigest()[:12]}.lock"
    try:
        holder = sqlite3.connect(lock, timeout=0, isolation_level=None)
    except sqlite3.Error as exc:
        raise RebakeError(f"cannot open the lock file {lock!r} next to the database: {exc}") from exc
    try:
        try:
            holder.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                raise _busy(spec) from None
            raise RebakeError(f"cannot lock the lock file {lock!r} next to the database: {exc}") from exc
        yield
    finally:
        holder.close()
