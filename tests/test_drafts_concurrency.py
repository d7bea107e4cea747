"""DraftStore across threads and processes, against a real SQLite file and a real redis-server:
no descriptor left per thread, a store made before a fork, two processes saving at once, a process
killed mid-save."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from composer import Draft, DraftStore
from redis_server import serve_redis


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_redis(tmp_path_factory, "DraftStore.redis is tested against a real server")


SHARED = ["sqlite", pytest.param("redis", marks=pytest.mark.redis)]


# -- threads and processes -------------------------------------------------------------------


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors through /proc")
def test_sqlite_threads_leave_no_descriptors(tmp_path: Path) -> None:
    """Short-lived threads (a server's) borrow pooled connections; none stays open per thread."""
    drafts = DraftStore.sqlite(tmp_path / "d.sqlite3", pool_size=2)
    drafts.save("warm", "x")
    before = _open_files()
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            drafts.save(f"t:{n}", f"draft {n}")
            loaded = drafts.load(f"t:{n}")
            assert loaded is not None and loaded.body == f"draft {n}"
        except BaseException as exc:
            errors.append(exc)

    for batch in range(10):
        threads = [threading.Thread(target=work, args=(batch * 8 + i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors
    # at most pool_size idle connections of 3 files each (database, WAL, shared memory), and a
    # few SQLite keeps open a moment while another connection holds a lock on the file; a
    # connection per thread would be 80 connections here
    assert _open_files() <= before + 2 * 3 + 6
    drafts.close()
    assert _open_files() <= before


def _save_after_fork(drafts: DraftStore) -> None:
    loaded = drafts.load("before")
    assert loaded is not None and loaded.body == "made by the parent"
    drafts.save("after", "made by the child")
    drafts.close()


def test_sqlite_store_made_before_a_fork(tmp_path: Path) -> None:
    """A pre-forking server builds the store once; each child opens its own connections."""
    if sys.platform == "win32":
        pytest.skip("fork is POSIX")
    drafts = DraftStore.sqlite(tmp_path / "forked.sqlite3")
    drafts.save("before", "made by the parent")
    process = multiprocessing.get_context("fork").Process(target=_save_after_fork, args=(drafts,))
    process.start()
    process.join(timeout=60)
    assert process.exitcode == 0
    loaded = drafts.load("after")  # the parent's pooled connection still works
    assert loaded is not None and loaded.body == "made by the child"
    drafts.close()


def _body(worker: int, n: int) -> str:
    """A body that proves itself whole: its own digest at the end (about 64 KiB)."""
    text = f"worker {worker} save {n} " + chr(ord("a") + worker) * 65_536
    return text + ":" + hashlib.sha256(text.encode()).hexdigest()


def _whole(body: str) -> bool:
    text, _, digest = body.rpartition(":")
    return hashlib.sha256(text.encode()).hexdigest() == digest


def _store_for(where: str) -> DraftStore:
    if where.startswith("redis://"):
        return DraftStore.redis(where, prefix="procs:")
    return DraftStore.sqlite(where)


def _save_loop(where: str, worker: int, rounds: int, start: Any, overlaps: Any) -> None:
    """Runs in a separate process: save the shared key and its own, reading the shared one back."""
    with _store_for(where) as drafts:
        drafts.load("shared")  # connected (and on SQLite the table made) before the race starts
        start.wait(timeout=60)
        for n in range(rounds):
            drafts.save("shared", _body(worker, n))
            drafts.save(f"own:{worker}", _body(worker, n), "text")
            got = drafts.load("shared")
            assert got is not None and _whole(got.body), n
            if not got.body.startswith(f"worker {worker} "):
                overlaps[worker] += 1  # the other process wrote in between: they did run at once


def _where(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "redis":
        return str(request.getfixturevalue("redis_url"))
    return str(tmp_path / "shared.sqlite3")


@pytest.mark.parametrize("backend", SHARED)
def test_two_processes_saving_at_once(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    where = _where(backend, tmp_path, request)
    # no store is made first: on SQLite both workers create the file and its table at once
    context = multiprocessing.get_context("spawn")  # fresh interpreters: nothing shared but the store
    start = context.Barrier(2)
    overlaps = context.Array("i", 2)
    workers = [
        context.Process(target=_save_loop, args=(where, worker, 60, start, overlaps)) for worker in (0, 1)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=120)
    assert [process.exitcode for process in workers] == [0, 0]
    assert overlaps[0] + overlaps[1] > 0, "the two processes never saved at the same time"
    with _store_for(where) as drafts:
        shared = drafts.load("shared")
        assert shared is not None and _whole(shared.body)
        assert shared.body in (_body(0, 59), _body(1, 59))  # the last write of one of them
        for worker in (0, 1):
            own = drafts.load(f"own:{worker}")
            assert own is not None and own == Draft(_body(worker, 59), "text", own.saved_at)


def _save_forever(where: str, started: Any) -> None:
    with _store_for(where) as drafts:
        n = 0
        while True:
            drafts.save("killed", _body(n % 2, n))
            n += 1
            if n == 1:
                started.set()


@pytest.mark.parametrize("backend", SHARED)
def test_a_process_killed_mid_save_leaves_a_whole_draft(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    where = _where(backend, tmp_path, request)
    _store_for(where).close()
    if sys.platform == "win32":
        pytest.skip("SIGKILL is POSIX")
    context = multiprocessing.get_context("fork")
    for attempt in range(5):
        started = context.Event()
        process = context.Process(target=_save_forever, args=(where, started))
        process.start()
        assert started.wait(timeout=60), "the saving process never saved"
        time.sleep(0.01 + 0.013 * attempt)  # land the kill at different points of a save
        process.kill()  # SIGKILL: no cleanup, no rollback by the process itself
        process.join(timeout=30)
        with _store_for(where) as drafts:
            loaded = drafts.load("killed")
            assert loaded is not None and _whole(loaded.body), attempt
            drafts.save("killed", "the store still takes saves")
            assert drafts.load("killed") is not None
