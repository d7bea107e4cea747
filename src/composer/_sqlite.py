"""A small pool of SQLite connections, shared by the embed cache and the draft store.

Each operation borrows a connection and gives it back, so threads that come and go (a web
server's, a stage's pool) open nothing that outlives them; at most ``size`` idle connections
stay open. A forked child never uses nor closes its parent's connections: it opens its own.
Every connection runs in WAL mode with autocommit, so readers and one writer never block each
other across processes.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["ConnectionPool"]


class ConnectionPool:
    """Connections to the database file at ``path``: borrowed per operation, pooled when idle.

    ``busy_timeout`` (seconds) is how long a writer waits for a lock; ``size`` how many idle
    connections are kept (2 file descriptors each). ``synchronous=NORMAL``: WAL keeps the
    file consistent on a crash; the last commits may be lost, never half-written.
    """

    def __init__(self, path: str, *, busy_timeout: float, size: int) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self.size = size
        self._idle: list[sqlite3.Connection] = []
        self._pid = os.getpid()
        self._lock = threading.Lock()

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
        except BaseException:
            connection.close()
            raise
        return connection

    @contextmanager
    def borrow(self) -> Iterator[sqlite3.Connection]:
        """A connection for one operation; given back to the pool (or closed) afterwards."""
        connection = None
        with self._lock:
            if self._pid != os.getpid():  # a parent's handles are the parent's: never used nor closed
                self._idle, self._pid = [], os.getpid()
            if self._idle:
                connection = self._idle.pop()
        if connection is None:
            connection = self._open()
        try:
            yield connection
        except BaseException:
            connection.close()  # its state is unknown: not handed to the next caller
            raise
        with self._lock:
            if self._pid == os.getpid() and len(self._idle) < self.size:
                self._idle.append(connection)
                connection = None
        if connection is not None:
            connection.close()

    def close(self) -> None:
        """Close the idle connections this process opened; a later ``borrow`` opens new ones."""
        with self._lock:
            idle, self._idle = self._idle, []
            mine = self._pid == os.getpid()
        if mine:
            for connection in idle:
                connection.close()
