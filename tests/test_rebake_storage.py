"""Rebake over what tables really hold: post bodies stored as bytes (a SQLite BLOB, a PostgreSQL
``bytea``), and tables reached by any name (``schema.name``, names holding a dot).

Real SQLite files and a real PostgreSQL server; the happy paths are in test_rebake.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from composer import Pipeline, Policy, Submission
from composer.cli import main
from composer.rebake import Columns, RebakeError, rebake
from composer.rebake._db import Table, connect
from composer.rebake._work import text_of
from fixture_files import FIXTURES, read_cases
from postgres_server import serve_postgres
from test_rebake import FINGERPRINT, check_all_correct, corpus, create, read

#: id -> (raw as stored, format as stored); 3 and 6 are not UTF-8 (Latin-1 and a lone byte)
BYTE_ROWS: dict[int, tuple[Any, Any]] = {
    1: ("<p>café ✓ as text</p>".encode(), "html"),
    2: (bytearray("*déjà vu* as a bytearray".encode()), "markdown"),
    3: ("<p>café in Latin-1</p>".encode("latin-1"), "html"),
    4: (b"plain text, its format a blob too", b"text"),
    5: ("<p>a text row beside them</p>", "html"),
    6: (b"ok so far \xff", "text"),
}
#: the cooked HTML the application wrote long ago, kept by the rows that cannot render
OLD = "<p>old</p>"


def _cooked(raw: str, fmt: str) -> str:
    result = Pipeline(policy=Policy(embed_mode="cache_only")).run(Submission(raw, fmt))  # type: ignore[arg-type]
    assert result.ok
    return result.html


def _check_bytes_rebaked(url: str) -> None:
    summary = rebake(url, workers=1, batch_size=2)
    assert (summary.rebaked, summary.changed) == (4, 0)  # the guard matched the stored bytes
    assert [(f.id, f.error) for f in summary.failed] == [
        (3, "raw is not UTF-8 text: invalid continuation byte (byte 0xe9) at byte 6"),
        (6, "raw is not UTF-8 text: invalid start byte (byte 0xff) at byte 10"),
    ]
    engine = connect(url)
    t = Table("posts", Columns())
    with engine.connect() as conn:
        stored = {
            i: (raw, cooked, fp)
            for i, raw, cooked, fp in conn.execute(
                sa.select(t.id, t.raw, t.cooked, t.fingerprint).order_by(t.id)
            )
        }
    engine.dispose()
    for row_id, (raw, fmt) in BYTE_ROWS.items():
        kept, cooked, fingerprint = stored[row_id]
        assert _as_bytes(kept) == _as_bytes(raw), row_id  # rebake never writes raw
        if row_id in (3, 6):
            assert (cooked, fingerprint) == (OLD, None), row_id  # left as it was, retried next run
        else:
            text = raw if isinstance(raw, str) else bytes(raw).decode()
            form = fmt.decode() if isinstance(fmt, bytes) else fmt
            assert (cooked, fingerprint) == (_cooked(text, form), FINGERPRINT), row_id
    again = rebake(url, workers=1)
    assert (again.rebaked, again.fresh, len(again.failed)) == (0, 4, 2)


def _as_bytes(value: Any) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)


def _insert(conn: Any, insert: str) -> None:
    for row_id, (raw, fmt) in BYTE_ROWS.items():
        conn.execute(insert, (row_id, bytes(raw) if isinstance(raw, bytearray) else raw, fmt, OLD))


def test_a_blob_raw_in_sqlite_is_decoded_or_a_failed_row(tmp_path: Path) -> None:
    """SQLite keeps a BLOB as bytes whatever the column's declared type: UTF-8 bodies render,
    the others are failed rows that say where the bytes stop being UTF-8."""
    path = tmp_path / "forum.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(
            "create table posts (id integer primary key, raw blob, format, cooked text, cooked_fingerprint)"
        )
        _insert(db, "insert into posts (id, raw, format, cooked) values (?, ?, ?, ?)")
    db.close()
    _check_bytes_rebaked(str(path))


def test_sqlite_text_that_is_not_utf8_is_a_failed_row(tmp_path: Path) -> None:
    """SQLite stores whatever bytes it is given as TEXT, UTF-8 or not (a forum that wrote
    Latin-1 through a C driver); reading such a value raised in the driver and stopped the run.
    It is a failed row like a BLOB that is not UTF-8; the rows around it are rebaked."""
    path = tmp_path / "forum.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(
            "create table posts (id integer primary key, raw text, format, cooked, cooked_fingerprint)"
        )
        db.execute("insert into posts (id, raw, format) values (1, '<p>before</p>', 'html')")
        db.execute(
            "insert into posts (id, raw, format) values (2, cast(x'3c703e6361e93c2f703e' as text), 'html')"
        )
        db.execute("insert into posts (id, raw, format) values (3, '<p>after</p>', 'html')")
    db.close()
    summary = rebake(str(path), workers=1)
    assert summary.rebaked == 2
    assert [(f.id, f.error) for f in summary.failed] == [
        (2, "raw is not UTF-8 text: invalid continuation byte (byte 0xe9) at byte 5")
    ]
    with sqlite3.connect(path) as db:
        assert db.execute("select typeof(raw), hex(raw) from posts where id = 2").fetchone() == (
            "text",
            "3C703E6361E93C2F703E",
        )  # untouched
    db.close()


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    yield from serve_postgres()


@pytest.mark.postgres
def test_a_bytea_raw_in_postgresql_is_decoded_or_a_failed_row(postgres_url: str) -> None:
    engine = connect(postgres_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("drop table if exists posts")
        conn.exec_driver_sql(
            "create table posts"
            " (id int primary key, raw bytea, format bytea, cooked text, cooked_fingerprint text)"
        )
        for row_id, (raw, fmt) in BYTE_ROWS.items():
            conn.exec_driver_sql(
                "insert into posts (id, raw, format, cooked) values (%s, %s, %s, %s)",
                (row_id, _as_bytes(raw), _as_bytes(fmt), OLD),
            )
    engine.dispose()
    _check_bytes_rebaked(postgres_url)


def test_the_write_guard_compares_the_stored_bytes(tmp_path: Path) -> None:
    """``raw`` read as bytes guards the write as bytes: the same text as a str is another value
    in SQLite (a BLOB never equals a TEXT), so only the bytes read match."""
    path = tmp_path / "forum.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(
            "create table posts (id integer primary key, raw blob, format, cooked, cooked_fingerprint)"
        )
        db.execute("insert into posts (id, raw, format) values (1, ?, ?)", (b"<p>x</p>", b"html"))
    db.close()
    engine = connect(str(path))
    t = Table("posts", Columns())
    with engine.begin() as conn:
        assert not t.write(conn, 1, "<p>x</p>", b"html", "<p>x</p>", FINGERPRINT)
        assert not t.write(conn, 1, b"<p>x</p>", "html", "<p>x</p>", FINGERPRINT)
        assert t.write(conn, 1, memoryview(b"<p>x</p>"), bytearray(b"html"), "<p>x</p>", FINGERPRINT)
    engine.dispose()


@given(st.one_of(st.binary(max_size=40), st.text(max_size=20).map(str.encode)))
def test_bytes_are_text_exactly_when_they_are_utf8(data: bytes) -> None:
    """The family: bytes, bytearray and memoryview alike; text when UTF-8, else an error that
    names the first byte that is not (nothing decoded with replacement characters)."""
    for value in (data, bytearray(data), memoryview(data)):
        text, error = text_of(value, "raw")
        try:
            want = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            assert text is None and error is not None
            assert error.startswith("raw is not UTF-8 text: ") and error.endswith(f" at byte {exc.start}")
        else:
            assert (text, error) == (want, None)


@pytest.mark.parametrize(
    ("value", "error"), [(None, "raw is NULL"), (12, "raw is int, not text"), (1.5, "raw is float, not text")]
)
def test_other_values_are_failed_rows_that_say_what_they_hold(value: object, error: str) -> None:
    assert text_of(value, "raw") == (None, error)


# -- table names -------------------------------------------------------------------------------

TABLE_CASES = read_cases(FIXTURES / "rebake-tables.txt")


@pytest.mark.parametrize(("title", "given", "want"), TABLE_CASES, ids=[c[0] for c in TABLE_CASES])
def test_how_a_table_is_named(title: str, given: str, want: str, tmp_path: Path) -> None:
    """The fixture's cases, through ``rebake(table=...)``: the table it would read, or the
    RebakeError it raises before opening anything."""
    if want.startswith("RebakeError: "):
        with pytest.raises(RebakeError) as caught:
            rebake(str(tmp_path / "absent.sqlite3"), table=given, dry_run=True)
        assert str(caught.value) == want.removeprefix("RebakeError: ")
    else:
        table = Table(given, Columns())
        assert repr((table.schema, table.bare)) == want


def test_a_bad_table_is_exit_2_from_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = str(tmp_path / "forum.sqlite3")
    create(url, [("<p>x</p>", "html")])
    assert main(["rebake", url, "--table", "main.my.posts"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("composer rebake: table 'main.my.posts' (--table) has 2 dots outside quotes")
    assert 'main."my.posts"' in err


def _sqlite_table(path: Path, name: str, schema: str = "main", attach: Path | None = None) -> None:
    with sqlite3.connect(path) as db:
        if attach is not None:
            db.execute("attach database ? as analytics", (str(attach),))
        db.execute(
            f'create table "{schema}"."{name}"'
            " (id integer primary key, raw, format, cooked, cooked_fingerprint)"
        )
        db.execute(
            f'insert into "{schema}"."{name}" (id, raw, format) values (1, ?, ?)', (f"<p>{name}</p>", "html")
        )
    db.close()


def test_sqlite_tables_whose_names_hold_dots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A table named ``my.posts`` beside ``posts`` and ``my``: each reached by its own
    quoted name, through the API and the command, and only that one written."""
    path = tmp_path / "forum.sqlite3"
    for name in ("posts", "my.posts", "my"):
        _sqlite_table(path, name)
    assert rebake(str(path), table='"my.posts"', workers=1).rebaked == 1
    assert main(["rebake", str(path), "--table", 'main."my"', "--workers", "1"]) == 0
    assert capsys.readouterr().out.startswith("rebaked 1, ")
    with sqlite3.connect(path) as db:
        done = dict(db.execute('select raw, cooked from "my.posts" union all select raw, cooked from "my"'))
        assert db.execute("select cooked from posts").fetchall() == [(None,)]
    db.close()
    assert done == {"<p>my.posts</p>": "<p>my.posts</p>", "<p>my</p>": "<p>my</p>"}


