"""The embed stage through the whole pipeline, against a real local server.

Which URLs embed (alone on their line) and which stay links; the display-as-link undo; the
sanitizer still deciding last; faults ending in plain links; the cache; ``cache_only`` with
``prefetch``; concurrency within one deadline.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composer import Pipeline, Policy, Submission
from composer.document import EMBED_IFRAMES, Document
from composer.embeds.cache import MemoryCache, SqliteCache
from composer.embeds.fetcher import SafeFetcher
from composer.embeds.providers import Provider, ProviderRegistry
from composer.embeds.resolver import Embed, OEmbedResolver
from composer.inputs import Format
from composer.result import Result
from composer.stages.embed import Embeds, default_resolver
from embed_server import EmbedServer

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
PLAYER = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"


@pytest.fixture(scope="module")
def server() -> Iterator[EmbedServer]:
    running = EmbedServer().start()
    yield running
    running.stop()


def resolver_for(server: EmbedServer) -> OEmbedResolver:
    kinds = ("video", "offsite-video", "photo", "rich-script", "link")
    registry = ProviderRegistry(
        [Provider("Local Test", f"{server.base}/oembed", tuple(f"{server.base}/{k}/*" for k in kinds))]
    )
    fetcher = SafeFetcher(allow=[server.allow], connect_timeout=1.0, read_timeout=1.0)
    return OEmbedResolver(fetcher, MemoryCache(), registry=registry)


def pipeline(resolver: OEmbedResolver | None = None, **policy: object) -> Pipeline:
    pipe = Pipeline(policy=Policy(**policy))  # type: ignore[arg-type]
    return pipe.replace("embed", Embeds(resolver)) if resolver is not None else pipe


def run(pipe: Pipeline, body: str, fmt: Format = "markdown", **options: object) -> Result:
    return pipe.run(Submission(body, fmt, **options))  # type: ignore[arg-type]


def embedded(result: Result) -> list[str]:
    return [
        n.action.target for n in result.notices if n.code == "link_embedded" and n.action and n.action.target
    ]


# -- which URLs embed -------------------------------------------------------------------------


def test_the_stage_is_in_the_default_chain_before_the_sanitizer() -> None:
    stages = Pipeline().stages
    assert stages.index("embed") < stages.index("sanitize")


def test_a_url_alone_becomes_an_embed_with_its_undo() -> None:
    result = run(Pipeline(), YOUTUBE)
    assert f'<iframe src="{PLAYER}"' in result.html
    assert 'sandbox="allow-scripts allow-same-origin allow-presentation allow-popups"' in result.html
    assert (
        'loading="lazy"' in result.html and 'referrerpolicy="strict-origin-when-cross-origin"' in result.html
    )
    [notice] = [n for n in result.notices if n.code == "link_embedded"]
    assert notice.message == "Your link has been automatically embedded."
    assert notice.action is not None
    assert (notice.action.code, notice.action.label, notice.action.target) == (
        "display_as_link",
        "Display as a link instead",
        YOUTUBE,
    )
    assert "<p>" not in result.html  # the paragraph was replaced, not left holding a block


def test_a_url_inside_a_sentence_stays_a_link() -> None:
    result = run(Pipeline(), f"watch {YOUTUBE} now")
    assert "<iframe" not in result.html
    assert f'<a href="{YOUTUBE}"' in result.html
    assert embedded(result) == []


@pytest.mark.parametrize(
    ("body", "fmt"),
    [
        (f"first line\n{YOUTUBE}\nlast line", "text"),
        (f"first line\n{YOUTUBE}\nlast line", "markdown"),
        (f"<p>first line<br>{YOUTUBE}<br>last line</p>", "html"),
        (f'<p>first line<br><a href="{YOUTUBE}">{YOUTUBE}</a><br>last line</p>', "html"),
        (f"<div>first line<br>\n{YOUTUBE}\n<br>last line</div>", "html"),
    ],
)
def test_a_url_alone_between_line_breaks(body: str, fmt: Format) -> None:
    result = run(Pipeline(), body, fmt)
    assert embedded(result) == [YOUTUBE]
    html = result.html
    assert html.index("first line") < html.index("<iframe") < html.index("last line")
    assert "<p><figure" not in html and "<br><figure" not in html


@pytest.mark.parametrize(
    "body",
    [
        f'<p><a href="{YOUTUBE}">my favourite song</a></p>',  # the person chose words for it
        f"<pre>{YOUTUBE}</pre>",
        f"<p><code>{YOUTUBE}</code></p>",
        f"<blockquote><p>he said {YOUTUBE}</p></blockquote>",
        f"<h2>{YOUTUBE}</h2>",
        f"<table><tr><td>{YOUTUBE}</td></tr></table>",
    ],
)
def test_these_stay_links_or_text(body: str) -> None:
    result = run(Pipeline(), body, "html")
    assert "<iframe" not in result.html
    assert embedded(result) == []


def test_a_list_item_and_a_quote_can_hold_an_embed() -> None:
    result = run(Pipeline(), f"- {YOUTUBE}\n\n> {YOUTUBE.replace('dQw4w9WgXcQ', 'aaaaaaaaaaa')}")
    assert result.html.count("<iframe") == 2


@pytest.mark.parametrize(
    "source",
    [
        "<p>no links here, just text</p>",
        "<p>a <a href='https://example.com/'>named link</a> and an <img src=\"https://x.example/i.png\"></p>",
        "<p>mid-sentence https://example.com/ stays a link</p>",
    ],
)
def test_the_prefilter_leaves_the_tree_unparsed(source: str) -> None:
    doc = Document(source, "html", Policy())
    Embeds()(doc)
    assert not doc.has_tree


@pytest.mark.parametrize(
    "source",
    ["https://x.example/", "<p>https://x.example/</p>", "- https://x.example/", "a\n  > www.x.example"],
)
def test_the_prefilter_lets_line_starts_through(source: str) -> None:
    # the stage may then judge the anchors on the string (embeds/spliced.py), not the tree
    from composer.stages import embed

    doc = Document(source, "html", Policy(embed_mode="cache_only"))
    assert embed._may_embed(doc)


def test_max_embeds_caps_how_many(server: EmbedServer) -> None:
    urls = [f"https://youtu.be/{c * 11}" for c in "abc"]
    result = run(pipeline(max_embeds=2), "\n\n".join(urls))
    assert result.html.count("<iframe") == 2
    assert embedded(result) == urls[:2]
    assert f'<a href="{urls[2]}"' in result.html
    assert "<iframe" not in run(pipeline(max_embeds=0), urls[0]).html


# -- the display-as-link undo -----------------------------------------------------------------


def test_display_as_link_round_trip() -> None:
    pipe = Pipeline()
    body = f"look:\n\n{YOUTUBE}\n\nand https://vimeo.com/76979871 inline"
    first = run(pipe, body)
    [target] = embedded(first)
    undone = run(pipe, body, display_as_link={target})
    assert "<iframe" not in undone.html
    assert f'<a href="{YOUTUBE}"' in undone.html
    assert embedded(undone) == []
    assert run(pipe, body).html == first.html  # and back again


# -- what the sanitizer still decides ---------------------------------------------------------


def test_iframes_the_person_wrote_are_removed_and_counted() -> None:
    body = f'<iframe src="{PLAYER}?autoplay=1"></iframe><p>{YOUTUBE}</p>'
    result = run(Pipeline(), body, "html")
    assert result.html.count("<iframe") == 1
    assert "autoplay=1" not in result.html
    [removed] = [n for n in result.notices if n.code == "content_removed"]
    assert removed.params["removed"]["elements"]["iframe"] == 1


def test_each_stage_does_only_its_job() -> None:
    """The embed stage embeds links: it neither links bare URLs (the links stage does) nor
    removes the person's iframes (the sanitizer does, admitting only the players it lists)."""
    body = f'<iframe src="{PLAYER}?autoplay=1"></iframe><p><a href="{YOUTUBE}">{YOUTUBE}</a></p>'
    doc = Document(body, "html", Policy())
    Embeds()(doc)
    players = doc.env[EMBED_IFRAMES]
    assert len(players) == 1 and len(list(doc.tree.iter("iframe"))) == 2
    assert not doc.removed
    bare = Document(f"<p>{YOUTUBE}</p>", "html", Policy())
    Embeds()(bare)
    assert EMBED_IFRAMES not in bare.env and "<a" not in bare.html


