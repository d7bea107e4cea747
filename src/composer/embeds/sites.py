"""Site definitions: player iframes for the big media sites, built from the URL alone.

Like s9e TextFormatter's MediaEmbed, each site is a row of data: the hosts it lives on,
regexes that pull named fields (``id``, ``list``, ``start``, ...) out of the URL, and iframe
URL templates filled with those fields. No network, no latency: these embeds work offline and
in ``cache_only`` mode. Every template's host must be in the sanitizer's
:attr:`~composer.allowlist.Allowlist.iframe_hosts` (a test checks it), or the iframe would be
stripped.

Fields are percent-encoded when substituted, so a field can never break out of its place in
the template. Fields a template names but the URL does not give are taken from the table's
settings (Twitch's ``parent``, the host of the page that embeds the player); a template whose
fields are not all known is skipped, and a URL no template fits is left to the network.

Every player URL the table builds is itself matched by the table and builds the same URL again:
that is how the resolver recognises a player a remote page names (an oEmbed ``html`` or an
``og:video``), and how it checks a cached one. A player URL the table does not build is never
framed, whatever page names it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from string import Formatter
from urllib.parse import quote, unquote, urlsplit

_YOUTUBE_ALLOW = "accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; picture-in-picture"
_PLAYER_ALLOW = "autoplay; fullscreen; picture-in-picture"
_TIME = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$")


def _seconds(value: str) -> str | None:
    """``90``, ``90s``, ``1m30s``, ``1h2m3s`` as whole seconds; None for zero or garbage."""
    match = _TIME.match(value.lower())
    if not match or not value:
        return None
    h, m, s = (int(part or 0) for part in match.groups())
    total = h * 3600 + m * 60 + s
    return str(total) if total else None


#: field name -> normaliser (None drops the field); a path read from a widget URL is encoded
_CONVERT: dict[str, Callable[[str], str | None]] = {"start": _seconds, "path": unquote}


@dataclass(frozen=True)
class Site:
    """One site: where it lives, what to take from its URLs, how to build its player URL.

    ``patterns`` are searched in ``"host/path?query#fragment"`` (host lower-cased); the named
    groups of every pattern that matches are merged. ``iframes`` are tried in order: the first
    whose ``{fields}`` are all known wins; ``query`` adds ``name=field`` pairs whose field is
    known (a start time, a playlist).
    """

    name: str
    label: str
    hosts: tuple[str, ...]
    patterns: tuple[str, ...]
    iframes: tuple[str, ...]
    query: tuple[tuple[str, str], ...] = ()
    width: int = 560
    height: int = 315
    allow: str = _PLAYER_ALLOW
    compiled: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", tuple(re.compile(p) for p in self.patterns))

    def fields(self, target: str) -> dict[str, str]:
        found: dict[str, str] = {}
        for pattern in self.compiled:
            match = pattern.search(target)
            if match:
                found.update({k: v for k, v in match.groupdict().items() if v and k not in found})
        for name, convert in _CONVERT.items():
            if name in found:
                value = convert(found[name])
                if value is None:
                    del found[name]
                else:
                    found[name] = value
        return found


@dataclass(frozen=True)
class SiteEmbed:
    """A player iframe built from a URL by :class:`SiteTable`."""

    site: Site
    iframe_src: str


SITES: tuple[Site, ...] = (
    Site(
        "youtube",
        "YouTube",
        ("youtube.com", "youtu.be", "youtube-nocookie.com"),
        (
            r"^youtu\.be/(?P<id>[\w-]{11})(?![\w-])",
            r"^(?:www\.|m\.|music\.)?youtube(?:-nocookie)?\.com/(?:shorts|embed|live|v)/(?P<id>[\w-]{11})(?![\w-])",
            r"^(?:www\.|m\.|music\.)?youtube\.com/watch\?(?:[^#]*&)?v=(?P<id>[\w-]{11})(?![\w-])",
            r"^(?:www\.|m\.|music\.)?youtube(?:-nocookie)?\.com/(?:playlist|watch|embed/videoseries|embed/[\w-]{11})"
            r"\?(?:[^#]*&)?list=(?P<list>[\w-]+)",
            r"[?&#](?:t|start)=(?P<start>[0-9hms]+)(?![\w])",
        ),
        (
            "https://www.youtube-nocookie.com/embed/{id}",
            "https://www.youtube-nocookie.com/embed/videoseries?list={list}",
        ),
        query=(("list", "list"), ("start", "start")),
        allow=_YOUTUBE_ALLOW,
    ),
    Site(
        "vimeo",
        "Vimeo",
        ("vimeo.com",),
        (
            r"^(?:www\.)?vimeo\.com/(?:channels/[\w-]+/|groups/[\w-]+/videos/|video/)?(?P<id>\d+)(?:/(?P<h>[0-9a-f]{6,}))?(?![\w])",
            r"^player\.vimeo\.com/video/(?P<id>\d+)(?![\w])",
            r"[?&]h=(?P<h>[0-9a-f]{6,})",
        ),
        ("https://player.vimeo.com/video/{id}",),
        query=(("h", "h"),),
        width=640,
        height=360,
    ),
    Site(
        "dailymotion",
        "Dailymotion",
        ("dailymotion.com", "dai.ly"),
        (
            r"^(?:www\.)?dailymotion\.com/(?:embed/)?video/(?P<id>x[0-9a-z]+)",
            r"^dai\.ly/(?P<id>x[0-9a-z]+)",
            r"[?&]start=(?P<start>\d+)",
        ),
        ("https://www.dailymotion.com/embed/video/{id}",),
        query=(("start", "start"),),
        width=640,
        height=360,
    ),
    Site(
        "spotify",
        "Spotify",
        ("open.spotify.com",),
        (
            r"^open\.spotify\.com/(?:intl-[\w-]+/)?(?:embed/)?(?P<kind>track|album|playlist|episode|show|artist)/(?P<id>[0-9A-Za-z]{22})",
        ),
        ("https://open.spotify.com/embed/{kind}/{id}",),
        height=352,
        allow="autoplay; clipboard-write; encrypted-media; fullscreen; picture-in-picture",
    ),
    Site(
        "soundcloud",
        "SoundCloud",
        ("soundcloud.com",),
        (
            r"^(?:www\.|m\.)?soundcloud\.com/(?P<path>"
            r"(?!(?:discover|search|stream|upload|you|charts|pages|jobs|settings|signin|logout|terms-of-use|mobile)/)"
            r"[A-Za-z0-9_-]+/(?:sets/)?[A-Za-z0-9_-]+)/?(?:[?#]|$)",
            # the widget's own URL, as the template writes it
            r"^w\.soundcloud\.com/player/\?(?:[^#]*&)?url=https%3A%2F%2Fsoundcloud\.com%2F"
            r"(?P<path>[A-Za-z0-9_-]+%2F(?:sets%2F)?[A-Za-z0-9_-]+)(?:[&#]|$)",
        ),
        # the widget takes the track's own URL as a parameter
        ("https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2F{path}",),
        width=560,
        height=166,
        allow="autoplay",
    ),
    Site(
        "tiktok",
        "TikTok",
        ("tiktok.com",),
        (
            r"^(?:www\.|m\.)?tiktok\.com/@[\w.-]+/video/(?P<id>\d+)",
            r"^(?:www\.)?tiktok\.com/embed/(?:v2/)?(?P<id>\d+)",
        ),
        ("https://www.tiktok.com/embed/v2/{id}",),
        width=325,
        height=740,
        allow="encrypted-media; fullscreen",
    ),
    Site(
        "twitch",
        "Twitch",
        ("twitch.tv",),
        (
            r"^clips\.twitch\.tv/(?:embed\?clip=)?(?P<clip>[\w-]{6,})",
            r"^(?:www\.|m\.)?twitch\.tv/[\w]+/clip/(?P<clip>[\w-]{6,})",
            r"^(?:www\.|m\.)?twitch\.tv/videos/(?P<video>\d+)",
            r"^(?:www\.|m\.)?twitch\.tv/(?!(?:directory|videos|p|settings|downloads|jobs|search|subscriptions|"
            r"inventory|wallet|drops|turbo|store|login|signup)(?:[/?#]|$))(?P<channel>\w{3,25})/?(?:[?#]|$)",
            # the player's own URLs, as the templates write them
            r"^player\.twitch\.tv/\?(?:[^#]*&)?video=v(?P<video>\d+)(?![\w])",
            r"^player\.twitch\.tv/\?(?:[^#]*&)?channel=(?P<channel>\w{3,25})(?![\w])",
        ),
        # Twitch refuses to play unless parent= names the embedding page's host: a table setting
        (
            "https://clips.twitch.tv/embed?clip={clip}&parent={parent}",
            "https://player.twitch.tv/?video=v{video}&parent={parent}",
            "https://player.twitch.tv/?channel={channel}&parent={parent}",
        ),
        width=620,
        height=378,
    ),
    Site(
        "streamable",
        "Streamable",
        ("streamable.com",),
        (r"^(?:www\.)?streamable\.com/(?:[eo]/)?(?P<id>[0-9a-z]{4,})(?:[/?#]|$)",),
        ("https://streamable.com/e/{id}",),
        width=640,
        height=360,
    ),
    Site(
        "loom",
        "Loom",
        ("loom.com",),
        (r"^(?:www\.)?loom\.com/(?:share|embed)/(?P<id>[0-9a-f]{32})(?![0-9a-f])",),
        ("https://www.loom.com/embed/{id}",),
        width=640,
        height=360,
    ),
)


def _template_fields(template: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in Formatter().parse(template) if name)


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
        self._templates = {site.name: tuple((t, _template_fields(t)) for t in site.iframes) for site in sites}

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
        known = {**self.settings, **found}
        for template, names in self._templates[site.name]:
            if all(name in known for name in names):
                src = template.format(**{name: quote(known[name], safe="") for name in names})
                extra = [
                    f"{key}={quote(found[name], safe='')}"
                    for key, name in site.query
                    if name in found and name not in names
                ]
                if extra:
                    src += ("&" if "?" in src else "?") + "&".join(extra)
                return src
        return None
