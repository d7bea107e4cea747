"""Quote cards for links to the forum's own topics (Embeds(own_cards=...), composer.Card), driven
by tests/fixtures/own-cards.txt, with the notice and undo, one lookup per post and never the
network, the image policy on avatars, lookups that fail, and the XSS checks."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composer import Card, Clipboard, ConfigError, InputError, Pipeline, Policy, Submission
from composer.embeds import Embed
from composer.stages import Embeds
from fixture_files import FIXTURES, read_cases
from safety import dangers

TOPICS: dict[str, Card] = {
    "https://forum.example/t/welcome/1": Card(
        "Welcome to the forum",
        "Say hello and tell us\nwhat brought you here.",
        "ann",
        avatar_url="/user_avatar/ann/48/1.png",
        date=dt.date(2026, 11, 2),
    ),
    "https://forum.example/t/tricky/2": Card(
        '<script>alert(1)</script> & "quotes"',
        "<img src=x onerror=alert(1)> @alice https://evil.example/",
        "<b>bob</b>",
        avatar_url="https://cdn.example/a.png?x=1&y=<b>",
        date=dt.datetime(2026, 11, 3, 10, 20, tzinfo=dt.timezone.utc),
    ),
    "https://forum.example/t/long/3": Card(
        "T" * 300, "one two three four five six seven eight nine ten " * 20, ""
    ),
    "https://forum.example/t/bare/4": Card("Bare", "", ""),
    # /t/staff/5 is private: the lookup leaves it out
}


class Resolves:
    """A resolver that records every URL it is asked about (own links must never be)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def resolve(self, url: str, deadline: float) -> Embed | None:
        self.asked.append(url)
        return Embed(type="card", url=url, title="From the network")


@dataclass
class Topics:
    """The forum's lookup: records each call."""

    answer: Any = None
    calls: list[tuple[str, ...]] = field(default_factory=list)

    def __call__(self, urls: Sequence[str]) -> Any:
        self.calls.append(tuple(urls))
        if self.answer is None:
            return {url: TOPICS[url] for url in urls if url in TOPICS}
        return self.answer


POLICY = Policy(embed_mode="cache_only", own_hosts={"forum.example"})


def pipe(lookup: Any = None, policy: Policy = POLICY, resolver: Any = None) -> Pipeline:
    stage = Embeds(own_cards=lookup or Topics()) if resolver is None else Embeds(resolver, own_cards=lookup)
    return Pipeline(policy=policy).replace("embed", stage)


PIPE = pipe()
#: the fixtures run through both sanitizer backends
PIPES = {"nh3": PIPE, "bleach": pipe(policy=replace(POLICY, sanitizer="bleach"))}
_FORMAT = re.compile(r"\[(text|markdown|html)\] ")


def cases() -> list[tuple[str, str, str]]:
    return [(t, a, b) for t, a, b in read_cases(FIXTURES / "own-cards.txt")]


@pytest.mark.parametrize("backend", ["nh3", "bleach"])
@pytest.mark.parametrize(("title", "source", "expected"), cases(), ids=lambda x: x[:50])
def test_fixture(title: str, source: str, expected: str, backend: str) -> None:
    chain = PIPES[backend]
    match = _FORMAT.match(title)
    assert match, f"{title!r} names no [format]"
    fmt = match.group(1)
    outs = {"run": chain.run(Submission(source, fmt)).html}  # type: ignore[arg-type]
    if fmt == "html":  # (a text clipboard is a plain paste: it embeds nothing)
        outs["paste"] = chain.paste(Clipboard(html=source)).html
    for how, out in outs.items():
        assert out.strip() == expected.strip(), how
        assert dangers(out) == [], how


# -- notice, undo, one lookup, no network ---------------------------------------------------

URL = "https://forum.example/t/welcome/1"


def test_a_card_has_the_embed_notice_and_undo() -> None:
    result = PIPE.run(Submission(URL, "text"))
    (notice,) = result.notices
    assert notice.code == "link_embedded"
    assert notice.message == "Your link has been automatically embedded."
    assert notice.action is not None
    assert (notice.action.code, notice.action.target) == ("display_as_link", URL)
    assert result.stats["embeds"] == 1
    undone = PIPE.run(Submission(URL, "text", display_as_link=frozenset({URL})))
    assert undone.html.strip() == f'<p><a href="{URL}" rel="ugc noopener noreferrer">{URL}</a></p>'
    assert undone.notices == ()


def test_a_plain_paste_makes_no_card() -> None:
    assert "composer-quote" not in PIPE.paste(Clipboard(text=URL), plain=True).html


@pytest.mark.parametrize("mode", ["sync", "cache_only"])
def test_one_lookup_per_post_and_own_links_never_reach_the_resolver(
    mode: Literal["sync", "cache_only"],
) -> None:
    topics, resolver = Topics(), Resolves()
    policy = replace(POLICY, embed_mode=mode)
    body = f"{URL}\n\nhttps://forum.example/t/staff/5\n\nhttps://other.example/x\n\n{URL}\n\nsee {URL} inline"
    result = pipe(topics, policy, resolver).run(Submission(body, "text"))
    assert topics.calls == [(URL, "https://forum.example/t/staff/5")]
    assert resolver.asked == (["https://other.example/x"] if mode == "sync" else [])
    assert result.html.count('composer-quote"') == 2
    assert "forum.example/t/staff/5" not in result.pending


