"""Site table rows: audio players (see :mod:`composer.embeds.sites` for how rows are read).

Left to oEmbed, since the player needs what the URL lacks:

- Bandcamp: its player takes the album's or track's numeric id, which is only in the page.
- Audius, Hearthis: likewise a numeric track id.
- spotify.link, deezer.page.link, link.deezer.com: short links whose id is behind a redirect.
"""

from __future__ import annotations

from composer.embeds.sites_row import Site

__all__ = ["AUDIO"]

_MUSIC_ALLOW = "autoplay; clipboard-write; encrypted-media; fullscreen; picture-in-picture"

AUDIO: tuple[Site, ...] = (
    Site(
        "spotify",
        "Spotify",
        ("open.spotify.com",),
        (
            r"^open\.spotify\.com/(?:intl-[\w-]+/)?(?:embed/)?(?P<kind>track|album|playlist|episode|show|artist)/(?P<id>[0-9A-Za-z]{22})",
        ),
        ("https://open.spotify.com/embed/{kind}/{id}",),
        height=352,
        allow=_MUSIC_ALLOW,
    ),
    Site(
        "soundcloud",
        "SoundCloud",
        ("soundcloud.com",),
        (
            r"^(?:www\.|m\.)?soundcloud\.com/(?P<path>"
            r"(?!(?:discover|search|stream|upload|you|charts|pages|jobs|settings|signin|logout|terms-of-use|mobile)/)"
            r"[A-Za-z0-9_-]{1,100}/(?:sets/)?[A-Za-z0-9_-]{1,200})/?(?:[?#]|$)",
            # the widget's own URL, as the template writes it
            r"^w\.soundcloud\.com/player/\?(?:[^#]*&)?url=https%3A%2F%2Fsoundcloud\.com%2F"
            r"(?P<path>[A-Za-z0-9_-]{1,100}%2F(?:sets%2F)?[A-Za-z0-9_-]{1,200})(?:[&#]|$)",
        ),
        # the widget takes the track's own URL as a parameter
        ("https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2F{path}",),
        width=560,
        height=166,
        allow="autoplay",
    ),
    Site(
        "applemusic",
        "Apple Music",
        ("music.apple.com",),
        (
            r"^(?:embed\.)?music\.apple\.com/(?P<cc>[a-z]{2})/(?P<kind>album|playlist|song|music-video)/"
            r"(?P<slug>[^/?#]{1,200})/(?P<id>\d{1,15}|pl\.[\w-]{1,64})(?![\w.-])",
            r"[?&]i=(?P<i>\d{1,15})(?![^&#])",
        ),
        ("https://embed.music.apple.com/{cc}/{kind}/{slug}/{id}",),
        query=(("i", "i"),),
        width=660,
        height=450,
        allow="autoplay; encrypted-media; fullscreen; clipboard-write",
    ),
    Site(
        "applepodcasts",
        "Apple Podcasts",
        ("podcasts.apple.com",),
        (
            r"^(?:embed\.)?podcasts\.apple\.com/(?P<cc>[a-z]{2})/podcast/(?:[^/?#]{1,200}/)?id(?P<id>\d{1,15})(?!\d)",
            r"[?&]i=(?P<i>\d{1,15})(?![^&#])",
        ),
        ("https://embed.podcasts.apple.com/{cc}/podcast/episode/id{id}",),
        query=(("i", "i"),),
        width=660,
        height=450,
        allow="autoplay; encrypted-media",
    ),
    Site(
        "deezer",
        "Deezer",
        ("deezer.com",),
        (
            r"^(?:www\.)?deezer\.com/(?:[a-z]{2}(?:-[a-z]{2})?/)?(?P<kind>track|album|playlist|artist|episode|show)/"
            r"(?P<id>\d{1,20})(?!\d)",
            r"^widget\.deezer\.com/widget/(?:auto|dark|light)/(?P<kind>track|album|playlist|artist|episode|show)/"
            r"(?P<id>\d{1,20})(?!\d)",
        ),
        ("https://widget.deezer.com/widget/auto/{kind}/{id}",),
        height=300,
        allow="encrypted-media; clipboard-write",
    ),
    Site(
        "mixcloud",
        "Mixcloud",
        ("mixcloud.com",),
        (
            r"^(?:www\.|m\.)?mixcloud\.com/(?!(?:discover|upload|settings|select|categories|tag|live|search|"
            r"dashboard|pro)/)(?P<user>[\w-]{1,64})/(?!(?:uploads|favorites|listens|followers|following|"
            r"playlists|stream|reposts|activity|hosts|stats)/?(?:[?#]|$))(?P<show>[\w-]{1,200})/?(?:[?#]|$)",
            r"^player-widget\.mixcloud\.com/widget/iframe/\?(?:[^#]*&)?feed=%2F(?P<user>[\w-]{1,64})%2F"
            r"(?P<show>[\w-]{1,200})%2F(?:[&#]|$)",
        ),
        ("https://player-widget.mixcloud.com/widget/iframe/?feed=%2F{user}%2F{show}%2F",),
        height=120,
        allow="autoplay",
    ),
    Site(
        "audiomack",
        "Audiomack",
        ("audiomack.com",),
        (
            r"^audiomack\.com/embed/(?P<kind>song|album|playlist)/(?P<artist>[\w-]{1,80})/(?P<slug>[\w-]{1,200})(?![\w-])",
            r"^(?:www\.)?audiomack\.com/(?P<kind>song|album|playlist)/(?P<artist>[\w-]{1,80})/(?P<slug>[\w-]{1,200})(?![\w-])",
            r"^(?:www\.)?audiomack\.com/(?!embed/)(?P<artist>[\w-]{1,80})/(?P<kind>song|album|playlist)/"
            r"(?P<slug>[\w-]{1,200})(?![\w-])",
        ),
        ("https://audiomack.com/embed/{kind}/{artist}/{slug}",),
        height=300,
        allow="autoplay",
    ),
    Site(
        "tidal",
        "TIDAL",
        ("tidal.com",),
        (
            r"^(?:www\.|listen\.)?tidal\.com/(?:browse/)?(?P<kind>track|album|video|playlist)/(?P<id>[0-9a-f-]{1,40})(?![0-9a-f-])",
            r"^embed\.tidal\.com/(?P<kind>track|album|video|playlist)s/(?P<id>[0-9a-f-]{1,40})(?![0-9a-f-])",
        ),
        ("https://embed.tidal.com/{kind}s/{id}",),
        height=352,
        allow="encrypted-media",
    ),
    Site(
        "audioboom",
        "Audioboom",
        ("audioboom.com",),
        (
            r"^(?:www\.)?audioboom\.com/(?:posts|boos)/(?P<id>\d{1,12})(?!\d)",
            r"^embeds\.audioboom\.com/posts/(?P<id>\d{1,12})/embed/v4(?:[?#]|$)",
        ),
        ("https://embeds.audioboom.com/posts/{id}/embed/v4",),
        height=300,
        allow="autoplay",
    ),
    Site(
        "buzzsprout",
        "Buzzsprout",
        ("buzzsprout.com",),
        (r"^(?:www\.)?buzzsprout\.com/(?P<show>\d{1,10})/(?:episodes/)?(?P<ep>\d{1,12})(?!\d)",),
        ("https://www.buzzsprout.com/{show}/{ep}?client_source=small_player&iframe=true",),
        height=200,
        allow="autoplay",
    ),
    Site(
        "vocaroo",
        "Vocaroo",
        ("vocaroo.com", "voca.ro"),
        (
            r"^(?:www\.)?(?:vocaroo\.com|voca\.ro)/(?:embed/)?(?P<id>(?![a-z]+(?:[/?#]|$))[0-9A-Za-z]{10,14})(?![0-9A-Za-z])",
        ),
        ("https://vocaroo.com/embed/{id}",),
        width=300,
        height=60,
        allow="autoplay",
    ),
    Site(
        "spreaker",
        "Spreaker",
        ("spreaker.com",),
        (
            r"^(?:www\.)?spreaker\.com/episode/(?:[\w-]{1,200}--)?(?P<id>\d{5,12})(?![\w-])",
            r"^widget\.spreaker\.com/player\?(?:[^#]*&)?episode_id=(?P<id>\d{5,12})(?!\d)",
        ),
        ("https://widget.spreaker.com/player?episode_id={id}",),
        height=200,
        allow="autoplay",
    ),
    Site(
        "spotifycreators",
        "Spotify for Creators (Anchor)",
        ("podcasters.spotify.com", "creators.spotify.com", "anchor.fm"),
        (
            r"^(?:podcasters|creators)\.spotify\.com/pod/show/(?P<show>[\w-]{1,80})/(?:embed/)?episodes/"
            r"(?P<ep>[\w-]{1,200})(?![\w-])",
            r"^anchor\.fm/(?P<show>[\w-]{1,80})/(?:embed/)?episodes/(?P<ep>[\w-]{1,200})(?![\w-])",
        ),
        ("https://podcasters.spotify.com/pod/show/{show}/embed/episodes/{ep}",),
        height=160,
        allow="autoplay",
    ),
)
