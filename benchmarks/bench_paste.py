"""What a paste costs: the clipboards of the corpus through ``Pipeline.paste``, against ``nh3.clean``.

Printed, per group of clipboards (Word and other Office apps, Google Docs, web pages and code
editors), in µs per paste: ``Pipeline().paste(Clipboard(html=...))`` for the HTML target and
for ``target="markdown"``, a bare ``nh3.clean`` of the same clipboard HTML, and the ratio of
each paste to it; then the same for Word's largest clipboard (the 70 KB résumé). The
clipboards are ``tests/corpora/paste/`` (``word/``, ``google-docs/``, ``more/``, whose
``manifest.json`` names each one's origin) and the web pastes of ``tests/fixtures/paste/``;
without them (a wheel, a trimmed checkout) the benchmark says so and does nothing.

    python -m benchmarks.bench_paste [--repeat 5] [--limit N]

Timing: CPU time (``time.process_time``), a warm-up pass, the garbage collector off inside
timed passes, the functions taking turns clipboard by clipboard, the median of ``--repeat``
passes. No budget: the paste runs once per paste event, not per post view. No test asserts
these numbers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python benchmarks/bench_paste.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nh3

from benchmarks.run import passes  # the harness's timing loop: turns input by input, CPU clock
from composer import Clipboard, Pipeline, Policy

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpora" / "paste"
WEB_PASTES = ROOT / "tests" / "fixtures" / "paste"
#: the largest Word clipboard, timed on its own
LARGEST = "word/list/resume-template/input.word2016.html"
#: group of a ``more/`` clipboard, by the application its manifest names
_ORIGINS = (("Google Docs", "Google Docs"), ("MS ", "Word & Office"), ("LibreOffice", "Word & Office"),
            ("OneNote", "Word & Office"))  # fmt: skip
GROUPS = ("Word & Office", "Google Docs", "web & code")


def _group_of_more(origin: str) -> str:
    return next((group for needle, group in _ORIGINS if needle in origin), "web & code")


def clipboards() -> dict[str, list[tuple[str, str]]]:
    """``{group: [(name, clipboard HTML), ...]}``; empty when the corpus is not there."""
    out: dict[str, list[tuple[str, str]]] = {group: [] for group in GROUPS}
    if not CORPUS.is_dir():
        return {}
    for path in sorted(CORPUS.rglob("*.html")):
        name = path.relative_to(CORPUS).as_posix()
        if name.startswith("word/"):
            group = "Word & Office"
        elif name.startswith("google-docs/"):
            group = "Google Docs"
        else:
            continue
        out[group].append((name, path.read_text(encoding="utf-8")))
    manifest = CORPUS / "more" / "manifest.json"
    origins = {e["file"]: e["origin"] for e in json.loads(manifest.read_text())} if manifest.exists() else {}
    for path in sorted((CORPUS / "more").glob("*.html")):
        group = _group_of_more(origins.get(path.name, ""))
        out[group].append((f"more/{path.name}", path.read_text(encoding="utf-8")))
    for path in sorted(WEB_PASTES.glob("*.html")):
        out["web & code"].append((f"fixtures/{path.name}", path.read_text(encoding="utf-8")))
    return out


def _row(label: str, inputs: Sequence[str], repeat: int, pipe: Pipeline) -> dict[str, float]:
    html, markdown, bare = passes(
        [
            lambda s: pipe.paste(Clipboard(html=s)),
            lambda s: pipe.paste(Clipboard(html=s), target="markdown"),
            nh3.clean,
        ],
        inputs,
        repeat,
    )
    row = {
        "html_us": statistics.median(html) * 1e6,
        "markdown_us": statistics.median(markdown) * 1e6,
        "nh3_us": statistics.median(bare) * 1e6,
        "html_ratio": statistics.median(a / b for a, b in zip(html, bare, strict=True)),
        "markdown_ratio": statistics.median(a / b for a, b in zip(markdown, bare, strict=True)),
    }
    kb = sum(len(s.encode("utf-8")) for s in inputs) / len(inputs) / 1024
    print(
        f"  {label:<28} {len(inputs):>4} {kb:>7.1f} KB {row['html_us']:>10,.0f} {row['markdown_us']:>10,.0f}"
        f" {row['nh3_us']:>9,.0f} {row['html_ratio']:>8.1f}x {row['markdown_ratio']:>8.1f}x"
    )
    return row


def measure(repeat: int, limit: int | None = None) -> dict[str, dict[str, float]]:
    """Print the table and return its rows, ``{label: {"html_us": ..., ...}}`` (empty without a corpus)."""
    groups = clipboards()
    if not groups:
        print(f"  skipped: the paste corpus is not at {CORPUS.relative_to(ROOT)}")
        return {}
    pipe = Pipeline(policy=Policy(embed_mode="cache_only"))
    print(
        f"  {'clipboards':<28} {'n':>4} {'mean size':>10} {'html µs':>10} {'md µs':>10}"
        f" {'nh3 µs':>9} {'html/nh3':>9} {'md/nh3':>9}"
    )
    rows: dict[str, dict[str, float]] = {}
    everything: list[str] = []
    for group in GROUPS:
        sources = [source for _, source in groups[group]][:limit]
        if sources:
            rows[group] = _row(group, sources, repeat, pipe)
            everything += sources
    rows["all"] = _row("all", everything, repeat, pipe)
    largest = dict(groups["Word & Office"]).get(LARGEST)
    if largest is not None:
        rows["Word résumé (largest)"] = _row("Word résumé (largest)", [largest], repeat, pipe)
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed passes, median kept (default 5)")
    parser.add_argument("--limit", type=int, default=None, help="at most N clipboards a group")
    args = parser.parse_args(argv)
    print(f"paste cost, µs a paste (CPU time, median of {args.repeat} passes); ratios against bare nh3.clean")
    measure(args.repeat, args.limit)


if __name__ == "__main__":
    main()
