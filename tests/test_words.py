"""What the mention and hashtag stages share (composer.stages._words): the cap on one lookup
call (``max_names``), and the words a stage declares, which the markdown renderer keeps
literal (cases in tests/fixtures/mentions.txt and hashtags.txt; properties here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from composer import ConfigError, Pipeline, Policy, Submission
from composer.stages import Hashtags, Mentions

POLICY = Policy(embed_mode="cache_only")


class Everyone:
    """A directory that knows every name, and records each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, names: Sequence[str]) -> Mapping[str, str]:
        self.calls.append(tuple(names))
        return {name: f"/u/{name}" for name in names}


# -- the cap on a lookup call -----------------------------------------------------------


@pytest.mark.parametrize(("stage", "sigil"), [(Mentions, "@"), (Hashtags, "#")])
def test_only_the_first_names_are_looked_up(stage: Any, sigil: str) -> None:
    """The first ``max_names`` distinct names in reading order are asked about; the rest stay
    text, and ``stats`` says how many were not looked up (their text is kept)."""
    lookup = Everyone()
    pipe = Pipeline(policy=POLICY).insert_after("links", stage(lookup=lookup, max_names=2))
    result = pipe.run(Submission(f"{sigil}a {sigil}b {sigil}a {sigil}c {sigil}d {sigil}c", "text"))
    assert lookup.calls == [("a", "b")]
    name = stage.__name__.lower()
    assert result.stats["not_looked_up"] == {name: 2}
    for word in "ab":
        assert f'href="/u/{word}"' in result.html
    assert f"{sigil}c {sigil}d {sigil}c</p>" in result.html


def test_the_default_cap_is_a_thousand_names() -> None:
    lookup = Everyone()
    pipe = Pipeline(policy=POLICY).insert_after("links", Mentions(lookup=lookup))
    result = pipe.run(Submission(" ".join(f"@u{i}" for i in range(1003)), "text"))
    assert [len(call) for call in lookup.calls] == [1000]
    assert lookup.calls[0][-1] == "u999"
    assert result.stats["not_looked_up"] == {"mentions": 3}
    assert "@u1002" in result.html and 'href="/u/u1002"' not in result.html


def test_under_the_cap_nothing_is_noted() -> None:
    pipe = Pipeline(policy=POLICY).insert_after("links", Mentions(lookup=Everyone(), max_names=2))
    assert "not_looked_up" not in pipe.run(Submission("@a @b @a", "text")).stats


def test_both_stages_note_their_own_count() -> None:
    pipe = (
        Pipeline(policy=POLICY)
        .insert_after("links", Mentions(lookup=Everyone(), max_names=1))
        .insert_after("mentions", Hashtags(lookup=Everyone(), max_names=1))
    )
    result = pipe.run(Submission("@a @b @c #x #y", "text"))
    assert result.stats["not_looked_up"] == {"mentions": 2, "hashtags": 1}


@pytest.mark.parametrize("stage", [Mentions, Hashtags])
@pytest.mark.parametrize("bad", [0, -1, True, 2.5, "10", None])
def test_a_bad_cap_is_refused_when_built(stage: Any, bad: object) -> None:
    with pytest.raises(ConfigError, match=rf"{stage.__name__}\.max_names must be an int >= 1"):
        stage(lookup=Everyone(), max_names=bad)


def test_the_cap_is_part_of_the_fingerprint() -> None:
    base = Pipeline(policy=POLICY)
    lookup = Everyone()
    one = base.insert_after("links", Mentions(lookup=lookup, max_names=10)).fingerprint
    two = base.insert_after("links", Mentions(lookup=lookup, max_names=20)).fingerprint
    assert one != two
