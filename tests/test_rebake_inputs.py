"""Rebake given what a new user gives it: wrong database URLs, ids that are NULL or of mixed
types, and a driver killed by SIGKILL (its workers must not outlive it).

The happy paths (every row once, resumable, both engines, PostgreSQL) are in test_rebake.py.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from composer import Document, Pipeline
from composer.cli import main
from composer.rebake import Columns, Failure, PolicyPipeline, RebakeError, _work, rebake
from test_rebake import FINGERPRINT, corpus, create, read


@pytest.mark.parametrize(
    "url",
    [
        "missing.sqlite3",  # a typo: SQLite would create an empty file
        "sqlite:///{tmp}/missing.sqlite3",
        "nosuchdialect://host/db",  # SQLAlchemy knows no such dialect
        "mssql+pymssql://user@host/db",  # a dialect whose driver is not installed
        "postgresql://user@127.0.0.1:notaport/db",  # not a port
    ],
)
def test_a_database_that_cannot_be_opened_is_a_rebake_error(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    url = url.format(tmp=tmp_path)
    with pytest.raises(RebakeError, match="cannot open the database"):
        rebake(url, workers=1)
    assert main(["rebake", url, "--table", "posts", "--dry-run"]) == 2
    assert capsys.readouterr().err.startswith("composer rebake: cannot open the database")
    assert list(tmp_path.iterdir()) == []  # no empty database left behind


def test_null_and_mixed_type_ids(tmp_path: Path) -> None:
    """SQLite lets a key column hold NULL, text, real and blob values: every row with an id is
    rebaked; a row with a NULL id is reported, never the end of the run."""
    path = tmp_path / "odd.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("create table posts (id, raw text, format text, cooked text, cooked_fingerprint text)")
        ids: list[object] = [None, "b", 3, 2.5, 10**12, b"blob", None]
        db.executemany(
            "insert into posts (id, raw, format) values (?, ?, 'text')", [(i, f"post {i!r}") for i in ids]
        )
    db.close()
    summary = rebake(str(path), workers=1, batch_size=2)
    assert summary.rebaked == 5
    assert [f.id for f in summary.failed] == [None, None]
    assert all(isinstance(f, Failure) and "NULL" in f.error for f in summary.failed)
    with sqlite3.connect(path) as db:
        done = db.execute("select id from posts where cooked_fingerprint = ?", (FINGERPRINT,)).fetchall()
    db.close()
    assert len(done) == 5
    again = rebake(str(path), workers=1, dry_run=True)
    assert (again.stale, again.fresh) == (2, 5)


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_end_when_the_driver_is_killed(tmp_path: Path) -> None:
    """SIGKILL the driver alone (not its process group): its pool workers, left with no one to
    shut them down, end too rather than wait for ranges forever."""
    url = str(tmp_path / "forum.sqlite3")
    create(url, corpus(600, seed=2))
    command = [sys.executable, "-m", "composer", "rebake", url, "--table", "posts"]
    child = subprocess.Popen(
        [*command, "--workers", "2", "--batch-size", "10"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120  # watchdogs, not timing assertions
        workers: list[int] = []
        while len(workers) < 2 and child.poll() is None and time.monotonic() < deadline:
            workers = [p for p in _children(child.pid) if "spawn_main" in _cmdline(p)]
            time.sleep(0.05)
        assert len(workers) == 2, "the pool did not start"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        deadline = time.monotonic() + 60
        while any(map(_alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(map(_alive, workers)), "workers outlived their driver"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    summary = rebake(url, workers=1, batch_size=100)  # and a rerun finishes the job
    assert summary.rebaked + summary.fresh + len(summary.failed) == 602


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def test_a_script_without_the_main_guard_is_told_why(tmp_path: Path) -> None:
    """The local engine spawns its workers, which import the calling script again: a script that
    calls rebake() at module level gets a RebakeError naming the ``__main__`` guard, in the
    worker and in the driver, not a bare BrokenProcessPool."""
    url = str(tmp_path / "forum.sqlite3")
    create(url, corpus(6))
    script = tmp_path / "unguarded.py"
    script.write_text(f"from composer.rebake import rebake\nrebake({url!r}, workers=1)\n")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"{RebakeError.__module__}.RebakeError: a worker process died"), done.stderr
    assert 'if __name__ == "__main__":' in last
    assert "RebakeError: rebake() was called in a worker process" in done.stderr


def test_an_edit_of_the_format_alone_while_rendering_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same text read as another format is another post: the write is guarded by the
    format as well as the text, so markdown output never lands on a row now marked text."""
    url = str(tmp_path / "forum.sqlite3")
    create(url, [("# Title", "markdown")])
    render = _work._render

    def render_then_edit(pipe: object, raw: object, fmt: object) -> tuple[str | None, str | None, list[str]]:
        out = render(pipe, raw, fmt)  # type: ignore[arg-type]
        with sqlite3.connect(url) as db:  # the forum edits the post meanwhile
            db.execute("update posts set format = 'text'")
        db.close()
        return out

    monkeypatch.setattr(_work, "_render", render_then_edit)
    report = _work.run_range(_work.Job(url, "posts", Columns(), PolicyPipeline(), FINGERPRINT), 1, 1)
    assert (report.rebaked, report.changed) == (0, 1)
    assert read(url)[1] == ("# Title", "text", None, None)


