"""Stages written outside the package (issue 13.4) and the policy bound once (issue 13.5).

A stage declares ``messages`` (its notice codes) and ``allows`` (what the sanitizer keeps for
its output); the Pipeline merges both when it is built, and binds each stage to the policy
there (``bind``/``check``), holding what it built: no module cache, nothing per post. The
@mention stage of docs/api.md runs here as it is written.
"""

from __future__ import annotations

import gc
import re
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import composer.stages.sanitize as sanitize_module
from composer import (
    Allowlist,
    Clipboard,
    ComposerError,
    ConfigError,
    Document,
    Pipeline,
    Policy,
    StageError,
    Submission,
    default_stages,
)
from fixture_files import FIXTURES, read_cases

ROOT = Path(__file__).resolve().parent.parent
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _api_blocks() -> list[str]:
    return list(PYTHON_BLOCK.findall((ROOT / "docs" / "api.md").read_text(encoding="utf-8")))


def _mentions_class() -> type:
    (block,) = [b for b in _api_blocks() if "class Mentions" in b]
    scope: dict[str, Any] = {"__name__": "docs_api_mentions"}
    exec(compile(block, "docs/api.md", "exec", dont_inherit=True), scope)  # as a reader runs it
    mentions: type = scope["Mentions"]
    return mentions


Mentions = _mentions_class()


# -- the doc's @mention stage -----------------------------------------------------------------


def _entries(pipe: Pipeline, body: str) -> dict[str, Any]:
    """The same words through every entry point: run (html, markdown, text), paste, plain paste."""
    return {
        "run html": pipe.run(Submission(f"<p>{body}</p>", "html")),
        "run markdown": pipe.run(Submission(body, "markdown")),
        "run text": pipe.run(Submission(body, "text")),
        "paste": pipe.paste(Clipboard(html=f"<p>{body}</p>")),
        "paste plain": pipe.paste(Clipboard(html=f"<p>{body}</p>"), plain=True),
    }


@pytest.mark.parametrize("backend", ["nh3", "bleach"])
def test_the_mention_stage_of_the_docs_works_from_outside(backend: Literal["nh3", "bleach"]) -> None:
    pipe = Pipeline(policy=Policy(sanitizer=backend)).insert_before("links", Mentions())
    for entry, result in _entries(pipe, "thanks @Alice and @bob_2, not me@example.com").items():
        assert result.html.count('class="mention"') == 2, (entry, result.html)
        assert '<a class="mention" href="/u/alice"' in result.html or 'href="/u/alice"' in result.html
        codes = [n.code for n in result.notices]
        assert "mention_notified" in codes, (entry, codes)
        assert "content_removed" not in codes, (entry, result.notices)  # nothing the person wrote went
        (notice,) = [n for n in result.notices if n.code == "mention_notified"]
        assert notice.message == "@alice, @bob_2 will be notified."


def test_the_docs_example_shows_true_values() -> None:
    (block,) = [b for b in _api_blocks() if 'insert_before("links", Mentions())' in b]
    scope: dict[str, Any] = {
        "Mentions": Mentions,
        "Pipeline": Pipeline,
        "Submission": Submission,
        "Policy": Policy,
        "default_stages": default_stages,
    }
    exec(block, scope)
    shown = re.search(r"^result\.html\s+# (.*)$", block, flags=re.MULTILINE)
    assert shown is not None
    assert scope["result"].html == eval(shown.group(1))
    notices = scope["result"].notices
    assert [(n.code, n.message) for n in notices] == [("mention_notified", "@alice, @bob will be notified.")]


def test_without_allows_the_sanitizer_takes_the_class_out() -> None:
    """``allows`` is what keeps the stage's markup: the same stage without it loses the class."""

    class Bare(Mentions):  # type: ignore[misc,valid-type]
        allows = None

    html = Pipeline().insert_before("links", Bare()).run(Submission("<p>hi @ann</p>")).html
    assert 'href="/u/ann"' in html and "mention" not in html.replace("/u/", "")


