"""Cost grows linearly: the pipeline on 100 KB vs 1 MB of the same shape (budget: ratio <= 12).

Shapes: realistic posts (the forum-post generator in benchmarks/corpus.py when available,
else paragraphs with links, emphasis and emoji), and the pathological shapes of
tests/test_pathological.py cut to size. Prints one line per shape; run
``.venv/bin/python -m benchmarks.bench_linear``. Numbers go in docs/security.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from composer import Clipboard, Pipeline, Policy, Submission, _limits

KB = 1000
BUDGET = 12.0
#: max_length raised so 1 MB is processed to the end instead of stopping at too_long
#: the pre-parse caps (max_markup_bytes, and _limits' element, mark and line caps) are lifted
#: too: this measures how the pipeline's cost grows, not where the default policy refuses
PIPE = Pipeline(
    policy=Policy(
        embed_mode="cache_only", max_length=10_000_000, max_emoji=10**9, max_markup_bytes=10 * 1024 * 1024
    )
)
_limits.MAX_ELEMENTS = _limits.MAX_MARKDOWN_MARKS = _limits.MAX_MARKDOWN_LINES = 10**9


def _post(i: int) -> str:
    return (
        f"<p>Reply {i}: I tried <b>the fix</b> from https://example.com/t/{i} and it <i>works</i> 😀. "
        f"See <a href='https://docs.example.org/{i}'>the docs</a> &amp; the <code>config</code>.</p>\n"
        "<blockquote><p>Quoted text from an earlier reply, with some more words in it.</p></blockquote>\n"
    )


def realistic(size: int) -> str:
    out: list[str] = []
    i = 0
    while sum(len(part) for part in out) < size:
        out.append(_post(i))
        i += 1
    return "".join(out)[:size]


def repeat(unit: str) -> Callable[[int], str]:
    return lambda size: (unit * (size // len(unit) + 1))[:size]


SHAPES: dict[str, tuple[str, Callable[[int], str]]] = {
    "realistic html": ("html", realistic),
    "realistic markdown": (
        "markdown",
        repeat("Some *markdown* with a [link](https://example.com/x) 😀.\n\n"),
    ),
    "realistic paste": ("paste", realistic),
    "<<<< html": ("html", repeat("<")),
    "comments html": ("html", repeat("<!---->")),
    "emoji text": ("text", repeat("😀")),
    "long line text": ("text", repeat("a")),
    "table cells html": ("html", repeat("<td>x")),
    "entities html": ("html", repeat("&amp;")),
    "urls html": ("html", repeat("https://example.com/p ")),
    "urls markdown": ("markdown", repeat("https://example.com/p ")),
    "spans html": ("html", repeat("<span>x</span>")),
    "spans paste": ("paste", repeat("<span>x</span>")),
    "margin-left list paste": (
        "paste",
        repeat('<li style="margin-left:1px">x</li><li style="margin-left:9px">y</li>'),
    ),
}


def cost(entry: str, source: str, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        if entry == "paste":
            PIPE.paste(Clipboard(html=source))
        else:
            PIPE.run(Submission(source, entry))  # type: ignore[arg-type]
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    print(f"{'shape':22} {'100 KB':>9} {'1 MB':>9} {'ratio':>6}  (budget {BUDGET:.0f}x)")
    for name, (entry, make) in SHAPES.items():
        small = cost(entry, make(100 * KB), 3)
        if small > 2.0:
            print(f"{name:22} {small:8.3f}s {'skipped':>9} {'-':>6}  100 KB alone is slow: superlinear")
            continue
        large = cost(entry, make(1000 * KB), 2)
        ratio = large / small
        mark = "ok" if ratio <= BUDGET else "OVER BUDGET"
        print(f"{name:22} {small:8.3f}s {large:8.3f}s {ratio:6.1f}  {mark}")


if __name__ == "__main__":
    main()
