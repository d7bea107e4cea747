"""Rebake (issue 17): stale rows only, once each, resumable after SIGKILL, on SQLite and PostgreSQL,
with the same bytes from the local pool and from Dask.

The tables are small (hundreds of generated posts, a thousand for the kill): enough for many
ranges and commits, cheap for ``make test``. The 100k-post runs are in
``benchmarks/bench_rebake.py``.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from benchmarks.corpus import posts

from composer import Pipeline, Policy, Submission
from composer.cli import main
from composer.embeds.cache import MemoryCache
from composer.embeds.fetcher import SafeFetcher
from composer.embeds.resolver import OEmbedResolver
from composer.rebake import Columns, PolicyPipeline, RebakeError, rebake
from composer.rebake._db import Table, connect
from composer.rebake._work import _HostPacer
from composer.stages import Embeds
from embed_server import EmbedServer
from postgres_server import serve_postgres

FINGERPRINT = Pipeline().fingerprint
SMALL = (300, 1200)
DEFAULT = Columns()

#: rows that cannot render: an unknown format (InputError), and a post over the emoji limit
BAD_FORMAT = ("<p>hello</p>", "bbcode")
TOO_MANY_EMOJI = ("\U0001f600" * 80, "text")


def corpus(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """``n`` generated posts in turn html, markdown, text; the two failing rows in the middle."""
    per = -(-n // 3)
    kinds = {kind: posts(kind, per, seed=seed, size=SMALL) for kind in ("html", "markdown", "text")}
    rows = [(kinds[kind][i], kind) for i in range(per) for kind in ("html", "markdown", "text")][:n]
    rows[n // 2 : n // 2] = [BAD_FORMAT, TOO_MANY_EMOJI]
    return rows


def create(
    url: str,
    rows: list[tuple[str, str]],
    columns: Columns = DEFAULT,
    name: str = "posts",
    schema: str | None = None,
) -> None:
    engine = connect(url)
    table = sa.Table(
        name,
        sa.MetaData(schema=sa.sql.quoted_name(schema, quote=True) if schema is not None else None),
        sa.Column(columns.id, sa.Integer, primary_key=True, autoincrement=False),
        sa.Column(columns.raw, sa.Text),
        sa.Column(columns.format, sa.String(16)),
        sa.Column(columns.cooked, sa.Text),
        sa.Column(columns.fingerprint, sa.String(32)),
    )
    with engine.begin() as conn:
        table.drop(conn, checkfirst=True)
        table.create(conn)
        # ids with gaps: keyset paging must not assume they are dense
        conn.execute(
            table.insert(),
            [
                {columns.id: 3 * i + 1, columns.raw: raw, columns.format: fmt}
                for i, (raw, fmt) in enumerate(rows)
            ],
        )
    engine.dispose()


def read(url: str, name: str = "posts", columns: Columns = DEFAULT) -> dict[int, tuple[Any, ...]]:
    """id -> (raw, format, cooked, fingerprint)."""
    engine = connect(url)
    t = Table(name, columns)
    with engine.connect() as conn:
        found = conn.execute(sa.select(t.id, t.raw, t.format, t.cooked, t.fingerprint).order_by(t.id)).all()
    engine.dispose()
    return {row[0]: tuple(row[1:]) for row in found}


def expected(raw: str, fmt: str, pipe: Pipeline) -> str | None:
    """The cooked HTML a correct rebake stores, or None for a row that cannot render."""
    if fmt not in ("html", "markdown", "text"):
        return None
    result = pipe.run(Submission(raw, fmt))  # type: ignore[arg-type]
    return result.html if result.ok else None


def check_all_correct(url: str, name: str = "posts", columns: Columns = DEFAULT) -> None:
    pipe = Pipeline(policy=Policy(embed_mode="cache_only"))
    for row_id, (raw, fmt, cooked, fingerprint) in read(url, name, columns).items():
        want = expected(raw, fmt, pipe)
        if want is None:
            assert (cooked, fingerprint) == (None, None), row_id
        else:
            assert (cooked, fingerprint) == (want, FINGERPRINT), row_id


def failing_ids(rows: list[tuple[str, str]]) -> list[int]:
    return [3 * i + 1 for i, row in enumerate(rows) if row in (BAD_FORMAT, TOO_MANY_EMOJI)]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return str(tmp_path / "forum.sqlite3")


# -- SQLite ------------------------------------------------------------------------------------


def test_every_row_once_failures_recorded_then_nothing(sqlite_url: str) -> None:
    rows = corpus(240)
    create(sqlite_url, rows)
    first = rebake(sqlite_url, workers=2, batch_size=25)
    assert first.fingerprint == FINGERPRINT
    assert (first.rows, first.stale, first.fresh) == (242, 242, 0)
    assert first.rebaked == 240 and first.changed == 0
    assert [f.id for f in first.failed] == failing_ids(rows)
    assert "InputError" in first.failed[0].error and "emoji_limit" in first.failed[1].error
    check_all_correct(sqlite_url)

    again = rebake(sqlite_url, workers=2, batch_size=25)
    assert (again.rebaked, again.fresh, again.stale) == (0, 240, 2)  # only the failing rows retried
    assert again.line().startswith("rebaked 0, fresh 240, failed 2 in ")


def test_null_or_old_fingerprints_are_rebaked_exactly(sqlite_url: str) -> None:
    rows = corpus(90)
    create(sqlite_url, rows)
    rebake(sqlite_url, workers=1, batch_size=20)
    edited = [4, 28, 31, 100, 211]
    engine = connect(sqlite_url)
    t = Table("posts", Columns())
    with engine.begin() as conn:
        for row_id in edited[:3]:  # an edit: new raw, fingerprint cleared
            conn.execute(
                sa.update(t.table)
                .where(t.id == row_id)
                .values(
                    {"raw": f"edited *{row_id}* :smile:", "format": "markdown", "cooked_fingerprint": None}
                )
            )
        conn.execute(
            sa.update(t.table).where(t.id.in_(edited[3:])).values({"cooked_fingerprint": "0123456789abcdef"})
        )
    engine.dispose()
    summary = rebake(sqlite_url, workers=1, batch_size=20)
    assert summary.rebaked == len(edited) and summary.stale == len(edited) + 2
    assert read(sqlite_url)[28][2] == "<p>edited <em>28</em> \U0001f604</p>\n"
    check_all_correct(sqlite_url)


def test_dry_run_counts_and_writes_nothing(sqlite_url: str) -> None:
    create(sqlite_url, corpus(30))
    before = read(sqlite_url)
    summary = rebake(sqlite_url, dry_run=True)
    assert (summary.stale, summary.fresh, summary.rebaked, summary.dry_run) == (32, 0, 0, True)
    assert read(sqlite_url) == before
    assert summary.line() == f"stale 32, fresh 0 (dry run, fingerprint {FINGERPRINT})"


def test_an_edit_while_rendering_is_not_overwritten(sqlite_url: str) -> None:
    """The write is guarded by ``raw``: output rendered from the old text is dropped."""
    create(sqlite_url, [("<p>old</p>", "html")])
    engine = connect(sqlite_url)
    t = Table("posts", Columns())
    with engine.begin() as conn:
        conn.execute(sa.update(t.table).values({"raw": "<p>new</p>"}))  # the edit lands first
        assert not t.write(conn, 1, "<p>old</p>", "html", "<p>old</p>", FINGERPRINT)
        assert t.write(conn, 1, "<p>new</p>", "html", "<p>new</p>", FINGERPRINT)
    engine.dispose()
    assert read(sqlite_url)[1] == ("<p>new</p>", "html", "<p>new</p>", FINGERPRINT)


def test_another_policy_is_another_fingerprint_and_renames_work(sqlite_url: str) -> None:
    columns = Columns("pid", "body", "markup", "html", "baked")
    create(sqlite_url, [("one \U0001f600\U0001f600", "text"), ("<p>two</p>", "html")], columns, "articles")
    pipeline = PolicyPipeline(changes=(("max_emoji", 1), ("emoji_over_limit", "trim")))
    summary = rebake(sqlite_url, table="articles", columns=columns, pipeline=pipeline, workers=1)
    assert summary.rebaked == 2 and summary.fingerprint == pipeline().fingerprint != FINGERPRINT
    assert read(sqlite_url, "articles", columns)[1][2] == "<p>one \U0001f600</p>"
    assert rebake(sqlite_url, table="articles", columns=columns, workers=1).rebaked == 2  # default policy


def test_a_missing_table_or_column_is_a_rebake_error(sqlite_url: str) -> None:
    create(sqlite_url, [("<p>x</p>", "html")])
    with pytest.raises(RebakeError, match="'nothing'"):
        rebake(sqlite_url, table="nothing")
    with pytest.raises(RebakeError):
        rebake(sqlite_url, columns=Columns(raw="body"), workers=1)


def test_the_command(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    create(sqlite_url, corpus(20))
    assert main(["rebake", sqlite_url, "--table", "posts", "--dry-run"]) == 0
    assert capsys.readouterr().out == f"stale 22, fresh 0 (dry run, fingerprint {FINGERPRINT})\n"
    status = main(
        ["rebake", f"sqlite:///{sqlite_url}", "--table", "posts", "--workers", "1", "--batch-size", "7"]
    )
    out, err = capsys.readouterr()
    assert status == 1  # rows failed
    assert out.startswith("rebaked 20, fresh 0, failed 2 in ")
    assert err.count("failed: ") == 2
    check_all_correct(sqlite_url)
    assert main(["rebake", sqlite_url, "--table", "nothing"]) == 2
    assert "composer rebake:" in capsys.readouterr().err


def test_resumes_after_sigkill_rendering_nothing_twice(sqlite_url: str) -> None:
    """SIGKILL the command (and its workers) once a batch is committed; a rerun renders exactly
    the rows not committed, and every row ends correct."""
    create(sqlite_url, corpus(1000, seed=1))
    command = [sys.executable, "-m", "composer", "rebake", sqlite_url, "--table", "posts"]
    child = subprocess.Popen(
        [*command, "--workers", "1", "--batch-size", "10"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    engine = connect(sqlite_url)
    t = Table("posts", Columns())
    committed = 0
    deadline = time.monotonic() + 120  # a watchdog, not a timing assertion
    try:
        while committed == 0 and child.poll() is None and time.monotonic() < deadline:
            with engine.connect() as conn:
                committed = conn.execute(
                    sa.select(sa.func.count()).select_from(t.table).where(t.fingerprint == FINGERPRINT)
                ).scalar_one()
            time.sleep(0.005)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        engine.dispose()
    assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""
    done = {i for i, row in read(sqlite_url).items() if row[3] == FINGERPRINT}
    assert 0 < len(done) < 1000
    rerun = rebake(sqlite_url, workers=2, batch_size=50)
    assert rerun.rebaked == 1000 - len(done)  # nothing committed is rendered again
    assert rerun.fresh == len(done)
    check_all_correct(sqlite_url)


# -- embeds ------------------------------------------------------------------------------------


def fetching_pipeline(allow: str) -> Pipeline:
    """A picklable factory (with ``functools.partial``): the default chain, its resolver allowed
    to fetch from the test server on 127.0.0.1."""
    resolver = OEmbedResolver(
        SafeFetcher(allow=[allow], connect_timeout=2.0, read_timeout=2.0), MemoryCache()
    )
    return Pipeline().replace("embed", Embeds(resolver=resolver))


def test_embeds_come_from_the_cache_or_are_fetched_when_asked(tmp_path: Path) -> None:
    server = EmbedServer().start()
    try:
        urls = [f"{server.base}/og/{n}" for n in (1, 2)]
        rows = [(f"<p>see</p><p>{urls[i % 2]}</p>", "html") for i in range(6)]
        factory = functools.partial(fetching_pipeline, server.allow)
        assert factory().fingerprint == FINGERPRINT  # the fetcher is not part of the output's rules
        offline, online = str(tmp_path / "offline.sqlite3"), str(tmp_path / "online.sqlite3")
        create(offline, rows)
        create(online, rows)
        cached = rebake(offline, pipeline=factory, workers=1)
        assert cached.rebaked == 6 and cached.pending == tuple(urls)
        assert server.log == []  # cache_only: no request at all
        assert all("composer-card" not in row[2] for row in read(offline).values())
        fetched = rebake(online, pipeline=factory, workers=1, fetch=True, fetch_interval=0.01)
        assert fetched.rebaked == 6 and fetched.pending == ()
        assert all("composer-card" in row[2] for row in read(online).values())
        assert sorted(server.requests_for("/og/")) == ["/og/1", "/og/2"]  # once each, then cached
    finally:
        server.stop()


def test_fetches_are_paced_per_host() -> None:
    """Each host's requests are one ``interval`` apart; another host's are not queued behind them."""
    pacer = _HostPacer(0.5)
    pacer.wait("https://a.example/1")
    first = pacer._next["a.example"]
    pacer.wait("https://b.example/1")  # another host: its own schedule, no wait
    pacer.wait("https://A.example/2")  # waits for its turn: the slot after the first
    assert pacer._next["a.example"] == pytest.approx(first + 0.5)
    assert pacer._next["b.example"] < pacer._next["a.example"]


# -- engines -----------------------------------------------------------------------------------


def test_local_and_dask_write_the_same_bytes(tmp_path: Path) -> None:
    pytest.importorskip("distributed", reason="dask[distributed] is in the dev extra ([dask])")
    rows = corpus(90, seed=2)
    local, dask = str(tmp_path / "local.sqlite3"), str(tmp_path / "dask.sqlite3")
    create(local, rows)
    create(dask, rows)
    one = rebake(local, engine="local", workers=2, batch_size=20)
    two = rebake(dask, engine="dask", workers=2, batch_size=20)
    assert (one.rebaked, len(one.failed)) == (two.rebaked, len(two.failed)) == (90, 2)
    assert read(local) == read(dask)
    check_all_correct(dask)


# -- PostgreSQL --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    yield from serve_postgres()


@pytest.mark.postgres
def test_postgresql_every_row_once_then_only_the_edited(postgres_url: str) -> None:
    rows = corpus(120, seed=3)
    create(postgres_url, rows)
    first = rebake(postgres_url, workers=2, batch_size=30)
    assert (first.rebaked, [f.id for f in first.failed]) == (120, failing_ids(rows))
    check_all_correct(postgres_url)
    assert rebake(postgres_url, workers=2, batch_size=30).rebaked == 0
    engine = connect(postgres_url)
    t = Table("posts", Columns())
    with engine.begin() as conn:
        conn.execute(sa.update(t.table).where(t.id.in_([1, 7, 304])).values({"cooked_fingerprint": None}))
    engine.dispose()
    assert rebake(postgres_url, workers=1, batch_size=30).rebaked == 3
    check_all_correct(postgres_url)


def test_without_the_extra_the_import_error_says_what_to_install() -> None:
    code = "import sys; sys.modules['sqlalchemy'] = None; import composer.rebake"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "pip install 'forum-composer[rebake]'" in done.stderr and "ImportError" in done.stderr
    core = (
        "import sys, composer, composer.cli; print(sorted({'sqlalchemy', 'tqdm', 'dask'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", core], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr
