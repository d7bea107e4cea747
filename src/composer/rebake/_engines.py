"""Where ranges run: a local process pool, or a Dask cluster (the ``[dask]`` extra).

Both are ``concurrent.futures.Executor``s (Dask's through ``Client.get_executor``), so the
driver's loop is one: keep a few ranges in flight per worker, collect reports as they end.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import CancelledError, Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Literal

from composer.rebake._errors import RebakeError, why

__all__ = ["EngineName", "cluster_errors", "executor"]

EngineName = Literal["local", "dask"]


def default_workers() -> int:
    """The CPU count this process may use."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _exit_with_driver() -> None:
    """A local worker's initializer: end this process when the driver's process ends, and
    leave Ctrl-C (SIGINT, sent to the whole process group) to the driver.

    A driver killed by SIGKILL cannot shut its pool down, and a pool worker waiting for its
    next range would wait forever (it holds the queue's other end itself); watching the
    parent's sentinel ends it instead. A range being written is rolled back with it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle, not each worker's
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    sentinel = parent.sentinel

    def watch() -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="composer-rebake-driver-watch", daemon=True).start()


class _Pool(ProcessPoolExecutor):
    """A process pool whose workers start with SIGINT ignored (a disposition ``exec`` keeps),
    so a Ctrl-C while one is still importing is the driver's alone, not a worker's traceback."""

    def _spawn_process(self) -> None:
        if threading.current_thread() is not threading.main_thread():  # signals: main thread only
            super()._spawn_process()  # type: ignore[misc]
            return
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            super()._spawn_process()  # type: ignore[misc]
        finally:
            signal.signal(signal.SIGINT, previous)


@contextmanager
def executor(engine: EngineName, workers: int, scheduler: str | None) -> Iterator[Executor]:
    """An executor of ``workers`` processes (``local``: spawned, so no thread or connection of
    the driver is inherited), or of a Dask cluster: a ``LocalCluster`` of ``workers``
    single-threaded processes, or the running one at ``scheduler`` (``tcp://host:8786``).
    Raises :class:`RebakeError` for an unknown engine or a missing extra, and, with Dask, for a
    scheduler it cannot reach or that is lost while the block runs (:func:`_lost`)."""
    if engine == "local":
        context = multiprocessing.get_context("spawn")
        with _Pool(max_workers=workers, mp_context=context, initializer=_exit_with_driver) as pool:
            yield pool
        return
    if engine != "dask":
        raise RebakeError(f"unknown rebake engine {engine!r}; use 'local' or 'dask'")
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise RebakeError(
            "the dask engine needs the [dask] extra: pip install 'forum-composer[dask]'"
        ) from exc
    if scheduler is not None:
        try:
            client = Client(scheduler)  # type: ignore[no-untyped-call]
        except (CancelledError, OSError, ValueError) as error:  # ValueError: not an address
            raise RebakeError(
                f"cannot reach the Dask scheduler at {scheduler!r}: {why(error)}; nothing was rendered:"
                " start the scheduler (or fix --scheduler), then run again"
            ) from error
        with _lost(scheduler), client:
            yield client.get_executor(pure=False)  # type: ignore[no-untyped-call]
        return
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",  # any free port: never 8787, which may be taken
            host="127.0.0.1",
        ) as cluster,
        _lost(cluster.scheduler_address),
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield client.get_executor(pure=False)


def cluster_errors() -> tuple[type[Exception], ...]:
    """Errors of a Dask cluster itself, not of a task: the futures it cancels when its
    scheduler goes (``FutureCancelledError`` is a ``CancelledError``), a connection closed,
    refused or timed out (``CommClosedError`` and ``TimeoutError`` are ``OSError`` s), a
    client closed after it gave up reconnecting (``ClosedClientError``)."""
    from distributed.client import ClosedClientError

    return (CancelledError, OSError, ClosedClientError)


@contextmanager
def _lost(address: str) -> Iterator[None]:
    """Tell an error of the cluster at ``address`` while the run uses it as a :class:`RebakeError`.

    A task's own error reaches the driver as a value (``Future.exception()``) and is told as
    the worker's (``_errors.failure``); what is raised here came from the cluster: the scheduler
    killed or unreachable, the client closed."""
    try:
        yield
    except cluster_errors() as error:
        raise RebakeError(
            f"the Dask scheduler at {address!r} was lost: {why(error)}; what is committed stays,"
            " run again to resume"
        ) from error
