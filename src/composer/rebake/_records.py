"""Range reports that outlive a Dask worker: kept on the scheduler, read back by a rerun.

A Dask worker keeps a task's result in its own memory until the driver fetches it; when the
worker dies first (the next range on it killed it), Dask runs the task again, or fails it with
``KilledWorker`` when it thinks the task killed the worker. A range that had committed would
then be counted nowhere: its rows are fresh, so a second run of it finds nothing to render.
So, under Dask, each range's task stores its report on the scheduler (task metadata, under
the run's name and the task's key) right after its commit and before it returns; a rerun of
the task returns the stored report instead of working, and the driver reads it for a task
that ended in ``KilledWorker``. Outside a Dask worker nothing is stored.
"""

from __future__ import annotations

import contextlib
import pickle
import sys
from typing import Any

from composer.rebake._work import Job, RangeReport, run_range

__all__ = ["forget", "recorded", "run"]


def _task() -> tuple[Any, Any] | None:
    """``(client, task key)`` in a Dask worker's task, else None (Dask is never imported here)."""
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return None
    try:
        worker = distributed.get_worker()
    except ValueError:  # not in a worker
        return None
    return distributed.get_client(), worker.get_current_task()


def run(job: Job, first: Any, last: Any) -> RangeReport:
    """:func:`~composer.rebake._work.run_range`, its report kept on the Dask scheduler; in a
    rerun of the same task, the report kept by the run that committed."""
    before = _stored(job.run)
    if before is not None:
        return before
    report = run_range(job, first, last)
    _store(job.run, report)
    return report


def _stored(run: str) -> RangeReport | None:
    """In a Dask task: the report an earlier run of this task stored, if any."""
    task = _task()
    if task is None:
        return None
    client, key = task
    return _load(client.get_metadata([run, key], default=None))


def _store(run: str, report: RangeReport) -> None:
    """In a Dask task: keep ``report`` on the scheduler (pickled: ids may be of any type)."""
    task = _task()
    if task is not None:
        client, key = task
        client.set_metadata([run, key], pickle.dumps(report))


def recorded(run: str, key: Any) -> RangeReport | None:
    """In the driver: the report task ``key`` stored before its worker died, if any."""
    import distributed

    return _load(distributed.default_client().get_metadata([run, key], default=None))  # type: ignore[no-untyped-call]


def forget(run: str) -> None:
    """In the driver, after the run: drop its reports from the scheduler."""
    distributed = sys.modules.get("distributed")
    if distributed is not None:
        with contextlib.suppress(Exception):  # a lost scheduler keeps nothing to drop
            distributed.default_client().set_metadata([run], None)


def _load(data: Any) -> RangeReport | None:
    if data is None:
        return None
    report = pickle.loads(data)
    assert isinstance(report, RangeReport)
    return report
