"""What the mention and hashtag stages share (composer.stages._words): the cap on one lookup
call (``max_names``), and the words a stage declares, which the markdown renderer keeps
literal (cases in tests/fixtures/mentions.txt and hashtags.txt; properties here)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composer import ConfigError, Document, Pipeline, Policy, Submission
from composer.stages import Hashtags, Mentions, Parse, default_stages
from composer.stages.mentions import mention_pattern

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
@pytest.mark.parametrize("bad", [0, -1, True, 2.5, "10", "²", None])
def test_a_bad_cap_is_refused_when_built(stage: Any, bad: object) -> None:
    with pytest.raises(ConfigError, match=rf"{stage.__name__}\.max_names must be an int >= 1"):
        stage(lookup=Everyone(), max_names=bad)


def test_the_cap_is_part_of_the_fingerprint() -> None:
    base = Pipeline(policy=POLICY)
    lookup = Everyone()
    one = base.insert_after("links", Mentions(lookup=lookup, max_names=10)).fingerprint
    two = base.insert_after("links", Mentions(lookup=lookup, max_names=20)).fingerprint
    assert one != two


# -- words kept as typed in markdown ------------------------------------------------------

_KNOWN: set[str] = set()


def _known(names: Sequence[str]) -> Mapping[str, str]:
    return {name: "/u/p" for name in names if name in _KNOWN}


MENTIONS = Pipeline(policy=POLICY).insert_after("links", Mentions(lookup=_known))
#: names of the grammar, heavy in what markdown reads as syntax (``_``) and what a name may
#: hold inside (``.``, ``-``)
_NAMES = st.from_regex(r"[a_1]([a_.\-]{0,6}[a_1])?", fullmatch=True).filter(
    lambda name: mention_pattern().fullmatch("@" + name) is not None
)
#: where a name stands: emphasis, strong, strikethrough around it or around its sentence, a
#: list, a quote, punctuation ({w} is the word; no "_" right before the sigil: there "_" is a
#: word character and ``_@ann_`` reads as emphasis around ``@ann``)
_CONTEXTS = st.sampled_from(
    [
        "{w}",
        "hi {w}.",
        "({w})",
        "*{w}*",
        "**{w}**",
        "***{w}***",
        "~~{w}~~",
        "*hi {w} there*",
        "_hi {w} there_",
        "**hi {w}**, *x*",
        "_a_ {w} _b_",
        "- {w}",
        "> *{w}*",
        "## {w}",
        "*x* {w}\n**y**",
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    name=_NAMES,
    context=_CONTEXTS,
    sigil=st.sampled_from(["@", "&#64;", "&commat;", "&#x40;"]),
    known=st.booleans(),
)
def test_a_name_in_markdown_is_mentioned_exactly_when_known(
    name: str, context: str, sigil: str, known: bool
) -> None:
    """Whatever markdown syntax a name holds (``_`` first, last, doubled), however its ``@``
    is spelled and whatever emphasis stands around it, the name comes out whole: a link when
    the lookup knows it, its text as typed otherwise."""
    _KNOWN.clear()
    if known:
        _KNOWN.add(name)
    result = MENTIONS.run(Submission(context.format(w=sigil + name), "markdown"))
    assert result.mentions == ((name,) if known else ()), result.html
    assert ("@" + name) in result.text, result.html
    if known:
        assert f'href="/u/p" rel="ugc noopener noreferrer">@{name}</a>' in result.html


@settings(max_examples=60, deadline=None)
@given(
    body=st.lists(
        st.sampled_from(["@_a_", "_b_", "*", "**", "~~", "x", " ", "\n", "@a", "#_t_"]), max_size=10
    )
)
def test_without_a_word_stage_markdown_is_as_before(body: list[str]) -> None:
    """A pipeline derived without its word stage renders and fingerprints as one that never
    had it: the parse stage is told the chain's words anew (none)."""
    source = "".join(body)
    removed, plain = MENTIONS.remove("mentions"), Pipeline(policy=POLICY)
    assert removed.fingerprint == plain.fingerprint
    assert removed.run(Submission(source, "markdown")).html == plain.run(Submission(source, "markdown")).html