def test_no_own_link_no_lookup() -> None:
    topics = Topics()
    pipe(topics).run(Submission("https://other.example/x\n\nsee https://forum.example/t/1 inline", "text"))
    assert topics.calls == []


def test_the_embed_limit_counts_cards() -> None:
    body = "\n\n".join([URL, "https://forum.example/t/bare/4", "https://forum.example/t/long/3"])
    result = pipe(policy=replace(POLICY, max_embeds=2)).run(Submission(body, "text"))
    assert result.html.count('class="composer-quote"') == 2


def test_without_own_cards_own_links_go_to_the_resolver_as_before() -> None:
    resolver = Resolves()
    stage = Embeds(resolver)
    Pipeline(policy=replace(POLICY, embed_mode="sync")).replace("embed", stage).run(Submission(URL, "text"))
    assert resolver.asked == [URL]


def test_the_card_markup_is_kept_only_when_the_stage_makes_cards() -> None:
    markup = '<p><time datetime="2026-01-01">x</time></p>'
    assert '<time datetime="2026-01-01">' in PIPE.run(Submission(markup)).html
    assert "<time" not in Pipeline().run(Submission(markup)).html


# -- the image policy on avatars ------------------------------------------------------------


def test_a_remote_avatar_goes_through_the_image_proxy() -> None:
    policy = replace(POLICY, image_proxy=lambda url: "https://camo.forum.example/?u=" + quote(url, safe=""))
    out = pipe(policy=policy).run(Submission("https://forum.example/t/tricky/2", "text")).html
    assert (
        'src="https://camo.forum.example/?u=https%3A%2F%2Fcdn.example%2Fa.png%3Fx%3D1%26y%3D%3Cb%3E"' in out
    )


def test_no_remote_avatar_when_remote_images_are_off() -> None:
    policy = replace(POLICY, allow_remote_images=False)
    out = pipe(policy=policy).run(Submission("https://forum.example/t/tricky/2", "text")).html
    assert "<img" not in out and "&lt;b&gt;bob&lt;/b&gt;" in out
    own = pipe(policy=policy).run(Submission(URL, "text")).html
    assert 'src="/user_avatar/ann/48/1.png"' in own  # the forum's own picture is no remote image


@pytest.mark.parametrize(
    "avatar",
    ["javascript:alert(1)", "data:image/png;base64,AAAA", "//evil.example/a.png", "/a b.png", "x.png"],
)
def test_an_avatar_that_is_no_image_url_is_left_out(avatar: str) -> None:
    card = Card("T", "", "ann", avatar_url=avatar)
    out = pipe(Topics({URL: card})).run(Submission(URL, "text")).html
    assert "<img" not in out and ">ann<" in out


# -- lookups that fail ----------------------------------------------------------------------


def _boom(urls: Sequence[str]) -> Mapping[str, Card]:
    raise RuntimeError("database down")


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_a_failing_lookup_leaves_links(fmt: str, caplog: pytest.LogCaptureFixture) -> None:
    body = URL if fmt != "html" else f'<p><a href="{URL}">{URL}</a></p>'
    with caplog.at_level(logging.WARNING, logger="composer.embeds"):
        result = pipe(_boom).run(Submission(body, fmt))  # type: ignore[arg-type]
    assert result.ok
    assert result.html.strip() == f'<p><a href="{URL}" rel="ugc noopener noreferrer">{URL}</a></p>'
    assert result.notices == ()
    assert result.stats["lookup_failed"] == ("own_cards",)
    assert "database down" in caplog.text


@pytest.mark.parametrize(
    "answer",
    [
        [URL],
        "x",
        42,
        {URL: "Welcome"},
        {URL: {"title": "Welcome"}},
        {URL: None},
        {"https://other/": TOPICS[URL]},
    ],
)
def test_junk_answers_leave_links(answer: Any) -> None:
    result = pipe(Topics(answer)).run(Submission(URL, "text"))
    assert result.ok and "composer-quote" not in result.html and result.notices == ()


def test_own_cards_must_be_callable_and_need_own_hosts() -> None:
    with pytest.raises(ConfigError, match=r"Embeds\.own_cards must be a callable"):
        Embeds(own_cards=TOPICS)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"needs Policy\.own_hosts"):
        Pipeline().replace("embed", Embeds(own_cards=Topics()))