def test_an_iframe_alone_is_never_admitted() -> None:
    result = run(Pipeline(), f'<p>hi</p><iframe src="{PLAYER}"></iframe>', "html")
    assert "<iframe" not in result.html


# -- through the network: cards, photos, untrusted HTML, faults -------------------------------


def test_rich_html_with_a_script_becomes_a_card(server: EmbedServer) -> None:
    result = run(pipeline(resolver_for(server)), f"{server.base}/rich-script/1")
    assert '<aside class="composer-card">' in result.html
    assert "Answer for /rich-script/1" in result.html
    assert "<script" not in result.html and "onerror" not in result.html and "pwned" not in result.html


def test_a_photo(server: EmbedServer) -> None:
    result = run(pipeline(resolver_for(server)), f"{server.base}/photo/1")
    assert '<figure class="composer-photo">' in result.html
    assert '<img src="https://images.example.org/cat.jpg"' in result.html
    no_images = run(pipeline(resolver_for(server), allow_remote_images=False), f"{server.base}/photo/1")
    assert "<img" not in no_images.html
    assert '<aside class="composer-card">' in no_images.html


def test_an_oembed_player_from_an_allowlisted_host(server: EmbedServer) -> None:
    result = run(pipeline(resolver_for(server)), f"{server.base}/video/1")
    assert '<iframe src="https://www.youtube-nocookie.com/embed/oEmbedVid01" width="560"' in result.html


