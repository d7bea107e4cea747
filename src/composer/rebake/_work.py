"""One worker's share of a rebake: fetch an id range's stale rows, render them, write them back.

A :class:`Job` is what the driver sends (picklable: the database URL, the table, a pipeline
factory, the fingerprint it computed); a range is ``(first id, last id)``. Each worker process
builds the pipeline and the database engine once per job and keeps them for every range it is
given. The driver moves no post bodies: workers read and write their own rows.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import Connection, Engine

from composer.inputs import Submission
from composer.pipeline import Pipeline
from composer.policy import Policy
from composer.rebake._columns import Shapes
from composer.rebake._db import Columns, Table, connect
from composer.rebake._errors import RebakeError

__all__ = ["Job", "PolicyPipeline", "RangeReport", "RebakeError", "missed", "run_range", "text_of"]


@dataclass(frozen=True)
class PolicyPipeline:
    """A picklable pipeline factory: the default chain with ``Policy.preset(role)`` (or
    ``Policy()``) changed by ``changes`` (``(("max_emoji", 10),)``). ``PolicyPipeline()()``
    is ``Pipeline()``. Any zero-argument picklable callable returning a Pipeline does too
    (a module-level function, a ``functools.partial`` of one)."""

    role: str | None = None
    changes: tuple[tuple[str, Any], ...] = ()

    def __call__(self) -> Pipeline:
        base = Policy.preset(self.role) if self.role is not None else Policy()
        return Pipeline(policy=dataclasses.replace(base, **dict(self.changes)))


@dataclass(frozen=True)
class Job:
    """Everything a worker needs, sent once per range (small: no rows)."""

    url: str
    table: str
    columns: Columns
    pipeline: Callable[[], Pipeline]
    fingerprint: str
    fetch: bool = False
    fetch_interval: float = 1.0
    """Seconds between two fetches from one host (per worker process), with ``fetch``."""
    run: str = "composer-rebake"
    """The run's name: where its tasks keep their reports on a Dask scheduler (``_records``)."""
    records: str | None = None
    """Local engine: the run's directory where each range keeps its report (``_records``)."""
    shapes: Shapes = field(default_factory=Shapes)
    """What the cooked and fingerprint columns take, read by the driver (``_columns``)."""


@dataclass
class RangeReport:
    """What one range came to: rows written, rows that failed (id, error), rows edited while
    rendering (left alone), and the URLs left pending (not in the embed cache)."""

    rebaked: int = 0
    failed: list[tuple[Any, str]] = field(default_factory=list)
    changed: int = 0
    pending: list[str] = field(default_factory=list)


