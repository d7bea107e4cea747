"""@mentions: composer.stages.Mentions, driven by tests/fixtures/mentions.txt, with the limit,
Result.mentions, the one lookup per post, failing lookups, and properties (no mention inside
code, pre, links or e-mail addresses; every output passes the XSS checks)."""

from __future__ import annotations

import functools
import html
import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml.html import fragment_fromstring

from composer import Clipboard, ConfigError, Document, Format, Pipeline, Policy, Submission
from composer.stages import Embeds, Hashtags, Mentions
from composer.stages._words import usable_url
from composer.stages.mentions import MAX_NAME, mention_pattern
from fixture_files import FIXTURES, read_cases
from safety import dangers

PEOPLE = (
    "alice", "bob", "bobby", "zoë", "नमस्ते", "日本", "o.brien", "ann-marie", "_under", "42", "_ann_", "bob_"
)  # fmt: skip
#: people whose profile URL is by id: names with a joiner (ZWNJ, ZWJ), and a name one of them
#: starts with (a URL holds no joiner)
BY_ID = {"می": "/u/1000", "می\u200cخواهم": "/u/1001", "ශ්\u200dරී": "/u/1002"}


#: a directory gone wrong: profile URLs a browser reads as another host, or not as a profile
#: path at all; every one leaves its name as text (tests/fixtures/mentions.txt)
SNEAKY = {
    "sneaky1": "//evil.example/u",
    "sneaky2": "/\\evil.example/u",
    "sneaky3": "\\\\evil.example/u",
    "sneaky4": "/\t/evil.example/u",
    "sneaky5": "u/relative",
    "sneaky6": "https:evil.example/u",
    "sneaky7": "https:/\\evil.example/u",
    "sneaky8": "?u=1",
    "sneaky9": "https:///evil.example",
}


def directory(names: Sequence[str]) -> Mapping[str, str]:
    """The forum's user table: case-insensitive, NFC, as a forum's lookup would be."""
    found = {}
    for name in names:
        key = unicodedata.normalize("NFC", name).casefold()
        if key in PEOPLE:
            found[name] = "https://forum.example/u/bob" if key == "bob" else f"/u/{key}"
        elif key in BY_ID:
            found[name] = BY_ID[key]
        elif key in SNEAKY:
            found[name] = SNEAKY[key]
    return found


POLICY = Policy(embed_mode="cache_only", own_hosts={"forum.example"})
PIPE = Pipeline(policy=POLICY).insert_after("links", Mentions(lookup=directory))
#: the fixtures run through both sanitizer backends
PIPES = {"nh3": PIPE, "bleach": PIPE.with_policy(replace(POLICY, sanitizer="bleach"))}

_FORMAT = re.compile(r"\[(text|markdown|html)\] ")


def cases() -> list[tuple[str, str, str]]:
    return [(t, a, b) for t, a, b in read_cases(FIXTURES / "mentions.txt")]


def _same(out: str, expected: str, how: str) -> None:
    assert out.strip() == expected.strip(), how


@pytest.mark.parametrize("backend", PIPES)
@pytest.mark.parametrize(("title", "source", "expected"), cases(), ids=lambda x: x[:50])
def test_fixture(title: str, source: str, expected: str, backend: str) -> None:
    pipe = PIPES[backend]
    match = _FORMAT.match(title)
    assert match, f"{title!r} names no [format]"
    fmt = match.group(1)
    if fmt == "text":
        _same(pipe.run(Submission(source, "text")).html, expected, "run")
        _same(pipe.paste(Clipboard(text=source)).html, expected, "paste")
        as_html = "<p>" + html.escape(source, quote=False).replace("\n", "<br>") + "</p>"
        _same(pipe.paste(Clipboard(html=as_html), plain=True).html, expected, "paste(plain=True)")
    elif fmt == "markdown":
        _same(pipe.run(Submission(source, "markdown")).html, expected, "run")
    else:
        _same(pipe.run(Submission(source, "html")).html, expected, "run")
        _same(pipe.paste(Clipboard(html=source)).html, expected, "paste")


def test_the_fixture_file_covers_every_format() -> None:
    formats = {m.group(1) for t, _, _ in cases() if (m := _FORMAT.match(t))}
    assert formats == {"text", "markdown", "html"}


# -- what the forum gets --------------------------------------------------------------------


