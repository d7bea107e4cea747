"""The chart ``make bench`` writes (docs/performance.png): throughput by input size, and the
budget ratios of the run.

    python -m benchmarks.run --chart docs/performance.png

:func:`sweep` measures throughput (MB/s of input) of the HTML and markdown pipelines and of
their references (bare ``nh3.clean``, markdown-it-py's render alone) on inputs from 1 KB to
384 KB: generated posts of the size up to 8 KB, 5 KB posts joined beyond. A flat line is a
cost linear in size. :func:`draw` needs matplotlib (the ``dev`` extra); numbers are printed
whether or not it is installed.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import corpus

#: input sizes of the sweep, KB
SIZES_KB = (1, 2, 4, 8, 32, 128, 384)
#: bytes of input each function gets per size and pass (fewer, larger inputs at large sizes)
BYTES_PER_POINT = 384 * corpus.KB


@dataclass
class Findings:
    """What one run measured, for the chart: ratios against their budgets, and the sweep."""

    #: label -> (measured ratio, budget, True when the budget is a ceiling)
    ratios: dict[str, tuple[float, float, bool]] = field(default_factory=dict)
    #: series label -> [(size in KB, MB/s)]
    throughput: dict[str, list[tuple[float, float]]] = field(default_factory=dict)


def inputs(kind: corpus.Kind, size_kb: int, seed: int) -> list[str]:
    """Inputs of about ``size_kb`` KB, enough of them to make :data:`BYTES_PER_POINT`."""
    count = max(2, min(120, BYTES_PER_POINT // (size_kb * corpus.KB)))
    if size_kb <= 8:
        size = size_kb * corpus.KB
        return corpus.posts(kind, count, seed, (size - 160, size + 160))
    per_input = max(1, size_kb // 5)
    pool = corpus.posts_5kb(kind, per_input + count, seed)
    return ["\n\n".join(pool[i : i + per_input]) for i in range(count)]


def sweep(
    series: dict[str, tuple[corpus.Kind, Callable[[str], object]]],
    seed: int,
    repeat: int,
    passes: Callable[[Sequence[Callable[[Any], object]], Sequence[Any], int], list[list[float]]],
) -> dict[str, list[tuple[float, float]]]:
    """MB/s of input for each series at each size of :data:`SIZES_KB` (median of the passes).

    ``series``: label -> (input kind, function). Series of one kind take turns input by
    input (``passes``, from benchmarks.run), so a ratio read off the chart is honest.
    """
    out: dict[str, list[tuple[float, float]]] = {label: [] for label in series}
    kinds = sorted({kind for kind, _ in series.values()})
    for size_kb in SIZES_KB:
        for kind in kinds:
            labels = [label for label, (k, _) in series.items() if k == kind]
            posts = inputs(kind, size_kb, seed)
            mean_bytes = statistics.mean(len(post.encode("utf-8")) for post in posts)
            for label in labels:  # a refused input would look cheap: say so
                problems = getattr(series[label][1](posts[0]), "problems", ())
                if problems:
                    print(f"  note: {label} at {size_kb} KB: {[problem.code for problem in problems]}")
            times = passes([series[label][1] for label in labels], posts, repeat)
            for label, own in zip(labels, times, strict=True):
                out[label].append((mean_bytes / corpus.KB, mean_bytes / statistics.median(own) / 1e6))
    return out


def show(throughput: dict[str, list[tuple[float, float]]]) -> None:
    """The sweep as a table: MB/s by size."""
    labels = list(throughput)
    print(f"  {'size':>8} " + " ".join(f"{label:>22}" for label in labels))
    for i, size_kb in enumerate(SIZES_KB):
        row = " ".join(f"{throughput[label][i][1]:>17,.1f} MB/s" for label in labels)
        print(f"  {size_kb:>5} KB {row}")


def draw(findings: Findings, path: Path, title: str) -> bool:
    """Write the chart to ``path`` (PNG); False, with a note, when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("  chart skipped: matplotlib is not installed (pip install 'forum-composer[dev]')")
        return False
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8), width_ratios=(3, 2))
    for label, points in findings.throughput.items():
        left.plot([kb for kb, _ in points], [mbs for _, mbs in points], marker="o", label=label)
    left.set_xscale("log", base=2)
    left.set_yscale("log")
    left.set_xlabel("input size (KB)")
    left.set_ylabel("throughput (MB of input per second)")
    left.set_title("Throughput by input size (flat = linear cost)")
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)

    labels = list(findings.ratios)
    values = [findings.ratios[label][0] for label in labels]
    colours = [
        "tab:green" if (value <= budget if ceiling else value >= budget) else "tab:red"
        for value, budget, ceiling in findings.ratios.values()
    ]
    rows = range(len(labels))
    right.barh(rows, values, color=colours)
    for row, (value, budget, ceiling) in zip(rows, findings.ratios.values(), strict=True):
        right.plot([budget, budget], [row - 0.4, row + 0.4], color="black", linewidth=2)
        right.text(value, row, f" {value:.2f}x (budget {'<=' if ceiling else '>='} {budget:g}x)", va="center")
    right.set_yticks(list(rows), labels, fontsize=8)
    right.invert_yaxis()
    right.set_xscale("log")
    right.set_xlim(0.5, max([*values, 20.0]) * 6)
    right.set_title("Budgets (black bar: the budget; green: met)")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"  chart written to {path}")
    return True