def test_a_player_from_another_host_becomes_a_card(server: EmbedServer) -> None:
    result = run(pipeline(resolver_for(server)), f"{server.base}/offsite-video/1")
    assert "<iframe" not in result.html
    assert "player.unknown.example" not in result.html
    assert '<aside class="composer-card">' in result.html


def test_a_card_from_a_captured_page(server: EmbedServer) -> None:
    result = run(pipeline(resolver_for(server)), f"{server.base}/pages/githubfolder")
    assert '<p class="composer-card-site">GitHub</p>' in result.html
    assert ">discourse/discourse</a>" in result.html
    assert '<img class="composer-card-thumbnail" src="https://avatars3.githubusercontent.com/' in result.html
    assert result.text.count("discourse/discourse") >= 1


def test_every_fault_is_a_plain_link_within_the_deadline(server: EmbedServer) -> None:
    faults = [
        "/hang",
        "/drip",
        "/huge",
        "/status/500",
        "/loop",
        "/to/loopback",
        "/to/metadata",
        "/pages/xkcd",
    ]
    body = "\n\n".join(server.base + path for path in faults)
    started = time.monotonic()
    result = run(pipeline(resolver_for(server), embed_deadline=1.0), body)
    assert time.monotonic() - started < 1.0 + 2
    assert result.ok and not result.problems
    assert embedded(result) == []
    for path in faults:
        assert f'<a href="{server.base}{path}"' in result.html


def test_a_resolver_that_raises_leaves_a_link() -> None:
    class Broken:
        def resolve(self, url: str, deadline: float) -> Embed | None:
            raise RuntimeError("boom")

    result = run(Pipeline().replace("embed", Embeds(Broken())), "https://example.com/x")
    assert result.ok and '<a href="https://example.com/x"' in result.html


# -- the cache, cache_only and prefetch ---------------------------------------------------------


def test_the_cache_makes_a_second_run_touch_no_network(server: EmbedServer) -> None:
    pipe = pipeline(resolver_for(server))
    body = f"{server.base}/og/second-run\n\n{server.base}/status/502"
    first = run(pipe, body)
    assert embedded(first) == [f"{server.base}/og/second-run"]
    before = len(server.log)
    second = run(pipe, body)
    assert len(server.log) == before  # success and failure both came from the cache
    assert second.html == first.html