class _HostPacer:
    """At most one fetch per ``interval`` seconds per host, within this process."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, url: str) -> None:
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next.get(host, now))
            self._next[host] = at + self.interval
        if at > now:
            time.sleep(at - now)


@dataclass
class _State:
    pipeline: Pipeline
    engine: Engine
    table: Table
    pacer: _HostPacer


#: per worker process: the job's key -> its pipeline and engine, built on the first range
_STATES: dict[tuple[str, str, str], _State] = {}
_STATES_LOCK = threading.Lock()


def _state(job: Job) -> _State:
    key = (job.url, job.table, job.fingerprint)
    with _STATES_LOCK:
        state = _STATES.get(key)
        if state is None:
            state = _STATES[key] = _build(job)
    return state


def _build(job: Job) -> _State:
    pipe = job.pipeline()
    if not isinstance(pipe, Pipeline):
        raise RebakeError(f"the pipeline factory returned {type(pipe).__name__}, not a Pipeline")
    pipe = cache_only(pipe)
    if pipe.fingerprint != job.fingerprint:
        raise RebakeError(
            f"this worker's pipeline has the fingerprint {pipe.fingerprint}, the driver's "
            f"{job.fingerprint}: install the same composer, libraries and settings on every worker"
        )
    pacer = _HostPacer(job.fetch_interval)
    return _State(pipe, connect(job.url), Table(job.table, job.columns, job.shapes), pacer)


def cache_only(pipe: Pipeline) -> Pipeline:
    """``pipe`` with embeds from the cache only (the mode is not part of the fingerprint)."""
    if pipe.policy.embed_mode == "cache_only":
        return pipe
    return pipe.with_policy(dataclasses.replace(pipe.policy, embed_mode="cache_only"))


#: what drivers give for a binary column: bytes (sqlite3, psycopg 3), memoryview (psycopg2), bytearray
_BINARY = (bytes, bytearray, memoryview)


def text_of(value: object, column: str) -> tuple[str | None, str | None]:
    """``(text, None)`` for a column's value that is text, or ``(None, why not)``.

    A ``str`` is text; bytes of any driver's kind (a SQLite BLOB, a PostgreSQL ``bytea``) are
    text when they are UTF-8, decoded strictly: bytes that are not are an error naming the
    first bad byte and its offset, never text with replacement characters in it.
    """
    if isinstance(value, str):
        return value, None
    if isinstance(value, _BINARY):
        data = bytes(value)
        try:
            return data.decode("utf-8"), None
        except UnicodeDecodeError as exc:
            bad = f"{exc.reason} (byte 0x{data[exc.start]:02x})"
            return None, f"{column} is not UTF-8 text: {bad} at byte {exc.start}"
    if value is None:
        return None, f"{column} is NULL"
    return None, f"{column} is {type(value).__name__}, not text"


def _render(pipe: Pipeline, raw: object, fmt: object) -> tuple[str | None, str | None, list[str]]:
    """(cooked, error, pending URLs) for one row; exactly one of cooked and error is None.
    ``raw`` and ``fmt`` are the values stored (bytes are decoded, see :func:`text_of`); a NULL
    format reads as ``html``."""
    source, error = text_of(raw, "raw")
    if source is None:
        return None, error, []
    if isinstance(fmt, _BINARY):
        fmt, error = text_of(fmt, "format")
        if fmt is None:
            return None, error, []
    try:
        result = pipe.run(Submission(source, fmt if fmt is not None else "html"))  # type: ignore[arg-type]
    except Exception as exc:  # a StageError, InputError, or a bug: recorded, never the end of the run
        return None, f"{type(exc).__name__}: {exc}", []
    if not result.ok:
        problems = "; ".join(f"{p.code}: {p.message}" for p in result.problems)
        return None, f"problem {problems}", list(result.pending)
    return result.html, None, list(result.pending)


def _fetch(state: _State, urls: Iterable[str]) -> None:
    for url in dict.fromkeys(urls):
        state.pacer.wait(url)
        state.pipeline.prefetch([url])


def run_range(job: Job, first: Any, last: Any, ids: Sequence[Any] = ()) -> RangeReport:
    """Render and store the stale rows with ``first <= id <= last``: one read, then one
    transaction for the writes. With ``job.fetch``, URLs missing from the embed cache are
    fetched (paced per host) and their rows rendered again before the write.

    ``ids``: the stale ids the driver's scan found in the range. Each is accounted for in the
    report: rendered, or, when the range's read did not find it, current by now (an edit,
    counted in ``changed``) or a failure naming the id column (see :func:`missed`)."""
    state = _state(job)
    report = RangeReport()
    with state.engine.connect() as conn:
        rows = state.table.rows(conn, first, last, job.fingerprint)
        missed(state.table, conn, ids, [row_id for row_id, _, _ in rows], job.fingerprint, report)
    done: list[tuple[Any, Any, Any, str]] = []  # (id, raw and format as stored, cooked)
    for row_id, raw, fmt in rows:
        cooked, error, pending = _render(state.pipeline, raw, fmt)
        if pending and job.fetch:
            _fetch(state, pending)
            cooked, error, pending = _render(state.pipeline, raw, fmt)
        report.pending.extend(pending)
        if cooked is not None:  # rendered, but it may not fit its column: a failed row, not a failed run
            error = state.table.shapes.cooked.too_long(cooked, "cooked")
        if error is not None:
            report.failed.append((row_id, error))
        else:
            assert cooked is not None
            done.append((row_id, raw, fmt, cooked))
    if done:
        with state.engine.begin() as conn:
            for row_id, raw, fmt, cooked in done:
                if state.table.write(conn, row_id, raw, fmt, cooked, job.fingerprint):
                    report.rebaked += 1
                else:
                    report.changed += 1
    return report


def missed(
    table: Table,
    conn: Connection,
    scanned: Sequence[Any],
    read: list[Any],
    fingerprint: str,
    report: RangeReport,
    ours: bool = False,
) -> None:
    """Account in ``report`` for each id of ``scanned`` that the range's read did not return.

    The read finds again every row whose id compares equal to itself as read; a row it misses
    is current by now (another writer rendered it: an edit, ``changed``; with ``ours``, this
    run's range that committed it: ``rebaked``), or it is a failure whose reason names the id
    column: deleted meanwhile, or an id whose value as read does not find its row again (what a
    SQLite TEXT id that is not UTF-8 was before it was bound as TEXT)."""
    found = list(read)
    for row_id in scanned:
        if row_id in found:
            found.remove(row_id)  # one each: a non-unique id may be scanned twice
            continue
        stale = table.found(conn, row_id, fingerprint)
        if stale is False:
            if ours:
                report.rebaked += 1
            else:
                report.changed += 1
            continue
        column = f"the id column {table.columns.id!r} (--id-column)"
        if stale is None:
            why = "the row was deleted meanwhile, or its id does not compare equal to itself once read"
            report.failed.append((row_id, f"{column} finds no row with this id as read ({row_id!r}): {why}"))
        else:
            report.failed.append(
                (
                    row_id,
                    f"{column} finds this row by its id ({row_id!r}) but not in its range: left as it was",
                )
            )
