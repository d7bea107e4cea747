"""The resolver against a real local server: captured pages, an oEmbed provider, faults, the cache.

The server runs on 127.0.0.1; the fetcher reaches it only because the test admits that one
``host:port`` (``SafeFetcher(allow=[...])``), and one test shows the block holds without it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from composer.embeds.cache import MemoryCache
from composer.embeds.fetcher import SafeFetcher
from composer.embeds.page import page_metadata
from composer.embeds.providers import Provider, ProviderRegistry, default_registry
from composer.embeds.resolver import MISS, Embed, OEmbedResolver
from composer.embeds.sites import SITES
from embed_server import PAGES, PLAYER, EmbedServer

DEADLINE = 1.5


@pytest.fixture(scope="module")
def server() -> Iterator[EmbedServer]:
    running = EmbedServer().start()
    yield running
    running.stop()


def registry_for(server: EmbedServer) -> ProviderRegistry:
    kinds = ("video", "offsite-video", "photo", "rich-script", "link", "bad-json", "no-title")
    return ProviderRegistry(
        [Provider("Local Test", f"{server.base}/oembed", tuple(f"{server.base}/{k}/*" for k in kinds))]
    )


def make(server: EmbedServer, **options: Any) -> OEmbedResolver:
    fetcher = SafeFetcher(allow=[server.allow], read_timeout=1.0, connect_timeout=1.0)
    options.setdefault("registry", registry_for(server))
    return OEmbedResolver(fetcher, MemoryCache(), **options)


def resolve(resolver: OEmbedResolver, url: str, deadline: float = DEADLINE) -> Embed | None:
    return resolver.resolve(url, time.monotonic() + deadline)


# -- metadata of real captured pages ---------------------------------------------------------

#: file -> (title, site name, has thumbnail, discovered oEmbed endpoint prefix or None)
PAGE_EXPECTATIONS = {
    "amazon-og": ("Watch Christine online - Amazon Video", None, True, None),
    "basic_description": ("My Page Title", "My Site", True, None),
    "cnn": ("People are fostering and adopting pets during the pandemic", "CNN", True, None),
    "discourse_topic": (
        "Congratulations, most stars in 2013 GitHub Octoverse!",
        "Discourse Meta",
        True,
        None,
    ),
    "githubfolder": ("discourse/discourse", "GitHub", True, None),
    "googledocs": ("Lorem Ipsum!", "Google Docs", True, None),
    "imgur": ("Did you <b>miss me</b>?", "Imgur", True, "https://api.imgur.com/oembed.json?url="),
    "missing_description_and_image": (
        "Open Graph protocol examples",
        "Open Graph protocol examples",
        False,
        None,
    ),
    "reddit_image": ("r/colors - Literally nothing black edition", "reddit", True, None),
    "title_no_description": (
        "Discontinuation of Earning My Nintendo Gold Points | Nintendo Support",
        None,
        False,
        None,
    ),
    "twitterstatus": ("Vyki Englert on Twitter", "Twitter", True, "https://publish.twitter.com/oembed?url="),
    "twitterstatus_noclient": ("Marques Brownlee (@MKBHD) on X", "X (formerly Twitter)", True, None),
    "wikipedia": ("Billy Jack - Wikipedia, the free encyclopedia", None, False, None),
    "youtube": ("96neko - orange", "YouTube", True, "http://www.youtube.com/oembed?format=json"),
    "youtube-playlist": ("The web is what you make of it", "YouTube", True, None),
}


@pytest.mark.parametrize("name", sorted(PAGE_EXPECTATIONS))
def test_metadata_of_captured_pages(name: str) -> None:
    title, site, thumbnail, oembed = PAGE_EXPECTATIONS[name]
    meta = page_metadata((PAGES / f"{name}.response").read_bytes(), None, "https://example.com/page")
    assert meta.title is not None and meta.title.strip() == title
    assert meta.site_name == site
    assert (meta.image is not None) == thumbnail
    if meta.image:
        assert meta.image.startswith(("https://", "http://"))
    assert (meta.oembed or "").startswith(oembed or "") and (meta.oembed is None) == (oembed is None)


def test_a_page_without_metadata_gives_no_card(server: EmbedServer) -> None:
    assert resolve(make(server), f"{server.base}/pages/amazon-error") is None


@pytest.mark.parametrize(
    ("name", "title", "site"),
    [
        ("basic_description", "My Page Title", "My Site"),
        ("cnn", "People are fostering and adopting pets during the pandemic", "CNN"),
        ("githubfolder", "discourse/discourse", "GitHub"),
        ("reddit_image", "r/colors - Literally nothing black edition", "reddit"),
        ("wikipedia", "Billy Jack - Wikipedia, the free encyclopedia", None),
    ],
)
def test_card_from_a_served_page(server: EmbedServer, name: str, title: str, site: str | None) -> None:
    embed = resolve(make(server), f"{server.base}/pages/{name}")
    assert embed is not None
    assert embed.type == "card"
    assert embed.title == title
    assert embed.site_name == site


def test_json_is_not_a_page(server: EmbedServer) -> None:
    """A URL that serves JSON (an API, not a page) does not embed."""
    assert resolve(make(server), f"{server.base}/pages/githubrepo") is None


def test_titles_and_descriptions_are_capped(server: EmbedServer) -> None:
    resolver = make(server, max_title=20, max_description=30)
    embed = resolve(resolver, f"{server.base}/pages/githubfolder")
    assert embed is not None and embed.title is not None and embed.description is not None
    assert len(embed.title) <= 20 and len(embed.description) <= 30
    assert embed.description.endswith("…")


def test_charset_is_detected() -> None:
    """The HTTP charset wins; without one, the page's own ``<meta charset>`` is honoured."""
    page = '<html><head><meta charset="windows-1251"><title>Привет, мир</title></head></html>'
    assert page_metadata(page.encode("cp1251"), None, "https://example.com/").title == "Привет, мир"
    bare = "<html><head><title>Grüße aus Köln</title></head></html>".encode("latin-1")
    assert page_metadata(bare, "iso-8859-1", "https://example.com/").title == "Grüße aus Köln"
    assert page_metadata(
        "<title>日本語のページ</title>".encode("shift_jis"), "shift_jis", "https://x.example/"
    ).title == ("日本語のページ")


