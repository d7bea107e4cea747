"""From a URL to an :class:`Embed`: the site table, the cache, oEmbed, then the page's own metadata
(read by :mod:`composer.embeds.page`).

The steps and why they come in this order are in the package docstring
(:mod:`composer.embeds`). Everything a remote server says is data, never markup: titles and
descriptions are plain text cut to a length, URLs are kept only when they are http(s), and a
provider's ``html`` is read only for an iframe's ``src``, which must be a player the site
table builds (the table's URL, ``allow`` and sizes are used); ``rich`` HTML becomes a card.
What the cache returns is checked the same way before it is used.
"""

from __future__ import annotations

import html as htmllib
import json
import logging
import re
import time
from collections.abc import Mapping
from functools import cached_property
from os import PathLike
from typing import Any, Protocol, runtime_checkable

from composer.embeds._model import MISS, Embed, EmbedType, Miss, problem
from composer.embeds.cache import Cache, MemoryCache, SqliteCache
from composer.embeds.fetcher import Fetcher, FetchError, Response, SafeFetcher
from composer.embeds.page import OEMBED_TYPES, PageMeta, http_url, page_metadata, size
from composer.embeds.providers import ProviderRegistry, default_registry, snapshot_digest
from composer.embeds.sites import SiteEmbed, SiteTable

__all__ = [
    "MISS",
    "CachingResolver",
    "Embed",
    "EmbedType",
    "Miss",
    "OEmbedResolver",
    "Resolver",
]