def test_a_stage_code_can_be_translated() -> None:
    policy = Policy(messages={"mention_notified": "{names} werden benachrichtigt."})
    pipe = Pipeline([Mentions(), *default_stages()], policy)
    (notice,) = pipe.run(Submission("hi @ann")).notices
    assert notice.message == "@ann werden benachrichtigt."
    assert pipe.messages["mention_notified"] == "{names} werden benachrichtigt."
    assert pipe.messages["emoji_limit"] == "Only {limit} emoji are allowed."
    # the chain is what declares the code: without the stage, the translation has no code
    with pytest.raises(ConfigError, match="unknown code 'mention_notified'"):
        pipe.remove("mentions")
    with pytest.raises(ConfigError, match="unknown code 'mention_notified'"):
        Pipeline().with_policy(policy)


def test_an_undeclared_code_fails_the_run_as_a_stage_error() -> None:
    @dataclass(frozen=True)
    class Chatty:
        name: str = "chatty"

        def __call__(self, doc: Document) -> None:
            doc.notice("never_declared")

    with pytest.raises(StageError, match="chatty"):
        Pipeline([Chatty(), *default_stages()]).run(Submission("hi"))


def test_one_code_declared_twice_with_one_template_is_fine() -> None:
    one = Declares("one", messages={"hi": "Hi."})
    two = Declares("two", messages={"hi": "Hi."})
    assert Pipeline(chain(one, two)).messages["hi"] == "Hi."


# -- mistakes fail at construction, naming the stage (fixture file) ---------------------------


@dataclass(frozen=True)
class Declares:
    """A stage that only declares."""

    name: str
    messages: object = None
    allows: object = None

    def __call__(self, doc: Document) -> None:
        return None


@dataclass(frozen=True)
class BadBind:
    name: str = "bad_bind"

    def bind(self, policy: Policy) -> object:
        return 3

    def __call__(self, doc: Document) -> None:
        return None


@dataclass(frozen=True)
class BadCheck:
    name: str = "bad_check"

    def check(self, policy: Policy) -> None:
        raise ValueError("no emoji here")

    def __call__(self, doc: Document) -> None:
        return None


def chain(*stages: Any) -> list[Any]:
    return [*stages, *default_stages()]


SCOPE: dict[str, Any] = {
    "Pipeline": Pipeline,
    "Policy": Policy,
    "Allowlist": Allowlist,
    "Declares": Declares,
    "BadBind": BadBind,
    "BadCheck": BadCheck,
    "chain": chain,
}
ERRORS = read_cases(FIXTURES / "open-stages-errors.txt")


@pytest.mark.parametrize(("title", "source", "expected"), ERRORS, ids=[c[0][:50] for c in ERRORS])
def test_a_stage_declaration_mistake_fails_at_construction(title: str, source: str, expected: str) -> None:
    kind, _, message = expected.partition(": ")
    with pytest.raises(ComposerError) as info:
        eval(source, dict(SCOPE))
    assert type(info.value).__name__ == kind
    assert str(info.value) == message


NAMES = st.sampled_from(["hi", "mention_notified", "emoji_limit", "content_removed", "spoiler", ""])
TEMPLATES = st.one_of(
    st.sampled_from(["Hi.", "{names} will be notified.", "Only {limit} emoji are allowed.", "{", "{0}"]),
    st.text(max_size=12),
)
TAGS = st.sampled_from(["span", "details", "summary", "mark", "script", "iframe", "a", "p"])
ATTRS = st.sampled_from(["title", "data-x", "onclick", "class", "href", "OnLoad"])


@st.composite
def allows(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["of", "raw", "none"]))
    tags = draw(st.frozensets(TAGS, max_size=3))
    attrs = draw(st.dictionaries(TAGS, st.frozensets(ATTRS, max_size=2), max_size=2))
    classes = draw(
        st.dictionaries(TAGS, st.frozensets(st.sampled_from(["mention", "x"]), max_size=2), max_size=2)
    )
    if kind == "of":
        try:
            return Allowlist.of(tags=tags, attributes=attrs, classes=classes)
        except ConfigError:
            return None
    return Allowlist(tags=tags, attributes=attrs, classes=classes) if kind == "raw" else None


@dataclass(frozen=True)
class Speaks:
    """Declares, then sends a notice with each code it declared (every field filled)."""

    name: str
    messages: Any = None
    allows: Any = None

    def __call__(self, doc: Document) -> None:
        params: dict[str, Any] = {"names": "@ann", "limit": 3, "summary": "x", "removed": {}}
        for code, template in (self.messages or {}).items():
            doc.notice(code, **params)
            shown = doc.policy.messages.get(code) or template
            assert doc.notices[-1].message == shown.format(**params)