def test_relative_image_and_discovery_urls_are_made_absolute() -> None:
    page = (
        b'<head><meta property="og:title" content="T"><meta property="og:image" content="/i.png">'
        b'<link rel="alternate" type="application/json+oembed" href="/oembed?u=1">'
        b'<meta property="og:image:secure_url" content="javascript:alert(1)"></head>'
    )
    meta = page_metadata(page, "utf-8", "https://site.example/a/b")
    assert meta.image == "https://site.example/i.png"
    assert meta.oembed == "https://site.example/oembed?u=1"


# -- oEmbed: registry and discovery ----------------------------------------------------------


def test_registry_video_becomes_a_player(server: EmbedServer) -> None:
    embed = resolve(make(server), f"{server.base}/video/1")
    assert embed is not None
    assert embed.type == "video"
    # the site table's own player: its src, sizes and allow, not the provider's (480x270, ?feature=)
    assert embed.iframe_src == PLAYER
    assert (embed.width, embed.height) == (560, 315)
    assert embed.allow == SITES[0].allow
    assert embed.site_name == "Local Test"
    assert len(server.requests_for("/oembed?url=")) >= 1


def test_registry_photo(server: EmbedServer) -> None:
    embed = resolve(make(server), f"{server.base}/photo/1")
    assert embed is not None
    assert embed.type == "photo"
    assert embed.image_url == "https://images.example.org/cat.jpg"


def test_rich_html_is_never_trusted(server: EmbedServer) -> None:
    """A provider's ``rich`` HTML (here with a script) becomes a card; no markup survives."""
    embed = resolve(make(server), f"{server.base}/rich-script/1")
    assert embed is not None
    assert embed.type == "card"
    assert embed.title == "Answer for /rich-script/1"
    assert embed.thumbnail_url is None  # javascript: was refused
    assert "<" not in json.dumps(embed.to_dict())


def test_discovery_through_rel_alternative(server: EmbedServer) -> None:
    """No provider claims ``/discover/...``; the page's ``rel="alternative"`` link names one."""
    embed = resolve(make(server, registry=ProviderRegistry([])), f"{server.base}/discover/video")
    assert embed is not None
    assert embed.type == "video"
    assert embed.iframe_src == PLAYER


def test_discovery_can_be_turned_off(server: EmbedServer) -> None:
    embed = resolve(
        make(server, registry=ProviderRegistry([]), discovery=False), f"{server.base}/discover/video"
    )
    assert embed is not None
    assert (embed.type, embed.title) == ("card", "Discovery page")


@pytest.mark.parametrize("kind", ["bad-json", "no-title"])
def test_useless_oembed_answers_give_nothing(server: EmbedServer, kind: str) -> None:
    assert resolve(make(server), f"{server.base}/{kind}/1") is None


