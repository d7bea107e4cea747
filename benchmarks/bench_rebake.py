"""Rebake throughput: posts/s for 1 and 2 local workers and for Dask with 2 workers (SQLite).

One SQLite file holds ``--posts`` generated posts (default 100 000: html, markdown and text in
turn, 1-8 KB each, from benchmarks/corpus.py); before each engine's run every fingerprint is
cleared, so each run rebakes the whole table. Prints posts/s and the scaling efficiency
(throughput with 2 workers / (2 x throughput with 1)). Wall time, since workers are processes;
on a shared machine the numbers move with the load. Not run by ``make test``:

    .venv/bin/python -m benchmarks.bench_rebake            # 100k posts, ~10 min on 2 cores
    .venv/bin/python -m benchmarks.bench_rebake --posts 3000 --keep /tmp/forum.sqlite3

Numbers go in docs/rebake.md and at the end of docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from dataclasses import dataclass

from benchmarks.corpus import KINDS, posts
from composer.rebake import Summary, rebake

#: (label, engine, workers)
RUNS = (("local, 1 worker", "local", 1), ("local, 2 workers", "local", 2), ("dask, 2 workers", "dask", 2))


def build(path: str, n: int, seed: int) -> int:
    """Create ``posts`` at ``path`` with ``n`` posts; returns their total UTF-8 size."""
    per = -(-n // len(KINDS))
    made = {kind: posts(kind, per, seed=seed) for kind in KINDS}
    rows = [(made[kind][i], kind) for i in range(per) for kind in KINDS][:n]
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, raw TEXT NOT NULL, format TEXT NOT NULL, "
        "cooked TEXT, cooked_fingerprint TEXT)"
    )
    db.executemany("INSERT INTO posts (raw, format) VALUES (?, ?)", rows)
    db.commit()
    db.close()
    return sum(len(raw.encode("utf-8")) for raw, _ in rows)


def reset(path: str) -> None:
    db = sqlite3.connect(path)
    db.execute("UPDATE posts SET cooked = NULL, cooked_fingerprint = NULL")
    db.commit()
    db.close()


@dataclass(frozen=True)
class Row:
    label: str
    summary: Summary

    @property
    def rate(self) -> float:
        return self.summary.rebaked / self.summary.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--keep", metavar="PATH", help="build (or reuse) the database here")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="composer-rebake-bench-")
    path = args.keep or os.path.join(folder, "forum.sqlite3")
    if not os.path.exists(path):
        started = time.perf_counter()
        size = build(path, args.posts, args.seed)
        print(f"built {args.posts} posts ({size / 1e6:.0f} MB) in {time.perf_counter() - started:.0f} s")
    rows: list[Row] = []
    for label, engine, workers in RUNS:
        reset(path)
        summary = rebake(path, engine=engine, workers=workers, batch_size=args.batch_size, progress=False)  # type: ignore[arg-type]
        rows.append(Row(label, summary))
        load = os.getloadavg()[1]  # the 5-minute average, over most of the run
        print(f"{label:18} {summary.line():48} {rows[-1].rate:8.0f} posts/s  (load {load:.1f})", flush=True)
        assert rebake(path, workers=1, dry_run=True).stale == len(summary.failed)
    one = rows[0].rate
    for row in rows[1:]:
        print(f"{row.label}: speed-up {row.rate / one:.2f}x, scaling efficiency {row.rate / (2 * one):.0%}")
    print(f"CPUs: {os.cpu_count()}; load: the machine's 5-minute load average at the end of each run")


if __name__ == "__main__":
    main()
