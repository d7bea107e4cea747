"""The benchmark harness works: a deterministic corpus in range, and one tiny end-to-end run.

No timing is asserted here, ever: throughput is reported by ``python -m benchmarks.run``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from benchmarks import corpus, run

from composer import Document, Pipeline, Policy, Submission

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("kind", corpus.KINDS)
def test_same_seed_same_posts(kind: corpus.Kind) -> None:
    first = corpus.posts(kind, 25, seed=7)
    assert first == corpus.posts(kind, 25, seed=7)
    assert first != corpus.posts(kind, 25, seed=8)
    assert len(set(first)) == len(first)


def test_kinds_differ_for_the_same_seed() -> None:
    samples = {kind: corpus.posts(kind, 5, seed=1) for kind in corpus.KINDS}
    assert samples["html"] != samples["markdown"] != samples["text"]
    assert all(post.lstrip().startswith("<") for post in samples["html"])
    assert not any("<p>" in post for post in samples["markdown"] + samples["text"])


@pytest.mark.parametrize("kind", corpus.KINDS)
def test_sizes_fall_in_range(kind: corpus.Kind) -> None:
    low, high = corpus.SIZE_RANGE
    sizes = [len(post.encode("utf-8")) for post in corpus.posts(kind, 150, seed=3)]
    assert all(low <= size <= high for size in sizes)
    assert max(sizes) - min(sizes) > (high - low) // 2  # spread over the range, not one size
    low, high = corpus.SIZE_5KB
    assert all(low <= len(post.encode("utf-8")) <= high for post in corpus.posts_5kb(kind, 60, seed=3))


def test_html_corpus_has_the_promised_shapes() -> None:
    posts = corpus.posts("html", 300, seed=0)

    def share(pattern: str) -> float:
        return sum(re.search(pattern, post) is not None for post in posts) / len(posts)

    assert 0.2 < share("[\U0001f300-\U0001faff]") < 0.4  # emoji in ~30 %
    assert 0.05 < share(r"mso-|docs-internal-guid") < 0.16  # pasted Office in ~10 %
    assert share(r"\u200d") > 0.0 and share("[\U0001f1e6-\U0001f1ff]{2}") > 0.0  # ZWJ sequences, flags
    assert share(r"[\U0001f3fb-\U0001f3ff]") > 0.0  # skin tones
    assert 0.0 < share("<table") < 0.3
    assert share("<blockquote") > 0.5 and share("<[uo]l>") > 0.5 and share("<a href=") > 0.5
    assert 0.2 < share(r"\s(?:https?://|www\.)") < 0.5  # a few bare URLs, in some posts
    assert share("<pre>") > 0.0 and share(r"<p>https://\S+</p>") > 0.0


def test_markdown_and_text_corpora_have_their_syntax() -> None:
    markdown = "\n".join(corpus.posts("markdown", 100, seed=0))
    for needle in ("**", "](http", "\n> ", "\n- ", "```", "|---|"):
        assert needle in markdown
    text = "\n".join(corpus.posts("text", 100, seed=0))
    assert "](" not in text and "**" not in text and "\n> " in text


def test_unknown_kind_and_bad_range_are_refused() -> None:
    with pytest.raises(ValueError):
        corpus.posts("rtf", 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        corpus.posts("html", 1, size=(4000, 4100))


def test_the_corpus_runs_through_the_pipeline() -> None:
    pipe = Pipeline(policy=Policy(embed_mode="cache_only"))
    for kind in corpus.KINDS:
        for post in corpus.posts(kind, 5, seed=2):
            result = pipe.run(Submission(post, kind))
            assert result.ok, (kind, result.problems)
            assert "<p" in result.html or "<li" in result.html


def test_timing_proxies_keep_the_chain_valid() -> None:
    base = Pipeline(policy=run.NO_NETWORK)
    recorder = run.Recorder()
    proxies = [run.Timed(base.stage(name), recorder) for name in base.stages]
    pipe = Pipeline(proxies, policy=run.NO_NETWORK)
    assert pipe.stages == base.stages
    post = corpus.posts("html", 1, seed=5)[0]
    recorder.begin()
    assert pipe.run(Submission(post)).html == base.run(Submission(post)).html
    recorder.end()
    assert recorder.posts == 1
    assert all(proxy.calls == 1 and proxy.seconds > 0 for proxy in proxies)
    assert sum(proxy.parsed for proxy in proxies) == recorder.with_tree


@dataclass(frozen=True)
class _Fragile:
    """A stage that fails on one post and refuses another, as a half-written stage might."""

    name: str = "fragile"

    def __call__(self, doc: Document) -> None:
        if "CRASH" in doc.source:
            raise RuntimeError("boom")
        if "REFUSE" in doc.source:
            doc.problem("too_long", length=1, limit=0)


def test_checked_reports_problems_and_leaves_out_crashes(capsys: pytest.CaptureFixture[str]) -> None:
    pipe = Pipeline(policy=run.NO_NETWORK).insert_after("parse", _Fragile())
    kept = run.checked(pipe, ["<p>fine</p>", "<p>CRASH</p>", "<p>REFUSE</p>"], "html")
    assert kept == ["<p>fine</p>", "<p>REFUSE</p>"]
    out = capsys.readouterr().out
    assert "post 1 crashed the chain" in out and "'too_long': 1" in out


def test_main_runs_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    run.main(["--quick", "--n", "3", "--repeat", "1", "--skip-extras"])
    out = capsys.readouterr().out
    for heading in ("HTML path", "markdown path", "per-stage cost", "linear cost", "bench_emoji"):
        assert heading in out
    assert "nh3 " in out and "lxml " in out and "bleach " in out
    for ratio in ("pipeline / nh3.clean", "naive / pipeline", "pipeline / render", "1 MB cost / 100 KB cost"):
        assert re.search(re.escape(ratio) + r"\s+[\d.]+x\s+budget .* (PASS|MISS)", out), ratio
    for stage in Pipeline().stages:
        assert re.search(rf"^  {re.escape(stage)}\s+[\d,.]+\s+[\d.]+%", out, re.MULTILINE), stage
    assert "max_length=10**8" in out


def test_script_entry_point_shows_help() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert "--quick" in done.stdout and "--repeat" in done.stdout


@pytest.mark.parametrize("stage", ["links", "sanitize"])
def test_stage_ab_runs_and_compares_outcomes(stage: str) -> None:
    """The one-stage A/B (benchmarks/ab_stage.py) loads a stage from a source tree and checks
    both versions agree; here the tree is the installed one (an A/A run), two posts, one pass."""
    from benchmarks import ab_stage

    before, after = ab_stage.compare(stage, ROOT / "src", corpus.posts_5kb("html", 2, 0), 1)
    assert before > 0 and after > 0
