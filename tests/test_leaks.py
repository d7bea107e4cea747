"""Nothing accumulates per post: 2,000 posts with links never seen before (each fetched from a local
server and stored in a SQLite cache) leave open descriptors and memory where they were.

Issue 12.1: the embed stage's per-run thread pool made new threads for every post, and the
SQLite cache kept a connection per thread, never closed: 2 descriptors and ~115 KB per post.
Bounds are generous: what is measured is growth after a warm-up, not absolute numbers.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from composer import Pipeline, Policy, Submission
from composer.embeds.cache import MemoryCache, SqliteCache
from composer.embeds.fetcher import SafeFetcher
from composer.embeds.providers import ProviderRegistry
from composer.embeds.resolver import OEmbedResolver
from composer.stages.embed import Embeds
from embed_server import EmbedServer

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self")

POSTS = 2_000
WARM_UP = 100


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.fixture(scope="module")
def server() -> Iterator[EmbedServer]:
    running = EmbedServer().start()
    yield running
    running.stop()


def resolver(server: EmbedServer, path: Path) -> OEmbedResolver:
    fetcher = SafeFetcher(allow=[server.allow], connect_timeout=2.0, read_timeout=2.0)
    return OEmbedResolver(fetcher, SqliteCache(path), registry=ProviderRegistry([]))


def test_posts_with_new_links_leak_no_descriptors_nor_memory(server: EmbedServer, tmp_path: Path) -> None:
    stage = Embeds(resolver(server, tmp_path / "embeds.sqlite3"))
    pipe = Pipeline(policy=Policy(embed_deadline=10.0)).replace("embed", stage)

    def post(n: int) -> None:
        result = pipe.run(Submission(f"Look:\n\n{server.base}/og/{n}\n", "markdown"))
        assert f"Page /og/{n}" in result.html, result.html  # really fetched and embedded

    for n in range(WARM_UP):
        post(n)
    fds, rss, threads = open_descriptors(), rss_bytes(), threading.active_count()
    for n in range(WARM_UP, POSTS):
        post(n)
    grown_fds, grown_rss = open_descriptors() - fds, rss_bytes() - rss
    # before the fix: +3,800 descriptors and +200 MB here
    assert grown_fds <= 20, f"{grown_fds} descriptors more after {POSTS - WARM_UP} posts"
    assert grown_rss <= 40 * 1024 * 1024, f"{grown_rss / 1e6:.0f} MB more after {POSTS - WARM_UP} posts"
    assert threading.active_count() <= threads + 2
    with pipe:
        pass  # leaving the block closes the stage: its threads and the cache's connections
    assert open_descriptors() <= fds


def test_prefetch_leaks_no_descriptors(server: EmbedServer, tmp_path: Path) -> None:
    pipe = Pipeline().replace("embed", Embeds(resolver(server, tmp_path / "embeds.sqlite3")))
    pipe.prefetch([f"{server.base}/og/p{n}" for n in range(50)])
    fds = open_descriptors()
    for batch in range(10):
        pipe.prefetch([f"{server.base}/og/p{batch}-{n}" for n in range(50)])
    assert open_descriptors() - fds <= 20
    pipe.close()


def test_a_closed_sqlite_cache_reopens_on_use(tmp_path: Path) -> None:
    with SqliteCache(tmp_path / "c.sqlite3") as cache:
        cache.set("k", {"v": 1}, ttl=60)
        before = open_descriptors()
        cache.close()
        assert open_descriptors() < before
        assert cache.get("k") == {"v": 1}


def test_threads_that_come_and_go_leave_no_connection(tmp_path: Path) -> None:
    cache = SqliteCache(tmp_path / "c.sqlite3", pool_size=2)
    cache.set("k", {"v": 1}, ttl=60)
    fds = open_descriptors()
    for _ in range(200):
        worker = threading.Thread(target=cache.get, args=("k",))
        worker.start()
        worker.join()
    assert open_descriptors() - fds <= 2 * 2  # at most the pool's idle connections
    cache.close()


def test_everything_closes_and_enters(tmp_path: Path) -> None:
    with OEmbedResolver(cache=MemoryCache()) as plain, Embeds(plain) as stage, Pipeline() as pipe:
        assert pipe.replace("embed", stage).run(Submission("hi")).ok
    with SafeFetcher() as fetcher:
        assert fetcher.max_bytes > 0


def _post_in_child(pipe: Pipeline, url: str) -> None:
    assert "Page /og/" in pipe.run(Submission(url, "markdown")).html


def test_a_forked_worker_gets_its_own_threads_and_connections(server: EmbedServer, tmp_path: Path) -> None:
    """A pre-forking server builds the pipeline, runs it, then forks: the child starts its own."""
    import multiprocessing

    pipe = Pipeline().replace("embed", Embeds(resolver(server, tmp_path / "embeds.sqlite3")))
    _post_in_child(pipe, f"{server.base}/og/parent")  # the parent's pool and connections exist now
    child = multiprocessing.get_context("fork").Process(
        target=_post_in_child, args=(pipe, f"{server.base}/og/child")
    )
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    _post_in_child(pipe, f"{server.base}/og/parent-again")
    pipe.close()
