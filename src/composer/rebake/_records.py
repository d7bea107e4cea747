"""Range reports that outlive their worker: read back when a worker died before its result
reached the driver.

A range that committed but whose report never arrived would be counted nowhere: its rows are
fresh, so rendering its stale rows again finds nothing. Both engines lose reports that way.

- Dask: a worker keeps a task's result in its own memory until the driver fetches it; when the
  worker dies first (the next range on it killed it), Dask runs the task again, or fails it
  with ``KilledWorker``. So each range's task stores its report on the scheduler (task
  metadata, under the run's name and the task's key) right after its commit; a rerun of the
  task returns the stored report instead of working, and the driver reads it for a task that
  ended in ``KilledWorker``.
- local: when one process of the pool dies, every future not yet collected is failed with
  ``BrokenExecutor``, including a range that had committed and was sending its report back
  (CI saw one such range of five rows counted nowhere). So each range stores its report in
  the run's directory (``Job.records``, a file named by the range), and :func:`kept` reads it
  for the ranges in flight when the pool broke.

A worker that dies between its commit and the store still loses its report; then its rows
are counted by the ids the scan found in the range: current with this run's fingerprint,
they were rebaked (``_crashes._still_stale``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from collections.abc import Sequence
from typing import Any

from composer.rebake._work import Job, RangeReport, run_range

__all__ = ["forget", "kept", "recorded", "run"]


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


def run(job: Job, first: Any, last: Any, ids: Sequence[Any] = ()) -> RangeReport:
    """:func:`~composer.rebake._work.run_range`, its report kept on the Dask scheduler or in
    ``job.records``; in a rerun of the same Dask task, the report kept by the run that committed."""
    before = _stored(job.run)
    if before is not None:
        return before
    report = run_range(job, first, last, ids)
    _store(job.run, report)
    if job.records is not None:
        _keep(job.records, (first, last), report)
    return report


def _path(records: str, span: tuple[Any, Any]) -> str:
    """The file of range ``span`` in ``records`` (ids may be of any type: named by a digest)."""
    return os.path.join(records, hashlib.sha256(pickle.dumps(span)).hexdigest())


def _keep(records: str, span: tuple[Any, Any], report: RangeReport) -> None:
    """Local engine, in a worker: store ``report`` whole or not at all (a worker may die writing)."""
    path = _path(records, span)
    with open(f"{path}.partial", "wb") as file:
        pickle.dump(report, file)
    os.replace(f"{path}.partial", path)


def kept(job: Job, span: tuple[Any, Any]) -> RangeReport | None:
    """Local engine, in the driver: the report range ``span`` stored after its commit, if any."""
    if job.records is None:
        return None
    try:
        with open(_path(job.records, span), "rb") as file:
            return _load(file.read())
    except FileNotFoundError:
        return None


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