@pytest.mark.parametrize(
    "option", [("--workers", "0"), ("--workers", "-2"), ("--batch-size", "0"), ("--batch-size", str(2**64))]
)
def test_counts_out_of_range_are_refused_before_anything_runs(
    option: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Even when nothing is stale, or for a dry run: a bad option is not silently ignored."""
    url = str(tmp_path / "forum.sqlite3")
    create(url, [("<p>fresh</p>", "html")])
    rebake(url, workers=1)  # nothing stale now
    assert main(["rebake", url, "--table", "posts", *option, "--dry-run"]) == 2
    assert "must be a positive int" in capsys.readouterr().err
    with pytest.raises(RebakeError, match="must be a positive int"):
        rebake(url, workers=True)


def test_a_database_error_reads_as_the_database_put_it(tmp_path: Path) -> None:
    """A missing table or column: the database's message, not the SQL statement and its
    parameters."""
    url = str(tmp_path / "forum.sqlite3")
    create(url, [("<p>x</p>", "html")])
    for options in ({"table": "nothing"}, {"columns": Columns(fingerprint="fp")}):
        with pytest.raises(RebakeError) as caught:
            rebake(url, workers=1, **options)
        assert "no such" in str(caught.value)
        assert "[SQL:" not in str(caught.value) and "sqlalche.me" not in str(caught.value)


@pytest.mark.parametrize("name", ["nothing", "window", "group", 'odd "name"; drop table posts --'])
def test_names_are_quoted_as_written(name: str, tmp_path: Path) -> None:
    """Table and column names are always quoted: a keyword SQLAlchemy does not know as one
    (SQLite's ``nothing``) works, and a name full of SQL is just a name."""
    url = str(tmp_path / "forum.sqlite3")
    column = name.replace(" ", "_")
    as_is = functools.partial(sa.sql.quoted_name, quote=True)  # the test's own CREATE TABLE too
    create(url, [("<p>x</p>", "html")], Columns(raw=as_is(column)), name=as_is(name))
    summary = rebake(url, table=name, columns=Columns(raw=column), workers=1)
    assert (summary.rebaked, summary.failed) == (1, ())


def test_a_read_only_database_stops_the_run_without_dumping_posts(tmp_path: Path) -> None:
    """A worker's failed write is a RebakeError in the database's words: no SQL, and none of
    the posts' text (the statement's parameters) on the terminal."""
    path = tmp_path / "forum.sqlite3"
    create(str(path), [("<p>a private post</p>", "html")])
    with pytest.raises(RebakeError, match="readonly database") as caught:
        rebake(f"sqlite:///file:{path}?mode=ro&uri=true", workers=1)
    assert "private" not in str(caught.value) and "UPDATE" not in str(caught.value)


def test_ctrl_c_ends_the_command_with_a_sentence(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the process group) ends ``composer rebake`` with exit 130 and one line
    saying how to resume, not tracebacks from the driver and each worker."""
    url = str(tmp_path / "forum.sqlite3")
    # several seconds of work: Ctrl-C, sent at the first commit, comes well before the end
    create(url, corpus(2400, seed=3))
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "composer",
            "rebake",
            url,
            "--table",
            "posts",
            "--workers",
            "2",
            "--batch-size",
            "5",
        ],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a shell's & ignores it
    )
    try:
        deadline = time.monotonic() + 120  # a watchdog, not a timing assertion
        while not any(row[3] for row in read(url).values()) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(child.pid, signal.SIGINT)
        _, err = child.communicate(timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    if child.returncode == 1:  # it finished before the signal came: nothing to check
        pytest.skip("the run ended before Ctrl-C")
    assert child.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("composer rebake: interrupted")


def test_a_scheduler_without_the_dask_engine_is_refused(tmp_path: Path) -> None:
    """``--scheduler`` with the local engine would be ignored: the run would not go where asked."""
    url = str(tmp_path / "forum.sqlite3")
    create(url, [("<p>x</p>", "html")])
    with pytest.raises(RebakeError, match="--engine dask"):
        rebake(url, scheduler="tcp://127.0.0.1:8786", dry_run=True)


@dataclasses.dataclass(frozen=True)
class _KillsItsProcess:
    """A stage that ends its process without a word on a post holding ``KILL ME``, as an
    out-of-memory kill or a crash in native code would."""

    name: str = "kills"

    def __call__(self, doc: Document) -> None:
        if "KILL ME" in doc.source:
            os._exit(137)


def _crashing_pipeline() -> Pipeline:
    """A picklable factory (spawned workers import this module): the default chain + the killer."""
    return Pipeline().insert_before("sanitize", _KillsItsProcess())


def test_a_pool_that_breaks_before_a_range_is_sent_hands_that_range_to_isolation_too() -> None:
    """A worker may die between two waits: the next range then cannot be sent, and it goes to
    the one-at-a-time isolation with the ranges in flight, not up as BrokenProcessPool (CI saw
    that race in the test below once)."""
    from concurrent.futures import BrokenExecutor, ProcessPoolExecutor

    from composer.rebake import _ranges
    from composer.rebake._crashes import Died

    with ProcessPoolExecutor(1) as pool:
        assert isinstance(pool.submit(os._exit, 1).exception(timeout=60), BrokenExecutor)
        with pytest.raises(Died) as died:
            list(_ranges(pool, None, iter([(1, 5, [1, 5]), (6, 9, [6, 9])]), 1, []))  # type: ignore[arg-type]
    assert died.value.ranges == [(1, 5, [1, 5])]


def test_a_range_that_committed_before_the_pool_broke_is_counted_by_its_kept_report(
    tmp_path: Path,
) -> None:
    """When a worker dies, every range not yet collected fails with BrokenExecutor, also one
    that had committed and was sending its report back: its rows are fresh, so isolation finds
    nothing to render, and they were counted nowhere (CI: rebaked 53 of 58). The report each
    range keeps after its commit (``Job.records``) counts them; a range that kept none is
    rendered row by row."""
    from composer.rebake import _crashes, _records
    from composer.rebake._db import Table, connect

    url = str(tmp_path / "forum.sqlite3")
    create(url, [(f"post {i}", "text") for i in range(10)])  # ids 1, 4, ..., 28
    records = tmp_path / "records"
    records.mkdir()
    job = _work.Job(url, "posts", Columns(), PolicyPipeline(), FINGERPRINT, records=str(records))
    committed = _records.run(job, 1, 13)  # the range that committed; its future then broke
    assert committed.rebaked == 5
    assert _records.kept(job, (1, 13)) == committed
    db = connect(url)
    try:
        pages = [(1, 13, [1, 4, 7, 10, 13]), (16, 28, [16, 19, 22, 25, 28])]
        reports = list(_crashes.isolate(job, Table("posts", Columns()), db, pages, []))
    finally:
        db.dispose()
    assert sum(r.rebaked for r in reports) == 10  # 5 kept + 5 rendered one at a time
    assert [r.rebaked for r in reports[:1]] == [5]
    assert not [name for name in os.listdir(records) if name.endswith(".partial")]


def test_a_row_that_kills_its_worker_is_recorded_and_skipped(tmp_path: Path) -> None:
    """A post whose rendering kills the worker process is a failed row like one that raises:
    the run goes on, every other row is rebaked, and a rerun does not stop at it either."""
    url = str(tmp_path / "forum.sqlite3")
    rows = [(f"post {i}", "text") for i in range(60)]
    rows[17] = ("please KILL ME", "text")
    rows[41] = ("KILL ME too", "text")
    create(url, rows)
    summary = rebake(url, pipeline=_crashing_pipeline, workers=2, batch_size=5)
    killers = [3 * 17 + 1, 3 * 41 + 1]  # create() numbers the rows 1, 4, 7, ...
    assert sorted(f.id for f in summary.failed) == killers
    assert all("worker process died" in f.error for f in summary.failed)
    assert summary.rebaked == 58
    fingerprint = _crashing_pipeline().fingerprint
    stored = read(url)
    assert [i for i, (_, _, _, fp) in stored.items() if fp != fingerprint] == killers
    again = rebake(url, pipeline=_crashing_pipeline, workers=1, batch_size=5)
    assert (again.rebaked, sorted(f.id for f in again.failed)) == (0, killers)
