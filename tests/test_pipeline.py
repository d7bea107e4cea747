"""The chain: names, order, edits by name, the sanitizer-last rule, errors, threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from composer import ConfigError, Document, InputError, Pipeline, Policy, StageError, Submission
from composer.stages import Parse, Sanitize


@dataclass(frozen=True)
class Shout:
    """A stage written outside the package, as a user would."""

    name: str = "shout"

    def __call__(self, doc: Document) -> None:
        for el in doc.tree.iter("p"):
            el.text = (el.text or "").upper()


@dataclass(frozen=True)
class Broken:
    name: str = "broken"

    def __call__(self, doc: Document) -> None:
        raise KeyError("boom")


def test_default_chain_order() -> None:
    stages = Pipeline().stages
    assert stages[0] == "parse"
    assert stages[-1] == "sanitize"
    known = ["parse", "paste", "images", "emoji", "links", "embed", "limits", "sanitize"]
    assert [s for s in known if s in stages] == list(stages)


def test_insert_replace_remove_by_name() -> None:
    pipe = Pipeline()
    shouted = pipe.insert_before("sanitize", Shout())
    assert shouted.stages[-2:] == ("shout", "sanitize")
    assert pipe.stages == Pipeline().stages  # immutable: the original is unchanged
    assert shouted.run(Submission("<p>hi</p>")).html == "<p>HI</p>"
    after = pipe.insert_after("parse", Shout())
    assert after.stages[1] == "shout"
    assert "links" not in pipe.remove("links").stages
    bleached = pipe.replace("sanitize", Sanitize(backend="bleach"))
    assert bleached.run(Submission("<b onclick=x>hi</b>")).html == "<b>hi</b>"
    assert isinstance(pipe.stage("parse"), Parse)


def test_unknown_stage_name() -> None:
    with pytest.raises(ConfigError, match="no stage named 'nope'"):
        Pipeline().remove("nope")


def test_last_stage_must_sanitize() -> None:
    with pytest.raises(ConfigError, match="last stage must be a sanitizer"):
        Pipeline([Parse()])
    with pytest.raises(ConfigError):
        Pipeline().remove("sanitize")
    with pytest.raises(ConfigError):
        Pipeline().insert_after("sanitize", Shout())
    with pytest.raises(ConfigError):
        Pipeline([])


def test_duplicate_and_bad_stages() -> None:
    with pytest.raises(ConfigError, match="two stages"):
        Pipeline([Parse(), Parse(), Sanitize()])
    with pytest.raises(ConfigError, match="not a stage"):
        Pipeline([object(), Sanitize()])  # type: ignore[list-item]


def test_bad_policy_values() -> None:
    with pytest.raises(ConfigError):
        Policy(max_emoji=-1)
    with pytest.raises(ConfigError):
        Policy(emoji_over_limit="drop")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        Policy(sanitizer="html5lib")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        Pipeline(policy="strict")  # type: ignore[arg-type]


def test_a_crashing_stage_is_named() -> None:
    pipe = Pipeline().insert_after("parse", Broken())
    with pytest.raises(StageError, match="broken") as info:
        pipe.run(Submission("x"))
    assert isinstance(info.value.__cause__, KeyError)


def test_wrong_input_types() -> None:
    with pytest.raises(InputError):
        Pipeline().run("just a string")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        Submission("x", "rtf")  # type: ignore[arg-type]


def test_plain_post_is_never_parsed() -> None:
    """Settled point 2: a post no stage needs a tree for is not parsed at all."""
    seen: list[bool] = []

    @dataclass(frozen=True)
    class Probe:
        name: str = "probe"

        def __call__(self, doc: Document) -> None:
            seen.append(doc.has_tree)

    pipe = Pipeline(policy=Policy(embed_mode="cache_only")).insert_before("sanitize", Probe())
    pipe.run(Submission("<p>Just <b>words</b>, and <a href='https://example.com'>a link</a>.</p>"))
    assert seen == [False]


def test_shared_between_threads() -> None:
    pipe = Pipeline(policy=Policy(embed_mode="cache_only"))
    bodies = [f"<p>post {i} <b>bold</b> https://example.com/{i} <script>x</script></p>" for i in range(200)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda b: pipe.run(Submission(b)).html, bodies))
    assert results == [pipe.run(Submission(b)).html for b in bodies]


def test_stages_check_the_policy_when_the_pipeline_is_built() -> None:
    """A stage's optional check(policy) runs once per construction; its errors are ConfigError."""
    seen: list[Policy] = []

    @dataclass(frozen=True)
    class Picky:
        name: str = "picky"

        def __call__(self, doc: Document) -> None:
            pass

        def check(self, policy: Policy) -> None:
            seen.append(policy)
            if policy.max_emoji > 10:
                raise ValueError("at most 10 emoji here")

    strict = Policy(max_emoji=5)
    pipe = Pipeline([Parse(), Picky(), Sanitize()], strict)
    assert seen == [strict]
    pipe.run(Submission("x"))
    assert seen == [strict]  # not per post
    with pytest.raises(ConfigError, match="stage 'picky' cannot work with this policy: ValueError"):
        pipe.with_policy(Policy())
