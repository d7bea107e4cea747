"""A player iframe is only ever one the site table builds: host and path, ``allow`` and sizes.

Issue 11.5: a remote page's ``og:video`` or oEmbed ``html`` naming another path on an
allowlisted player host (``https://www.youtube.com/redirect?q=...``) became a player iframe
with ``allow-popups``; the page's own ``allow`` and sizes were used as given. Each hostile
answer comes from the local server (tests/embed_server.py), as oEmbed and as OpenGraph.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from composer import Pipeline, Policy, Submission
from composer.embeds.cache import MemoryCache
from composer.embeds.fetcher import SafeFetcher
from composer.embeds.providers import Provider, ProviderRegistry
from composer.embeds.resolver import OEmbedResolver
from composer.embeds.sites import SiteTable
from composer.stages.embed import Embeds
from embed_server import NOT_PLAYERS, PLAYERS, EmbedServer

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
