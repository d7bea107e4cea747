"""One rebake per table at a time: a second one of the same table stops at once with a sentence,
one of another table runs, and a first one killed by SIGKILL leaves no lock behind.

Real SQLite files and a real PostgreSQL server; the first rebake is a real ``composer rebake``
process, killed as an operator's ``kill -9`` would.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from composer.cli import main
from composer.rebake import Columns, RebakeError, rebake
from composer.rebake._db import Table, connect
from postgres_server import serve_postgres
from test_rebake import FINGERPRINT, check_all_correct, corpus, create


@contextlib.contextmanager
def first_rebake(url: str, table: str = "posts") -> Iterator[subprocess.Popen[bytes]]:
    """A ``composer rebake`` of ``table`` in its own process group, yielded once it has
    committed its first range (so it holds its lock and has work left), then SIGKILLed."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "composer",
            "rebake",
            url,
            "--table",
            table,
            "--workers",
            "1",
            "--batch-size",
            "5",
        ],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    engine = connect(url)
    t = Table(table, Columns())
    try:
        committed = 0
        deadline = time.monotonic() + 120  # a watchdog, not a timing assertion
        while not committed and child.poll() is None and time.monotonic() < deadline:
            with engine.connect() as conn:
                query = sa.select(sa.func.count()).select_from(t.table).where(t.fingerprint == FINGERPRINT)
                committed = conn.execute(query).scalar_one()
            time.sleep(0.01)
        assert child.poll() is None, "the first rebake ended before the test could overlap it"
        yield child
    finally:
        engine.dispose()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=30)


def _second_is_refused(
    url: str, capsys: pytest.CaptureFixture[str], table: str = "posts", dry_run: bool = True
) -> None:
    with pytest.raises(RebakeError, match=f"^another rebake of {re.escape(repr(table))} is running"):
        rebake(url, table=table, workers=1)
    assert main(["rebake", url, "--table", table, "--workers", "1"]) == 2
    assert capsys.readouterr().err.startswith(f"composer rebake: another rebake of {table!r} is running")
    if dry_run:
        assert rebake(url, table=table, dry_run=True).stale > 0  # a dry run writes nothing: it may


def test_a_second_sqlite_rebake_of_a_table_stops_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = str(tmp_path / "forum.sqlite3")
    create(url, corpus(600, seed=4))
    create(url, corpus(9), name="other")
    with first_rebake(url):
        _second_is_refused(url, capsys)
        _second_is_refused(url, capsys, table="main.POSTS")  # the same table to SQLite
        (tmp_path / "link.sqlite3").symlink_to(url)
        _second_is_refused(str(tmp_path / "link.sqlite3"), capsys)  # the same file by another name
        (tmp_path / "elsewhere").mkdir()
        os.link(url, tmp_path / "elsewhere" / "forum.sqlite3")  # and by a hard link: the same inode
        # refused before it opens the database (SQLite itself would fail there: through another
        # path it keeps another -wal file, so a dry run that way reads "disk I/O error")
        _second_is_refused(str(tmp_path / "elsewhere" / "forum.sqlite3"), capsys, dry_run=False)
        assert rebake(url, table="other", workers=1).rebaked == 9  # another table's lock is its own
    summary = rebake(url, workers=1, batch_size=100)  # killed, the first left no lock behind
    assert summary.rebaked + summary.fresh + len(summary.failed) == 602
    check_all_correct(url)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    yield from serve_postgres()


def _advisory_locks(url: str) -> int:
    engine = connect(url)
    with engine.connect() as conn:
        found = conn.execute(
            sa.text("select count(*) from pg_locks where locktype = 'advisory'")
        ).scalar_one()
    engine.dispose()
    return int(found)


@pytest.mark.postgres
def test_a_second_postgresql_rebake_of_a_table_stops_at_once(
    postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    create(postgres_url, corpus(600, seed=4))
    with first_rebake(postgres_url):
        _second_is_refused(postgres_url, capsys)
        _second_is_refused(postgres_url, capsys, table="public.posts")  # the same table by its OID
    deadline = time.monotonic() + 60  # the server ends the killed client's session: a watchdog
    while _advisory_locks(postgres_url) and time.monotonic() < deadline:
        time.sleep(0.05)
    summary = rebake(postgres_url, workers=1, batch_size=100)
    assert summary.rebaked + summary.fresh + len(summary.failed) == 602
    check_all_correct(postgres_url)
    assert _advisory_locks(postgres_url) == 0  # and a run that ends releases it


@pytest.mark.parametrize("kind", ["_file_range", "_lock_file"])
def test_each_sqlite_lock_excludes_another_of_the_same_table_only(kind: str, tmp_path: Path) -> None:
    """Both ways to lock a SQLite table (the file's byte range on Linux, a lock file elsewhere):
    a second holder of the same table is refused, even in the same process; another table's
    lock is its own; released, it can be taken again."""
    from composer.rebake import _lock

    lock = getattr(_lock, kind)
    url = str(tmp_path / "forum.sqlite3")
    create(url, [("<p>x</p>", "html")])
    posts, same, other = (Table(name, Columns()) for name in ("posts", "MAIN.Posts", "other"))
    with lock(url, posts):
        busy = r"^another rebake of 'MAIN\.Posts' is running"
        with pytest.raises(RebakeError, match=busy), lock(url, same):
            pass
        with lock(url, other):
            pass
    with lock(url, same):
        pass


def _posix_locks_of_this_process(path: str) -> list[str]:
    inode = os.stat(path).st_ino
    with open("/proc/locks") as locks:
        return [
            line
            for line in locks
            if f":{inode} " in line and " POSIX " in line and f" {os.getpid()} " in line
        ]


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="reads the kernel's lock table (Linux)")
def test_the_lock_leaves_sqlites_own_locks_in_this_process_alone(tmp_path: Path) -> None:
    """Closing any descriptor of a file drops every POSIX lock the process holds on it, and
    SQLite's locks are POSIX locks: a WAL connection holds a shared one as long as it is open,
    which tells the last connection of any process not to checkpoint and delete the WAL under
    it. A rebake run in a forum's own process (a management command) must leave the locks of
    that process's connections as they were, its own pool's too."""
    from composer.rebake import _lock

    url = str(tmp_path / "forum.sqlite3")
    create(url, [("<p>x</p>", "html")])
    forum = sa.create_engine(f"sqlite:///{url}")
    with forum.connect() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode=wal")
        conn.exec_driver_sql("SELECT count(*) FROM posts").fetchall()
        held = _posix_locks_of_this_process(url)
        assert held, "a WAL connection holds a shared lock on the database file"
        for _ in range(2):
            with _lock._file_range(url, Table("posts", Columns())):
                pass
            rebake(f"sqlite:///{url}", workers=1, batch_size=100)
            assert _posix_locks_of_this_process(url) == held
    forum.dispose()
