"""What each stage costs by kind of post: where the budget's ratio is won or lost.

The 5 KB benchmark posts (``benchmarks.corpus``, seed 0) fall in five kinds that take
different paths through the chain: ``plain`` (ASCII, no bare URL, no Office markup: no stage
has work), ``url`` (a bare URL in the text: links, maybe an embed), ``nonascii`` (emoji and
other non-ASCII text: the emoji count), ``nonascii+url``, and ``office`` (pasted Word or
Google Docs markup: the paste clean-up on a tree). For each kind this prints µs a post for
every stage of the default no-network chain, the document's creation and its result, and a
bare ``nh3.clean`` of the same posts, with the kind's share of the whole run's time.

    python -m benchmarks.by_class [--n 150] [--passes 7] [--kind plain]

CPU time (``time.process_time``), garbage collector off, the median of ``--passes``; every
stage is timed on each post in turn, so load from other processes hits all of them alike.
"""

from __future__ import annotations

import argparse
import gc
import re
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python benchmarks/by_class.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nh3

from benchmarks import corpus
from benchmarks.run import NO_NETWORK
from composer import Document, Pipeline, Submission

KINDS = ("plain", "url", "nonascii", "nonascii+url", "office")
_BARE_URL = re.compile(r"(?:^|[\s>])(?:https?://|www\.)")
_OFFICE = ("mso", "docs-internal", "urn:schemas")


def kind_of(post: str) -> str:
    """The kind of a benchmark post (see the module docstring)."""
    lower = post.lower()
    if any(marker in lower for marker in _OFFICE):
        return "office"
    parts = [] if post.isascii() else ["nonascii"]
    if _BARE_URL.search(post):
        parts.append("url")
    return "+".join(parts) or "plain"


def measure(posts: Sequence[str], passes: int) -> dict[str, list[float]]:
    """Seconds a post for each column (stages, ``_doc``, ``_result``, ``nh3``), one list per
    post of the medians over ``passes``."""
    pipe = Pipeline(policy=NO_NETWORK)
    stages = pipe._stages
    columns = ["_doc", *(stage.name for stage in stages), "_result", "nh3"]
    runs: dict[str, list[list[float]]] = {name: [[] for _ in posts] for name in columns}
    clock = time.process_time
    for post in posts[:20]:  # warm-up: imports, caches, compiled patterns
        pipe.run(Submission(post, "html"))
    gc.collect()
    gc.disable()
    try:
        for _ in range(passes):
            for i, post in enumerate(posts):
                start = clock()
                doc = Document(post, "html", pipe._bound, messages=pipe._messages)
                runs["_doc"][i].append(clock() - start)
                for stage in stages:
                    if doc.stopped:
                        runs[stage.name][i].append(0.0)
                        continue
                    start = clock()
                    stage(doc)
                    runs[stage.name][i].append(clock() - start)
                start = clock()
                doc.result()
                runs["_result"][i].append(clock() - start)
                start = clock()
                nh3.clean(post)
                runs["nh3"][i].append(clock() - start)
    finally:
        gc.enable()
    return {name: [statistics.median(times) for times in per_post] for name, per_post in runs.items()}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.by_class", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--n", type=int, default=150, help="5 KB HTML posts (default 150)")
    parser.add_argument("--passes", type=int, default=7, help="passes, the median kept (default 7)")
    parser.add_argument("--kind", choices=KINDS, default=None, help="only this kind of post")
    args = parser.parse_args(argv)
    posts = corpus.posts_5kb("html", args.n, 0)
    times = measure(posts, args.passes)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, post in enumerate(posts):
        groups[kind_of(post)].append(i)
    columns = [name for name in times if name != "nh3"]
    total = sum(sum(times[name]) for name in columns)
    nh3_total = sum(times["nh3"])
    print(f"{args.n} posts, median of {args.passes} passes, µs a post (CPU time)")
    print(f"  whole run: pipeline / bare nh3.clean = {total / nh3_total:.2f}x  (budget <= 2.5x)")
    header = f"  {'kind':<13}{'posts':>6}{'share':>7}{'ratio':>7}" + "".join(f"{c:>9}" for c in columns)
    print(header + f"{'total':>9}{'nh3':>8}")
    for kind in KINDS:
        if args.kind not in (None, kind) or kind not in groups:
            continue
        idx = groups[kind]
        cells = {name: sum(times[name][i] for i in idx) for name in times}
        kind_total = sum(cells[name] for name in columns)
        row = f"  {kind:<13}{len(idx):>6}{kind_total / total:>7.0%}{kind_total / cells['nh3']:>7.2f}"
        row += "".join(f"{cells[name] / len(idx) * 1e6:>9.1f}" for name in columns)
        print(row + f"{kind_total / len(idx) * 1e6:>9.1f}{cells['nh3'] / len(idx) * 1e6:>8.1f}")


if __name__ == "__main__":
    main()
