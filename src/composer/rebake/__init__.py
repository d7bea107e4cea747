"""Rebake: render stored posts again when the rules change, stale rows only, resumably.

A row is stale when its fingerprint column is NULL or differs from
:attr:`Pipeline.fingerprint <composer.Pipeline.fingerprint>`. The driver pages through the
stale ids by keyset and hands ``(first id, last id)`` ranges, with the ids it found in each, to
workers (a local process pool or a Dask cluster); each worker reads its range's rows, renders
them, accounts for every id it was given, and writes ``cooked``
and the fingerprint back in one transaction, guarded by its ``raw`` and ``format`` so a post
edited meanwhile keeps its edit. Killed at any point, a rerun picks up exactly the rows not yet
committed. One run per table at a time (``_lock``); a row whose rendering kills its worker
is found and recorded as failed, with either engine (``_crashes``). Needs the ``[rebake]``
extra (SQLAlchemy, tqdm); ``[postgres]`` for PostgreSQL and ``[dask]`` for the Dask engine.
See ``docs/rebake.md``.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, wait
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, NoReturn

try:
    import sqlalchemy as sa
    from tqdm import tqdm
except ImportError as exc:  # pragma: no cover - exercised by a test that hides sqlalchemy
    raise ImportError(
        "composer.rebake needs the rebake extra (SQLAlchemy and tqdm): pip install 'forum-composer[rebake]'"
        " ('forum-composer[rebake,postgres]' for PostgreSQL)"
    ) from exc

from composer.pipeline import Pipeline
from composer.rebake._columns import shapes_of
from composer.rebake._crashes import (
    CRASHED,
    DIED,
    GUARD,
    MAX_CRASHES,
    Died,
    Lost,
    isolate,
    isolate_dask,
    killed_worker,
)
from composer.rebake._db import Columns, Page, Table, existing
from composer.rebake._engines import EngineName, default_workers, executor
from composer.rebake._errors import RebakeError, failure, why
from composer.rebake._lock import only_run
from composer.rebake._records import forget, run
from composer.rebake._work import Job, PolicyPipeline, RangeReport, cache_only

__all__ = [
    "CRASHED",
    "MAX_CRASHES",
    "Columns",
    "Failure",
    "PolicyPipeline",
    "RebakeError",
    "Summary",
    "rebake",
]

#: rows per range at most: one write transaction each (and within every database's LIMIT)
MAX_BATCH = 1_000_000

#: ranges in flight per worker: enough to keep each busy while the driver collects reports
_AHEAD = 2


@dataclass(frozen=True)
class Failure:
    """A row that did not render: its id and why (an error, or the problems of the result)."""

    id: Any
    error: str


@dataclass(frozen=True)
class Summary:
    """What a rebake did. ``rebaked``: rows written; ``fresh``: rows already current when it
    started; ``failed``: rows that did not render (left as they were, retried by the next
    run); ``changed``: rows edited while they rendered (left to their edit); ``stale``: rows
    stale when it started (with ``dry_run``, the only count); ``pending``: URLs not in the
    embed cache, sorted (pass them to :meth:`Pipeline.prefetch <composer.Pipeline.prefetch>`,
    then rebake those rows again); ``seconds``: wall time."""

    fingerprint: str
    rows: int
    stale: int
    fresh: int
    rebaked: int
    failed: tuple[Failure, ...]
    changed: int
    pending: tuple[str, ...]
    seconds: float
    dry_run: bool = False

    def line(self) -> str:
        """``"rebaked N, fresh M, failed K in T s"`` (with ``dry_run``:
        ``"stale N, fresh M (dry run, fingerprint F)"``)."""
        if self.dry_run:
            return f"stale {self.stale}, fresh {self.fresh} (dry run, fingerprint {self.fingerprint})"
        line = (
            f"rebaked {self.rebaked}, fresh {self.fresh}, failed {len(self.failed)} in {self.seconds:.1f} s"
        )
        if self.changed:
            line += f" ({self.changed} edited meanwhile, left to their edit)"
        return line


def rebake(
    url: str,
    *,
    table: str = "posts",
    columns: Columns | None = None,
    pipeline: Callable[[], Pipeline] | None = None,
    batch_size: int = 500,
    engine: EngineName = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    fetch: bool = False,
    fetch_interval: float = 1.0,
    dry_run: bool = False,
    progress: bool | None = None,
) -> Summary:
    """Rebake the stale rows of ``table`` in the database at ``url``; returns a :class:`Summary`.

    ``url``: a SQLite file path or ``sqlite:///...``, or ``postgresql://user@host/db``.
    ``table``: ``name`` or ``schema.name``, a part quoted as in SQL when it holds a dot
    (``analytics."my.posts"``); anything else is a :class:`RebakeError` before the database
    is opened.
    ``columns``: the column names (default :class:`Columns`: ``id``, ``raw``, ``format``,
    ``cooked``, ``cooked_fingerprint``). ``pipeline``: a zero-argument *picklable* callable
    returning the :class:`~composer.Pipeline` (default :class:`PolicyPipeline`\\ ``()``, the
    default chain and policy); each worker calls it once. Embeds come from the cache only
    (``embed_mode`` is forced to ``cache_only``, which the fingerprint ignores); ``fetch=True``
    fetches the missing ones before rendering the row again, at most one request per
    ``fetch_interval`` seconds per host and worker. ``batch_size`` (1 to ``MAX_BATCH``) rows per range and per
    write transaction. ``engine``: ``"local"`` (a process pool of ``workers``, default the
    CPU count) or ``"dask"`` (a ``LocalCluster`` of ``workers``, or the cluster at
    ``scheduler``). ``dry_run``: count the stale rows, render nothing. ``progress``: a tqdm
    bar on stderr (default: when stderr is a terminal).

    Raises :class:`RebakeError` when the table or a column is missing, a written column
    cannot hold what rebake writes (``_columns``), the database fails, a worker's pipeline has
    another fingerprint, or the Dask cluster cannot be reached or is lost (naming its
    scheduler); :class:`~composer.ConfigError` when the pipeline cannot be fingerprinted. A
    row that fails to render, or does not fit its ``cooked`` column, does not raise: it is in
    ``Summary.failed``.
    """
    started = time.monotonic()
    _not_while_spawning(engine)
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or not 1 <= batch_size <= MAX_BATCH:
        raise RebakeError(f"batch_size must be a positive int of at most {MAX_BATCH}, got {batch_size!r}")
    if scheduler is not None and engine != "dask":
        raise RebakeError(f"a scheduler ({scheduler!r}) is for the dask engine: add --engine dask")
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
        raise RebakeError(f"workers must be a positive int, got {workers!r}")
    factory = pipeline if pipeline is not None else PolicyPipeline()
    fingerprint = cache_only(factory()).fingerprint
    run = f"composer-rebake-{uuid.uuid4().hex}"
    job = Job(url, table, columns or Columns(), factory, fingerprint, fetch, fetch_interval, run)
    try:
        spec = Table(table, job.columns)
    except ValueError as exc:  # how the table is named: before anything is opened
        raise RebakeError(str(exc)) from None
    db = _open(url)
    try:
        with nullcontext() if dry_run else only_run(db, spec):  # a dry run writes nothing
            with db.connect() as conn:  # what the written columns take, checked before anything runs
                shapes = shapes_of(conn, spec.schema, spec.bare, table, _names(job.columns), fingerprint)
            spec = Table(table, job.columns, shapes)
            job = dataclasses.replace(job, shapes=shapes)
            with db.connect() as conn:
                rows, stale = spec.count(conn, fingerprint)
                without_id = [_without_id(spec.stale_without_id(conn, fingerprint))]
            if dry_run or not stale:
                return _summary(job, rows, stale, [], started, dry_run)
            reports = _run(job, spec, db, stale, batch_size, engine, workers, scheduler, progress)
            return _summary(job, rows, stale, reports + without_id, started, False)
    except sa.exc.SQLAlchemyError as exc:
        raise RebakeError(f"rebake of {table!r} failed: {why(exc)}") from exc
    finally:
        db.dispose()


def _names(columns: Columns) -> dict[str, str]:
    """``Columns`` as field -> column name."""
    return {field.name: getattr(columns, field.name) for field in dataclasses.fields(columns)}


def _not_while_spawning(engine: EngineName) -> None:
    """Refuse a local rebake started while a spawned worker imports the caller's script."""
    # multiprocessing runs the script as "__mp_main__" and only then makes it "__main__"
    importing = sys.modules.get("__mp_main__")
    if engine == "local" and importing is not None and importing is not sys.modules.get("__main__"):
        raise RebakeError(f"rebake() was called in a worker process: {GUARD}")


