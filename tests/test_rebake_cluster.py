"""The Dask engine when the cluster itself fails: a scheduler nobody answers at, one killed
mid-run. Either ends the run with a ``RebakeError`` that names the scheduler's address and
says what is committed stays (exit 2 from the command), never a ``CancelledError`` or a comm
error; a rerun resumes.

A real ``dask scheduler`` and ``dask worker`` (separate processes, this tree on their path);
the scheduler is killed with SIGKILL once the run has committed a range.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from composer import Document, Pipeline
from composer.cli import main
from composer.rebake import RebakeError, rebake
from composer.rebake._db import Columns, Table, connect
from conftest import free_port
from test_rebake import create

distributed = pytest.importorskip("distributed", reason="dask[distributed] is in the dev extra ([dask])")
dask = pytest.importorskip("dask")

TESTS = Path(__file__).parent


@pytest.fixture
def quick_connect() -> Iterator[None]:
    """Give up connecting after 3 s, not the default 30 (the driver's own config)."""
    with dask.config.set({"distributed.comm.timeouts.connect": "3s"}):
        yield


@pytest.mark.usefixtures("quick_connect")
def test_no_scheduler_at_the_address(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = str(tmp_path / "forum.sqlite3")
    create(url, [("<p>x</p>", "html")])
    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(RebakeError) as caught:
        rebake(url, engine="dask", scheduler=address)
    message = str(caught.value)
    assert message.startswith(f"cannot reach the Dask scheduler at {address!r}: ")
    assert message.endswith(
        "; nothing was rendered: start the scheduler (or fix --scheduler), then run again"
    )
    assert main(["rebake", url, "--table", "posts", "--engine", "dask", "--scheduler", address]) == 2
    assert capsys.readouterr().err == f"composer rebake: {message}\n"


@dataclasses.dataclass(frozen=True)
class _Slow:
    """A stage that takes its time (a slow post), so the run is still going when the scheduler dies."""

    name: str = "slow"

    def __call__(self, doc: Document) -> None:
        time.sleep(0.05)


def slow_pipeline() -> Pipeline:
    """A picklable factory (the Dask worker imports this module): the default chain, slowly."""
    return Pipeline().insert_before("sanitize", _Slow())


def _start(command: list[str]) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(TESTS.parent / "src"), str(TESTS), str(TESTS.parent)]),
    }
    return subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _current(url: str, fingerprint: str) -> int:
    engine = connect(url)
    t = Table("posts", Columns())
    with engine.connect() as conn:
        done = conn.execute(
            sa.select(sa.func.count()).select_from(t.table).where(t.fingerprint == fingerprint)
        )
        count = int(done.scalar_one())
    engine.dispose()
    return count


@pytest.mark.usefixtures("quick_connect")
def test_a_scheduler_killed_mid_run(tmp_path: Path) -> None:
    url = str(tmp_path / "forum.sqlite3")
    create(url, [(f"post {i}", "text") for i in range(300)])
    fingerprint = slow_pipeline().fingerprint
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask_cli = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    scheduler = _start([*dask_cli, "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"])
    worker = _start(
        [
            sys.executable,
            "-m",
            "distributed.cli.dask_worker",
            address,
            "--nthreads",
            "1",
            "--nworkers",
            "1",
            "--dashboard-address",
            ":0",
            "--no-nanny",
        ]
    )
    outcome: list[BaseException | object] = []

    def run() -> None:
        try:
            outcome.append(
                rebake(url, pipeline=slow_pipeline, engine="dask", scheduler=address, batch_size=5)
            )
        except BaseException as error:  # what the test is about: the kind of error
            outcome.append(error)

    driver = threading.Thread(target=run, daemon=True)
    try:
        driver.start()
        deadline = time.monotonic() + 120  # a watchdog, not a timing assertion
        while _current(url, fingerprint) == 0 and driver.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        _stop(scheduler)
        driver.join(timeout=180)
        assert not driver.is_alive()
    finally:
        _stop(scheduler)
        _stop(worker)
    [error] = outcome
    assert isinstance(error, RebakeError), repr(error)
    assert str(error).startswith(f"the Dask scheduler at {address!r} was lost: ")
    assert str(error).endswith("; what is committed stays, run again to resume")
    committed = _current(url, fingerprint)
    assert 0 < committed < 300
    rerun = rebake(url, pipeline=slow_pipeline, workers=1, batch_size=50)
    assert (rerun.rebaked, rerun.fresh, rerun.failed) == (300 - committed, committed, ())


@pytest.mark.parametrize(
    "error",
    [
        distributed.client.FutureCancelledError("k", "scheduler-connection-lost"),
        distributed.comm.core.CommClosedError("in <TCP>: Stream is closed"),
        distributed.client.ClosedClientError("Client is closed. Can't send update-graph message."),
        TimeoutError("Timed out trying to connect"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_each_kind_of_cluster_error_is_told_with_the_address(error: Exception) -> None:
    """The errors the cluster raises in the driver (the live cases above raise the first two)."""
    from composer.rebake._engines import _lost

    with pytest.raises(RebakeError) as caught, _lost("tcp://10.0.0.7:8786"):
        raise error
    assert str(caught.value).startswith(
        f"the Dask scheduler at 'tcp://10.0.0.7:8786' was lost: {type(error).__name__}"
    )
    assert caught.value.__cause__ is error
