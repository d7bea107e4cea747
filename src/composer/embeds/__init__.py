"""URL embeds: what a link stands for, found without trusting the site that answers.

The embed stage (:mod:`composer.stages.embed`) picks the URLs that stand alone on their line
and asks a :class:`Resolver` about each, all at once, within one per-post deadline
(``Policy.embed_deadline``, 3 s). The default :class:`OEmbedResolver` answers like this:

1. **Site table** (:mod:`.sites`). The sites forum users link most (60 and more: video such as
   YouTube, Vimeo, TikTok, Twitch; audio such as Spotify, SoundCloud, Apple Music; tools such
   as CodePen, Google Docs, Figma; rows in ``sites_video``, ``sites_audio``, ``sites_tools``)
   get their player iframe straight from the URL: a host lookup, a regex for the id, a URL
   template. No network, so it works offline and in ``cache_only`` mode. Each URL's player is
   built once per resolver (a few hundred are remembered).
2. **Cache** (:mod:`.cache`). Everything else is looked up by URL: a found embed is kept for a
   day, a URL that did not embed for ten minutes (so a site that was down gets another chance
   soon). In ``cache_only`` mode the stage stops here: unknown URLs stay links and are listed
   in ``Result.pending``, and a background worker calls ``Pipeline.prefetch(urls)``.
3. **Fetch** (:mod:`.fetcher`). Only through :class:`SafeFetcher`: http(s) on default ports,
   the peer address checked at connect time (no private, loopback, link-local or metadata
   addresses, whatever the spelling), every redirect re-checked, body capped, one deadline.
4. **oEmbed registry** (:mod:`.providers`). If a provider's URL scheme claims the URL, its
   endpoint is asked for JSON; the registry is a shipped snapshot of oembed.com's list.
5. **Discovery** (:mod:`.page`). Otherwise the page itself is fetched and its
   ``<link rel="alternate" type="application/json+oembed">`` (Flickr writes ``alternative``)
   names the endpoint to ask.
6. **OpenGraph / Twitter card**. Failing that, the page's ``og:`` / ``twitter:`` metadata (or
   its ``<title>`` and description) make a card. BeautifulSoup reads only the ``<head>``, with
   UnicodeDammit guessing the charset; titles and descriptions are cut to length.
7. **Rendering** (:mod:`.render`). A ``video`` is only ever a player the site table builds:
   a ``src`` named by oEmbed ``html`` or ``og:video`` goes through the table, whose URL,
   ``allow`` and sizes are used (anything else makes a card), and it becomes an iframe only if
   its host is in the allowlist's ``iframe_hosts``; ``photo`` an image under the image policy; everything else
   (oEmbed ``link``, and ``rich``, whose HTML is never trusted) an ``aside.composer-card``. The
   sanitizer still runs last and adds ``sandbox``, ``loading`` and ``referrerpolicy`` itself.
   Where no stage needed a tree and the string can be read exactly (:mod:`.spliced`), the
   element is written into the HTML string over the link's paragraph, with a mark the
   sanitizer knows, instead of being placed in a tree.
8. **Expiry and failure**. Any failure (no provider, timeout, HTTP error, bad JSON, blocked
   address, deadline) leaves the plain link, is cached briefly, and is never an error: the post
   is not lost or delayed past its deadline. Late answers still land in the cache.

Links to the forum's own topics skip all of this when the stage has ``own_cards``: the forum's
callback describes them (:mod:`.cards`), once per post, and they become quote cards or stay
links; the network is never asked about them.

What a cache returns is checked like remote input (:func:`._model.problem`): a bad entry is
a miss, logged. The stage resolves on its own bounded thread pool (:mod:`.batch`) and the SQLite cache pools
its connections, so no run leaves a thread or a descriptor behind; ``close()`` (on the
pipeline, the stage, the resolver, the fetcher, each cache) releases them now.

The default resolver caches in memory for the process. A site with several processes shares
one SQLite file instead: ``Embeds(resolver=OEmbedResolver.persistent("embeds.sqlite3"))``, or a
:class:`RedisCache` across hosts.
"""

from __future__ import annotations

from composer.embeds.cache import Cache, MemoryCache, RedisCache, SqliteCache
from composer.embeds.cards import Card, OwnCards
from composer.embeds.fetcher import Fetcher, FetchError, Response, SafeFetcher
from composer.embeds.page import PageMeta, page_metadata
from composer.embeds.providers import Provider, ProviderRegistry, default_registry
from composer.embeds.render import render
from composer.embeds.resolver import MISS, CachingResolver, Embed, OEmbedResolver, Resolver
from composer.embeds.sites import SITES, Site, SiteEmbed, SiteTable

__all__ = [
    "MISS",
    "SITES",
    "Cache",
    "CachingResolver",
    "Card",
    "Embed",
    "FetchError",
    "Fetcher",
    "MemoryCache",
    "OEmbedResolver",
    "OwnCards",
    "PageMeta",
    "Provider",
    "ProviderRegistry",
    "RedisCache",
    "Resolver",
    "Response",
    "SafeFetcher",
    "Site",
    "SiteEmbed",
    "SiteTable",
    "SqliteCache",
    "default_registry",
    "page_metadata",
    "render",
]
