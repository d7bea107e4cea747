"""A player iframe is only ever one the site table builds: host and path, ``allow`` and sizes.

Issue 11.5: a remote page's ``og:video`` or oEmbed ``html`` naming another path on an
allowlisted player host (``https://www.youtube.com/redirect?q=...``) became a player iframe
with ``allow-popups``; the page's own ``allow`` and sizes were used as given. Each hostile
answer comes from the local server (tests/embed_server.py), as oEmbed and as OpenGraph.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from urllib.parse import urlsplit

import pytest

from composer import Pipeline, Policy, Submission
from composer.embeds.cache import MemoryCache
from composer.embeds.fetcher import SafeFetcher
from composer.embeds.providers import Provider, ProviderRegistry
from composer.embeds.resolver import OEmbedResolver
from composer.embeds.sites import SITES, SiteTable
from composer.stages.embed import Embeds
from embed_server import NOT_PLAYERS, PLAYERS, EmbedServer
from fixture_files import FIXTURES, read_cases

TABLE = SiteTable()


@pytest.fixture(scope="module")
def server() -> Iterator[EmbedServer]:
    running = EmbedServer().start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def pipe(server: EmbedServer) -> Pipeline:
    kinds = ("hostile-video", "hostile-player")
    registry = ProviderRegistry(
        [Provider("Local Test", f"{server.base}/oembed", tuple(f"{server.base}/{k}/*" for k in kinds))]
    )
    fetcher = SafeFetcher(allow=[server.allow], connect_timeout=2.0, read_timeout=2.0)
    resolver = OEmbedResolver(fetcher, MemoryCache(), registry=registry)
    return Pipeline(policy=Policy(embed_deadline=5.0)).replace("embed", Embeds(resolver))


def iframes(html: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'\s([a-z]+)="([^"]*)"', tag)) for tag in re.findall(r"<iframe[^>]*>", html)]


@pytest.mark.parametrize("route", ["hostile-video", "og-video"])
@pytest.mark.parametrize("n", range(len(NOT_PLAYERS)), ids=lambda n: NOT_PLAYERS[n][8:50])
def test_a_page_cannot_frame_another_path_of_a_player_host(
    pipe: Pipeline, server: EmbedServer, route: str, n: int
) -> None:
    result = pipe.run(Submission(f"{server.base}/{route}/{n}", "markdown"))
    assert result.ok
    for iframe in iframes(result.html):  # none, or the table's own player for the named URL
        built = TABLE.match(iframe["src"])
        assert built is not None and built.iframe_src == iframe["src"], iframe
    assert "evil.example" not in result.html.replace("&amp;", "&").split("<figcaption")[0]
    assert "camera" not in result.html and "9000" not in result.html


@pytest.mark.parametrize("route", ["hostile-player", "og-player"])
@pytest.mark.parametrize("n", range(len(PLAYERS)))
def test_a_named_player_is_rebuilt_by_the_table(
    pipe: Pipeline, server: EmbedServer, route: str, n: int
) -> None:
    """A real player named with hostile extras: the table's src, allow and sizes, nothing of the page's."""
    result = pipe.run(Submission(f"{server.base}/{route}/{n}", "markdown"))
    (iframe,) = iframes(result.html)
    built = TABLE.match(PLAYERS[n])
    assert built is not None
    assert iframe["src"] == built.iframe_src.replace("&", "&amp;")
    assert (iframe["allow"], iframe["width"], iframe["height"]) == (
        built.site.allow,
        str(built.site.width),
        str(built.site.height),
    )
    assert iframe["sandbox"] == "allow-scripts allow-same-origin allow-presentation allow-popups"
    assert "autoplay=1" not in iframe["src"] and "evil" not in iframe["src"]


# -- every host of the grown table, offline: the resolver's own check, no server needed ----------

_RESOLVER = OEmbedResolver(sites=SiteTable(settings={"parent": "forum.example.com"}))
_PLAYER_HOSTS = sorted({urlsplit(t).hostname or "" for site in SITES for t in site.iframes})
_NOT_PLAYER_PATHS = (
    "/",
    "/login?next=https%3A%2F%2Fevil.example%2F",
    "/redirect?url=https://evil.example/",
    "/embed/..%2F..%2Flogout",
    "/embed/%2e%2e/%2e%2e/logout",
)
_SRC_OF_FIXTURES = sorted(
    {
        unescape(found.group(1))
        for _, _, expected in read_cases(FIXTURES / "embed-sites.txt")
        if (found := re.search(r'<iframe src="([^"]*)"', expected))
    }
)


def _hostile_oembed(src: str) -> dict[str, object]:
    extras = 'allow="camera; microphone" sandbox="allow-top-navigation" width="9000"'
    html = f'<iframe src="{src}" {extras}></iframe>'
    return {"type": "video", "title": "A page", "html": html, "width": 9000, "height": 1}


@pytest.mark.parametrize("host", _PLAYER_HOSTS)
def test_no_other_path_of_any_player_host_becomes_a_player(host: str) -> None:
    for path in _NOT_PLAYER_PATHS:
        embed = _RESOLVER.from_oembed(_hostile_oembed(f"https://{host}{path}"), "https://page.example/a")
        assert embed is not None
        if embed.type == "video":  # only ever the table's own canonical player
            assert embed.iframe_src is not None and "evil" not in embed.iframe_src
            assert _RESOLVER.sites.match(embed.iframe_src) is not None
        else:
            assert embed.type == "card" and embed.iframe_src is None


@pytest.mark.parametrize("src", _SRC_OF_FIXTURES)
def test_every_table_player_named_by_a_page_keeps_the_tables_attributes(src: str) -> None:
    embed = _RESOLVER.from_oembed(_hostile_oembed(src), "https://page.example/a")
    built = _RESOLVER.sites.match(src)
    assert embed is not None and built is not None and embed.type == "video"
    assert (embed.iframe_src, embed.allow, embed.width, embed.height) == (
        built.iframe_src,
        built.site.allow,
        built.site.width,
        built.site.height,
    )