def test_result_mentions_lists_each_person_once_in_order() -> None:
    result = PIPE.run(Submission("@bob, @Alice and @alice again, @nobody and @BOB", "text"))
    assert result.mentions == ("bob", "Alice")
    assert result.to_dict()["mentions"] == ["bob", "Alice"]


def test_no_mention_is_an_empty_tuple() -> None:
    assert PIPE.run(Submission("no one here", "text")).mentions == ()
    assert PIPE.run(Submission("@nobody here", "text")).mentions == ()
    assert Pipeline().run(Submission("@alice", "text")).mentions == ()  # no mention stage


@dataclass
class Recorder:
    """A lookup that records each call."""

    answer: Any
    calls: list[tuple[str, ...]]

    def __call__(self, names: Sequence[str]) -> Any:
        self.calls.append(tuple(names))
        return directory(names) if self.answer is _DIRECTORY else self.answer


_DIRECTORY = object()


def _recording(answer: Any = _DIRECTORY) -> tuple[Pipeline, list[tuple[str, ...]]]:
    calls: list[tuple[str, ...]] = []
    pipe = Pipeline(policy=POLICY).insert_after("links", Mentions(lookup=Recorder(answer, calls)))
    return pipe, calls


def test_one_lookup_per_post_with_every_candidate_once() -> None:
    pipe, calls = _recording()
    body = "<p>@bob @x @alice</p><ul><li>@bob</li><li><b>@zed</b></li></ul><code>@code</code>"
    pipe.run(Submission(body, "html"))
    assert calls == [("bob", "x", "alice", "zed")]


@pytest.mark.parametrize(
    "body", ["no at sign", "mail a@b.example", "`@alice`", "x@@", "https://a.example/@bob"]
)
def test_no_candidate_no_lookup(body: str) -> None:
    pipe, calls = _recording()
    pipe.run(Submission(body, "markdown"))
    assert calls == []


@dataclass(frozen=True)
class TreeProbe:
    name: str = "probe"

    def __call__(self, doc: Document) -> None:
        doc.stats["parsed"] = doc.has_tree


def test_a_post_without_at_sign_is_not_parsed() -> None:
    pipe = Pipeline(policy=POLICY).insert_after("links", Mentions(lookup=directory))
    pipe = pipe.insert_after("mentions", TreeProbe())
    assert pipe.run(Submission("<p>plain <b>post</b> here</p>", "html")).stats["parsed"] is False
    assert pipe.run(Submission("<p>hi @alice</p>", "html")).stats["parsed"] is True


# -- the limit ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "people", "ok"), [("new", 2, True), ("new", 3, False), ("member", 10, True)]
)
def test_max_mentions_counts_distinct_people(role: str, people: int, ok: bool) -> None:
    pipe = Pipeline(policy=Policy.preset(role)).insert_after(
        "links", Mentions(lookup=lambda names: {n: f"/u/{n.lower()}" for n in names})
    )
    body = " ".join(f"@user{i} @USER{i}" for i in range(people))
    result = pipe.run(Submission(body, "text"))
    assert result.ok is ok
    assert len(result.mentions) == people
    if not ok:
        assert [p.code for p in result.problems] == ["too_many_mentions"]
        assert result.problems[0].params == {"limit": 2, "count": people, "role": role}


def test_unknown_names_do_not_count() -> None:
    pipe = Pipeline(policy=Policy.preset("new")).insert_after("links", Mentions(lookup=directory))
    result = pipe.run(Submission("@alice @bob @x @y @z @w", "text"))
    assert result.ok, result.problems
    assert result.mentions == ("alice", "bob")


def test_forged_mentions_cannot_pass_the_limit_uncounted() -> None:
    pipe = Pipeline(policy=Policy.preset("new")).insert_after("links", Mentions(lookup=directory))
    forged = "".join(f'<a class="mention" href="/u/p{i}">@p{i}</a> ' for i in range(5))
    result = pipe.run(Submission(f"<p>{forged}</p>", "html"))
    assert result.ok and result.mentions == ()
    assert 'class="mention"' not in result.html


# -- lookups that fail ----------------------------------------------------------------------