@settings(max_examples=300, deadline=None)
@given(
    one=st.dictionaries(NAMES, TEMPLATES, max_size=3),
    two=st.dictionaries(NAMES, TEMPLATES, max_size=2),
    translations=st.dictionaries(NAMES, TEMPLATES, max_size=2),
    first=allows(),
    second=allows(),
)
@example(one={"hi": "{0}"}, two={}, translations={}, first=None, second=None)  # was a StageError per post
@example(one={"hi": "Hi {names}."}, two={}, translations={"hi": "{names}!"}, first=None, second=None)
def test_any_declaration_is_refused_at_construction_or_works(
    one: dict[str, str], two: dict[str, str], translations: dict[str, str], first: Any, second: Any
) -> None:
    try:
        policy = Policy(messages=translations)
        pipe = Pipeline(chain(Speaks("one", one, first), Speaks("two", two, second)), policy)
    except ConfigError:
        return
    result = pipe.run(Submission("<p>hi <span title=t class=mention>@ann</span></p>"))
    assert isinstance(result.html, str)
    assert "onclick" not in result.html.lower() and "<script" not in result.html


# -- the policy bound once ---------------------------------------------------------------------


def test_no_module_cache_keeps_a_policy_alive() -> None:
    """What a Pipeline built for its policy is held by the Pipeline: dropping both frees them."""
    assert not hasattr(sanitize_module, "_CACHE")
    backends: tuple[Literal["nh3", "bleach"], ...] = ("nh3", "bleach")
    for backend in backends:
        policy = Policy(sanitizer=backend, max_emoji=7)
        ref = weakref.ref(policy)
        pipe = Pipeline(policy=policy).insert_before("links", Mentions())
        pipe.run(Submission("<p>hi @ann <b>x</b><script>y</script></p>"))
        del pipe, policy
        gc.collect()
        assert ref() is None, f"{backend}: something outside the Pipeline still holds its policy"


def test_the_sanitizer_is_built_once_per_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    import nh3

    built: list[object] = []
    real = nh3.Cleaner

    def counting(*args: Any, **kwargs: Any) -> Any:
        built.append(kwargs.get("tags"))
        return real(*args, **kwargs)

    monkeypatch.setattr(nh3, "Cleaner", counting)
    pipe = Pipeline().insert_before("links", Mentions())
    at_construction = len(built)
    assert at_construction > 0
    for body in ("<p>a <b>b</b></p>", "hi @ann", "<p>x<script>y</script></p>"):
        pipe.run(Submission(body))
    assert len(built) == at_construction  # no post builds a backend


def test_a_stage_is_bound_to_the_policy_with_the_merged_allowlist() -> None:
    seen: list[Policy] = []

    @dataclass(frozen=True)
    class Records:
        name: str = "records"

        def bind(self, policy: Policy) -> None:
            seen.append(policy)

        def __call__(self, doc: Document) -> None:
            seen.append(doc.policy)

    pipe = Pipeline([Mentions(), Records(), *default_stages()])
    pipe.run(Submission("hi"))
    assert len(seen) == 2 and seen[0] is seen[1]  # one bound policy, the one posts run with
    assert "mention" in seen[0].allowlist.classes["a"]
    assert "mention" not in pipe.policy.allowlist.classes.get("a", frozenset())  # as given


@pytest.mark.parametrize("backend", ["nh3", "bleach"])
def test_one_pipeline_shared_between_threads(backend: Literal["nh3", "bleach"]) -> None:
    pipe = Pipeline(policy=Policy(sanitizer=backend)).insert_before("links", Mentions())
    bodies = [f"<p>@u{i} <b>bold</b><script>x</script> <i>{'é' * i}</i></p>" for i in range(24)]
    expected = [pipe.run(Submission(body)).html for body in bodies]
    got: dict[int, str] = {}
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for i in range(len(bodies)):
                j = (i + offset) % len(bodies)
                html = pipe.run(Submission(bodies[j])).html
                if got.setdefault(j, html) != html:
                    errors.append(AssertionError(f"two results for body {j}"))
        except BaseException as exc:  # reported below, with the thread's failure
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n * 5,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert [got[i] for i in range(len(bodies))] == expected
