"""One rebake per table at a time: a lock the operating system or the server drops with its holder.

Two rebakes of one table would render the same stale rows twice (no harm to the rows, the
write guard sees to that, but twice the work). The driver takes a lock for the whole run and
a second run of the same table stops at once. Nothing has to clean it up: a driver killed by
SIGKILL loses it with its process.

- PostgreSQL: a session advisory lock keyed by the table's OID (so ``posts``, ``public.posts``
  and ``"posts"`` are one table), held on a connection of its own for the run; the server
  drops it when that connection ends.
- SQLite, on Linux: a write lock on one byte of the database file itself, at an offset named
  by the table, far past the bytes SQLite locks; an open-file-description lock, so it is on
  the file's inode (a hard link, a symbolic link, a relative path: one lock) and no close of
  SQLite's own descriptors drops it; the kernel drops it when the process ends.
- SQLite elsewhere: an exclusive lock, taken by SQLite itself, on a small lock file next to
  the database (``forum.sqlite3-rebake-<12 hex digits>.lock``, one per table, kept between
  runs: deleting it could let two runs lock two different files; a hard link in another
  directory gets its own); the OS drops it when the process ends.
- Other databases, an in-memory or ``file:`` URI SQLite database: no lock.
"""

from __future__ import annotations

import errno
import hashlib
import os
import sqlite3
import string
import struct
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX (Windows): the lock file next to the database
    fcntl = None  # type: ignore[assignment]

from composer.rebake._columns import qualified
from composer.rebake._db import Table, sqlite_file
from composer.rebake._work import RebakeError

__all__ = ["only_run"]

#: the high 32 bits of the advisory lock key: "comp", so the forum's own advisory locks,
#: keyed by small numbers as a rule, are not this one
_PREFIX = 0x636F6D70
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
#: SQLite: where the tables' lock bytes begin in the database file (2**62: no file is that long,
#: and SQLite's own lock bytes are at 2**30)
_TABLES = 1 << 62


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
    with _sqlite_lock(path, spec):
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


def _sqlite_name(spec: Table) -> str:
    """The table as SQLite tells tables apart: it folds the case of ASCII letters in names,
    and of nothing else."""
    return f"{(spec.schema or 'main').translate(_ASCII_LOWER)}\0{spec.bare.translate(_ASCII_LOWER)}"


@contextmanager
def _sqlite_lock(path: str, spec: Table) -> Iterator[None]:
    """The table's lock on the database file itself where the system has open-file-description
    locks (Linux), else on a lock file next to it."""
    if fcntl is not None and hasattr(fcntl, "F_OFD_SETLK"):
        with _file_range(path, spec):
            yield
    else:  # pragma: no cover - not on Linux
        with _lock_file(path, spec):
            yield


#: the descriptor this process locks each database file through, by (device, inode), kept
#: open: closing a descriptor of a file drops every POSIX lock the process holds on it, and
#: SQLite's locks are POSIX locks (a WAL connection's shared lock, which keeps another
#: process's last connection from checkpointing and deleting the WAL under it)
_DESCRIPTORS: dict[tuple[int, int], int] = {}
#: the (device, inode, offset) this process holds: an OFD lock does not exclude another
#: taken through the same descriptor
_HELD: set[tuple[int, int, int]] = set()


def _descriptor(path: str) -> tuple[int, tuple[int, int]]:
    """The open descriptor of the file ``path`` names, opened once per process."""
    try:
        known = os.stat(path)
        key = (known.st_dev, known.st_ino)
        if key in _DESCRIPTORS:
            return _DESCRIPTORS[key], key
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except OSError as exc:
        raise RebakeError(
            f"cannot open the database file {path!r} to lock it: {exc.strerror}; rebake writes to it,"
            " so it must be writable by this user"
        ) from exc
    opened = os.fstat(fd)
    key = (opened.st_dev, opened.st_ino)
    if key in _DESCRIPTORS:  # replaced between the stat and the open: keep it, never close
        return _DESCRIPTORS[key], key
    _DESCRIPTORS[key] = fd
    return fd, key


@contextmanager
def _file_range(path: str, spec: Table) -> Iterator[None]:
    """A write lock on one byte of the database file, far past any byte SQLite locks (those
    are at 1 GiB), at an offset named by the table: whatever path or hard link names the file,
    the lock is on its inode. An open-file-description lock (``F_OFD_SETLK``): closing another
    descriptor of the file (SQLite's) does not drop it, as it would a process's POSIX lock, and
    the kernel drops it when the process ends, SIGKILL included. Its descriptor stays open
    (one per file and process) and the lock is released by unlocking: a close would drop
    SQLite's own locks of every connection this process has to the file."""
    offset = _TABLES + int.from_bytes(hashlib.sha256(_sqlite_name(spec).encode()).digest()[:5], "big")
    fd, key = _descriptor(path)
    held = (*key, offset)
    if held in _HELD:
        raise _busy(spec)
    try:
        fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, offset, 1, 0))
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            raise _busy(spec) from None
        raise RebakeError(f"cannot lock the database file {path!r}: {exc.strerror}") from exc
    _HELD.add(held)
    try:
        yield
    finally:
        _HELD.discard(held)
        fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi", fcntl.F_UNLCK, os.SEEK_SET, offset, 1, 0))


@contextmanager
def _lock_file(path: str, spec: Table) -> Iterator[None]:
    """Where there are no open-file-description locks: SQLite's exclusive lock on a lock file
    next to the database (the file as :func:`os.path.realpath` names it: a hard link in
    another directory has a lock file of its own)."""
    path = os.path.realpath(path)  # one lock for the file, whatever symbolic link or relative path names it
    lock = f"{path}-rebake-{hashlib.sha256(_sqlite_name(spec).encode()).hexdigest()[:12]}.lock"
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