def _boom(names: Sequence[str]) -> Mapping[str, str]:
    raise RuntimeError("database down")


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_a_failing_lookup_keeps_the_post(fmt: Format, caplog: pytest.LogCaptureFixture) -> None:
    pipe = Pipeline(policy=POLICY).insert_after("links", Mentions(lookup=_boom))
    with caplog.at_level(logging.WARNING, logger="composer.stages.mentions"):
        result = pipe.run(Submission("hi @alice, see https://a.example/", fmt))
    assert result.ok and result.mentions == ()
    assert "@alice" in result.html and "mention" not in result.html
    assert result.stats["lookup_failed"] == ("mentions",)
    assert "database down" in caplog.text


@pytest.mark.parametrize(
    "answer",
    [
        None,
        42,
        ["alice"],
        "alice",
        {"alice": 3},
        {"alice": "javascript:alert(1)"},
        {"alice": "data:text/html,x"},
        {"alice": "/u/a b"},
        {"alice": "/u/a\u202eb"},
        {"alice": "/u/" + "a" * 3000},
        {"alice": ""},
        {"alice": "//evil.example/u/alice"},
        {"alice": "/\\evil.example/u/alice"},
        {"alice": "\\\\evil.example/u/alice"},
        {"alice": "/\n/evil.example"},
        {"alice": "\t//evil.example"},
        {"alice": "u/alice"},
        {"alice": "https:evil.example"},
        {"alice": "https:\\\\evil.example"},
        {"alice": "https://evil.example\\@forum.example/u"},
    ],
)
def test_junk_answers_leave_text(answer: Any) -> None:
    pipe, _ = _recording(answer)
    result = pipe.run(Submission("hi @alice", "text"))
    assert result.ok
    assert result.html == "<p>hi @alice</p>"
    assert result.mentions == ()
    assert not result.notices


_BASE = "https://forum.example/t/1"
_URLS = st.tuples(
    st.sampled_from(
        ["", "/", "//", "/\\", "\\", "\\\\", "http:", "https:", "HTTPS:", "https://", "https:/", "ftp:"]
    ),
    st.text(alphabet="/\\.:@?#%\t\nab", max_size=8),
    st.sampled_from(["evil.example", "forum.example", "u/ann", ""]),
).map("".join)


@settings(max_examples=400, deadline=None)
@given(url=_URLS)
def test_a_profile_url_a_browser_sends_elsewhere_is_refused(url: str) -> None:
    """Accepted means: a path on the forum, or an http(s) URL whose host is written after ``//``
    (resolved as a browser does, by the WHATWG oracle)."""
    ada_url = pytest.importorskip("ada_url", reason="ada-url (dev extra) is the WHATWG oracle")
    if usable_url(url) is None:
        return
    if url.startswith("/"):
        assert ada_url.URL(url, _BASE).host == "forum.example", url
    else:
        assert url.lower().startswith(("http://", "https://")), url


def test_names_the_lookup_was_not_asked_about_are_ignored() -> None:
    pipe, _ = _recording({"alice": "/u/alice", "mallory": "/u/m"})
    result = pipe.run(Submission("@alice", "text"))
    assert result.mentions == ("alice",)


def test_lookup_must_be_callable() -> None:
    with pytest.raises(ConfigError, match=r"Mentions\.lookup must be a callable"):
        Mentions(lookup={"alice": "/u/alice"})  # type: ignore[arg-type]


async def _find_async(names: Sequence[str]) -> Mapping[str, str]:
    return {}


class _AsyncDirectory:
    async def __call__(self, names: Sequence[str]) -> Mapping[str, str]:
        return {}


@pytest.mark.parametrize("lookup", [_find_async, _AsyncDirectory(), functools.partial(_find_async)])
@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda f: Mentions(lookup=f), "Mentions.lookup"),
        (lambda f: Hashtags(lookup=f), "Hashtags.lookup"),
        (lambda f: Embeds(own_cards=f), "Embeds.own_cards"),
    ],
)
def test_an_async_callback_is_refused_when_built(lookup: Any, build: Any, field: str) -> None:
    """Called in a run it would give a coroutine never awaited, and every run would fail
    silently (logged as lookup_failed); the forum learns it at construction instead."""
    with pytest.raises(ConfigError, match=re.escape(f"{field} must be a plain function, not the async")):
        build(lookup)


