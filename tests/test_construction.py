"""Mistakes fail when the public values are built, never at the first post (issue 12.4).

The cases are fixture files (``tests/fixtures/construction-*.txt``): a Python expression and
the error it must raise, or the value it must give. The properties guard the kind: whatever
a field is given, building either raises the documented error or gives a value a post can
run through.
"""

from __future__ import annotations

import dataclasses
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import composer
from composer import (
    DEFAULT_ALLOWLIST,
    Allowlist,
    Clipboard,
    ComposerError,
    ConfigError,
    InputError,
    Pipeline,
    Policy,
    Submission,
)
from composer.messages import MESSAGES, PARAMS
from composer.stages import Parse, Sanitize
from fixture_files import FIXTURES, read_cases

SCOPE: dict[str, Any] = {
    "Policy": Policy,
    "Submission": Submission,
    "Clipboard": Clipboard,
    "Pipeline": Pipeline,
    "Allowlist": Allowlist,
    "DEFAULT_ALLOWLIST": DEFAULT_ALLOWLIST,
    "replace": dataclasses.replace,
    "Parse": Parse,
    "Sanitize": Sanitize,
}
ERRORS = read_cases(FIXTURES / "construction-errors.txt")
ACCEPTED = read_cases(FIXTURES / "construction-normalised.txt")


@pytest.mark.parametrize(("title", "source", "expected"), ERRORS, ids=[c[0][:50] for c in ERRORS])
def test_a_mistake_fails_at_construction(title: str, source: str, expected: str) -> None:
    kind, _, message = expected.partition(": ")
    with pytest.raises(ComposerError) as info:
        eval(source, dict(SCOPE))
    assert type(info.value).__name__ == kind
    assert str(info.value) == message


@pytest.mark.parametrize(("title", "source", "expected"), ACCEPTED, ids=[c[0][:50] for c in ACCEPTED])
def test_what_construction_accepts(title: str, source: str, expected: str) -> None:
    assert repr(eval(source, dict(SCOPE))) == expected


def test_every_field_has_a_wrong_input_case() -> None:
    """The fixture file covers every field of Policy, Submission and Clipboard."""
    text = (FIXTURES / "construction-errors.txt").read_text(encoding="utf-8")
    for cls in (Policy, Submission, Clipboard):
        for f in dataclasses.fields(cls):
            assert f"{cls.__name__}.{f.name}" in text or f"{cls.__name__}({f.name}=" in text, f.name


def test_default_templates_fit_their_params() -> None:
    assert set(PARAMS) == set(MESSAGES)
    for code, template in MESSAGES.items():
        assert Policy(messages={code: template}).messages == {code: template}


def test_the_default_policy_is_unchanged_by_checks() -> None:
    policy = Policy()
    assert policy.own_hosts == frozenset() and policy.messages == {}
    assert Policy(own_hosts=frozenset({"forum.example"})) == Policy(own_hosts=["Forum.Example"])  # type: ignore[arg-type]


def test_a_translation_renders_in_a_run() -> None:
    pipe = Pipeline(policy=Policy(max_emoji=1, messages={"emoji_limit": "Nur {limit} Emoji."}))
    result = pipe.run(Submission("😀😀", "text"))
    assert [p.message for p in result.problems] == ["Nur 1 Emoji."]


def test_own_hosts_from_a_list_drops_nofollow() -> None:
    pipe = Pipeline(policy=Policy(own_hosts=["Forum.Example"], embed_mode="cache_only"))  # type: ignore[arg-type]
    html = pipe.run(Submission('<a href="https://forum.example/t/1">t</a>')).html
    assert html == '<a href="https://forum.example/t/1" rel="ugc noopener noreferrer">t</a>'


def test_display_as_link_from_a_list_is_honoured() -> None:
    url = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    pipe = Pipeline(policy=Policy(embed_mode="cache_only"))
    assert "<iframe" in pipe.run(Submission(url, "text")).html
    kept = pipe.run(Submission(url, "text", display_as_link=[url]))  # type: ignore[arg-type]
    assert "<iframe" not in kept.html and url in kept.html


def test_the_sanitizer_is_built_with_the_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing extra is a ConfigError at construction, naming the distribution to install."""
    import sys

    monkeypatch.setitem(sys.modules, "bleach", None)
    with pytest.raises(ConfigError, match=r"pip install 'forum-composer\[bleach\]'"):
        Pipeline(policy=Policy(sanitizer="bleach"))


# -- properties: any value for any field -------------------------------------------------------

ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.binary(max_size=10),
    st.lists(st.one_of(st.text(max_size=12), st.integers()), max_size=3),
    st.frozensets(st.text(string.ascii_letters + ".:/", max_size=12), max_size=3),
    st.dictionaries(st.sampled_from([*MESSAGES, "nope"]), st.text(max_size=30), max_size=2),
)
POLICY_FIELDS = [f for f in Policy.__dataclass_fields__ if f != "image_proxy"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(POLICY_FIELDS), value=ANYTHING)
def test_any_policy_value_is_refused_or_works(name: str, value: object) -> None:
    kwargs: dict[str, Any] = {name: value}
    try:
        policy = Policy(**kwargs)
        # a message code no stage declares is refused when the chain is known (issue 13.4)
        pipe = Pipeline(policy=dataclasses.replace(policy, embed_mode="cache_only"))
    except ConfigError:
        return
    result = pipe.run(Submission("hi 😀 https://forum.example/x <b>b</b>", "html"))
    assert isinstance(result.html, str)


@settings(max_examples=300, deadline=None)
@given(body=ANYTHING, fmt=ANYTHING | st.sampled_from(["html", "markdown", "text"]), links=ANYTHING)
def test_any_submission_is_refused_or_runs(body: object, fmt: object, links: object) -> None:
    try:
        submission = Submission(body, fmt, links)  # type: ignore[arg-type]
    except InputError:
        return
    try:
        result = PIPE.run(submission)
    except InputError:
        assert isinstance(body, bytes)  # not UTF-8: refused when read, as documented
        return
    assert isinstance(result.html, str)


@settings(max_examples=200, deadline=None)
@given(html=ANYTHING, text=ANYTHING, files=ANYTHING)
def test_any_clipboard_is_refused_or_pastes(html: object, text: object, files: object) -> None:
    try:
        clipboard = Clipboard(html, text, files)  # type: ignore[arg-type]
    except InputError:
        return
    for plain in (False, True):
        try:
            result = PIPE.paste(clipboard, plain=plain)
        except InputError:
            assert isinstance(html, bytes) or isinstance(text, bytes)
            continue
        assert isinstance(result.html, str)


PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))


def test_composer_names_are_in_scope() -> None:
    assert all(getattr(composer, name, None) is SCOPE[name] for name in SCOPE if hasattr(composer, name))