def test_an_attached_sqlite_database_is_a_schema(tmp_path: Path) -> None:
    """On a connection that ATTACHes a database as ``analytics`` (rebake's own connections
    attach nothing: that is the forum's), ``analytics."my.posts"`` is its table."""
    main_file, other = tmp_path / "forum.sqlite3", tmp_path / "analytics.sqlite3"
    _sqlite_table(main_file, "my.posts")
    _sqlite_table(main_file, "my.posts", schema="analytics", attach=other)
    engine = connect(str(main_file))
    sa.event.listen(
        engine, "connect", lambda db, _: db.execute("attach database ? as analytics", (str(other),))
    )
    table = Table('analytics."my.posts"', Columns())
    with engine.begin() as conn:
        assert table.count(conn, FINGERPRINT) == (1, 1)
        assert table.rows(conn, 1, 1, FINGERPRINT) == [(1, "<p>my.posts</p>", "html")]
        assert table.write(conn, 1, "<p>my.posts</p>", "html", "<p>cooked</p>", FINGERPRINT)
    engine.dispose()
    with sqlite3.connect(other) as db:
        assert db.execute('select cooked from "my.posts"').fetchall() == [("<p>cooked</p>",)]
    db.close()
    with sqlite3.connect(main_file) as db:  # the main database's table of the same name is untouched
        assert db.execute('select cooked from "my.posts"').fetchall() == [(None,)]
    db.close()