# -- properties -----------------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "@alice",
        "@bob",
        "@nobody",
        "@zoë",
        "@o.brien",
        "a@bob.example",
        "x",
        "@",
        "@@alice",
        "`@alice`",
        "**@bob**",
        "[@alice](https://a.example/)",
        "https://a.example/@bob",
        "<code>@bob</code>",
        "<pre>@alice</pre>",
        "<a href=/x>@alice</a>",
        "<b>",
        "</b>",
        "<i>@",
        "bob</i>",
        "&#64;alice",
        "\n",
        "\n\n",
        "```\n@alice\n```\n",
        '<a class="mention">@bob</a>',
        "<script>@alice</script>",
        "-",
        ".",
        ",",
        "<img src=x onerror=alert(1)>@bob",
    ]
)
BODIES = st.lists(WORDS, max_size=12).map(" ".join)
_NAME = mention_pattern()


def _mention_links(markup: str) -> list[tuple[str, str, list[str]]]:
    """(href, text, ancestor tags) of every mention link in ``markup``."""
    root = fragment_fromstring(markup or "<p></p>", create_parent="div")
    return [
        (a.get("href") or "", a.text_content(), [el.tag for el in a.iterancestors()])
        for a in root.iter("a")
        if "mention" in (a.get("class") or "").split()
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=BODIES, fmt=st.sampled_from(["text", "markdown", "html"]))
def test_mentions_are_only_known_names_outside_code_and_links(body: str, fmt: Format) -> None:
    result = PIPE.run(Submission(body, fmt))
    assert dangers(result.html) == []
    links = _mention_links(result.html)
    for href, text, ancestors in links:
        assert _NAME.fullmatch(text), text
        assert directory([text[1:]]).get(text[1:]) == unquote(href)
        assert not {"a", "code", "pre", "kbd", "samp"} & set(ancestors), (text, ancestors)
    named = {directory([t[1:]])[t[1:]] for _, t, _ in links}
    assert len(result.mentions) == len(named)
    again = PIPE.run(Submission(result.html, "html"))  # idempotent: stored HTML rendered again
    assert again.html == result.html
    assert again.mentions == result.mentions


@settings(max_examples=100, deadline=None)
@given(local=st.from_regex(r"[a-z0-9._+-]{1,12}", fullmatch=True), name=st.sampled_from(PEOPLE))
def test_an_email_address_is_never_a_mention(local: str, name: str) -> None:
    body = f"write to {local}@{name} or {local}@{name}.example"
    result = PIPE.run(Submission(body, "text"))
    assert result.mentions == ()


def test_a_name_longer_than_the_limit_is_no_mention() -> None:
    pipe, calls = _recording({"a" * (MAX_NAME + 1): "/u/long", "a" * MAX_NAME: "/u/a"})
    assert pipe.run(Submission("@" + "a" * (MAX_NAME + 1), "text")).mentions == ()
    assert pipe.run(Submission("@" + "a" * MAX_NAME, "text")).mentions == ("a" * MAX_NAME,)
    assert calls == [("a" * MAX_NAME,)]


# -- hashtags -------------------------------------------------------------------------------

TAGS = ("python", "python-3", "help", "日本", "_faq_")


def tags(names: Sequence[str]) -> Mapping[str, str]:
    found = {name: f"/tag/{name.casefold()}" for name in names if name.casefold() in TAGS}
    return found | {name: SNEAKY[name] for name in names if name in SNEAKY}


TAG_PIPE = Pipeline(policy=POLICY).insert_after("links", Hashtags(lookup=tags))


@pytest.mark.parametrize(
    ("title", "source", "expected"), read_cases(FIXTURES / "hashtags.txt"), ids=lambda x: x[:50]
)
def test_hashtag_fixture(title: str, source: str, expected: str) -> None:
    match = _FORMAT.match(title)
    assert match, f"{title!r} names no [format]"
    fmt = match.group(1)
    _same(TAG_PIPE.run(Submission(source, fmt)).html, expected, "run")  # type: ignore[arg-type]
    if fmt == "text":
        _same(TAG_PIPE.paste(Clipboard(text=source)).html, expected, "paste")
    elif fmt == "html":
        _same(TAG_PIPE.paste(Clipboard(html=source)).html, expected, "paste")


def test_mentions_and_hashtags_together() -> None:
    pipe = PIPE.insert_after("mentions", Hashtags(lookup=tags))
    result = pipe.run(Submission("@alice see #help (mail alice@bob.example#help)", "text"))
    assert result.html == (
        '<p><a class="mention" href="/u/alice" rel="ugc noopener noreferrer">@alice</a> see '
        '<a class="hashtag" href="/tag/help" rel="ugc noopener noreferrer">#help</a> '
        "(mail alice@bob.example#help)</p>"
    )
    assert result.mentions == ("alice",)


