"""composer's URL finder against linkify-it-py: the same fixture cases, and the cost on 5 KB posts.

Printed: how many of linkify-it's own scheme and ``www.`` fixture cases
(``tests/corpora/linkify-it/links.txt``) each finder links exactly; a few inputs where the two
differ by design (closing punctuation, hidden characters); then µs per 5 KB post (benchmark
corpus, 200 posts a format) for ``LinkifyIt().test`` + ``match`` and for
``composer._html.urls.find_links``.

    python -m benchmarks.bench_links [--repeat 5]

Timing: ``time.perf_counter``, the garbage collector off inside timed loops, the median of
``--repeat`` passes. docs/policy.md (Links) quotes these numbers. No test asserts them.
"""

from __future__ import annotations

import argparse
import gc
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python benchmarks/bench_links.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from linkify_it import LinkifyIt

from benchmarks import corpus
from composer._html.urls import find_links

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpora" / "linkify-it" / "links.txt"
DIFFER = [
    "«http://example.org/a» ok",
    "http://x.org/a、b。",
    "~~https://x.org/a~~",
    "go https://exa\u202emple.com now",
    "http://x.org/a\u200bb",
]


def cases() -> list[tuple[str, str]]:
    """(input, expected link) pairs whose link has an http(s) scheme or starts with www."""
    lines = [re.sub(r"^%.*", "", line.rstrip()) for line in CORPUS.read_text(encoding="utf-8").split("\n")]
    pairs = []
    skip = False
    for i, line in enumerate(lines):
        if skip or not line.strip():
            skip = False
            continue
        following = lines[i + 1] if i + 1 < len(lines) else ""
        skip = bool(following.strip())
        pairs.append((line, following if skip else line))
    return [(line, want) for line, want in pairs if re.match(r"(?i)https?://|www\.", want)]


def _median_us(fn: Callable[[str], Any], posts: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.disable()
        start = time.perf_counter()
        for post in posts:
            fn(post)
        times.append((time.perf_counter() - start) / len(posts) * 1e6)
        gc.enable()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    linkify = LinkifyIt()

    def theirs(text: str) -> list[str]:
        return [m.text for m in (linkify.match(text) or []) if m.schema in ("http:", "https:", "")]

    def ours(text: str) -> list[str]:
        return [link.text for link in find_links(text)]

    pairs = cases()
    for name, fn in (("linkify-it-py", theirs), ("composer", ours)):
        passed = sum(1 for line, want in pairs if fn(line)[:1] == [want])
        print(f"{name:14} links {passed}/{len(pairs)} of linkify-it's scheme and www. cases exactly")
    for text in DIFFER:
        print(f"  {text!r}: linkify-it-py {theirs(text)}, composer {ours(text)}")
    for kind in ("text", "markdown", "html"):
        posts = corpus.posts_5kb(kind, 200)
        slow = _median_us(lambda p: linkify.match(p) if linkify.test(p) else None, posts, args.repeat)
        fast = _median_us(find_links, posts, args.repeat)
        print(
            f"{kind:8} 5 KB posts: linkify-it-py {slow:8,.0f} µs/post, "
            f"find_links {fast:6,.0f} µs/post ({slow / fast:.1f}x)"
        )


if __name__ == "__main__":
    main()
