"""Ids whose value as read must find their row again: every stale row is rebaked, or in
``Summary.failed`` with a reason naming the id column, never counted nowhere.

The family: an id read back from the table is bound again in the range queries (``id > last``
to page, ``id BETWEEN first AND last`` to read a range, ``id = :id`` to write). SQLite keeps
any bytes as TEXT; one that is not UTF-8 reads as bytes, and bytes bound as a BLOB never equal
a TEXT, so the row was not found again (and as the last id of a page, the keyset skipped every
row after it). Each shape of such an id in a range (alone, first, in the middle, last) is a
case; a row the range does not find again for any other reason is reported, not lost.

Real SQLite files.
"""

from __future__ import annotations

import pickle
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from composer.rebake import Columns, Summary, rebake
from composer.rebake._db import NotUTF8, Table, connect
from composer.rebake._work import Job, PolicyPipeline, run_range
from test_rebake import FINGERPRINT

#: the ids, in SQLite's order (TEXT compares bytewise): the 2nd and 4th are not UTF-8
IDS = [b"a", b"b\xff", b"c", b"d\xfe", b"e"]


def accounted(summary: Summary) -> None:
    """Every stale row is in one count (the tables here are not edited while they rebake)."""
    assert summary.rebaked + len(summary.failed) + summary.changed == summary.stale, summary


def _table(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute(
            "create table posts (id text primary key, raw text, format text, cooked text,"
            " cooked_fingerprint text)"
        )
        for n, row_id in enumerate(IDS):
            db.execute(
                "insert into posts (id, raw, format) values (cast(? as text), ?, 'text')",
                (row_id, f"post {n}"),
            )
    db.close()


def _stored(path: Path) -> list[tuple[Any, bytes, Any, Any]]:
    with sqlite3.connect(path) as db:
        db.text_factory = bytes
        rows = db.execute(
            "select typeof(id), id, cooked, cooked_fingerprint from posts order by id"
        ).fetchall()
    db.close()
    return [(kind, row_id, cooked, fp) for kind, row_id, cooked, fp in rows]


@pytest.mark.parametrize(
    "batch_size",
    [1, 2, 3, 5],
    ids=["alone in its range", "last of its page", "in the middle and first", "one range"],
)
def test_sqlite_text_ids_that_are_not_utf8_are_rebaked(tmp_path: Path, batch_size: int) -> None:
    path = tmp_path / "forum.sqlite3"
    _table(path)
    summary = rebake(str(path), workers=1, batch_size=batch_size)
    assert (summary.stale, summary.rebaked, summary.failed, summary.changed) == (5, 5, (), 0)
    accounted(summary)
    stored = _stored(path)
    assert [row_id for _, row_id, _, _ in stored] == IDS  # the ids are untouched, TEXT still
    assert {kind for kind, _, _, _ in stored} == {b"text"}
    assert [(cooked, fp) for _, _, cooked, fp in stored] == [
        (f"<p>post {n}</p>".encode(), FINGERPRINT.encode()) for n in range(5)
    ]
    again = rebake(str(path), workers=1, batch_size=batch_size)
    assert (again.stale, again.fresh) == (0, 5)


def test_an_id_read_as_not_utf8_text_is_bound_as_that_text(tmp_path: Path) -> None:
    """What the driver reads is what a worker binds: the type says it was TEXT (it survives
    pickling to a worker), and ``id = :id`` finds the row with it."""
    path = tmp_path / "forum.sqlite3"
    _table(path)
    engine = connect(str(path))
    table = Table("posts", Columns())
    [(first, last, ids)] = list(table.stale_ranges(engine, FINGERPRINT, 5))
    assert ids == ["a", b"b\xff", "c", b"d\xfe", "e"] and (first, last) == ("a", "e")
    assert [type(i) for i in ids] == [str, NotUTF8, str, NotUTF8, str]
    assert [type(i) for i in pickle.loads(pickle.dumps(ids))] == [str, NotUTF8, str, NotUTF8, str]
    with engine.connect() as conn:
        assert table.stale_ids(conn, ids[1], ids[1], FINGERPRINT) == [b"b\xff"]
        assert table.stale_ids(conn, ids[1], ids[3], FINGERPRINT) == ids[1:4]
    engine.dispose()


def test_a_scanned_row_its_range_does_not_find_again_is_reported(tmp_path: Path) -> None:
    """Whatever the reason a range's query misses a row the scan found (here: an id the scan
    saw that the table no longer holds as read), the row is a failure naming the id column,
    or an edit when the row is current by then; never counted nowhere."""
    path = tmp_path / "forum.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("create table posts (pid integer primary key, raw, format, cooked, cooked_fingerprint)")
        db.executemany("insert into posts (pid, raw, format) values (?, ?, 'text')", [(1, "one"), (2, "two")])
        db.execute(
            "insert into posts (pid, raw, format, cooked_fingerprint) values (3, 'x', 'text', ?)",
            (FINGERPRINT,),
        )
    db.close()
    columns = Columns(id="pid")
    job = Job(str(path), "posts", columns, PolicyPipeline(), FINGERPRINT)
    report = run_range(job, 1, 3, (1, 2, 3, 9))  # 3: current by now; 9: found by the scan, not here
    assert (report.rebaked, report.changed) == (2, 1)
    assert report.failed == [
        (
            9,
            "the id column 'pid' (--id-column) finds no row with this id as read (9):"
            " the row was deleted meanwhile, or its id does not compare equal to itself once read",
        )
    ]


def test_a_range_that_committed_but_kept_no_report_is_counted_by_its_ids(tmp_path: Path) -> None:
    """A local worker that dies between its range's commit and keeping its report (``_records``)
    lost that report: its rows are current, so isolation finds nothing to render, and they were
    counted nowhere. The ids the scan found in the range count them: current with this run's
    fingerprint, they were rebaked."""
    from composer.rebake import _crashes
    from test_rebake import create

    url = str(tmp_path / "forum.sqlite3")
    create(url, [(f"post {i}", "text") for i in range(10)])  # ids 1, 4, ..., 28
    records = tmp_path / "records"
    records.mkdir()
    job = Job(url, "posts", Columns(), PolicyPipeline(), FINGERPRINT, records=str(records))
    assert run_range(job, 1, 13).rebaked == 5  # committed; no report kept: its worker died then
    pages = [(1, 13, [1, 4, 7, 10, 13]), (16, 28, [16, 19, 22, 25, 28])]
    db = connect(url)
    try:
        reports = list(_crashes.isolate(job, Table("posts", Columns()), db, pages, []))
    finally:
        db.dispose()
    assert (sum(r.rebaked for r in reports), sum(r.changed for r in reports)) == (10, 0)
    assert [f for r in reports for f in r.failed] == []
