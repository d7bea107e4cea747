"""When a worker process dies: find the row that killed it, record it, and go on.

A row whose rendering kills its process (an out-of-memory kill, a crash in native code) would
end every run at the same place. Both engines isolate it the same way: the rows still stale
in the ranges that were running are rendered again one at a time, alone, so a death then is
that row's doing; the row is recorded as failed (:data:`CRASHED`), like a row that raises,
and the run goes on. More than :data:`MAX_CRASHES` such rows end the run: then something
else is wrong (the machine's memory, the workers' environment).

- local engine: a dead process breaks the whole pool (``BrokenExecutor``), so every range in
  flight is suspect; a range that had committed is counted by the report it kept
  (``_records``), and the stale rows of the others are rendered in a new pool of one, made
  again after each death.
- Dask engine: the scheduler retries a task whose worker died on another worker, up to
  ``distributed.scheduler.allowed-failures`` times, then fails it with ``KilledWorker``; only
  that range (and any range that shared the dead workers) is suspect. Its rows are rendered
  one at a time on the same cluster once no other range is running, so nothing else shares
  a worker with them; the nannies restart the workers that die.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import BrokenExecutor, Executor
from typing import Any

import sqlalchemy as sa

from composer.rebake._db import Page, Table
from composer.rebake._engines import executor
from composer.rebake._errors import RebakeError, failure
from composer.rebake._records import kept, recorded, run
from composer.rebake._work import Job, RangeReport, missed, run_range

__all__ = [
    "CRASHED",
    "DIED",
    "GUARD",
    "MAX_CRASHES",
    "Died",
    "Lost",
    "isolate",
    "isolate_dask",
    "killed_worker",
]

#: why a local worker can die before its first range: the script it re-imports calls rebake
GUARD = (
    "the local engine spawns its workers, which import your script again: call rebake() under"
    ' if __name__ == "__main__":'
)
#: a worker process died; what is committed stays
DIED = (
    f"a worker process died (killed, out of memory, or it could not start: {GUARD});"
    " what is committed stays, run again to resume"
)
#: a Dask worker died rendering too many rows (its start-up is Dask's to report)
_DASK_DIED = (
    "a Dask worker process died (killed, out of memory, or a crash); what is committed stays,"
    " run again to resume"
)
#: why a row is in ``Summary.failed`` when rendering it killed the worker process
CRASHED = "its worker process died rendering it (killed, out of memory, or a crash); left as it was"
#: rows whose rendering killed a worker, after which the run stops: something else is wrong
MAX_CRASHES = 20


#: a range (a page of the scan) whose Dask task ended in ``KilledWorker``, and that task's key
Lost = tuple[Page, Any]


class Died(Exception):
    """A local worker process died; ``ranges`` were in flight and may be partly uncommitted."""

    def __init__(self, ranges: list[Page]) -> None:
        super().__init__(f"{len(ranges)} ranges in flight")
        self.ranges = ranges


def killed_worker(error: BaseException) -> bool:
    """Whether ``error`` is Dask's verdict that the task's workers died running it
    (``distributed.KilledWorker``). Dask is imported only by its engine: without it loaded,
    no error is."""
    distributed = sys.modules.get("distributed")
    return distributed is not None and isinstance(error, distributed.KilledWorker)


def _crashed(reports: Iterable[RangeReport]) -> int:
    return sum(1 for r in reports for _, why in r.failed if why == CRASHED)


def _still_stale(job: Job, spec: Table, db: sa.Engine, pages: list[Page]) -> tuple[list[Any], RangeReport]:
    """The ids of ``pages`` still stale, to render one at a time, and the report of the ids
    the scan found there that are not: current (their range committed, but its report was lost
    with its worker: rebaked), or failures naming the id column (``_work.missed``)."""
    ids: list[Any] = []
    settled = RangeReport()
    with db.connect() as conn:
        for first, last, scanned in pages:
            stale = spec.stale_ids(conn, first, last, job.fingerprint)
            missed(spec, conn, scanned, stale, job.fingerprint, settled, ours=True)
            ids.extend(stale)
    return ids, settled


def _kept_or_redo(
    found: Iterable[tuple[Page, RangeReport | None]], redo: list[Page]
) -> Iterator[RangeReport]:
    """The report each page kept before its worker died; the pages that kept none go to ``redo``."""
    for page, report in found:
        if report is None:
            redo.append(page)
        else:
            yield report


def _one_more(crashed: int, died: str) -> int:
    """Count a row that killed its worker; past :data:`MAX_CRASHES`, end the run."""
    crashed += 1
    if crashed > MAX_CRASHES:
        raise RebakeError(f"{died} ({crashed} rows killed their worker)")
    return crashed


def isolate(
    job: Job, spec: Table, db: sa.Engine, ranges: list[Page], reports: list[RangeReport]
) -> Iterator[RangeReport]:
    """Local engine: render the still-stale rows of ``ranges`` one at a time in a pool of one,
    so a row whose rendering kills its process is recorded as failed and skipped, like a row
    that raises, instead of ending the run at every rerun. A range that committed before the
    pool broke is not rendered again: its kept report is yielded (or, when its worker died
    before keeping it, its rows are counted by their ids, see :func:`_still_stale`)."""
    crashed = _crashed(reports)
    redo: list[Page] = []
    yield from _kept_or_redo(((page, kept(job, page[:2])) for page in ranges), redo)
    ids, settled = _still_stale(job, spec, db, redo)
    yield settled
    at = 0
    while at < len(ids):
        with executor("local", 1, None) as pool:
            try:
                pool.submit(_started).result()
            except BrokenExecutor:  # a worker that cannot start is no row's fault
                raise RebakeError(DIED) from None
            try:
                while at < len(ids):
                    report = pool.submit(run_range, job, ids[at], ids[at], (ids[at],)).result()
                    at += 1
                    yield report
            except BrokenExecutor:
                crashed = _one_more(crashed, DIED)
                yield RangeReport(failed=[(ids[at], CRASHED)])
                at += 1


def isolate_dask(
    pool: Executor,
    job: Job,
    spec: Table,
    db: sa.Engine,
    lost: list[Lost],
    reports: list[RangeReport],
) -> Iterator[RangeReport]:
    """Dask engine: for each range whose task ended in ``KilledWorker``, the report it kept if
    it had committed (``_records``); else render its still-stale rows one at a time on the
    cluster, with nothing else running: a row whose task ends in ``KilledWorker`` again is
    recorded as failed. A task's other error ends the run (a :class:`RebakeError`); an error
    of the cluster itself is raised as it is, for the engine to name (``_engines``)."""
    crashed = _crashed(reports)
    redo: list[Page] = []
    yield from _kept_or_redo(((page, recorded(job.run, key)) for page, key in lost), redo)
    ids, settled = _still_stale(job, spec, db, redo)
    yield settled
    for row_id in ids:
        future = pool.submit(run, job, row_id, row_id, (row_id,))
        error = future.exception()
        if error is None:
            yield future.result()
        elif not killed_worker(error):  # the task's own error, in the driver's words
            raise failure(error) from error
        elif (kept := recorded(job.run, error.task)) is not None:  # type: ignore[attr-defined]
            yield kept
        else:
            crashed = _one_more(crashed, _DASK_DIED)
            yield RangeReport(failed=[(row_id, CRASHED)])


def _started() -> bool:
    """Run in a new worker before any row: proves the process can start at all."""
    return True
