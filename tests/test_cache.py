"""One suite for every Cache: MemoryCache, SqliteCache (also across processes) and RedisCache against a
real redis-server."""

from __future__ import annotations

import multiprocessing
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from composer.embeds.cache import Cache, MemoryCache, RedisCache, SqliteCache
from composer.errors import ConfigError
from redis_server import serve_redis

EMBED = {
    "type": "video",
    "title": "Café ☕ — “quotes”",
    "html": '<iframe src="https://www.youtube-nocookie.com/embed/x"></iframe>',
    "width": 480,
    "thumbnail": None,
    "tags": ["a", "b"],
    "nested": {"ok": True, "ratio": 0.5625},
}
FAILURE = {"failed": "timeout"}


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server: no persistence, its own port and directory, stopped after the session."""
    yield from serve_redis(tmp_path_factory, "RedisCache is tested against a real server")


BACKENDS = ["memory", "sqlite", pytest.param("redis", marks=pytest.mark.redis)]


@pytest.fixture
def make_cache(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Cache]]:
    """A factory for caches of one backend that share one store (same file, same Redis prefix)."""
    made: list[Any] = []
    backend: str = request.param
    if backend == "memory":
        shared = MemoryCache()

        def make() -> Cache:
            return shared
    elif backend == "sqlite":

        def make() -> Cache:
            made.append(SqliteCache(tmp_path / "embeds.sqlite3"))
            return made[-1]  # type: ignore[no-any-return]
    else:
        url = request.getfixturevalue("redis_url")
        prefix = f"test:{request.node.name}:{time.monotonic_ns()}:"

        def make() -> Cache:
            made.append(RedisCache(url, prefix=prefix))
            return made[-1]  # type: ignore[no-any-return]

    yield make
    for cache in made:
        if isinstance(cache, SqliteCache):
            cache.close()
        elif isinstance(cache, RedisCache):
            cache.client.close()


@pytest.fixture
def cache(make_cache: Callable[[], Cache]) -> Cache:
    return make_cache()


parametrized = pytest.mark.parametrize("make_cache", BACKENDS, indirect=True)


@parametrized
def test_missing_key(cache: Cache) -> None:
    assert cache.get("https://example.com/nothing") is None


@parametrized
def test_round_trip(cache: Cache) -> None:
    cache.set("https://youtu.be/x", EMBED, ttl=60)
    assert cache.get("https://youtu.be/x") == EMBED
    assert cache.get("https://youtu.be/y") is None


@parametrized
def test_get_returns_a_copy(cache: Cache) -> None:
    value = {"title": "one", "tags": ["a"]}
    cache.set("k", value, ttl=60)
    value["tags"].append("changed after set")  # type: ignore[attr-defined]
    got = cache.get("k")
    assert got == {"title": "one", "tags": ["a"]}
    got["title"] = "changed after get"
    assert cache.get("k") == {"title": "one", "tags": ["a"]}


@parametrized
def test_overwrite(cache: Cache) -> None:
    cache.set("k", FAILURE, ttl=60)
    cache.set("k", EMBED, ttl=60)
    assert cache.get("k") == EMBED


@parametrized
def test_expiry(cache: Cache) -> None:
    cache.set("short", FAILURE, ttl=0.2)
    cache.set("long", EMBED, ttl=60)
    assert cache.get("short") == FAILURE
    time.sleep(0.5)
    assert cache.get("short") is None
    assert cache.get("long") == EMBED


@parametrized
def test_zero_ttl_stores_nothing_and_forgets(cache: Cache) -> None:
    cache.set("k", EMBED, ttl=60)
    cache.set("k", FAILURE, ttl=0)
    assert cache.get("k") is None
    cache.set("j", FAILURE, ttl=-5)
    assert cache.get("j") is None


@parametrized
def test_values_must_be_json(cache: Cache) -> None:
    with pytest.raises(TypeError):
        cache.set("k", {"when": object()}, ttl=60)
    with pytest.raises(ValueError):
        cache.set("k", {"ratio": float("nan")}, ttl=60)
    assert cache.get("k") is None


@parametrized
def test_odd_keys(cache: Cache) -> None:
    keys = ["", "https://例え.jp/パス?q=ü#frag", "x" * 5000, "a\nb\0c", "key with 'quotes' and \"more\""]
    for number, key in enumerate(keys):
        cache.set(key, {"n": number}, ttl=60)
    assert [cache.get(key) for key in keys] == [{"n": n} for n in range(len(keys))]


@parametrized
def test_shared_between_instances(make_cache: Callable[[], Cache]) -> None:
    make_cache().set("k", EMBED, ttl=60)
    assert make_cache().get("k") == EMBED


@parametrized
def test_threads(cache: Cache) -> None:
    errors: list[BaseException] = []

    def work(thread: int) -> None:
        try:
            for n in range(100):
                cache.set(f"{thread}:{n}", {"thread": thread, "n": n}, ttl=60)
                assert cache.get(f"{thread}:{n}") == {"thread": thread, "n": n}
                cache.get(f"{(thread + 1) % 8}:{n}")  # another thread's key: present or not, never torn
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(cache.get(f"{t}:99") == {"thread": t, "n": 99} for t in range(8))


# --- MemoryCache ---------------------------------------------------------------------------------


def test_memory_lru_evicts_the_least_recently_used() -> None:
    cache = MemoryCache(max_entries=3)
    for key in "abc":
        cache.set(key, {"k": key}, ttl=60)
    assert cache.get("a") == {"k": "a"}  # a is now the most recent
    cache.set("d", {"k": "d"}, ttl=60)
    assert cache.get("b") is None
    assert [cache.get(k) for k in "acd"] == [{"k": "a"}, {"k": "c"}, {"k": "d"}]
    assert len(cache) == 3


def test_memory_rejects_a_silly_size() -> None:
    with pytest.raises(ConfigError):
        MemoryCache(max_entries=0)


# --- SqliteCache ---------------------------------------------------------------------------------


def test_sqlite_is_one_wal_file(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    cache = SqliteCache(path)
    cache.set("k", EMBED, ttl=60)
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    cache.close()


def test_sqlite_prunes_expired_rows(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    cache = SqliteCache(path, prune_every=0)
    for n in range(20):
        cache.set(f"old{n}", FAILURE, ttl=0.1)
    cache.set("fresh", EMBED, ttl=60)
    time.sleep(0.3)
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT count(*) FROM composer_cache").fetchone()[0] == 21  # ignored, still there
    assert cache.get("old3") is None
    assert cache.prune() == 20
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT key FROM composer_cache").fetchall() == [("fresh",)]
    cache.close()


def test_sqlite_bad_path_fails_at_construction(tmp_path: Path) -> None:
    with pytest.raises(sqlite3.OperationalError):
        SqliteCache(tmp_path / "no" / "such" / "folder" / "cache.sqlite3")


def _hammer(path: str, worker: int, rounds: int) -> None:
    """Runs in a separate process: write its own keys, read the other worker's as they appear."""
    cache = SqliteCache(path, prune_every=50)
    seen = 0
    for n in range(rounds):
        cache.set(f"w{worker}:{n}", {"worker": worker, "n": n, "pad": "x" * 200}, ttl=60)
        if cache.get(f"w{1 - worker}:{n}") is not None:
            seen += 1
    for n in range(rounds):  # by now the other side may still be writing; wait for it, briefly
        deadline = time.monotonic() + 30
        while (got := cache.get(f"w{1 - worker}:{n}")) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert got == {"worker": 1 - worker, "n": n, "pad": "x" * 200}, (worker, n, got)
    cache.close()