_log = logging.getLogger("composer.embeds")

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_JSON_TYPES = ("application/json", "text/json", "text/javascript", "application/javascript", "text/plain")
_IFRAME_SRC = re.compile(r"""<iframe\b[^>]*?\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


@runtime_checkable
class Resolver(Protocol):
    """Finds out what a URL is. Must return by ``deadline`` (a ``time.monotonic()`` value)."""

    def resolve(self, url: str, deadline: float) -> Embed | None: ...


@runtime_checkable
class CachingResolver(Resolver, Protocol):
    """A resolver that can answer from what it already knows, with no I/O (``cache_only``)."""

    def cached(self, url: str) -> Embed | Miss | None: ...


def _text(value: object, limit: int) -> str | None:
    """Plain text, whitespace collapsed, cut at ``limit`` characters (with an ellipsis)."""
    if not isinstance(value, str):
        return None
    text = _SPACE.sub(" ", value).strip()
    if not text:
        return None
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _content_type(response: Response, types: tuple[str, ...]) -> bool:
    return response.content_type.split(";")[0].strip().lower() in types


#: site-table players remembered by URL per resolver (see ``OEmbedResolver._site_player``)
_PLAYERS_KEPT = 512


class OEmbedResolver:
    """The default resolver: site table, cache, oEmbed registry, discovery, OpenGraph.

    Thread-safe if its fetcher and cache are (the shipped ones are): one instance serves a
    process. ``ttl`` is how long a found embed is cached, ``failure_ttl`` how long a URL that
    did not embed is remembered (briefly, so a site that was down gets another chance soon).
    """

    def __init__(
        self,
        fetcher: Fetcher | None = None,
        cache: Cache | None = None,
        *,
        registry: ProviderRegistry | None = None,
        sites: SiteTable | None = None,
        discovery: bool = True,
        ttl: float = 24 * 3600.0,
        failure_ttl: float = 600.0,
        max_title: int = 200,
        max_description: int = 300,
        maxwidth: int | None = 640,
    ) -> None:
        self._fetcher = fetcher
        self.cache: Cache = cache if cache is not None else MemoryCache()
        self._registry = registry
        self.sites = sites if sites is not None else SiteTable()
        self.discovery = discovery
        self.ttl = ttl
        self.failure_ttl = failure_ttl
        self.max_title = max_title
        self.max_description = max_description
        self.maxwidth = maxwidth
        #: the site table's players by URL, with the table they came from (see :meth:`cached`)
        self._players: tuple[SiteTable, dict[str, Embed | None]] = (self.sites, {})

    # built on first network use: a TLS context and the registry cost ~70 ms, and a post
    # whose URLs are all in the site table or the cache never needs them
    @cached_property
    def fetcher(self) -> Fetcher:
        return self._fetcher if self._fetcher is not None else SafeFetcher()

    @cached_property
    def registry(self) -> ProviderRegistry:
        return self._registry if self._registry is not None else default_registry()

    @classmethod
    def persistent(cls, path: str | PathLike[str], **options: Any) -> OEmbedResolver:
        """A resolver caching in one SQLite file, shared by every process that opens it."""
        return cls(cache=SqliteCache(path), **options)

    def settings(self) -> dict[str, Any]:
        """What shapes the embeds this resolver gives from what it knows (for
        ``Pipeline.fingerprint``): the site table and its settings, the provider registry (the
        shipped snapshot by digest), discovery and the text limits. Not the cache's contents nor
        the fetcher: a rebake in ``cache_only`` mode lists what it could not embed as pending."""
        registry: object = self._registry.providers if self._registry is not None else snapshot_digest()
        return {
            "sites": self.sites.sites,
            "site_settings": dict(self.sites.settings),
            "providers": registry,
            "discovery": self.discovery,
            "max_title": self.max_title,
            "max_description": self.max_description,
            "maxwidth": self.maxwidth,
        }

    def close(self) -> None:
        """Close the cache and the fetcher (those that have ``close``), releasing descriptors now.

        The shipped ones stay usable and reopen on demand, so closing a shared resolver is safe.
        """
        for part in (self.cache, self.__dict__.get("fetcher")):
            close = getattr(part, "close", None)
            if callable(close):
                close()

    def __enter__(self) -> OEmbedResolver:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the protocol ---------------------------------------------------------------------

    def cached(self, url: str) -> Embed | Miss | None:
        """What is known about ``url`` without any I/O: the site table, then the cache.

        A cache entry that breaks the rules (see :meth:`stored_problem`) is a miss, logged as a
        warning: one bad entry must not break, or take over, every post that links the URL.
        """
        player = self._site_player(url)
        if player is not None:
            return player
        hit = self.cache.get(self._key(url))
        if hit is None:
            return MISS
        if hit == {"type": None}:  # a remembered failure
            return None
        why = self.stored_problem(hit)
        if why is not None:
            _log.warning("composer embed cache: ignoring the entry for %.200s: %s", url, why)
            return MISS
        return Embed(**hit)

    def _site_player(self, url: str) -> Embed | None:
        """The site table's player for ``url``, built once per URL and table (a frozen value:
        a popular video is linked in post after post, and the table is read-only once made).
        A few hundred URLs are kept; past that the memo starts afresh."""
        table, players = self._players
        if table is not self.sites:
            table, players = self._players = (self.sites, {})
        if url in players:
            return players[url]
        site = table.match(url)
        player = None
        if site is not None:
            player = self._video(url, site, site_name=site.site.label, provider=site.site.name)
        if len(players) >= _PLAYERS_KEPT:
            players = {}
            self._players = (table, players)
        players[url] = player
        return player

    def stored_problem(self, data: Mapping[str, Any]) -> str | None:
        """Why a stored embed may not be used, or None: the types, values and lengths of
        :func:`composer.embeds._model.problem`, this resolver's text limits, and for a video
        exactly the player (``src``, ``allow``, sizes) the site table builds from its ``src``."""
        why = problem(data)
        if why is not None:
            return why
        limits = {"title": self.max_title, "description": self.max_description, "site_name": 100}
        for name, limit in limits.items():
            value = data.get(name)
            if value is not None and len(value) > limit:
                return f"{name} is longer than {limit} characters"
        if data["type"] == "video":
            site = self.sites.match(data["iframe_src"])
            expected = (site.iframe_src, site.site.allow, site.site.width, site.site.height) if site else None
            given = (data["iframe_src"], data.get("allow"), data.get("width"), data.get("height"))
            if expected != given:
                return "a video that is not a player the site table builds"
        return None

    def resolve(self, url: str, deadline: float) -> Embed | None:
        """The embed for ``url``, found by ``deadline``; None leaves a plain link."""
        known = self.cached(url)
        if known is not MISS:
            return known
        if time.monotonic() >= deadline:
            return None
        embed = self._discover(url, deadline)
        value = embed.to_dict() if embed is not None else {"type": None}
        self.cache.set(self._key(url), value, self.ttl if embed is not None else self.failure_ttl)
        return embed

    @staticmethod
    def _key(url: str) -> str:
        return "composer.embed.v1:" + url

    @staticmethod
    def _video(url: str, site: SiteEmbed, **common: Any) -> Embed:
        """The player for ``site``: its ``src``, ``allow`` and sizes are the table's, never a page's."""
        return Embed(
            "video",
            url,
            iframe_src=site.iframe_src,
            width=site.site.width,
            height=site.site.height,
            allow=site.site.allow,
            **common,
        )

    # -- the network ----------------------------------------------------------------------

    def _discover(self, url: str, deadline: float) -> Embed | None:
        provider = self.registry.match(url)
        if provider is not None:
            embed = self._oembed(
                provider.request_url(url, maxwidth=self.maxwidth), url, deadline, provider.name
            )
            if embed is not None:
                return embed
        try:
            page = self.fetcher.fetch(url, deadline=deadline, accept=_HTML_TYPES)
        except FetchError:
            return None
        if not _content_type(page, _HTML_TYPES):
            return None
        meta = page_metadata(page.body, page.charset, page.url)
        if self.discovery and meta.oembed and time.monotonic() < deadline:
            embed = self._oembed(meta.oembed, url, deadline, None)
            if embed is not None:
                return embed
        return self._card(url, meta)

    def _oembed(self, endpoint: str, url: str, deadline: float, provider: str | None) -> Embed | None:
        try:
            response = self.fetcher.fetch(endpoint, deadline=deadline, accept=_JSON_TYPES + OEMBED_TYPES)
            data = json.loads(response.body)
        except (FetchError, ValueError, RecursionError):
            return None
        return self.from_oembed(data, url, provider) if isinstance(data, dict) else None

    def from_oembed(self, data: Mapping[str, Any], url: str, provider: str | None = None) -> Embed | None:
        """An oEmbed response as an embed; the provider's ``html`` is never used as markup."""
        kind = data.get("type")
        title = _text(data.get("title"), self.max_title)
        site = _text(data.get("provider_name"), 100) or provider
        common: dict[str, Any] = {
            "title": title,
            "description": _text(data.get("description") or data.get("author_name"), self.max_description),
            "site_name": site,
            "thumbnail_url": http_url(data.get("thumbnail_url")),
            "provider": provider or site,
        }
        if kind == "photo" and (image := http_url(data.get("url"))):
            return Embed(
                "photo",
                url,
                image_url=image,
                width=size(data.get("width")),
                height=size(data.get("height")),
                **common,
            )
        if kind == "video" and isinstance(data.get("html"), str):
            match = _IFRAME_SRC.search(data["html"])
            src = (
                http_url(htmllib.unescape(next(g for g in match.groups() if g is not None)))
                if match
                else None
            )
            player = self.sites.match(src) if src else None
            if player is not None:
                return self._video(url, player, **common)
        if kind in ("video", "photo", "link", "rich") and title:
            return Embed("card", url, **common)
        return None

    def _card(self, url: str, meta: PageMeta) -> Embed | None:
        title = _text(meta.title, self.max_title)
        if not title:
            return None
        common: dict[str, Any] = {
            "title": title,
            "description": _text(meta.description, self.max_description),
            "site_name": _text(meta.site_name, 100),
            "thumbnail_url": meta.image,
            "provider": "opengraph",
        }
        player = self.sites.match(meta.video) if meta.video else None
        if player is not None:
            return self._video(url, player, **common)
        return Embed("card", url, **common)
