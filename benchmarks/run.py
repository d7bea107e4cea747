"""Throughput of the composer pipeline against its budget (design.md, "Performance budget").

One run prints: the full no-network HTML pipeline against a bare ``nh3.clean`` of the same
posts and against a naive chain (BeautifulSoup + bleach.clean + emoji.emoji_count +
bleach.linkify); the markdown path against markdown-it-py's render alone; what each stage
of the chain costs; and whether cost grows linearly with the size of a post. Budgets are
ratios, so the verdicts hold on any machine; absolute numbers are this machine's.

    python -m benchmarks.run [--n POSTS] [--repeat R] [--quick] [--profile] [--chart PNG]

Timing: CPU time of this process (``time.process_time``; ``--clock wall`` for
``time.perf_counter``), so time spent waiting for a core on a shared machine is not billed to
the code; a warm-up first, the garbage collector off inside timed
loops, the median of ``--repeat`` passes; functions compared by a ratio take turns post by
post, so load from other processes hits both sides. No test asserts any of these numbers.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python benchmarks/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bleach
import emoji
import lxml.html
import nh3
from bs4 import BeautifulSoup
from lxml import etree
from markdown_it import MarkdownIt

from benchmarks import chart, corpus
from composer import DEFAULT_ALLOWLIST, Document, Pipeline, Policy, Stage, Submission

HERE = Path(__file__).resolve().parent
EXTRAS = ("bench_emoji", "bench_embed", "bench_paste")

# budgets from design.md, "Performance budget"
MAX_VS_NH3 = 2.5
MIN_VS_NAIVE = 15.0
MAX_MD_VS_RENDER = 1.5
MAX_LINEAR = 12.0  # 1 MB may cost at most 12x what 100 KB costs (10x the bytes)

NO_NETWORK = Policy(embed_mode="cache_only")
#: the linear check concatenates one post to 1 MB: the count limits are lifted so the big post
#: does the same work per byte as the small one instead of stopping at a problem
UNLIMITED = Policy(
    embed_mode="cache_only",
    max_length=10**8,
    max_emoji=10**8,
    max_images=10**8,
    max_embeds=10**8,
    max_markup_bytes=16 * 1024 * 1024,
)


# -- timing -------------------------------------------------------------------------------

#: the clock every timing reads; ``--clock`` sets it (CPU time by default)
CLOCK: list[Callable[[], float]] = [time.process_time]


def passes(fns: Sequence[Callable[[Any], object]], inputs: Sequence[Any], repeat: int) -> list[list[float]]:
    """Seconds per input of each function, pass by pass, the functions taking turns on each input.

    Taking turns input by input keeps a ratio honest on a shared machine: a burst of load
    slows both sides of it, not one. The garbage collector is off inside a pass.
    """
    for fn in fns:  # warm-up: imports, caches, compiled regexes
        for item in inputs[: max(1, len(inputs) // 5)]:
            fn(item)
    clock = CLOCK[0]
    times: list[list[float]] = [[] for _ in fns]
    was_enabled = gc.isenabled()
    for _ in range(max(1, repeat)):
        sums = [0.0] * len(fns)
        gc.collect()
        gc.disable()
        try:
            for item in inputs:
                for i, fn in enumerate(fns):
                    start = clock()
                    fn(item)
                    sums[i] += clock() - start
        finally:
            if was_enabled:
                gc.enable()
        for own, total in zip(times, sums, strict=True):
            own.append(total / len(inputs))
    return times


def per_item(fn: Callable[[Any], object], inputs: Sequence[Any], repeat: int) -> float:
    """Median seconds per input over ``repeat`` passes, after a warm-up."""
    return statistics.median(passes([fn], inputs, repeat)[0])


def ratio(top: list[float], bottom: list[float]) -> float:
    """The median of the pass-by-pass ratios."""
    return statistics.median(a / b for a, b in zip(top, bottom, strict=True))


def show(label: str, seconds: float) -> None:
    print(f"  {label:<52} {1 / seconds:>9,.0f} posts/s {seconds * 1e6:>10,.1f} µs/post")


def verdict(label: str, value: float, budget: float, at_most: bool) -> bool:
    ok = value <= budget if at_most else value >= budget
    sign = "<=" if at_most else ">="
    off = value / budget if at_most else budget / value
    miss = "" if ok else f"  (off by {off:.2f}x)"
    print(f"  {label:<40} {value:>7.2f}x   budget {sign} {budget:g}x   {'PASS' if ok else 'MISS'}{miss}")
    return ok


# -- the reference chains -------------------------------------------------------------------

_BLEACH_ATTRIBUTES = {tag: sorted(names) for tag, names in DEFAULT_ALLOWLIST.attributes.items()}


def naive(html: str) -> str:
    """What a forum would write without this library: every step its own parse."""
    soup = BeautifulSoup(html, "html.parser")
    emoji.emoji_count(soup.get_text())
    cleaned = bleach.clean(
        html,
        tags=DEFAULT_ALLOWLIST.tags,
        attributes=_BLEACH_ATTRIBUTES,
        protocols=DEFAULT_ALLOWLIST.url_schemes,
        strip=True,
    )
    return str(bleach.linkify(cleaned))


def allowlist_cleaner() -> Callable[[str], str]:
    """nh3 configured like the sanitizer stage's default (the cost no chain can go under)."""
    allow = DEFAULT_ALLOWLIST
    cleaner = nh3.Cleaner(
        tags=set(allow.tags),
        attributes={tag: set(names) for tag, names in allow.attributes.items()},
        allowed_classes={tag: set(names) for tag, names in allow.classes.items()},
        url_schemes=set(allow.url_schemes),
        clean_content_tags=set(allow.clean_content_tags),
        link_rel=NO_NETWORK.link_rel,
        strip_comments=True,
    )
    clean: Callable[[str], str] = cleaner.clean
    return clean