# -- Card -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"title": None, "excerpt": "", "author": ""}, "Card.title must be a str"),
        ({"title": " ", "excerpt": "", "author": ""}, "Card.title must not be blank"),
        ({"title": "T", "excerpt": b"x", "author": ""}, "Card.excerpt must be a str"),
        ({"title": "T", "excerpt": "", "author": 3}, "Card.author must be a str"),
        ({"title": "T", "excerpt": "", "author": "", "avatar_url": 1}, "Card.avatar_url must be a str"),
        (
            {"title": "T", "excerpt": "", "author": "", "date": "2026-11-30"},
            "Card.date must be a datetime.date",
        ),
    ],
)
def test_a_card_is_checked_when_built(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        Card(**kwargs)


def test_control_characters_in_a_card_are_dropped() -> None:
    card = Card("a\x08b\x07c", "x\x1fy", "z\x7f")
    assert (card.title, card.excerpt, card.author) == ("abc", "xy", "z")


TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=60, deadline=None)
@given(title=TEXT.map(lambda t: t + "T"), excerpt=TEXT, author=TEXT, avatar=st.none() | TEXT)
def test_any_card_text_renders_safely(title: str, excerpt: str, author: str, avatar: str | None) -> None:
    card = Card(title, excerpt, author, avatar_url=avatar)
    result = pipe(Topics({URL: card})).run(Submission(URL, "text"))
    assert dangers(result.html) == []
    assert result.html.startswith('<aside class="composer-quote">')
    assert result.html.count("<a ") == 1


#: card text with what the sanitizer takes out of a person's text: direction controls,
#: controls, quotes before "onerror=" (a card's text is the forum's: none of it is reported)
TRICKY = st.lists(
    st.sampled_from(["a", " ", '"', "'", "onerror=", "\u202e", "\u2066", "\u200f", "\x00", "\x1b", "<b>"]),
    max_size=10,
).map("".join)


@settings(max_examples=60, deadline=None)
@given(title=TRICKY.map(lambda t: t + "T"), excerpt=TRICKY, author=TRICKY, avatar=TRICKY)
def test_a_cards_text_is_never_reported_as_removed(
    title: str, excerpt: str, author: str, avatar: str
) -> None:
    card = Card(title, excerpt, author, avatar_url="https://cdn.example/" + avatar)
    policy = replace(POLICY, allow_remote_images=True)
    result = pipe(Topics({URL: card}), policy=policy).run(Submission(URL, "text"))
    assert [notice.code for notice in result.notices] == ["link_embedded"], result.to_dict()["notices"]
    assert dangers(result.html) == []


@pytest.mark.parametrize(
    "url",
    [URL, "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://other.example/page"],
)
def test_a_paste_for_a_markdown_editor_gives_the_url_back(url: str) -> None:
    """An embed (own card, player, titled card) goes to a markdown editor as its URL alone on
    its line, so the submitted markdown embeds it again: not as card text or a titled link."""
    resolver = Resolves()  # answers a titled card for any URL it is asked about
    chain = pipe(Topics(), replace(POLICY, embed_mode="sync"), resolver)
    pasted = chain.paste(Clipboard(html=f"<p>before</p><p>{url}</p><p>after</p>"), target="markdown")
    assert pasted.html.count("composer-") >= 1, pasted.html
    assert pasted.markdown == f"before\n\n<{url}>\n\nafter"
    again = chain.run(Submission(pasted.markdown, "markdown"))
    assert re.sub(r">\s+<", "><", again.html.strip()) == pasted.html.strip()


@pytest.mark.parametrize(
    "url",
    [
        "https://forum.example@evil.example/t/welcome/1",
        "https://forum.example.evil.example/t/welcome/1",
        "https://evil.example/forum.example/t/welcome/1",
        "https://evil.example/?u=https://forum.example/t/welcome/1",
        # user info is never own, even on the own host: the card would keep it
        "https://user@forum.example/t/welcome/1",
        "https://user:pw@forum.example/t/welcome/1",
        "https://@forum.example/t/welcome/1",
        "https://forum.example%40evil.example@forum.example/t/welcome/1",
    ],
)
def test_look_alike_hosts_never_reach_the_lookup(url: str) -> None:
    topics = Topics({url: TOPICS[URL]})
    result = pipe(topics).run(Submission(url, "text"))
    assert topics.calls == []
    assert "composer-quote" not in result.html


LINES = st.lists(
    st.sampled_from(["own", "other", "inline", "text"]).flatmap(
        lambda kind: st.integers(1, 4).map(lambda n: (kind, n))
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=80, deadline=None)
@given(lines=LINES, breaks=st.lists(st.sampled_from(["\n", "\n\n"]), min_size=8, max_size=8))
def test_the_lookup_gets_exactly_the_own_urls_alone_on_their_line(
    lines: list[tuple[str, int]], breaks: list[str]
) -> None:
    def line(kind: str, n: int) -> str:
        return {
            "own": f"https://forum.example/t/{n}",
            "other": f"https://other.example/t/{n}",
            "inline": f"see https://forum.example/t/{n} here",
            "text": f"words {n}",
        }[kind]

    body = "".join(line(kind, n) + brk for (kind, n), brk in zip(lines, breaks[: len(lines)], strict=True))
    topics = Topics({})  # knows no topic: every own URL stays a link
    result = pipe(topics, replace(POLICY, max_embeds=50)).run(Submission(body, "text"))
    expected = list(dict.fromkeys(line(k, n) for k, n in lines if k == "own"))
    assert topics.calls == ([tuple(expected)] if expected else [])
    assert "composer-quote" not in result.html
    assert not any("forum.example" in url for url in result.pending)