@pytest.mark.postgres
def test_postgresql_schemas_and_names_holding_dots(postgres_url: str) -> None:
    """``public.posts``, ``analytics."my.posts"`` and ``"team.a".posts``: three tables, each
    rebaked by its own name, the others left alone."""
    engine = connect(postgres_url)
    with engine.begin() as conn:
        for schema in ("analytics", "team.a"):
            conn.exec_driver_sql(f'create schema if not exists "{schema}"')
    engine.dispose()
    rows = corpus(12, seed=5)
    tables = {  # --table -> (schema, name)
        "public.posts": ("public", "posts"),
        'analytics."my.posts"': ("analytics", "my.posts"),
        '"team.a".posts': ("team.a", "posts"),
    }
    for schema, name in tables.values():
        create(postgres_url, rows, name=sa.sql.quoted_name(name, quote=True), schema=schema)
    for n, table in enumerate(tables):
        summary = rebake(postgres_url, table=table, workers=1, batch_size=5)
        assert (summary.rebaked, len(summary.failed)) == (12, 2), table
        check_all_correct(postgres_url, name=table)
        for later in list(tables)[n + 1 :]:
            assert all(row[3] is None for row in read(postgres_url, later).values()), later


_parts = st.text(min_size=1, max_size=12)


@given(st.one_of(st.none(), _parts), _parts)
def test_every_table_is_reachable_by_quoting_its_parts(schema: str | None, name: str) -> None:
    """Whatever the names hold (dots, quotes, spaces), quoting each part as SQL does names
    that table, and a part without a dot or a leading quote may be written bare."""

    def quoted(part: str) -> str:
        return '"' + part.replace('"', '""') + '"'

    def bare(part: str) -> str:
        return part if "." not in part and not part.startswith('"') else quoted(part)

    for write in (quoted, bare):
        written = write(name) if schema is None else f"{write(schema)}.{write(name)}"
        table = Table(written, Columns())
        assert (table.schema, table.bare) == (schema, name), written
