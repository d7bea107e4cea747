"""The site table's engine: player iframes for the sites forum users link, built from the URL alone.

Like s9e TextFormatter's MediaEmbed, each site is a row of data (:class:`~.sites_row.Site`):
the hosts it lives on, regexes that pull named fields (``id``, ``list``, ``start``, ...) out of
the URL, and iframe URL templates filled with those fields. The rows live in
:mod:`.sites_video`, :mod:`.sites_audio` and :mod:`.sites_tools`; this module only reads them.
No network, no latency: these embeds work offline and in ``cache_only`` mode. The sanitizer's
:attr:`~composer.allowlist.Allowlist.iframe_hosts` is exactly the set of the templates' hosts
(a test checks both ways), so a row's player is never stripped and no other host is framed.

Fields are percent-encoded when substituted (and a field that is only dots is refused, since
a browser resolves ``..`` even there), so a field can never break out of its place in the
template: every player URL starts with its template's text before the first field. Fields a
template names but the URL does not give are taken from the table's settings (Twitch's
``parent``, the host of the page that embeds the player); a template whose fields are not all
known is skipped, and a URL no template fits is left to the network.

Every player URL the table builds is itself matched by the table and builds the same URL again:
that is how the resolver recognises a player a remote page names (an oEmbed ``html`` or an
``og:video``), and how it checks a cached one. A player URL the table does not build is never
framed, whatever page names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from composer.embeds.sites_audio import AUDIO
from composer.embeds.sites_row import PLAYER_ALLOW, SANDBOX, Site
from composer.embeds.sites_tools import TOOLS
from composer.embeds.sites_video import VIDEO

__all__ = ["AUDIO", "PLAYER_ALLOW", "SANDBOX", "SITES", "TOOLS", "VIDEO", "Site", "SiteEmbed", "SiteTable"]


@dataclass(frozen=True)
class SiteEmbed:
    """A player iframe built from a URL by :class:`SiteTable`."""

    site: Site
    iframe_src: str


#: every row, by kind: video players, audio players, the web's working tools
SITES: tuple[Site, ...] = VIDEO + AUDIO + TOOLS


def _safe_value(value: str) -> bool:
    """Not empty, and not a dot segment (``.``, ``..``): percent-encoding leaves dots alone, and a
    browser would resolve such a segment and move the player URL to another path of its host."""
    return bool(value.strip("."))


class SiteTable:
    """Finds the site of a URL by host and builds its player URL, with no network.

    ``settings`` fill template fields the URL does not give, e.g. ``{"parent":
    "forum.example.com"}`` for Twitch (without it, Twitch URLs are left to the network).
    Lookups index sites by host and its parent domains, so the cost does not grow with the
    table.
    """

    def __init__(self, sites: tuple[Site, ...] = SITES, settings: Mapping[str, str] | None = None) -> None:
        self.sites = sites
        self.settings = dict(settings or {})
        self._by_host: dict[str, list[Site]] = {}
        for site in sites:
            for host in site.hosts:
                self._by_host.setdefault(host.lower(), []).append(site)

    def match(self, url: str) -> SiteEmbed | None:
        """The player for ``url``, or None when no site claims it (or a setting is missing)."""
        try:
            parts = urlsplit(url.strip())
            host = (parts.hostname or "").rstrip(".")
            if parts.port not in (None, 80, 443):
                return None
        except ValueError:
            return None
        if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
            return None
        target = host + (parts.path or "/")
        if parts.query:
            target += "?" + parts.query
        if parts.fragment:
            target += "#" + parts.fragment
        labels = host.split(".")
        for i in range(len(labels) - 1):
            for site in self._by_host.get(".".join(labels[i:]), ()):
                built = self._build(site, site.fields(target))
                if built:
                    return SiteEmbed(site, built)
        return None

    def _build(self, site: Site, found: dict[str, str]) -> str | None:
        given = {k: v for k, v in found.items() if _safe_value(v)}
        known = {**self.settings, **given}
        for template, names in site.templates:
            if all(name in known for name in names):
                src = template.format(**{name: quote(known[name], safe="") for name in names})
                extra = [
                    f"{key}={quote(given[name], safe='')}"
                    for key, name in site.query
                    if name in given and name not in names
                ]
                if extra:
                    src += ("&" if "?" in src else "?") + "&".join(extra)
                return src
        return None
