"""Drafts: one suite for every DraftStore backend (memory, a real SQLite file, a real redis-server),
across threads and processes, with an injected clock for expiry; and Pipeline.restore."""

from __future__ import annotations

import ast
import hashlib
import multiprocessing
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer import (
    ConfigError,
    Draft,
    DraftStore,
    Format,
    InputError,
    Pipeline,
    Policy,
    Submission,
)
from composer.drafts import MAX_KEY_LENGTH
from composer.drafts._sqlite import PURGE_BATCH
from conftest import require_binary
from fixture_files import FIXTURES, read_cases

START = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


class Clock:
    """A clock the test moves by hand: ``now`` for the store, ``advance`` instead of sleeping."""

    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at += delta


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server on its own port and directory, no persistence, stopped after the module."""
    binary = require_binary("redis-server", "DraftStore.redis is tested against a real server")
    pytest.importorskip("redis", reason="the redis client is in the dev extra")
    import redis

    port = _free_port()
    folder = tmp_path_factory.mktemp("redis-drafts")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
         str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    stderr = process.stderr.read() if process.stderr else b""
                    pytest.fail(f"redis-server did not start: {stderr.decode(errors='replace')}")
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


BACKENDS = ["memory", "sqlite", pytest.param("redis", marks=pytest.mark.redis)]
SHARED = ["sqlite", pytest.param("redis", marks=pytest.mark.redis)]

MakeStore = Callable[..., DraftStore]


@pytest.fixture
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeStore]:
    """A factory of stores of one backend that share one place (one file, one Redis prefix)."""
    backend: str = request.param
    made: list[DraftStore] = []
    shared_memory = DraftStore.memory()
    url = request.getfixturevalue("redis_url") if backend == "redis" else ""
    prefix = f"test:{request.node.name}:{time.monotonic_ns()}:"

    def make(**settings: Any) -> DraftStore:
        if backend == "memory":
            store = DraftStore(shared_memory.backend, **settings)
        elif backend == "sqlite":
            store = DraftStore.sqlite(tmp_path / "drafts.sqlite3", **settings)
        else:
            store = DraftStore.redis(url, prefix=prefix, **settings)
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()


# -- the contract every backend keeps ------------------------------------------------------


@pytest.mark.parametrize("make_store", BACKENDS, indirect=True)
def test_round_trip(make_store: MakeStore) -> None:
    clock = Clock()
    with make_store(now=clock) as drafts:
        assert drafts.load("user:42:topic:7") is None
        saved = drafts.save("user:42:topic:7", "Café ☕ **so far**\n", "markdown")
        loaded = drafts.load("user:42:topic:7")
        assert loaded == saved == Draft("Café ☕ **so far**\n", "markdown", START)
        assert loaded is not None and loaded.saved_at.tzinfo is timezone.utc
        assert drafts.load("user:42:topic:8") is None


@pytest.mark.parametrize("make_store", BACKENDS, indirect=True)
def test_last_write_wins_and_clear(make_store: MakeStore) -> None:
    clock = Clock()
    drafts = make_store(now=clock)
    drafts.save("k", "<p>first</p>")
    clock.advance(timedelta(minutes=1))
    drafts.save("k", "second", "text")
    assert drafts.load("k") == Draft("second", "text", START + timedelta(minutes=1))
    drafts.clear("k")
    assert drafts.load("k") is None
    drafts.clear("k")  # clearing nothing is fine


@pytest.mark.parametrize("make_store", BACKENDS, indirect=True)
def test_bytes_are_utf8(make_store: MakeStore) -> None:
    drafts = make_store()
    assert drafts.save("k", "naïve".encode()).body == "naïve"
    with pytest.raises(InputError, match="not valid UTF-8"):
        drafts.save("k", b"\xff")
    assert drafts.load("k") is not None and drafts.load("k").body == "naïve"  # type: ignore[union-attr]


@pytest.mark.parametrize("make_store", BACKENDS, indirect=True)
def test_restart_reads_what_was_saved(make_store: MakeStore) -> None:
    """A new store object on the same place (a restarted server) finds the drafts."""
    first = make_store()
    first.save("guest:abc", "<p>kept</p>")
    first.close()
    second = make_store()
    loaded = second.load("guest:abc")
    assert loaded is not None and loaded.body == "<p>kept</p>"
    first.save("guest:abc", "<p>after close the store reopens</p>")  # close() is not the end
    assert second.load("guest:abc") is not None


# -- limits ----------------------------------------------------------------------------------


@pytest.mark.parametrize("make_store", BACKENDS, indirect=True)
def test_size_limit_refuses_and_keeps_the_previous_draft(make_store: MakeStore) -> None:
    drafts = make_store(policy=Policy(max_input_bytes=10))
    drafts.save("k", "é" * 5)  # 10 bytes: at the limit
    with pytest.raises(InputError, match=r"11 bytes; the limit is 10 \(nothing was stored\)"):
        drafts.save("k", "é" * 5 + "x")
    with pytest.raises(InputError, match="12 bytes"):
        drafts.save("k", "é" * 6)  # 6 characters, 12 bytes: bytes are what counts
    loaded = drafts.load("k")
    assert loaded is not None and loaded.body == "é" * 5  # nothing stored, nothing truncated


def test_size_limit_defaults_and_max_bytes() -> None:
    assert DraftStore.memory().max_bytes == Policy().max_input_bytes
    assert DraftStore.memory(policy=Policy(max_input_bytes=1000), max_bytes=100).max_bytes == 100
    store = DraftStore.memory(max_bytes=4)
    with pytest.raises(InputError, match="5 bytes; the limit is 4"):
        store.save("k", "12345")
    with pytest.raises(ConfigError, match="over the policy's max_input_bytes"):
        DraftStore.memory(policy=Policy(max_input_bytes=10), max_bytes=11)
    for bad in (0, -1, 1.5, "10", True):
        with pytest.raises(ConfigError, match="max_bytes"):
            DraftStore.memory(max_bytes=bad)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="policy must be a Policy"):
        DraftStore.memory(policy={"max_input_bytes": 10})  # type: ignore[arg-type]


BAD_KEYS: list[tuple[object, str]] = [
    ("", "must not be empty"),
    ("x" * (MAX_KEY_LENGTH + 1), f"{MAX_KEY_LENGTH + 1} characters; the limit is {MAX_KEY_LENGTH}"),
    (42, "draft key must be a str"),
    (None, "draft key must be a str"),
    (b"user:1", "draft key must be a str"),
    ("user:1\n", "control or invisible"),
    ("user:1\x00", "control or invisible"),
    ("user:\u200b1", "control or invisible"),
]


@pytest.mark.parametrize("make_store", BACKENDS, indirect=True)
@pytest.mark.parametrize(("key", "message"), BAD_KEYS, ids=lambda x: repr(x)[:20])
def test_bad_keys_are_named(make_store: MakeStore, key: object, message: str) -> None:
    drafts = make_store()
    bad: Any = key
    calls: list[Callable[[], object]] = [
        lambda: drafts.save(bad, "x"),
        lambda: drafts.load(bad),
        lambda: drafts.clear(bad),
    ]
    for call in calls:
        with pytest.raises(InputError, match=re.escape(message)):
            call()
    drafts.save("x" * MAX_KEY_LENGTH, "longest key")
    assert drafts.load("x" * MAX_KEY_LENGTH) is not None


def test_bad_bodies_and_formats() -> None:
    drafts = DraftStore.memory()
    with pytest.raises(InputError, match="draft format must be 'html' or 'markdown' or 'text'"):
        drafts.save("k", "x", "md")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="draft body must be str or UTF-8 bytes"):
        drafts.save("k", None)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="lone surrogate at character 1"):
        drafts.save("k", "a\ud800b")
    assert drafts.load("k") is None


def test_draft_checks_its_fields() -> None:
    with pytest.raises(InputError, match=r"Draft\.body"):
        Draft(b"x")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"Draft\.format"):
        Draft("x", "rtf")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="aware datetime"):
        Draft("x", "html", datetime(2026, 1, 1))
    berlin = timezone(timedelta(hours=1))
    assert Draft("x", "html", datetime(2026, 1, 1, 1, tzinfo=berlin)).saved_at == datetime(
        2026, 1, 1, tzinfo=timezone.utc
    )
    assert Draft("x").saved_at.tzinfo is timezone.utc


def test_settings_are_checked() -> None:
    for ttl in (0, -5, timedelta(0), float("nan"), "7d", None):
        with pytest.raises(ConfigError, match="ttl"):
            DraftStore.memory(ttl=ttl)  # type: ignore[arg-type]
    assert DraftStore.memory().ttl == timedelta(days=7)
    assert DraftStore.memory(ttl=90).ttl == timedelta(seconds=90)
    with pytest.raises(ConfigError, match="aware datetime"):
        DraftStore.memory(now=datetime.now)  # naive
    with pytest.raises(ConfigError, match="callable"):
        DraftStore.memory(now=START)  # type: ignore[arg-type]


# -- expiry, with a clock the test moves -----------------------------------------------------


@pytest.mark.parametrize("make_store", BACKENDS, indirect=True)
def test_expiry_follows_the_clock(make_store: MakeStore) -> None:
    clock = Clock()
    drafts = make_store(now=clock, ttl=timedelta(hours=1))
    drafts.save("k", "x")
    clock.advance(timedelta(minutes=59, seconds=59))
    assert drafts.load("k") is not None
    drafts.save("k", "saved again: the hour starts over")
    clock.advance(timedelta(minutes=59))
    assert drafts.load("k") is not None
    clock.advance(timedelta(minutes=1))
    assert drafts.load("k") is None


def test_sqlite_purges_expired_drafts_on_write(tmp_path: Path) -> None:
    clock = Clock()
    drafts = DraftStore.sqlite(tmp_path / "d.sqlite3", now=clock, ttl=timedelta(days=7))
    for n in range(100):
        drafts.save(f"old:{n}", "x" * 100)
    clock.advance(timedelta(days=7))
    backend: Any = drafts.backend
    assert backend.count() == 100  # expired, not yet purged: never loaded though
    assert drafts.load("old:0") is None
    drafts.save("new:0", "fresh")  # one write purges a bounded batch
    assert backend.count() == 100 - PURGE_BATCH + 1
    for n in range(1, 100 // PURGE_BATCH + 1):
        drafts.save(f"new:{n}", "fresh")
    assert backend.count() == 100 // PURGE_BATCH + 1  # the new ones only
    drafts.close()


def test_memory_purges_expired_drafts_on_write() -> None:
    clock = Clock()
    drafts = DraftStore.memory(now=clock, ttl=60)
    drafts.save("a", "x")
    drafts.save("b", "x")
    clock.advance(timedelta(seconds=30))
    drafts.save("a", "again")  # a moves to the back: b is now the oldest
    clock.advance(timedelta(seconds=30))
    drafts.save("c", "x")
    assert len(drafts.backend) == 2  # type: ignore[arg-type]
    assert drafts.load("b") is None and drafts.load("a") is not None


@pytest.mark.redis
def test_redis_expires_keys_itself(redis_url: str) -> None:
    import redis

    with DraftStore.redis(redis_url, prefix="ttl-test:", ttl=timedelta(days=7)) as drafts:
        drafts.save("k", "x")
        client = redis.Redis.from_url(redis_url)
        ttl_ms = client.pttl("ttl-test:k")
        client.close()
        assert 7 * 86_400_000 - 60_000 < ttl_ms <= 7 * 86_400_000


@pytest.mark.redis
def test_redis_accepts_a_client_and_ignores_garbage(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    drafts = DraftStore.redis(client, prefix="garbage:")
    for junk in (b"not json", b"[]", b'{"body": 1}', b"\xff"):
        client.set("garbage:k", junk)
        assert drafts.load("k") is None
    drafts.close()
    assert client.ping()  # a client passed in stays the caller's
    client.close()


def test_sqlite_ignores_an_unreadable_row(tmp_path: Path) -> None:
    import sqlite3

    drafts = DraftStore.sqlite(tmp_path / "d.sqlite3")
    drafts.save("k", "x")
    with sqlite3.connect(tmp_path / "d.sqlite3") as raw:
        raw.execute("UPDATE composer_drafts SET format = 'rtf'")
    raw.close()
    assert drafts.load("k") is None
    drafts.save("k", "y")
    assert drafts.load("k") is not None
    drafts.close()


def test_redis_missing_client_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(ConfigError, match=r"pip install 'forum-composer\[redis\]'"):
        DraftStore.redis("redis://127.0.0.1:1/0")


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


# -- the property: what goes in comes out --------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.text(), fmt=st.sampled_from(["html", "markdown", "text"]), key=st.text(min_size=1, max_size=40)
)
def test_any_text_round_trips(tmp_path: Path, body: str, fmt: Format, key: str) -> None:
    if not key.isprintable():
        key = key.encode("unicode_escape").decode("ascii") or "k"
    with DraftStore.sqlite(tmp_path / "prop.sqlite3") as drafts:
        drafts.save(key, body, fmt)
        loaded = drafts.load(key)
    assert loaded is not None and (loaded.body, loaded.format) == (body, fmt)


# -- Pipeline.restore ------------------------------------------------------------------------

PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))


@pytest.mark.parametrize(
    ("title", "source", "expected"), read_cases(FIXTURES / "drafts-restore.txt"), ids=lambda x: x[:40]
)
def test_restore_sanitizes_every_format(title: str, source: str, expected: str) -> None:
    fmt: Any = title.split(":", 1)[0]
    result = PIPE.restore(Draft(source, fmt))
    assert result.html.strip() == expected.strip()
    assert result.notices[0].code == "content_restored"


def test_restore_carries_the_notice_and_its_action() -> None:
    result = PIPE.restore(Draft("<p>Half a reply</p>"))
    assert result.ok and result.html == "<p>Half a reply</p>"
    notice = result.notices[0]
    assert notice.code == "content_restored"
    assert notice.message == "Your previous content has been restored."
    assert notice.action is not None
    assert (notice.action.code, notice.action.label, notice.action.target) == (
        "clear_editor",
        "Clear editor",
        None,
    )
    assert result.to_dict()["notices"][0]["action"]["code"] == "clear_editor"


def test_restore_is_translatable() -> None:
    pipe = Pipeline(
        policy=Policy(
            messages={
                "content_restored": "Dein vorheriger Inhalt wurde wiederhergestellt.",
                "clear_editor": "Editor leeren",
            }
        )
    )
    notice = pipe.restore(Draft("x", "text")).notices[0]
    assert notice.message == "Dein vorheriger Inhalt wurde wiederhergestellt."
    assert notice.action is not None and notice.action.label == "Editor leeren"


def test_restore_keeps_the_other_notices_and_problems() -> None:
    result = PIPE.restore(Draft("😀" * 80, "text"))
    assert [n.code for n in result.notices] == ["content_restored"]
    assert [p.code for p in result.problems] == ["emoji_limit"]


def test_restore_of_a_refused_draft_claims_nothing() -> None:
    """Too large or too deep: nothing was restored, so no content_restored notice."""
    small = Pipeline(policy=Policy(max_input_bytes=10))
    result = small.restore(Draft("x" * 11, "text"))
    assert [p.code for p in result.problems] == ["too_large"] and not result.notices
    deep = PIPE.restore(Draft("<div>" * 200 + "x"))
    assert [p.code for p in deep.problems] == ["too_deep"] and not deep.notices and deep.html == ""


def test_restore_takes_a_draft() -> None:
    with pytest.raises(InputError, match="restore\\(\\) takes a Draft, not Submission"):
        PIPE.restore(Submission("x"))  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(body=st.text(max_size=300), fmt=st.sampled_from(["html", "markdown", "text"]))
def test_restore_is_run_plus_the_notice(body: str, fmt: Format) -> None:
    """The restored HTML is exactly what run() makes of the same post: always sanitized."""
    restored = PIPE.restore(Draft(body, fmt))
    ran = PIPE.run(Submission(body, fmt))
    assert restored.html == ran.html
    assert restored.problems == ran.problems
    assert restored.notices[1:] == ran.notices
    assert restored.notices[0].code == "content_restored"


def test_the_docs_example_shows_true_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/drafts.md: the example runs, and each ``expr  # 'value'`` comment is what expr gives."""
    doc = (FIXTURES.parent.parent / "docs" / "drafts.md").read_text(encoding="utf-8")
    found = re.search(r"^```python\n(.*?)^```", doc, flags=re.MULTILINE | re.DOTALL)
    assert found is not None
    monkeypatch.chdir(tmp_path)  # the example's drafts.sqlite3 lands here
    scope: dict[str, object] = {}
    checked = 0
    for line in found.group(1).splitlines():
        code, _, comment = line.partition("  # ")
        if comment.strip().startswith("'"):
            assert eval(code.strip(), scope) == ast.literal_eval(comment.strip()), line
            checked += 1
        else:
            exec(line, scope)
    assert checked == 3


def test_make_demo_shows_a_restored_draft() -> None:
    demo = FIXTURES.parent.parent / "examples" / "demo.py"
    done = subprocess.run([sys.executable, str(demo)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    restored = done.stdout.split("== draft restored", 1)[1]
    assert "content_restored: Your previous content has been restored.   [Clear editor]" in restored
    assert "<script" not in restored