def test_sqlite_two_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.sqlite3")  # created by both workers at once
    context = multiprocessing.get_context("spawn")  # fresh interpreters: nothing inherited but the file
    workers = [context.Process(target=_hammer, args=(path, worker, 300)) for worker in (0, 1)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=120)
    assert [process.exitcode for process in workers] == [0, 0]
    cache = SqliteCache(path)
    assert cache.get("w0:299") == {"worker": 0, "n": 299, "pad": "x" * 200}
    assert cache.get("w1:0") == {"worker": 1, "n": 0, "pad": "x" * 200}
    cache.close()


def test_sqlite_survives_fork(tmp_path: Path) -> None:
    """A cache made before a fork (a pre-forking server) gets its own connection in the child."""
    if not hasattr(multiprocessing, "get_context") or sys.platform == "win32":
        pytest.skip("fork is POSIX")
    cache = SqliteCache(tmp_path / "forked.sqlite3")
    cache.set("before", EMBED, ttl=60)
    process = multiprocessing.get_context("fork").Process(target=_child_after_fork, args=(cache,))
    process.start()
    process.join(timeout=60)
    assert process.exitcode == 0
    assert cache.get("from-child") == {"ok": True}
    cache.close()


def _child_after_fork(cache: SqliteCache) -> None:
    assert cache.get("before") == EMBED
    cache.set("from-child", {"ok": True}, ttl=60)


# --- RedisCache ----------------------------------------------------------------------------------


@pytest.mark.redis
def test_redis_accepts_a_client_and_keeps_prefixes_apart(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    one, two = RedisCache(client, prefix="one:"), RedisCache(client, prefix="two:")
    one.set("k", {"from": "one"}, ttl=60)
    assert two.get("k") is None
    assert client.get("one:k") is not None
    assert 0 < client.pttl("one:k") <= 60_000
    client.close()


def test_redis_missing_client_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # what an absent package looks like to import
    with pytest.raises(ConfigError, match=r"pip install"):
        RedisCache("redis://127.0.0.1:1/0")