# -- the words protocol: any stage may declare the words it reads ---------------------------


@dataclass(frozen=True)
class Cashtags:
    """A forum's own word stage: it declares ``$TICKER`` words and does nothing else."""

    pattern: re.Pattern[str] = re.compile(r"(?<![\w$])\$([A-Z_]{1,8})(?![\w$])")
    name: str = "cashtags"

    @property
    def words(self) -> Mapping[str, re.Pattern[str]]:
        return {"$": self.pattern}

    def __call__(self, doc: Document) -> None:
        return None


def test_a_stage_of_the_forums_own_has_its_words_kept() -> None:
    plain = Pipeline(policy=POLICY)
    with_stage = plain.insert_after("links", Cashtags())

    def html(pipe: Pipeline, source: str) -> str:
        return pipe.run(Submission(source, "markdown")).html.strip()

    assert html(plain, "buy $_AB_ now") == "<p>buy $<em>AB</em> now</p>"
    assert html(with_stage, "buy $_AB_ now") == "<p>buy $_AB_ now</p>"
    assert html(with_stage, "*a* **$_X_**") == "<p><em>a</em> <strong>$_X_</strong></p>"
    assert html(with_stage, "x$_AB_") == "<p>x$<em>AB</em></p>"  # the stage's own lookbehind


def test_the_words_are_part_of_the_fingerprint() -> None:
    plain = Pipeline(policy=POLICY)
    one = plain.insert_after("links", Cashtags())
    other = plain.insert_after("links", Cashtags(re.compile(r"\$([A-Z]{1,8})")))
    assert len({plain.fingerprint, one.fingerprint, other.fingerprint}) == 3
    assert one.stage("parse") != plain.stage("parse")


@dataclass(frozen=True)
class Declares:
    declared: Any
    name: str = "declares"

    @property
    def words(self) -> Any:
        return self.declared

    def __call__(self, doc: Document) -> None:
        return None


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        (["@"], "stage 'declares' declares words as list"),
        (
            {"ab": re.compile("ab")},
            "stage 'declares' declares words['ab']; a sigil is one character markdown stops at",
        ),
        ({"x": re.compile("x")}, "declares words['x']; a sigil is one character markdown stops at: ! # $"),
        (
            {"@": "@\\w+"},
            "declares words['@'] = str '@\\\\w+'; the pattern of a word is a compiled str regex",
        ),
        ({"@": re.compile(b"@")}, "declares words['@'] = Pattern"),
        ({"@": re.compile("@x")}, "stage 'declares' and stage 'mentions' both read words after '@'"),
    ],
)
def test_a_bad_words_declaration_fails_at_construction(declared: Any, message: str) -> None:
    base = Pipeline(policy=POLICY).insert_after("links", Mentions(lookup=_known))
    with pytest.raises(ConfigError, match=re.escape(message)):
        base.insert_after("mentions", Declares(declared))


def test_two_stages_may_read_one_sigil_with_the_same_grammar() -> None:
    pipe = Pipeline(policy=POLICY).insert_after("links", Mentions(lookup=_known))
    pipe = pipe.insert_after("mentions", Declares({"@": mention_pattern()}))
    assert [sigil for sigil, _ in pipe.stage("parse").kept_words] == ["@"]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class BadKeeper:
    name: str = "parse"

    def keep_words(self, words: Any) -> Any:
        return "not a stage"

    def __call__(self, doc: Document) -> None:
        return None


def test_keep_words_must_return_the_stage() -> None:
    with pytest.raises(ConfigError, match=re.escape("stage 'parse': keep_words(words) returned str")):
        Pipeline([BadKeeper(), *default_stages()[1:]])


@pytest.mark.parametrize(
    ("kept", "message"),
    [
        ("@", "Parse.kept_words must be (sigil, compiled pattern) pairs"),
        ((("a", re.compile("a")),), "Parse.kept_words has the sigil 'a'"),
        ((("@", "@"),), "Parse.kept_words['@'] must be a compiled str pattern"),
    ],
)
def test_parse_checks_the_words_it_is_given(kept: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        Parse(kept_words=kept)
