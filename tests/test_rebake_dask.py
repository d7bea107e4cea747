"""The Dask engine when a row kills its worker: the row is isolated and recorded, as with the
local engine, instead of ending the run.

A real ``LocalCluster`` (its nannies restart the workers that die); the scheduler is told to
give up on a task after one dead worker (``allowed-failures`` 0), so each killer row costs a
worker restart or two, not four.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from composer.rebake import CRASHED, RebakeError, rebake
from test_rebake import create, read
from test_rebake_inputs import _crashing_pipeline

distributed = pytest.importorskip("distributed", reason="dask[distributed] is in the dev extra ([dask])")
dask = pytest.importorskip("dask")


@pytest.fixture
def one_failure_allowed() -> Iterator[None]:
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        yield


def _table(url: str, killers: tuple[int, ...], n: int = 24) -> list[int]:
    """``n`` text posts, the ones at ``killers`` (positions) holding the killer's mark; their ids."""
    rows = [(f"post {i}", "text") for i in range(n)]
    for at in killers:
        rows[at] = (f"KILL ME {at}", "text")
    create(url, rows)
    return [3 * at + 1 for at in killers]  # create() numbers the rows 1, 4, 7, ...


@pytest.mark.usefixtures("one_failure_allowed")
def test_a_row_that_kills_its_dask_worker_is_recorded_and_skipped(tmp_path: Path) -> None:
    url = str(tmp_path / "forum.sqlite3")
    killers = _table(url, (5, 17))
    summary = rebake(url, pipeline=_crashing_pipeline, engine="dask", workers=2, batch_size=4)
    assert [(f.id, f.error) for f in summary.failed] == [(i, CRASHED) for i in killers]
    fingerprint = _crashing_pipeline().fingerprint
    assert [i for i, row in read(url).items() if row[3] != fingerprint] == killers  # the rest are rebaked
    # each row counted once: a range that committed on a worker that then died is counted by the
    # report it kept on the scheduler, not rendered twice nor left out
    assert (summary.rebaked, summary.changed) == (22, 0)
    again = rebake(url, pipeline=_crashing_pipeline, engine="dask", workers=1, batch_size=4)
    assert (again.rebaked, again.fresh, [f.id for f in again.failed]) == (0, 22, killers)


@pytest.mark.usefixtures("one_failure_allowed")
def test_too_many_killer_rows_end_the_dask_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``MAX_CRASHES`` such rows something else is wrong: the run stops, what is
    committed stays."""
    monkeypatch.setattr("composer.rebake._crashes.MAX_CRASHES", 1)  # the cap the driver applies
    url = str(tmp_path / "forum.sqlite3")
    _table(url, (2, 3), n=8)
    with pytest.raises(RebakeError, match=r"a Dask worker process died .*\(2 rows killed their worker\)"):
        rebake(url, pipeline=_crashing_pipeline, engine="dask", workers=1, batch_size=8)