def test_a_failing_tag_lookup_keeps_the_post() -> None:
    pipe = Pipeline(policy=POLICY).insert_after("links", Hashtags(lookup=_boom))
    result = pipe.run(Submission("#help", "text"))
    assert result.ok and result.html == "<p>#help</p>"
    assert result.stats["lookup_failed"] == ("hashtags",)


def test_a_paste_for_a_markdown_editor_keeps_mentions_as_words() -> None:
    pipe = PIPE.insert_after("mentions", Hashtags(lookup=tags))
    pasted = pipe.paste(Clipboard(html="<p>hi @alice and @_under, see #help</p>"), target="markdown")
    assert pasted.mentions == ("alice", "_under")
    assert pasted.markdown is not None and "](" not in pasted.markdown  # words, not links
    again = pipe.run(Submission(pasted.markdown, "markdown"))
    assert again.html.strip() == pasted.html.strip()
    assert again.mentions == ("alice", "_under")


INLINE = st.sampled_from(
    ["@alice", "@bob", "@bo", "b", "by", "x", ".", "-", " ", "@", "<b>", "</b>", "<i>", "</i>", "<!-- c -->",
     "<b></b>", "<span>", "</span>", "<br>"]
)  # fmt: skip


MARK = "\u2060"  # around each mention's text, to find it in the text a reader sees


@settings(max_examples=200, deadline=None)
@given(inner=st.lists(INLINE, max_size=10).map("".join))
def test_a_mention_is_a_whole_word_as_a_reader_reads_it(inner: str) -> None:
    """Soundness across inline markup: in the text a reader sees, no mention link is glued to
    the word before it or runs on into more name characters after it."""
    result = PIPE.run(Submission(f"<p>{inner}</p>", "html"))
    root = fragment_fromstring(result.html or "<p></p>", create_parent="div")
    for a in root.iter("a"):
        if "mention" in (a.get("class") or "").split():
            a.text = f"{MARK}{a.text or ''}{MARK}"
    for br in root.iter("br"):  # a line break ends a word
        br.tail = "\n" + (br.tail or "")
    read = root.text_content()
    words = _mention_grammar()
    for found in re.finditer(f"{MARK}([^{MARK}]*){MARK}", read):
        before = read[: found.start()].replace(MARK, "")[-1:]
        after = read[found.end() :].replace(MARK, "")[:2]
        assert _NAME.fullmatch(found.group(1)), found.group(1)
        assert not words.glued_before.match(before), (inner, result.html)
        assert not words.glued_after.match(after), (inner, result.html)


def _mention_grammar() -> Any:
    from composer.stages._words import grammar

    return grammar("@", MAX_NAME, ".-")


def test_hashtags_are_not_links_to_the_link_limit() -> None:
    pipe = Pipeline(policy=Policy.preset("new")).insert_after("links", Hashtags(lookup=tags))
    result = pipe.run(Submission("#python #help #python-3 https://a.example/ https://b.example/", "text"))
    assert result.html.count('class="hashtag"') == 3
    assert result.ok, result.problems


@pytest.mark.parametrize(
    ("around", "link"),
    [
        ("<p>{}</p>", '<a class="mention" href="https://spam{i}.example/">x</a>'),
        ("<p>{}</p>", '<a class="hashtag" href="https://spam{i}.example/">x</a>'),
        ('<aside class="composer-card">{}</aside>', '<p><a href="https://spam{i}.example/">x</a></p>'),
    ],
)
@pytest.mark.parametrize("stages", ["default", "social"])
def test_a_class_a_person_types_exempts_no_link_from_the_limit(around: str, link: str, stages: str) -> None:
    """Links dressed as mentions, hashtags or an embed card count as the links a reader follows."""
    pipe = Pipeline(policy=Policy.preset("guest"))
    if stages == "social":
        pipe = pipe.insert_after("links", Mentions(lookup=directory)).insert_after(
            "mentions", Hashtags(lookup=tags)
        )
    body = around.format(" ".join(link.format(i=i) for i in range(3)))
    result = pipe.run(Submission(body, "html"))
    assert [p.code for p in result.problems] == ["too_many_links"], (result.problems, result.html)