def _open(url: str) -> sa.Engine:
    """The engine for ``url``, or a :class:`RebakeError` saying why there is none."""
    try:
        return existing(url)
    except ImportError as exc:
        raise RebakeError(
            f"cannot open the database: its driver is not installed ({exc}); postgresql:// URLs"
            " need the [postgres] extra: pip install 'forum-composer[rebake,postgres]'"
        ) from exc
    except (sa.exc.ArgumentError, OSError, ValueError) as exc:
        raise RebakeError(f"cannot open the database: {type(exc).__name__}: {exc}") from exc


def _without_id(count: int) -> RangeReport:
    """The stale rows with a NULL id, as failures: no range can name them."""
    reason = "the id is NULL, so rebake cannot name this row; give it an id"
    return RangeReport(failed=[(None, reason)] * count)


def _run(
    job: Job,
    spec: Table,
    db: sa.Engine,
    stale: int,
    batch_size: int,
    engine: EngineName,
    workers: int | None,
    scheduler: str | None,
    progress: bool | None,
) -> list[RangeReport]:
    # no more processes than ranges: each builds a pipeline before its first range
    count = min(workers if workers is not None else default_workers(), -(-stale // batch_size))
    show = sys.stderr.isatty() if progress is None else progress
    bar = tqdm(total=stale, unit="post", file=sys.stderr, disable=not show, dynamic_ncols=True)
    reports: list[RangeReport] = []

    def record(found: Iterable[RangeReport]) -> None:
        for report in found:
            reports.append(report)
            bar.update(_rows(report))

    ranges = spec.stale_ranges(db, job.fingerprint, batch_size)
    with bar, _records_of(job, engine) as job:
        while True:
            try:
                with executor(engine, count, scheduler) as pool:
                    try:
                        lost: list[Lost] = []  # Dask: ranges whose workers died
                        for report in _ranges(pool, job, ranges, count, lost):
                            record((report,))
                        if lost:  # with no other range running now
                            record(isolate_dask(pool, job, spec, db, lost, reports))
                    finally:
                        if engine == "dask":
                            forget(job.run)
                return reports
            except Died as died:
                if engine != "local":
                    raise RebakeError(DIED) from died.__cause__
                record(isolate(job, spec, db, died.ranges, reports))


@contextmanager
def _records_of(job: Job, engine: EngineName) -> Iterator[Job]:
    """``job`` with a directory for its ranges' reports (local engine: ``_records``), removed
    after the run."""
    if engine != "local":
        yield job
        return
    with tempfile.TemporaryDirectory(prefix="composer-rebake-") as records:
        yield dataclasses.replace(job, records=records)


def _rows(report: RangeReport) -> int:
    return report.rebaked + len(report.failed) + report.changed


def _ranges(
    pool: Executor, job: Job, ranges: Iterator[Page], workers: int, lost: list[Lost]
) -> Iterator[RangeReport]:
    """Submit ranges keeping ``_AHEAD`` per worker in flight; yield reports as they end.

    The first error a range raises ends the run (the ranges in flight finish or are
    cancelled; everything committed stays committed); a local worker's death raises
    :class:`Died` with the ranges not yet reported, for :func:`isolate`; a range whose Dask
    workers died is added to ``lost``, for :func:`isolate_dask`, and the others run on."""
    running: dict[Future[RangeReport], Page] = {}
    for page in ranges:
        try:
            future = pool.submit(run, job, *page)
        except BrokenExecutor as error:  # a worker died since the last wait: as in _results,
            raise Died([*running.values(), page]) from error  # this range is taken too
        running[future] = page
        if len(running) >= workers * _AHEAD:
            yield from _results(running, lost)
    while running:
        yield from _results(running, lost)


def _results(running: dict[Future[RangeReport], Page], lost: list[Lost]) -> Iterator[RangeReport]:
    """Wait for one or more of ``running`` to end; yield their reports and forget them."""
    done, _ = wait(running, return_when=FIRST_COMPLETED)
    for future in sorted(done, key=lambda f: f.exception() is not None):  # the reports first
        error = future.exception()
        if error is None:
            del running[future]
            yield future.result()
            continue
        if isinstance(error, BrokenExecutor):  # every range not yet reported is suspect
            raise Died(list(running.values())) from error
        if killed_worker(error):  # this range alone is suspect
            lost.append((running.pop(future), error.task))  # type: ignore[attr-defined]
            continue
        for other in running:
            other.cancel()
        _raise(error)


def _raise(error: BaseException) -> NoReturn:
    """End the run for a range's error: a :class:`RebakeError` as it is, another in its words."""
    ended = failure(error)
    if ended is error:
        raise ended
    raise ended from error


def _summary(
    job: Job, rows: int, stale: int, reports: list[RangeReport], started: float, dry_run: bool
) -> Summary:
    failed = tuple(Failure(row_id, error) for r in reports for row_id, error in r.failed)
    return Summary(
        fingerprint=job.fingerprint,
        rows=rows,
        stale=stale,
        fresh=rows - stale,
        rebaked=sum(r.rebaked for r in reports),
        failed=tuple(sorted(failed, key=_order)),
        changed=sum(r.changed for r in reports),
        pending=tuple(sorted({url for r in reports for url in r.pending})),
        seconds=time.monotonic() - started,
        dry_run=dry_run,
    )


def _order(failure: Failure) -> tuple[bool, str, Any]:
    """Failures by id (ids of one type together; NULL ids last, among themselves unordered)."""
    if failure.id is None:
        return (True, "", 0)
    return (False, str(type(failure.id)), failure.id)
