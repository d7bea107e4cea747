"""The site table: player URLs built from the URL alone (fixture file: URL -> iframe src)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from composer.allowlist import DEFAULT_ALLOWLIST
from composer.embeds.sites import SITES, Site, SiteTable

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TABLE = SiteTable(settings={"parent": "forum.example.com"})


def read_cases(path: Path) -> list[tuple[str, str, str]]:
    """(title, url, expected src or 'none') from a markdown-it-style fixture file."""
    blocks = path.read_text(encoding="utf-8").strip().split("\n.\n\n")
    cases = []
    for block in blocks:
        title, url, expected = block.removesuffix("\n.").split("\n.\n")
        cases.append((title, url, expected))
    return cases


CASES = read_cases(FIXTURES / "embed-sites.txt")


def test_fixture_file_is_read() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize(("title", "url", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_site_table(title: str, url: str, expected: str) -> None:
    found = TABLE.match(url)
    assert (found.iframe_src if found else "none") == expected


@pytest.mark.parametrize("site", SITES, ids=[s.name for s in SITES])
def test_every_template_host_is_allowlisted(site: Site) -> None:
    for template in site.iframes:
        assert urlsplit(template).hostname in DEFAULT_ALLOWLIST.iframe_hosts
        assert template.startswith("https://")


def test_twitch_needs_the_parent_setting() -> None:
    assert SiteTable().match("https://www.twitch.tv/videos/1234567890") is None
    assert SiteTable().match("https://www.youtube.com/watch?v=dQw4w9WgXcQ") is not None


def test_fields_are_percent_encoded() -> None:
    """A field cannot break out of its place in the template, whatever the URL holds."""
    table = SiteTable(settings={"parent": "a&b=c"})
    found = table.match("https://www.twitch.tv/videos/123")
    assert found is not None
    assert found.iframe_src == "https://player.twitch.tv/?video=v123&parent=a%26b%3Dc"


def test_a_custom_table_is_data() -> None:
    site = Site(
        "peertube",
        "PeerTube",
        ("video.example",),
        (r"/w/(?P<id>\w+)",),
        ("https://video.example/embed/{id}",),
    )
    found = SiteTable((site,)).match("https://video.example/w/abc")
    assert found is not None
    assert found.iframe_src == "https://video.example/embed/abc"
    assert found.site.name == "peertube"


@pytest.mark.parametrize(
    ("title", "url", "expected"), [c for c in CASES if c[2] != "none"], ids=lambda x: x[:40]
)
def test_every_player_url_builds_itself(title: str, url: str, expected: str) -> None:
    """A player the table built is recognised as one (how oEmbed answers and cache entries are checked)."""
    again = TABLE.match(expected)
    assert again is not None and again.iframe_src == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/redirect?q=https%3A%2F%2Fevil.example%2F",
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ/../../redirect?q=x",
        "https://player.vimeo.com/api/player.js",
        "https://w.soundcloud.com/player/?url=https%3A%2F%2Fevil.example%2Fx%2Fy",
        "https://player.twitch.tv/?parent=evil.example",
        "https://open.spotify.com/redirect?u=x",
    ],
)
def test_other_paths_on_player_hosts_are_not_players(url: str) -> None:
    """Never framed as given: no player, or the table's own canonical player URL."""
    built = TABLE.match(url)
    if built is not None:
        assert "redirect" not in built.iframe_src and "evil" not in built.iframe_src
        assert built.iframe_src == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"


_HOSTS = [
    f"{sub}{host}" for site in SITES for host in site.hosts for sub in ("", "www.", "m.", "player.", "w.")
]
_PATH = st.lists(
    st.sampled_from(["embed", "video", "watch", "v", "e", "share", "clip", "videos", "sets", "..", "x"])
    | st.sampled_from(["dQw4w9WgXcQ", "76979871", "x7tgad0", "4uEBvKq0cKvjWNhPMDnPgk", "track", "@a"])
    | st.sampled_from(["0123456789abcdef0123456789abcdef", "1234567890", "AwkwardHelplessSalamander"])
    | st.from_regex(r"[\w-]{1,24}", fullmatch=True),
    max_size=4,
)
_QUERY = st.lists(
    st.tuples(
        st.sampled_from(["v", "list", "t", "start", "h", "url", "clip", "video", "channel", "q"]),
        st.text(max_size=30)
        | st.sampled_from(["dQw4w9WgXcQ", "PLx0sYbCqOb8", "1m30s", "8272103f6e", "v1234"]),
    ),
    max_size=3,
)


def _url(host: str, path: list[str], query: list[tuple[str, str]]) -> str:
    return f"https://{host}/" + "/".join(path) + ("?" + urlencode(query) if query else "")


def _mutated(base: str, path: list[str], query: list[tuple[str, str]]) -> str:
    joined = base.rstrip("/") + "".join(f"/{part}" for part in path[:1])
    return joined + (("&" if "?" in joined else "?") + urlencode(query) if query else "")


_URLS = st.builds(_url, st.sampled_from(_HOSTS), _PATH, _QUERY) | st.builds(
    _mutated, st.sampled_from([url for _, url, _ in CASES]), _PATH, _QUERY
)


@settings(max_examples=300, deadline=None)
@given(_URLS)
def test_whatever_the_table_builds_it_recognises_again(url: str) -> None:
    """The kind behind issue 11.5: a player the table builds is a fixed point, on an allowlisted host."""
    built = TABLE.match(url)
    event("no player" if built is None else f"a {built.site.name} player")
    if built is None:
        return
    assert urlsplit(built.iframe_src).hostname in DEFAULT_ALLOWLIST.iframe_hosts
    again = TABLE.match(built.iframe_src)
    assert again is not None and again.iframe_src == built.iframe_src, url
