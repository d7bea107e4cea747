"""Rebake writes what the ``cooked`` and fingerprint columns take: text for a text column
(``text``, ``varchar(n)``), UTF-8 bytes for a binary one (a PostgreSQL ``bytea``, a SQLite
column declared ``BLOB``); a value too long for its column is a failed row that says which
column and how to widen it, and a fingerprint column too short, or of a type that holds no
text, is a ``RebakeError`` before anything runs. Never a crash mid-run.

Real SQLite files and a real PostgreSQL server.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from composer.cli import main
from composer.rebake import RebakeError, Summary, rebake
from composer.rebake._db import connect
from postgres_server import serve_postgres
from test_rebake import FINGERPRINT

#: (raw, format): short posts, and one whose cooked HTML is long
SHORT = [(f"<p>post {i}</p>", "html") for i in range(5)]
LONG = ("<p>" + "long words " * 40 + "</p>", "html")
COOKED = {raw: raw for raw, _ in SHORT}  # the short posts render to themselves


def accounted(summary: Summary) -> None:
    """Every stale row is in one count (the tables here are not edited while they rebake)."""
    assert summary.rebaked + len(summary.failed) + summary.changed == summary.stale, summary


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    yield from serve_postgres()


def _pg_table(url: str, cooked: str, fingerprint: str, rows: list[tuple[str, str]]) -> None:
    engine = connect(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("drop table if exists posts")
        conn.exec_driver_sql(
            "create table posts (id int primary key, raw text, format text,"
            f" cooked {cooked}, cooked_fingerprint {fingerprint})"
        )
        for n, (raw, fmt) in enumerate(rows, 1):
            conn.exec_driver_sql("insert into posts (id, raw, format) values (%s, %s, %s)", (n, raw, fmt))
    engine.dispose()


def _pg_stored(url: str) -> list[tuple[int, Any, Any]]:
    engine = connect(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("select id, cooked, cooked_fingerprint from posts order by id").all()
    engine.dispose()
    return [(row_id, cooked, fp) for row_id, cooked, fp in rows]


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("cooked", "fingerprint"),
    [("bytea", "bytea"), ("bytea", "text"), ("text", "bytea"), ("varchar(500)", "varchar(16)")],
)
def test_postgresql_columns_of_any_text_or_bytes_type(
    postgres_url: str, cooked: str, fingerprint: str
) -> None:
    _pg_table(postgres_url, cooked, fingerprint, SHORT)
    summary = rebake(postgres_url, workers=1, batch_size=2)
    assert (summary.rebaked, summary.failed) == (5, ())
    accounted(summary)
    for _, stored, fp in _pg_stored(postgres_url):
        assert isinstance(stored, bytes) == (cooked == "bytea")
        assert isinstance(fp, bytes) == (fingerprint == "bytea")
        assert (stored.decode() if isinstance(stored, bytes) else stored) in COOKED
        assert fp in (FINGERPRINT, FINGERPRINT.encode())
    again = rebake(postgres_url, workers=1)  # the stored fingerprints read as current
    assert (again.stale, again.fresh) == (0, 5)


@pytest.mark.postgres
def test_postgresql_cooked_too_long_for_its_column_is_a_failed_row(postgres_url: str) -> None:
    _pg_table(postgres_url, "varchar(60)", "char(16)", [*SHORT[:2], LONG, *SHORT[2:]])
    summary = rebake(postgres_url, workers=1, batch_size=10)
    assert summary.rebaked == 5
    accounted(summary)
    [failure] = summary.failed
    assert failure.id == 3
    assert failure.error == (
        "cooked is 447 characters, more than the column 'cooked' (--cooked-column) holds"
        " (VARCHAR(60)): widen it, e.g. ALTER TABLE posts ALTER COLUMN cooked TYPE text"
    )
    assert [row_id for row_id, cooked, _ in _pg_stored(postgres_url) if cooked is None] == [3]


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("cooked", "fingerprint", "message"),
    [
        (
            "text",
            "varchar(8)",
            "the fingerprint column 'cooked_fingerprint' (--fingerprint-column) holds 8 characters"
            " (VARCHAR(8)), the fingerprint is 16: widen it, e.g. ALTER TABLE posts ALTER COLUMN"
            " cooked_fingerprint TYPE varchar(16)",
        ),
        (
            "integer",
            "text",
            "the cooked column 'cooked' (--cooked-column) is INTEGER, which holds no text: name the column"
            " that holds the rendered HTML (text or bytes), or change its type",
        ),
    ],
)
def test_postgresql_columns_that_cannot_hold_the_values_stop_before_anything(
    postgres_url: str, cooked: str, fingerprint: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _pg_table(postgres_url, cooked, fingerprint, SHORT)
    with pytest.raises(RebakeError) as caught:
        rebake(postgres_url, workers=1)
    assert str(caught.value) == message
    assert main(["rebake", postgres_url, "--table", "posts", "--workers", "1"]) == 2
    assert capsys.readouterr().err == f"composer rebake: {message}\n"
    assert all(stored is None for _, stored, _ in _pg_stored(postgres_url))


def _sqlite_table(path: Path, cooked: str, fingerprint: str, rows: list[tuple[str, str]]) -> None:
    with sqlite3.connect(path) as db:
        db.execute(
            f"create table posts (id integer primary key, raw text, format text, cooked {cooked},"
            f" cooked_fingerprint {fingerprint})"
        )
        db.executemany("insert into posts (raw, format) values (?, ?)", rows)
    db.close()


@pytest.mark.parametrize(
    ("cooked", "fingerprint", "stored"),
    [
        ("blob", "blob", ("blob", "blob")),
        ("text", "BLOB", ("text", "blob")),
        ("", "", ("text", "text")),  # no declared type (BLOB affinity): text, as SQLite reads it back
        ("varchar(5)", "varchar(4)", ("text", "text")),  # SQLite does not enforce a length
    ],
)
def test_sqlite_columns_of_any_affinity(
    tmp_path: Path, cooked: str, fingerprint: str, stored: tuple[str, str]
) -> None:
    path = tmp_path / "forum.sqlite3"
    _sqlite_table(path, cooked, fingerprint, SHORT)
    summary = rebake(str(path), workers=1, batch_size=2)
    assert (summary.rebaked, summary.failed) == (5, ())
    accounted(summary)
    with sqlite3.connect(path) as db:
        found = db.execute("select typeof(cooked), typeof(cooked_fingerprint), cooked from posts").fetchall()
    db.close()
    assert {(kind, fp_kind) for kind, fp_kind, _ in found} == {stored}
    assert all((c if isinstance(c, str) else c.decode()) in COOKED for _, _, c in found)
    again = rebake(str(path), workers=1)
    assert (again.stale, again.fresh) == (0, 5)


def test_sqlite_fingerprints_the_application_wrote_as_text_or_bytes_are_current(tmp_path: Path) -> None:
    """SQLite stores what it is given whatever the declared type: a fingerprint the
    application wrote as text in a BLOB column (or as a BLOB in a text one) is current too."""
    path = tmp_path / "forum.sqlite3"
    _sqlite_table(path, "blob", "blob", SHORT)
    with sqlite3.connect(path) as db:
        db.execute("update posts set cooked_fingerprint = ? where id <= 2", (FINGERPRINT,))
        db.execute("update posts set cooked_fingerprint = ? where id = 3", (FINGERPRINT.encode(),))
    db.close()
    summary = rebake(str(path), workers=1)
    assert (summary.fresh, summary.rebaked) == (3, 2)


@pytest.mark.postgres
def test_postgresql_a_table_found_through_a_later_schema_of_the_search_path(postgres_url: str) -> None:
    """SQLAlchemy reflects the first schema of the search_path only; the table the database
    finds in a later one (``public, forum``) has its column types read too: bytea here."""
    engine = connect(postgres_url)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("drop database if exists paths")
        conn.exec_driver_sql("create database paths")
        conn.exec_driver_sql("alter database paths set search_path = public, forum")
    engine.dispose()
    url = postgres_url.rsplit("/", 1)[0] + "/paths"
    engine = connect(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("create schema forum")
        conn.exec_driver_sql(
            "create table forum.posts (id int primary key, raw text, format text, cooked bytea,"
            " cooked_fingerprint bytea)"
        )
        conn.exec_driver_sql("insert into forum.posts (id, raw, format) values (1, '<p>x</p>', 'html')")
    engine.dispose()
    summary = rebake(url, workers=1)
    assert (summary.rebaked, summary.failed) == (1, ())
    assert _pg_stored(url) == [(1, b"<p>x</p>", FINGERPRINT.encode())]