def test_cache_only_leaves_links_and_pending_then_prefetch_embeds(server: EmbedServer) -> None:
    pipe = pipeline(resolver_for(server), embed_mode="cache_only")
    url = f"{server.base}/og/pending"
    body = f"{url}\n\n{YOUTUBE}"
    before = len(server.log)
    first = run(pipe, body)
    assert len(server.log) == before  # cache_only never touches the network
    assert first.pending == (url,)
    assert embedded(first) == [YOUTUBE]  # the site table needs no network
    assert f'<a href="{url}"' in first.html
    pipe.prefetch(first.pending)
    assert len(server.requests_for("/og/pending")) == 1
    second = run(pipe, body)
    assert second.pending == ()
    assert embedded(second) == [url, YOUTUBE]
    assert '<aside class="composer-card">' in second.html


def test_a_sqlite_cache_is_shared_between_resolvers(server: EmbedServer, tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "embeds.sqlite3"
    fetcher = SafeFetcher(allow=[server.allow])
    writer = pipeline(OEmbedResolver(fetcher, SqliteCache(path)))
    reader = pipeline(OEmbedResolver.persistent(path, fetcher=fetcher), embed_mode="cache_only")
    url = f"{server.base}/og/sqlite"
    assert embedded(run(writer, url)) == [url]
    assert embedded(run(reader, url)) == [url]


def test_the_default_resolver_is_shared_and_in_memory() -> None:
    assert default_resolver() is default_resolver()
    assert Embeds().resolver is Embeds().resolver


# -- concurrency --------------------------------------------------------------------------------


def test_slow_urls_resolve_concurrently(server: EmbedServer) -> None:
    """5 URLs that take 300 ms each come back together, well under the 1.5 s they sum to."""
    pipe = pipeline(resolver_for(server))
    body = "\n\n".join(f"{server.base}/slow/concurrent-{i}" for i in range(5))
    started = time.monotonic()
    result = run(pipe, body)
    elapsed = time.monotonic() - started
    assert len(embedded(result)) == 5
    assert elapsed < 5 * 0.3  # the sum; concurrency makes it about one of them


def test_no_html_from_a_card_escapes_the_text(server: EmbedServer) -> None:
    """A title holding markup (imgur's ``<b>``) is text in the card, never tags."""
    result = run(pipeline(resolver_for(server)), f"{server.base}/pages/imgur")
    assert "Did you &lt;b&gt;miss me&lt;/b&gt;?" in result.html
    assert not re.search(r"<b>miss", result.html)


def test_a_plain_paste_embeds_nothing() -> None:
    from composer import Clipboard

    rich = Pipeline().paste(Clipboard(html=f"<p>{YOUTUBE}</p>", text=YOUTUBE))
    plain = Pipeline().paste(Clipboard(html=f"<p>{YOUTUBE}</p>", text=YOUTUBE), plain=True)
    assert "<iframe" in rich.html
    assert "<iframe" not in plain.html and f'<a href="{YOUTUBE}"' in plain.html


def test_a_player_host_missing_from_the_allowlist_leaves_a_link() -> None:
    from composer.allowlist import Allowlist

    result = run(pipeline(allowlist=Allowlist(iframe_hosts=frozenset({"player.vimeo.com"}))), YOUTUBE)
    assert "<iframe" not in result.html and f'<a href="{YOUTUBE}"' in result.html
    assert embedded(result) == []


# -- the prefilter: a URL alone on its line is never missed --------------------------------------


_PIECES = ["https://a.example/x", "www.b.example", "http://c.example", " ", "\t", "\n", "\r", "<p>", "</b>"]
_PIECES += ['<a href="', '">', "=", "- ", "> ", "1. ", "2)", "x", "(", "\xa0"]


@given(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join))
@settings(max_examples=400, deadline=None)
def test_prefilter_finds_every_url_a_lead_may_start(text: str) -> None:
    """``_may_embed`` skips a URL start whose previous character no lead can end with; that
    must never change its answer from looking back at every start (the look-back is the rule)."""
    from composer._html.facts import Scan
    from composer.stages import embed

    doc = Document(text, "html", Policy())
    facts = Scan(text)
    looked_back = any(
        ((line := max(text.rfind(c, max(at - embed._LEAD_AT_MOST, 0), at) for c in "\n><") + 1) or at <= 40)
        and embed._LEAD.fullmatch(text, line, at) is not None
        for at in facts.url_starts
    )
    assert embed._may_embed(doc) is looked_back
