"""Resolving many URLs at once within one deadline, on a bounded pool of threads a stage owns.

The embed stage asks its resolver about every line-long URL of a post together and waits at
most ``Policy.embed_deadline`` for all of them (and :meth:`composer.Pipeline.prefetch` does the
same, :data:`BATCH` URLs per deadline). What is promised:

- no run makes a thread: the pool is made on first use and lives as long as its owner (made
  again after a fork, or after :meth:`Workers.close`);
- what is not back by the deadline is missing from the answer, and a URL not yet started is
  never started (one already running ends by its own deadline; its answer still lands in the
  resolver's cache);
- a resolver that raises gives None for that URL (a plain link), never an error.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait

from composer.embeds.resolver import Embed, Resolver

__all__ = ["BATCH", "Workers", "resolve_all"]

#: URLs resolved at once (threads) per deadline
BATCH = 16


class Workers:
    """A stage's own bounded thread pool, made on first use (and again after a fork or a
    :meth:`close`). Its threads live as long as the stage, so a run makes no thread, and
    whatever a resolver keeps per thread is kept by at most ``size`` threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                self._pool = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="composer-embed")
                self._pid = os.getpid()
            return self._pool

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None and self._pid == os.getpid():
            pool.shutdown(wait=False, cancel_futures=True)


def resolve_all(
    workers: Workers, resolver: Resolver, urls: list[str], deadline: float
) -> dict[str, Embed | None]:
    """Resolve concurrently; what is not back by ``deadline`` is missing from the answer."""
    found: dict[str, Embed | None] = {}
    if not urls:
        return found
    pool = workers.pool()
    futures: dict[Future[Embed | None], str] = {pool.submit(resolver.resolve, u, deadline): u for u in urls}
    done, late = wait(futures, timeout=max(0.0, deadline - time.monotonic()))
    for future in late:
        future.cancel()  # not started yet: never will be; running ones end by their deadline
    for future in done:
        try:
            found[futures[future]] = future.result()
        except Exception:  # a failing resolver leaves a link, never an error
            found[futures[future]] = None
    return found