def parse_serialize(html: str) -> str:
    """One lxml parse of a fragment and one serialization of its body: the price of a tree."""
    body = lxml.html.document_fromstring("<html><body>" + html + "</body></html>").find("body")
    assert body is not None
    return etree.tostring(body, encoding="unicode", method="html")


# -- per-stage cost -------------------------------------------------------------------------


@dataclass
class Recorder:
    """Shared by the timing proxies of one pipeline: which posts had a tree parsed."""

    posts: int = 0
    with_tree: int = 0
    tree_now: bool = False

    def reset(self) -> None:
        self.posts = self.with_tree = 0

    def begin(self) -> None:
        self.tree_now = False

    def end(self) -> None:
        self.posts += 1
        self.with_tree += self.tree_now


@dataclass
class Timed:
    """A proxy stage: same name, same ``sanitizes``; adds up the time the real stage takes.

    A tree parse is lazy, so its cost lands in the stage that first asks for ``doc.tree``
    (counted in ``parsed``); the one serialization lands in the stage that reads ``doc.html``
    after it (the sanitizer).
    """

    inner: Stage
    recorder: Recorder
    name: str = ""
    sanitizes: bool = False
    seconds: float = 0.0
    calls: int = 0
    parsed: int = 0
    serialized: int = 0

    def __post_init__(self) -> None:
        self.name = self.inner.name
        self.sanitizes = getattr(self.inner, "sanitizes", False) is True

    def __call__(self, doc: Document) -> None:
        had_tree = doc.has_tree
        start = CLOCK[0]()
        self.inner(doc)
        self.seconds += CLOCK[0]() - start
        self.calls += 1
        if doc.has_tree:
            self.recorder.tree_now = True
            self.parsed += not had_tree
        elif had_tree:
            self.serialized += 1