def test_the_shipped_registry() -> None:
    registry = default_registry()
    assert len(registry) > 300
    cases = {
        "https://www.flickr.com/photos/bees/2341623661/": "Flickr",
        "http://www.flickr.com/photos/bees/2341623661/": "Flickr",
        "https://twitter.com/vyki_e/status/363116819147538433": "Twitter",
        "https://example.com/": None,
        "https://www.flickr.com.evil.example/photos/bees/1/": None,
    }
    for url, name in cases.items():
        found = registry.match(url)
        assert (found.name if found else None) == name, url


def test_registry_wildcard_subdomains_and_request_url() -> None:
    registry = ProviderRegistry(
        [Provider("P", "https://p.example/oembed.{format}", ("https://*.p.example/v/*",))]
    )
    found = registry.match("https://media.p.example/v/42?x=1")
    assert found is not None
    assert found.request_url("https://media.p.example/v/42").startswith(
        "https://p.example/oembed.json?url=https%3A"
    )
    assert registry.match("https://p.example/v/42") is None
    assert registry.match("https://media.p.example/other/42") is None


def test_a_registry_snapshot_round_trips(tmp_path: Path) -> None:
    text = json.dumps({"providers": [["P", "https://p.example/oembed", ["https://p.example/*"]]]})
    registry = ProviderRegistry.from_json(text)
    assert registry.match("https://p.example/anything") is not None


# -- faults: every one is a plain link (None) within the deadline -----------------------------


@pytest.mark.parametrize(
    "path", ["/hang", "/drip", "/huge", "/status/500", "/status/404", "/loop", "/to/loopback", "/to/metadata"]
)
def test_faults_end_in_nothing_within_the_deadline(server: EmbedServer, path: str) -> None:
    resolver = make(server)
    started = time.monotonic()
    assert resolve(resolver, server.base + path) is None
    assert time.monotonic() - started < DEADLINE + 2


def test_the_loopback_block_holds_without_the_allowlist(server: EmbedServer) -> None:
    before = len(server.log)
    blocked = OEmbedResolver(SafeFetcher(), MemoryCache(), registry=registry_for(server))
    assert resolve(blocked, f"{server.base}/og/blocked") is None
    other_port = OEmbedResolver(SafeFetcher(allow=[f"127.0.0.1:{server.port + 1}"]), MemoryCache())
    assert resolve(other_port, f"{server.base}/og/blocked") is None
    assert len(server.log) == before  # not one request reached the server


def test_a_passed_deadline_asks_nothing(server: EmbedServer) -> None:
    before = len(server.log)
    assert make(server).resolve(f"{server.base}/og/late", time.monotonic() - 1) is None
    assert len(server.log) == before


# -- the cache ---------------------------------------------------------------------------------


def test_the_cache_makes_a_second_resolve_touch_no_network(server: EmbedServer) -> None:
    resolver = make(server)
    first = resolve(resolver, f"{server.base}/og/cached")
    assert first is not None and first.title == "Page /og/cached"
    asked = len(server.requests_for("/og/cached"))
    assert asked == 1
    assert resolve(resolver, f"{server.base}/og/cached") == first
    assert len(server.requests_for("/og/cached")) == asked


def test_failures_are_cached_briefly(server: EmbedServer) -> None:
    resolver = make(server, failure_ttl=0.2)
    url = f"{server.base}/status/503"
    assert resolve(resolver, url) is None
    assert resolver.cached(url) is None  # known not to embed
    assert resolve(resolver, url) is None
    assert len(server.requests_for("/status/503")) == 1
    time.sleep(0.3)
    assert resolver.cached(url) is MISS
    assert resolve(resolver, url) is None
    assert len(server.requests_for("/status/503")) == 2


def test_cached_lookup_needs_no_network(server: EmbedServer) -> None:
    resolver = make(server)
    before = len(server.log)
    assert resolver.cached(f"{server.base}/og/never") is MISS
    site = resolver.cached("https://youtu.be/dQw4w9WgXcQ")
    assert isinstance(site, Embed) and site.iframe_src == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert len(server.log) == before


def test_embed_dict_round_trip() -> None:
    embed = Embed("card", "https://x.example/", title="T", width=3)
    assert Embed.from_dict(embed.to_dict()) == embed
    assert Embed.from_dict({"type": "script", "url": "https://x.example/"}) is None
    assert Embed.from_dict({"type": "card"}) is None


def test_a_discovered_rich_answer_with_a_script_is_a_card(server: EmbedServer) -> None:
    """The page names its own oEmbed endpoint, whose ``html`` holds a script: still a card."""
    embed = resolve(make(server, registry=ProviderRegistry([])), f"{server.base}/discover/rich-script")
    assert embed is not None
    assert (embed.type, embed.title) == ("card", "Answer for /rich-script/1")
    assert "<" not in json.dumps(embed.to_dict())
