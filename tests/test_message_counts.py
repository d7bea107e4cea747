"""Messages with a count read right for every count: "Only 1 image is allowed.", not
"Only 1 images are allowed." (cases in tests/fixtures/message-counts.txt).

A code listed in ``messages.COUNTED`` is said with its ``_one`` template when its count is 1
and, for a limit, its ``_none`` template when the limit is 0; each is a catalogue code a
forum may translate, and a forum that translates only the plain code never shows English.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import pytest

from composer import Format, Pipeline, Policy, Submission
from composer.messages import COUNTED, MESSAGES, PARAMS, variant
from composer.stages import Mentions
from fixture_files import FIXTURES, read_cases

CASES = read_cases(FIXTURES / "message-counts.txt", 2)


def _said(code: str, role: str, n: int) -> str:
    field = COUNTED[code]
    params: dict[str, Any] = {**PARAMS[code], field: n}
    if field == "limit" and "count" in params:
        params["count"] = n + 1
    if "role" in params:
        params["role"] = role
    if code == "emoji_limit" and n == 0:
        key = "emoji_none"  # the emoji stage's own name for a limit of 0
    else:
        key = variant(code, {}, role=role, none=field == "limit" and n == 0, params=params)
    return MESSAGES[key].format(**params)


@pytest.mark.parametrize(("title", "counts", "expected"), CASES, ids=[c[0] for c in CASES])
def test_default_english_reads_right_for_each_count(title: str, counts: str, expected: str) -> None:
    code, role = title.split()
    said = [_said(code, role, int(n)) for n in counts.split("\n")]
    assert said == expected.split("\n")


def test_every_counted_code_has_cases() -> None:
    assert {c[0].split()[0] for c in CASES} == set(COUNTED)


def test_every_count_form_has_example_params_with_its_count() -> None:
    """PARAMS, which checks translations, knows each form, with the count it is said for."""
    for key in MESSAGES:
        for code, field in COUNTED.items():
            if key.startswith(f"{code}_one"):
                assert PARAMS[key][field] == 1, key


def _links(n: int) -> str:
    return " ".join(f"https://example.com/{i}" for i in range(n))


def _run(policy: Policy, body: str, fmt: str = "text") -> list[str]:
    pipe = Pipeline(policy=replace(policy, embed_mode="cache_only"))
    return [p.message for p in pipe.run(Submission(body, cast(Format, fmt))).problems]


IMAGES = '<img src="https://example.com/a.png"><img src="https://example.com/b.png">'


@pytest.mark.parametrize(
    ("policy", "body", "fmt", "expected"),
    [
        (Policy(max_images=1), IMAGES, "html", "Only 1 image is allowed."),
        (Policy.preset("new"), IMAGES, "html", "New members can post only 1 of the 2 images in this post."),
        (Policy(max_links=1), _links(2), "text", "A post can carry at most 1 link."),
        (replace(Policy.preset("guest"), max_links=1), _links(2), "text", "Guests can post at most 1 link."),
        (Policy(max_links=0), _links(1), "text", "Links are not allowed."),
        (replace(Policy.preset("new"), max_links=0), _links(1), "text", "New members cannot post links."),
        (Policy(max_emoji=1), "😀😀", "text", "Only 1 emoji is allowed."),
        (Policy(max_length=0), "a", "text", "The post is too long (1 character; the limit is 0)."),
    ],
)
def test_a_run_says_a_count_of_one_and_none(policy: Policy, body: str, fmt: str, expected: str) -> None:
    assert _run(policy, body, fmt) == [expected]


def test_mentions_say_one_person() -> None:
    lookup = Mentions(lookup=lambda names: {n: f"/u/{n}" for n in names})
    pipe = Pipeline(policy=Policy(max_mentions=1)).insert_after("links", lookup)
    problems = pipe.run(Submission("@ann and @bob", "text")).problems
    assert [p.message for p in problems] == ["A post can mention at most 1 person."]
    pipe = Pipeline(policy=replace(Policy.preset("guest"), max_mentions=0)).insert_after("links", lookup)
    problems = pipe.run(Submission("@ann", "text")).problems
    assert [p.message for p in problems] == ["Guests cannot mention people."]


def test_a_trimmed_emoji_is_said_in_the_singular() -> None:
    result = Pipeline(policy=Policy(max_emoji=1, emoji_over_limit="trim")).run(Submission("😀😀"))
    assert [n.message for n in result.notices] == ["1 emoji over the limit of 1 was removed."]
    result = Pipeline(policy=Policy(max_emoji=1, emoji_over_limit="trim")).run(Submission("😀😀😀"))
    assert [n.message for n in result.notices] == ["2 emoji over the limit of 1 were removed."]


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        ({}, "Only 1 image is allowed."),
        ({"too_many_images": "Höchstens {limit} Bilder."}, "Höchstens 1 Bilder."),  # never English
        ({"too_many_images_one": "Höchstens ein Bild."}, "Höchstens ein Bild."),
        (
            {"too_many_images": "Höchstens {limit} Bilder.", "too_many_images_one": "Nur {limit} Bild."},
            "Nur 1 Bild.",
        ),
    ],
)
def test_a_forum_translates_the_singular_or_only_the_plain_code(
    messages: dict[str, str], expected: str
) -> None:
    assert _run(Policy(max_images=1, messages=messages), IMAGES, "html") == [expected]


def test_a_translated_plain_code_wins_over_the_english_singular_of_a_notice() -> None:
    policy = Policy(max_emoji=1, emoji_over_limit="trim", messages={"emoji_trimmed": "{removed} weg."})
    result = Pipeline(policy=policy).run(Submission("😀😀"))
    assert [n.message for n in result.notices] == ["1 weg."]