def stage_costs(html_posts: Sequence[str], repeat: int) -> None:
    base = Pipeline(policy=NO_NETWORK)
    submissions = [Submission(post, "html") for post in html_posts]
    runs = []
    for _ in range(max(1, repeat)):
        recorder = Recorder()
        proxies = [Timed(base.stage(name), recorder) for name in base.stages]
        pipe = Pipeline(proxies, policy=NO_NETWORK)
        for sub in submissions[: max(1, len(submissions) // 5)]:
            pipe.run(sub)  # warm-up
        recorder.reset()
        for proxy in proxies:
            proxy.seconds, proxy.calls, proxy.parsed, proxy.serialized = 0.0, 0, 0, 0
        gc.collect()
        gc.disable()
        try:
            start = CLOCK[0]()
            for sub in submissions:
                recorder.begin()
                pipe.run(sub)
                recorder.end()
            total = CLOCK[0]() - start
        finally:
            gc.enable()
        runs.append((total, proxies, recorder))
    total, proxies, recorder = sorted(runs, key=lambda run: run[0])[len(runs) // 2]
    n = len(submissions)
    print(
        f"  {'stage':<16} {'µs/post':>10} {'share':>7}   {'calls':>6} {'parsed tree':>12} {'serialized':>11}"
    )
    for proxy in proxies:
        print(
            f"  {proxy.name:<16} {proxy.seconds / n * 1e6:>10,.1f} {proxy.seconds / total:>7.1%}"
            f"   {proxy.calls:>6} {proxy.parsed:>12} {proxy.serialized:>11}"
        )
    outside = total - sum(proxy.seconds for proxy in proxies)
    print(f"  {'(run, result)':<16} {outside / n * 1e6:>10,.1f} {outside / total:>7.1%}")
    print(f"  {'total':<16} {total / n * 1e6:>10,.1f}")
    share = recorder.with_tree / recorder.posts if recorder.posts else 0.0
    print(f"  posts with a tree parsed: {recorder.with_tree}/{recorder.posts} ({share:.0%})")
    print("  (a lazy parse is billed to the stage that first asked for doc.tree, the one serialization")
    print("   to the stage that next read doc.html: normally the sanitizer)")


# -- linear cost ----------------------------------------------------------------------------


def linear_cost(post: str, repeat: int) -> float:
    """The pipeline on ``post`` repeated to ~100 KB and ~1 MB, the two taking turns.

    Each turn runs the 100 KB post as many times as it takes to match the 1 MB post's bytes,
    so both sides of the ratio see the same stretch of machine load.
    """
    pipe = Pipeline(policy=UNLIMITED)
    bigs = []
    for target in (100 * corpus.KB, 1024 * corpus.KB):
        copies = -(-target // len(post.encode("utf-8")))
        big = "\n".join([post] * copies)
        result = pipe.run(Submission(big, "html"))
        if not result.ok:
            print(f"  note: the {len(big):,}-char post has problems: {[p.code for p in result.problems]}")
        bigs.append((big, len(big.encode("utf-8"))))
    (small, small_size), (large, large_size) = bigs
    times = max(1, round(large_size / small_size))

    def run_small(_: object) -> None:
        for _ in range(times):
            pipe.run(Submission(small, "html"))

    def run_large(_: object) -> None:
        pipe.run(Submission(large, "html"))

    p_small, p_large = passes([run_small, run_large], [None], repeat)
    p_small = [seconds / times for seconds in p_small]
    for size, own in ((small_size, p_small), (large_size, p_large)):
        seconds = statistics.median(own)
        print(f"  {size:>10,} bytes  {seconds * 1e3:>9,.1f} ms   {seconds / size * 1e9:>8,.1f} ns/byte")
    cost = ratio(p_large, p_small)
    verdict("1 MB cost / 100 KB cost", cost, MAX_LINEAR, at_most=True)
    print(f"  (per byte: {cost * small_size / large_size:.2f}x; bytes: {large_size / small_size:.1f}x)")
    return cost


# -- the report -----------------------------------------------------------------------------


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def header(n: int, repeat: int) -> None:
    libxml2 = ".".join(map(str, etree.LIBXML_VERSION))
    print("composer benchmarks")
    print(
        f"  Python {platform.python_version()} ({platform.python_implementation()}), {platform.machine()}, "
        f"composer {version('forum-composer')}"
    )
    print(
        f"  nh3 {version('nh3')}, lxml {etree.__version__} (libxml2 {libxml2}), "
        f"bleach {version('bleach')}, beautifulsoup4 {version('beautifulsoup4')}, "
        f"markdown-it-py {version('markdown-it-py')}, emoji {version('emoji')}"
    )
    clock = "CPU time" if CLOCK[0] is time.process_time else "wall time"
    print(f"  corpus: {n} posts per set (seed 0), median of {repeat} passes, {clock}, gc off in timed loops")


def section(title: str) -> None:
    print()
    print(title)


def checked(pipe: Pipeline, posts: list[str], kind: corpus.Kind) -> list[str]:
    """Run each post once; report the problems, leave out (loudly) posts the chain crashes on.

    A problem stops a run early and makes it look cheap, so the reader must see it.
    """
    problems: Counter[str] = Counter()
    kept = []
    for i, post in enumerate(posts):
        try:
            result = pipe.run(Submission(post, kind))
        except Exception as exc:
            print(f"  WARNING: {kind} post {i} crashed the chain, left out: {type(exc).__name__}: {exc}")
            continue
        problems.update(problem.code for problem in result.problems)
        kept.append(post)
    if problems:
        print(f"  note: problems in the results: {dict(problems)}")
    return kept or posts[:1]


def sizes(posts: Sequence[str]) -> str:
    total = sum(len(post.encode("utf-8")) for post in posts)
    return f"{len(posts)} posts, {total / len(posts) / corpus.KB:.1f} KB mean"


def run_extras(skip: bool) -> None:
    for name in EXTRAS:
        section(f"== {name} ==")
        if skip:
            print("  skipped (--skip-extras)")
            continue
        if not (HERE / f"{name}.py").exists():
            print(f"  skipped: benchmarks/{name}.py does not exist yet")
            continue
        module = importlib.import_module(f"benchmarks.{name}")
        argv, sys.argv = sys.argv, [str(HERE / f"{name}.py")]  # its own defaults, not our options
        try:
            module.main()
        except (Exception, SystemExit) as exc:  # report it; the numbers above still stand
            print(f"  {name}.main() failed: {type(exc).__name__}: {exc}")
        finally:
            sys.argv = argv


def profile(html_posts: Sequence[str]) -> None:
    """Where the pipeline's time goes, by function (pyinstrument if installed, else cProfile)."""
    pipe = Pipeline(policy=NO_NETWORK)
    submissions = [Submission(post, "html") for post in html_posts]
    for sub in submissions[:10]:
        pipe.run(sub)
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for _ in range(3):
            for sub in submissions:
                pipe.run(sub)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        return
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(3):
        for sub in submissions:
            pipe.run(sub)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=None, help="posts per corpus (default 200; --quick: 40)")
    parser.add_argument(
        "--repeat", type=int, default=None, help="timed passes, median kept (default 5; --quick: 2)"
    )
    parser.add_argument("--quick", action="store_true", help="a small, fast run: fewer posts and passes")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument(
        "--profile", action="store_true", help="also profile the pipeline on the 5 KB HTML posts"
    )
    parser.add_argument("--skip-extras", action="store_true", help="do not run bench_emoji / bench_embed")
    parser.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="cpu: this process's CPU time (default; fair on a loaded machine); wall: perf_counter",
    )
    parser.add_argument(
        "--chart",
        type=Path,
        default=None,
        metavar="PNG",
        help="also sweep input sizes and write the chart there (make bench: docs/performance.png)",
    )
    args = parser.parse_args(argv)
    n = args.n or (40 if args.quick else 200)
    repeat = args.repeat or (2 if args.quick else 5)
    naive_repeat = 1 if args.quick else min(repeat, 2)
    if n < 1 or repeat < 1:
        parser.error("--n and --repeat must be positive")

    CLOCK[0] = time.process_time if args.clock == "cpu" else time.perf_counter
    header(n, repeat)
    html_5k = corpus.posts_5kb("html", n, args.seed)
    pipe = Pipeline(policy=NO_NETWORK)
    print(f"  chain: {' -> '.join(pipe.stages)}  (Policy(embed_mode='cache_only'): no network)")

    def run_html(post: str) -> object:
        return pipe.run(Submission(post, "html"))

    def run_markdown(post: str) -> object:
        return pipe.run(Submission(post, "markdown"))

    section(f"== HTML path: 5 KB posts ({sizes(html_5k)}) ==")
    html_5k = checked(pipe, html_5k, "html")
    p_pipe, p_nh3, p_allow, p_tree = passes(
        [run_html, nh3.clean, allowlist_cleaner(), parse_serialize], html_5k, repeat
    )
    p_pipe2, p_naive = passes([run_html, naive], html_5k, naive_repeat)
    med = statistics.median
    show("composer Pipeline().run", med(p_pipe))
    show("bare nh3.clean", med(p_nh3))
    show("naive chain (bs4, bleach, emoji, linkify)", med(p_naive))
    findings = chart.Findings()
    vs_nh3, vs_naive = ratio(p_pipe, p_nh3), ratio(p_naive, p_pipe2)
    verdict("pipeline / nh3.clean", vs_nh3, MAX_VS_NH3, at_most=True)
    verdict("naive / pipeline", vs_naive, MIN_VS_NAIVE, at_most=False)
    findings.ratios["HTML pipeline / nh3.clean, 5 KB"] = (vs_nh3, MAX_VS_NH3, True)
    findings.ratios["naive chain / HTML pipeline"] = (vs_naive, MIN_VS_NAIVE, False)
    print("  floors, for tuning (not budgets):")
    show("  nh3.Cleaner with the default allowlist", med(p_allow))
    show("  lxml parse + serialize (one tree, no edits)", med(p_tree))
    print(
        f"    floor: {ratio(p_allow, p_nh3):.2f}x nh3 for a post no stage needs a tree for,"
        f" {ratio([a + t for a, t in zip(p_allow, p_tree, strict=True)], p_nh3):.2f}x for one that needs it"
    )

    html_mixed = corpus.posts("html", n, args.seed)
    section(f"== HTML path: mixed 1-8 KB posts ({sizes(html_mixed)}), for reference ==")
    html_mixed = checked(pipe, html_mixed, "html")
    p_pipe, p_nh3 = passes([run_html, nh3.clean], html_mixed, repeat)
    show("composer Pipeline().run", med(p_pipe))
    show("bare nh3.clean", med(p_nh3))
    print(f"  {'pipeline / nh3.clean':<40} {ratio(p_pipe, p_nh3):>7.2f}x")

    md_5k = corpus.posts_5kb("markdown", n, args.seed)
    md = MarkdownIt("js-default")
    section(f"== markdown path: 5 KB posts ({sizes(md_5k)}) ==")
    md_5k = checked(pipe, md_5k, "markdown")
    p_md_pipe, p_md_render, p_md_nh3 = passes(
        [run_markdown, md.render, lambda post: nh3.clean(md.render(post))], md_5k, repeat
    )
    show("composer Pipeline().run (markdown)", med(p_md_pipe))
    show('MarkdownIt("js-default").render', med(p_md_render))
    show("render + nh3.clean (reference)", med(p_md_nh3))
    vs_render = ratio(p_md_pipe, p_md_render)
    verdict("pipeline / render", vs_render, MAX_MD_VS_RENDER, at_most=True)
    findings.ratios["markdown pipeline / render, 5 KB"] = (vs_render, MAX_MD_VS_RENDER, True)

    text_5k = corpus.posts_5kb("text", n, args.seed)
    section(f"== text path: 5 KB posts ({sizes(text_5k)}), for reference ==")
    text_5k = checked(pipe, text_5k, "text")
    show(
        "composer Pipeline().run (text)", per_item(lambda p: pipe.run(Submission(p, "text")), text_5k, repeat)
    )

    section("== per-stage cost: 5 KB HTML posts ==")
    stage_costs(html_5k, repeat)

    section("== linear cost: one post repeated to ~100 KB and ~1 MB ==")
    print("  Policy(max_length=10**8, max_emoji/max_images/max_embeds=10**8, max_markup_bytes=16 MiB,")
    print("  embed_mode='cache_only'): the default max_length (100 000 chars of visible text) and")
    print("  max_markup_bytes (512 KiB) would refuse the 1 MB post")
    linear = linear_cost(corpus.posts("html", 1, args.seed)[0], max(1, min(repeat, 3)))
    findings.ratios["1 MB cost / 100 KB cost"] = (linear, MAX_LINEAR, True)

    if args.chart is not None:
        section("== throughput by input size (MB of input per second) ==")
        big = Pipeline(policy=UNLIMITED)
        findings.throughput = chart.sweep(
            {
                "composer, html": ("html", lambda post: big.run(Submission(post, "html"))),
                "bare nh3.clean": ("html", nh3.clean),
                "composer, markdown": ("markdown", lambda post: big.run(Submission(post, "markdown"))),
                "markdown-it-py render": ("markdown", md.render),
            },
            args.seed,
            max(1, min(repeat, 3)),
            passes,
        )
        chart.show(findings.throughput)
        title = (
            f"composer {version('forum-composer')}, Python {platform.python_version()}, "
            f"nh3 {version('nh3')}, {n} posts a set, median of {repeat} passes"
        )
        chart.draw(findings, args.chart, title)

    if args.profile:
        section("== profile: the pipeline on the 5 KB HTML posts, 3 passes ==")
        profile(html_5k)

    run_extras(args.skip_extras)


if __name__ == "__main__":
    main()
