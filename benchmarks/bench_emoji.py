"""What counting emoji costs on a 5 KB post: composer's counter and stage against ``emoji.emoji_count``.

Printed, in µs per 5 KB post: the counter (``composer.stages.emoji.counter.count``) on ASCII-only text, on
text with a few emoji, and on typographic text with none (curly quotes, dashes, accents); the
same texts through ``emoji.emoji_count``; then the ``emoji`` stage on the same post as HTML:
ASCII (the prefilter returns before any tree exists) and typographic (counted on the raw HTML),
both on documents whose shared facts (lower-cased copy, start-tag names) are found, as the
parse stage finds them for every HTML post; with a few emoji walking a tree another stage
already parsed; and with a few emoji on a fresh document (counted on the raw HTML, no tree).

    python -m benchmarks.bench_emoji [--repeat 7]

Timing: ``time.perf_counter``, a warm-up call, the garbage collector off inside timed loops,
the median of ``--repeat`` passes. The budget (issue 4): under 300 µs with a few emoji, near
zero on ASCII. No test asserts these numbers.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python benchmarks/bench_emoji.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import emoji

from composer import Policy
from composer.document import Document
from composer.stages.emoji import Emoji
from composer.stages.emoji import counter as _emoji

SIZE = 5000
_PROSE = (
    "I tried the new release over the weekend and the upgrade went smoothly on two of my three "
    "machines. The third one needed a manual cache reset, after which everything worked again. "
    "Has anyone else seen the importer stall on files larger than 40 MB? It happens at 87 percent "
    "every time, and the log only says that the worker timed out. "
)
_TYPOGRAPHIC = "It’s “fine” — mostly; the café’s naïve résumé… costs 5 €, see § 3. "
_FEW = ["😀", "👍🏽", "👨\u200d👩\u200d👧", "🇫🇷", "❤\ufe0f"]


def texts() -> dict[str, str]:
    """Three 5 KB texts: ASCII, a few emoji spread through it, typographic with no emoji."""
    ascii_text = (_PROSE * (SIZE // len(_PROSE) + 1))[:SIZE]
    step = SIZE // (len(_FEW) + 1)
    few = "".join(ascii_text[i * step : (i + 1) * step] + " " + e + " " for i, e in enumerate(_FEW))
    few += ascii_text[len(_FEW) * step :]
    typographic = ((_PROSE + _TYPOGRAPHIC) * (SIZE // len(_PROSE) + 1))[:SIZE]
    return {"ascii": ascii_text, "few emoji": few[:SIZE], "typographic": typographic}


def as_html(text: str) -> str:
    """The text as a post of paragraphs of about 400 characters."""
    return "".join(f"<p>{text[i : i + 400]}</p>\n" for i in range(0, len(text), 400))


def _time(fn: Callable[[], object], repeat: int, budget: float = 0.05) -> float:
    """Median µs per call over ``repeat`` passes of about ``budget`` seconds each."""
    fn()
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    loops = max(1, int(budget / once))
    results = []
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            for _ in range(loops):
                fn()
            results.append((time.perf_counter() - start) / loops)
    finally:
        gc.enable()
    return statistics.median(results) * 1e6


def _stage(html: str) -> Callable[[], object]:
    """The stage on a fresh document: no shared fact found yet, no tree."""
    stage = Emoji()
    policy = Policy()

    def run() -> None:
        stage(Document(html, "html", policy))

    return run


def _parsed(html: str, policy: Policy) -> Document:
    doc = Document(html, "html", policy)
    _ = doc.tree
    return doc


def _scanned(html: str, policy: Policy) -> Document:
    doc = Document(html, "html", policy)
    _ = doc.scan.start_tags  # the shared facts the parse stage finds for every HTML post
    return doc


def _stage_walk_only(html: str, repeat: int, prepare: Callable[[str, Policy], Document] = _parsed) -> float:
    """The stage on a tree parsed beforehand (as when an earlier stage needed it), or on a
    document prepared by ``prepare``."""
    stage = Emoji()
    policy = Policy()
    samples = []
    for _ in range(repeat):
        docs = [prepare(html, policy) for _ in range(200)]
        gc.disable()
        try:
            start = time.perf_counter()
            for doc in docs:
                stage(doc)
            samples.append((time.perf_counter() - start) / len(docs))
        finally:
            gc.enable()
    return statistics.median(samples) * 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args([] if argv is None else argv)
    repeat = args.repeat
    samples = texts()
    _emoji.count("😀")  # build the tables outside the timings
    print(f"emoji counting, µs per {SIZE // 1000} KB post (median of {repeat}); emoji {emoji.__version__}")
    print(f"{'text':<14}{'emoji':>6}{'composer count':>16}{'emoji.emoji_count':>19}{'speed-up':>10}")
    for name, text in samples.items():
        ours = _time(partial(_emoji.count, text), repeat)
        theirs = _time(partial(emoji.emoji_count, text), repeat, budget=0.2)
        print(f"{name:<14}{_emoji.count(text):>6}{ours:>16.2f}{theirs:>19.0f}{theirs / ours:>9.0f}x")
    print()
    print("emoji stage on the same post as HTML paragraphs, µs per post")
    ascii_html = as_html(samples["ascii"])
    few_html = as_html(samples["few emoji"])
    typographic_html = as_html(samples["typographic"])
    rows = [  # as in the chain: the parse stage found the shared facts (lower-cased copy, start tags)
        ("ascii: prefilter only, no tree", _stage_walk_only(ascii_html, repeat, _scanned)),
        ("typographic: raw count, no tree", _stage_walk_only(typographic_html, repeat, _scanned)),
        ("few emoji: walk of a parsed tree", _stage_walk_only(few_html, repeat)),
        ("few emoji: fresh document", _time(_stage(few_html), repeat)),
    ]
    for label, us in rows:
        print(f"  {label:<36}{us:>9.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
