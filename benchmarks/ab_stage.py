"""One stage of the default chain, before and after a change, on the benchmark's 5 KB HTML posts.

A whole-pipeline A/B on a shared machine cannot see a change worth 1 % of a run: the load of
other processes moves each run by more. Here both versions of one stage run in the same
process, on the same posts, each on its own copy of the document the stages before it
prepared (untimed), taking turns post by post; which one goes first alternates from post to
post, since the second finds the post in the CPU's caches (~10 % faster: an A/A run of
one version against itself reads +13 % without the alternation, within 2 % with it). The
outcomes (HTML, removal counts, stats, problems) must be equal, or the run stops.

    git archive <commit> src | tar -x -C /tmp/base     # the "before" tree
    python -m benchmarks.ab_stage links --base /tmp/base/src [--passes 9] [--n 150]

The stage's module is loaded from ``--base`` under another name; what it imports comes from
the installed ``composer`` (the "after" tree), so the A/B isolates the stage's own file.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python benchmarks/ab_stage.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import corpus
from benchmarks.run import NO_NETWORK
from composer import Document, Pipeline, Stage

#: the module and class of each stage of the default chain, under ``src/composer/stages``
STAGES = {
    "parse": ("parse.py", "Parse"),
    "paste": ("paste/stage.py", "Paste"),
    "images": ("images/stage.py", "Images"),
    "emoji": ("emoji/stage.py", "Emoji"),
    "links": ("links.py", "Links"),
    "embed": ("embed.py", "Embeds"),
    "limits": ("limits.py", "Limits"),
    "sanitize": ("sanitize/stage.py", "Sanitize"),
}


def base_stage(name: str, base: Path, pipe: Pipeline) -> Stage:
    """The stage ``name`` as the tree under ``base`` (a ``src`` directory) has it, bound to
    the pipeline's policy. A stage that was one file then and is a package now (or the
    reverse) is looked for in both places."""
    relative, cls = STAGES[name]
    candidates = [base / "composer" / "stages" / relative]
    candidates.append(candidates[0].parent.with_suffix(".py"))  # sanitize/stage.py -> sanitize.py
    path = next((p for p in candidates if p.exists()), None)
    if path is None:
        raise SystemExit(f"no module for stage {name!r} under {base}")
    spec = importlib.util.spec_from_file_location(f"_ab_base_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while decorating
    spec.loader.exec_module(module)
    stage: Any = getattr(module, cls)()
    bind = getattr(stage, "bind", None)
    bound = bind(_policy(pipe)) if callable(bind) else None
    return bound if bound is not None else stage  # type: ignore[no-any-return]


def _policy(pipe: Pipeline) -> Any:
    """The policy the chain's stages were bound to (the stages' ``allows`` merged in)."""
    return pipe._bound


def _outcome(doc: Document) -> tuple[object, ...]:
    return doc.html, doc.removed, doc.stats, doc.problems


def compare(name: str, base: Path, posts: Sequence[str], passes: int) -> tuple[float, float]:
    """Median µs a post of the stage before (``base``) and after (installed), see the module."""
    pipe = Pipeline(policy=NO_NETWORK)
    names = pipe.stages
    before = [pipe.stage(n) for n in names[: names.index(name)]]
    after, old = pipe.stage(name), base_stage(name, base, pipe)

    def prepared(post: str) -> Document:
        doc = Document(post, "html", _policy(pipe), messages=pipe._messages)
        for stage in before:
            if doc.stopped:
                break
            stage(doc)
        return doc

    clock = time.process_time
    old_times: list[float] = []
    new_times: list[float] = []
    for turn in range(passes):
        old_sum = new_sum = 0.0
        gc.collect()
        gc.disable()
        try:
            for index, post in enumerate(posts):
                old_doc, new_doc = prepared(post), prepared(post)
                first_old = (turn + index) % 2  # who goes first alternates post by post: the
                # second to read a post finds it in the CPU's caches
                order = (
                    ((old, old_doc), (after, new_doc)) if first_old else ((after, new_doc), (old, old_doc))
                )
                for stage, doc in order:
                    start = clock()
                    stage(doc)
                    spent = clock() - start
                    if stage is old:
                        old_sum += spent
                    else:
                        new_sum += spent
                if (old_doc.html, old_doc.removed, old_doc.stats) != (
                    new_doc.html,
                    new_doc.removed,
                    new_doc.stats,
                ):
                    raise SystemExit(f"the two versions of {name!r} disagree on a post: {post[:80]!r}")
        finally:
            gc.enable()
        old_times.append(old_sum / len(posts) * 1e6)
        new_times.append(new_sum / len(posts) * 1e6)
    return statistics.median(old_times), statistics.median(new_times)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ab_stage", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("stage", choices=sorted(STAGES))
    parser.add_argument("--base", type=Path, required=True, help="the 'before' src directory")
    parser.add_argument("--passes", type=int, default=9)
    parser.add_argument("--n", type=int, default=150, help="5 KB HTML posts (seed 0)")
    args = parser.parse_args(argv)
    old, new = compare(args.stage, args.base, corpus.posts_5kb("html", args.n, 0), args.passes)
    print(f"{args.stage}: before {old:.1f} µs a post, after {new:.1f} µs ({new / old - 1:+.1%})")


if __name__ == "__main__":
    main()
