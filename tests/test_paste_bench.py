"""The paste benchmark runs (``benchmarks/bench_paste.py``); no time is asserted, ever."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks import bench_paste


def test_every_clipboard_is_in_a_group() -> None:
    groups = bench_paste.clipboards()
    assert sum(len(members) for members in groups.values()) == 103 + 3  # the corpus, the web pastes
    assert all(groups[group] for group in bench_paste.GROUPS)
    assert bench_paste.LARGEST in dict(groups["Word & Office"])


def test_a_tiny_run_prints_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    rows = bench_paste.measure(repeat=1, limit=1)
    assert set(rows) == {*bench_paste.GROUPS, "all", "Word résumé (largest)"}
    assert all(row["html_us"] > 0 and row["markdown_ratio"] > 0 for row in rows.values())
    assert "Word & Office" in capsys.readouterr().out


def test_without_the_corpus_it_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bench_paste, "CORPUS", tmp_path / "absent")
    monkeypatch.setattr(bench_paste, "ROOT", tmp_path)
    assert bench_paste.measure(repeat=1) == {}
    assert "skipped" in capsys.readouterr().out
