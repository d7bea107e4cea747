"""What the social stages cost: mentions, hashtags and own-topic cards against the default chain.

Printed, per corpus (html, markdown, text; 5 KB posts of ``benchmarks.corpus``), in µs per
post: the default chain, the same chain with ``Mentions`` and ``Hashtags`` inserted after
``links`` and ``Embeds(own_cards=...)``, and their ratio; first on the corpus as it is (its
posts hold no ``@``: the prefilters return before any tree), then on the same posts with a
line of mentions and a hashtag added (the price of the work itself, lookups in memory).

    python -m benchmarks.bench_social [--n 60] [--repeat 5]

Timing: ``benchmarks.run.passes`` (CPU time, the chains taking turns post by post, median of
the passes). No test asserts these numbers.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python benchmarks/bench_social.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import corpus, run
from composer import Card, Pipeline, Policy, Submission
from composer.stages import Embeds, Hashtags, Mentions

POLICY = Policy(embed_mode="cache_only", own_hosts={"forum.example"})
PEOPLE = {f"user{i}": f"/u/user{i}" for i in range(50)}
CARD = Card("A topic", "What it says, in a sentence or two.", "ann", avatar_url="/a/ann.png")


def people(names: Sequence[str]) -> Mapping[str, str]:
    return {name: PEOPLE[name] for name in names if name in PEOPLE}


def tags(names: Sequence[str]) -> Mapping[str, str]:
    return {name: f"/tag/{name}" for name in names if name == "help"}


def topics(urls: Sequence[str]) -> Mapping[str, Card]:
    return dict.fromkeys(urls, CARD)


def social() -> Pipeline:
    return (
        Pipeline(policy=POLICY)
        .insert_after("links", Mentions(lookup=people))
        .insert_after("mentions", Hashtags(lookup=tags))
        .replace("embed", Embeds(own_cards=topics))
    )


def _with_mentions(post: str, kind: corpus.Kind) -> str:
    line = "Thanks @user1, @user2 and @nobody, see #help and https://forum.example/t/1 today."
    return post + (f"<p>{line}</p>" if kind == "html" else f"\n\n{line}\n")


def _run(pipe: Pipeline, kind: corpus.Kind, post: str) -> object:
    return pipe.run(Submission(post, kind))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_social")
    parser.add_argument("--n", type=int, default=60, help="posts per corpus (default 60)")
    parser.add_argument("--repeat", type=int, default=5, help="passes (default 5)")
    args = parser.parse_args(argv)
    plain, extended = Pipeline(policy=POLICY), social()
    for kind in corpus.KINDS:
        posts = corpus.posts_5kb(kind, args.n)
        assert not any("@" in post for post in posts), "the corpus was meant to hold no @"
        for label, inputs in (("as is", posts), ("+ mentions", [_with_mentions(p, kind) for p in posts])):
            base, more = run.passes(
                [partial(_run, plain, kind), partial(_run, extended, kind)], inputs, args.repeat
            )
            print(
                f"{kind:<9} {label:<11} default {statistics.median(base) * 1e6:8.1f} µs  "
                f"social {statistics.median(more) * 1e6:8.1f} µs  ratio {run.ratio(more, base):.3f}"
            )


if __name__ == "__main__":
    main()
