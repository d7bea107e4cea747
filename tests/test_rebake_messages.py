"""What rebake's messages echo of what it was given: names in repr-like quotes, so a space, a
tab or a control character shows (``--table 'posts '`` reads ``'posts '``); a database URL's
password never.

Real SQLite files; the PostgreSQL URL points at a port where nothing listens.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from composer.cli import main
from composer.rebake import Columns, RebakeError, rebake
from conftest import free_port
from postgres_server import serve_postgres
from test_rebake import create

ALL = "'id', 'raw', 'format', 'cooked', 'cooked_fingerprint'"


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (
            ["--table", "posts "],
            {"table": "posts "},
            "no such table 'posts ' (--table) in this database",
        ),
        (
            ["--table", "posts\x1b"],
            {"table": "posts\x1b"},
            "no such table 'posts\\x1b' (--table) in this database",
        ),
        (
            ["--table", "posts", "--raw-column", "raw\t"],
            {"columns": Columns(raw="raw\t")},
            f"no such column 'raw\\t' (--raw-column) in table 'posts'; its columns: {ALL}",
        ),
        (
            ["--table", "posts", "--id-column", " id"],
            {"columns": Columns(id=" id")},
            f"no such column ' id' (--id-column) in table 'posts'; its columns: {ALL}",
        ),
        (
            ["--table", "posts", "--scheduler", "tcp://127.0.0.1:8786 "],
            {"scheduler": "tcp://127.0.0.1:8786 "},
            "a scheduler ('tcp://127.0.0.1:8786 ') is for the dask engine: add --engine dask",
        ),
    ],
)
def test_names_show_their_whitespace_and_control_characters(
    args: list[str],
    options: dict[str, object],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = str(tmp_path / "forum.sqlite3")
    create(url, [("<p>x</p>", "html")])
    with pytest.raises(RebakeError) as caught:
        rebake(url, workers=1, **options)  # type: ignore[arg-type]
    assert str(caught.value) == message
    assert main(["rebake", url, *args, "--workers", "1"]) == 2
    assert capsys.readouterr().err == f"composer rebake: {message}\n"


def test_a_database_password_is_never_echoed(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("psycopg", reason="psycopg is in the dev extra ([postgres])")
    for url in (
        f"postgresql://forum:s3cret-pw@127.0.0.1:{free_port()}/forum",
        "postgresql://forum:s3cret-pw@127.0.0.1:notaport/forum",
        "nosuchdialect://forum:s3cret-pw@127.0.0.1/forum",
    ):
        with pytest.raises(RebakeError) as caught:
            rebake(url, workers=1)
        assert "s3cret" not in str(caught.value), url
        assert main(["rebake", url, "--table", "posts"]) == 2
        assert "s3cret" not in capsys.readouterr().err, url


def test_failed_ids_are_written_as_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A text id on the failed lines shows its quotes (and so its spaces); an integer id is
    the number."""
    path = tmp_path / "forum.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("create table posts (id, raw, format, cooked, cooked_fingerprint)")
        db.executemany(
            "insert into posts (id, raw, format) values (?, ?, ?)",
            [("a ", "<p>x</p>", "bbcode"), (7, "<p>y</p>", "bbcode")],
        )
    db.close()
    assert main(["rebake", str(path), "--table", "posts", "--workers", "1"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert [line.split(": ", 2)[1] for line in err if line.startswith("failed: ")] == ["7", "'a '"]


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    yield from serve_postgres()


@pytest.mark.postgres
def test_postgresql_names_show_their_whitespace(
    postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same sentences on PostgreSQL, where a table is found through the search_path."""
    create(postgres_url, [("<p>x</p>", "html")])
    for args, message in (
        (["--table", "posts "], "no such table 'posts ' (--table) in this database"),
        (["--table", "nowhere.posts"], "no such table 'nowhere.posts' (--table) in this database"),
        (
            ["--table", "public.posts", "--cooked-column", "cooked\n"],
            f"no such column 'cooked\\n' (--cooked-column) in table 'public.posts'; its columns: {ALL}",
        ),
    ):
        assert main(["rebake", postgres_url, *args, "--workers", "1"]) == 2
        assert capsys.readouterr().err == f"composer rebake: {message}\n"
