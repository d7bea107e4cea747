"""The site table: a URL alone on its line -> the player iframe built offline (fixture file), and the
rules every row keeps (allowlisted hosts, tight ids, a player URL inside its template's prefix)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from composer import Pipeline, Policy, Submission
from composer._html.iframe import IFRAME_FIXED, PLAYER_FEATURES
from composer.allowlist import DEFAULT_ALLOWLIST
from composer.embeds import OEmbedResolver
from composer.embeds.sites import AUDIO, SITES, TOOLS, VIDEO, Site, SiteTable
from composer.embeds.sites_row import seconds
from composer.stages import Embeds
from fixture_files import FIXTURES, read_cases

DOCS = Path(__file__).resolve().parent.parent / "docs" / "embeds.md"
TABLE = SiteTable(settings={"parent": "forum.example.com"})
#: no network: cache_only, and a resolver whose cache is empty, so only the table can embed
PIPE = Pipeline(policy=Policy(embed_mode="cache_only")).replace("embed", Embeds(OEmbedResolver(sites=TABLE)))
CASES = [(t, u, e) for t, u, e in read_cases(FIXTURES / "embed-sites.txt")]
PLAYER_CASES = [c for c in CASES if c[2].startswith("<iframe")]
#: the longest player URL a row may build (a percent-encoded 200-character slug fits)
MAX_PLAYER_URL = 2048


def player(html: str) -> str:
    """The iframe of a result, "link" when the URL stayed a link, "text" when not even that."""
    found = re.search(r"<iframe[^>]*></iframe>", html)
    if found:
        return found.group(0)
    return "link" if "<a href" in html else "text"


def src(iframe: str) -> str:
    found = re.search(r'\ssrc="([^"]*)"', iframe)
    assert found, iframe
    return unescape(found.group(1))


def test_the_table_has_the_breadth_of_the_issue() -> None:
    assert len(SITES) >= 60
    assert len({s.name for s in SITES}) == len(SITES)
    assert SITES == VIDEO + AUDIO + TOOLS


@pytest.mark.parametrize(("title", "url", "expected"), CASES, ids=[c[0][:50] for c in CASES])
def test_site_table(title: str, url: str, expected: str) -> None:
    assert player(PIPE.run(Submission(url, "text")).html) == expected


@pytest.mark.parametrize("shape", ["markdown", "html", "html link"])
def test_every_format_builds_the_same_players(shape: str) -> None:
    """The fixture's URLs (written for ``text``) in the other formats: bare in markdown and html,
    and as an html link whose text is the URL; the same player or link each time."""
    differ = []
    for title, url, expected in CASES:
        if shape == "html link":
            escaped = url.replace("&", "&amp;")
            source = f'<p><a href="{escaped}">{escaped}</a></p>'
        else:
            source = url.replace("&", "&amp;") if shape == "html" else url
        got = player(PIPE.run(Submission(source, "html" if shape.startswith("html") else "markdown")).html)
        if got != expected:
            differ.append((title, got))
    assert differ == []


def test_every_site_has_several_fixture_shapes() -> None:
    """Each row is proven by at least two URL shapes that build its player."""
    built = Counter(found.site.name for _, url, _ in PLAYER_CASES if (found := TABLE.match(url)))
    thin = sorted(site.name for site in SITES if built[site.name] < 2)
    assert thin == [], f"sites with fewer than two player cases in embed-sites.txt: {thin}"


@pytest.mark.parametrize(("title", "url", "expected"), PLAYER_CASES, ids=[c[0][:50] for c in PLAYER_CASES])
def test_every_player_url_builds_itself(title: str, url: str, expected: str) -> None:
    """A player the table built is recognised as one (how oEmbed answers and cache entries are checked)."""
    again = TABLE.match(src(expected))
    assert again is not None and again.iframe_src == src(expected)


def _template_hosts() -> set[str]:
    return {urlsplit(t).hostname or "" for site in SITES for t in site.iframes}


def test_the_iframe_allowlist_is_the_tables_player_hosts() -> None:
    """One source of truth: every player host is allowlisted, and no host is allowlisted for nothing."""
    assert set(DEFAULT_ALLOWLIST.iframe_hosts) == _template_hosts()


@pytest.mark.parametrize("site", SITES, ids=[s.name for s in SITES])
def test_every_row_is_well_formed(site: Site) -> None:
    assert site.hosts and site.patterns and site.iframes
    for template in site.iframes:
        assert template.startswith("https://") and "{" in template
        assert urlsplit(template).hostname in DEFAULT_ALLOWLIST.iframe_hosts
        prefix = template.split("{", 1)[0]
        assert urlsplit(prefix).path.startswith("/"), "a field may not sit in the host"
    allow = [word.strip() for word in site.allow.split(";") if word.strip()]
    assert set(allow) <= PLAYER_FEATURES, "the sanitizer would drop the rest"
    assert set(site.sandbox.split()) <= set(IFRAME_FIXED["sandbox"].split())
    assert 0 < site.width <= 4096 and 0 < site.height <= 4096
    for pattern in site.patterns:  # a host is matched from its start, a parameter after ? & or #
        assert pattern.startswith(("^", "[?&]", "[?&#]")), pattern
    named = {name for pattern in site.compiled for name in pattern.groupindex}
    for template in site.iframes:
        missing = set(re.findall(r"\{(\w+)\}", template)) - named - {"parent"}
        assert not missing, f"{template} names fields no pattern finds: {missing}"


def test_twitch_needs_the_parent_setting() -> None:
    assert SiteTable().match("https://www.twitch.tv/videos/1234567890") is None
    assert SiteTable().match("https://www.youtube.com/watch?v=dQw4w9WgXcQ") is not None


def test_fields_are_percent_encoded() -> None:
    """A field cannot break out of its place in the template, whatever the URL holds."""
    table = SiteTable(settings={"parent": "a&b=c"})
    found = table.match("https://www.twitch.tv/videos/123")
    assert found is not None
    assert found.iframe_src == "https://player.twitch.tv/?video=v123&parent=a%26b%3Dc"


@pytest.mark.parametrize("value", [".", "..", "...", "%2e%2e", ".%2E"])
def test_a_field_that_is_only_dots_is_refused(value: str) -> None:
    """Percent-encoding leaves dots alone, and a browser resolves ``..`` (and ``%2e%2e``) in a path."""
    site = Site(
        "t", "T", ("video.example",), (r"/w/(?P<slug>[^/?#]+)",), ("https://video.example/embed/{slug}",)
    )
    assert SiteTable((site,)).match(f"https://video.example/w/{value}") is None
    assert SiteTable((site,)).match("https://video.example/w/a..b") is not None


@pytest.mark.parametrize("digits", [4400, 100_000])
def test_a_start_time_of_thousands_of_digits_is_dropped_not_a_crash(digits: int) -> None:
    """int() refuses more than 4300 digits (ValueError): the URL once failed to embed at all."""
    found = TABLE.match("https://youtu.be/dQw4w9WgXcQ?t=" + "9" * digits)
    assert found is not None and found.iframe_src == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"


#: a page URL of each site that reads a start time, and the query key it reads it from
_STARTS = {
    "youtube": ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "t"),
    "dailymotion": ("https://www.dailymotion.com/video/x7tgad0", "start"),
    "odysee": ("https://odysee.com/@veritasium:f/why-no-one-is-sure:9", "t"),
    "bilibili": ("https://www.bilibili.com/video/av170001", "t"),
    "niconico": ("https://www.nicovideo.jp/watch/sm9", "from"),
    "rutube": ("https://rutube.ru/video/0123456789abcdef0123456789abcdef/", "t"),
}


def test_every_site_that_reads_a_start_time_is_checked_whole() -> None:
    assert set(_STARTS) == {s.name for s in SITES if any(field == "start" for _, field in s.query)}


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(sorted(_STARTS)),
    value=st.text(alphabet="0123456789hmsHMS:.,-+x%", min_size=1, max_size=12),
    end=st.sampled_from(["", "&x=1", "#frag"]),
)
def test_a_start_time_is_read_whole_or_dropped(name: str, value: str, end: str) -> None:
    """The player's start is the whole value's seconds, or absent (the player kept): never the
    seconds of a prefix (``t=01:02:03`` once gave ``start=1``)."""
    page, key = _STARTS[name]
    found = TABLE.match(f"{page}?{key}={value}{end}")
    assert found is not None
    query = dict(pair.split("=", 1) for pair in urlsplit(found.iframe_src).query.split("&") if "=" in pair)
    start_key = next(k for k, field in next(s for s in SITES if s.name == name).query if field == "start")
    whole = seconds(value)
    event("kept" if whole else "dropped")
    assert query.get(start_key) == whole


def _stretched(url: str) -> list[str]:
    """The URL with each path segment, and each query value, in turn written 300 times over."""
    parts = urlsplit(url)
    out = []
    segments = parts.path.split("/")
    for i, segment in enumerate(segments):
        if segment:
            path = "/".join([*segments[:i], segment * 300, *segments[i + 1 :]])
            out.append(parts._replace(path=path).geturl())
    pairs = [pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair]
    for i in range(len(pairs)):
        query = "&".join(f"{k}={v * 300 if j == i else v}" for j, (k, v) in enumerate(pairs))
        out.append(parts._replace(query=query).geturl())
    return out


@pytest.mark.parametrize(("title", "url", "expected"), PLAYER_CASES, ids=[c[0][:50] for c in PLAYER_CASES])
def test_ids_are_bounded(title: str, url: str, expected: str) -> None:
    """No field is unbounded: a player URL stays short whatever length the URL's parts have."""
    for stretched in _stretched(url):
        built = TABLE.match(stretched)
        assert built is None or len(built.iframe_src) <= MAX_PLAYER_URL, stretched[:120]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789hmsHMS", max_size=60) | st.text(max_size=60))
def test_seconds_never_raises(value: str) -> None:
    got = seconds(value)
    assert got is None or (got.isdigit() and len(got) <= 8 and got != "0")


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


def test_lookup_is_by_host_not_a_scan() -> None:
    """A URL no row's host claims compiles and runs no row's patterns; a YouTube URL only YouTube's."""
    fresh = tuple(replace(site) for site in SITES)
    table = SiteTable(fresh)
    assert table.match("https://example.com/watch?v=dQw4w9WgXcQ") is None
    assert [s.name for s in fresh if "compiled" in vars(s)] == []
    assert table.match("https://youtu.be/dQw4w9WgXcQ") is not None
    assert [s.name for s in fresh if "compiled" in vars(s)] == ["youtube"]


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/redirect?q=https%3A%2F%2Fevil.example%2F",
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ/../../redirect?q=x",
        "https://player.vimeo.com/api/player.js",
        "https://w.soundcloud.com/player/?url=https%3A%2F%2Fevil.example%2Fx%2Fy",
        "https://player.twitch.tv/?parent=evil.example",
        "https://open.spotify.com/redirect?u=x",
        "https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fevil.example%2Fwatch%2F%3Fv%3D12345",
        "https://www.google.com/url?q=https://evil.example/",
        "https://maps.google.com/maps?q=1,2&z=3&output=embed&redirect=evil.example",
        "https://docs.google.com/document/d/../../../url?q=evil.example",
        "https://player-widget.mixcloud.com/widget/iframe/?feed=https%3A%2F%2Fevil.example%2F",
    ],
)
def test_other_paths_on_player_hosts_are_not_players(url: str) -> None:
    """Never framed as given: no player, or the table's own canonical player URL."""
    built = TABLE.match(url)
    if built is not None:
        assert "redirect" not in built.iframe_src and "evil" not in built.iframe_src
        assert "/../" not in built.iframe_src


# -- property: random URLs on every row's hosts ---------------------------------------------

_SEGMENTS = sorted({part for _, url, _ in CASES for part in urlsplit(url).path.split("/") if part})
_HOSTILE = [
    "..",
    ".",
    "%2e%2e",
    ".%2E",
    "%2F",
    "@evil.example",
    "evil.example",
    "javascript:x",
    "a?b",
    "#",
    "%00",
]


def _hosts(site: Site) -> list[str]:
    own = [f"{sub}{host}" for host in site.hosts for sub in ("", "www.", "m.", "embed.", "player.")]
    return own + [urlsplit(t).hostname or "" for t in site.iframes]


def _url(host: str, path: list[str], query: list[tuple[str, str]], fragment: str) -> str:
    tail = "?" + urlencode(query) if query else ""
    return f"https://{host}/" + "/".join(path) + tail + (f"#{fragment}" if fragment else "")


_PATH = st.lists(
    st.sampled_from(_SEGMENTS)
    | st.sampled_from(_HOSTILE)
    | st.from_regex(r"[\w.%@:$-]{1,24}", fullmatch=True),
    max_size=5,
)
_QUERY = st.lists(
    st.tuples(
        st.sampled_from(
            ["v", "list", "t", "start", "h", "url", "i", "id", "p", "from", "z", "q", "feed", "href"]
        ),
        st.text(max_size=30) | st.sampled_from(_SEGMENTS) | st.sampled_from(_HOSTILE),
    ),
    max_size=3,
)


def _own_paths() -> dict[str, list[list[str]]]:
    """Each site's fixture URL paths, as segment lists: the shapes random URLs start from."""
    own: dict[str, list[list[str]]] = {}
    for _, url, _ in PLAYER_CASES:
        found = TABLE.match(url)
        if found:
            own.setdefault(found.site.name, []).append(urlsplit(url).path.split("/")[1:])
    return own


_OWN = _own_paths()
_TOKEN = (
    st.sampled_from(_HOSTILE)
    | st.sampled_from(_SEGMENTS)
    | st.from_regex(r"[\w.%@:$-]{1,24}", fullmatch=True)
)


@st.composite
def _site_urls(draw: st.DrawFn) -> tuple[Site, str]:
    """A URL on one of a row's hosts whose path is one of its real shapes with a segment
    replaced, inserted or cut, or a path of random segments."""
    site = draw(st.sampled_from(SITES))
    path = list(draw(st.sampled_from(_OWN[site.name])))
    edit = draw(st.sampled_from(["replace", "insert", "cut", "append", "random"]))
    at = draw(st.integers(0, max(len(path) - 1, 0)))
    if edit == "replace" and path:
        path[at] = draw(_TOKEN) + draw(st.sampled_from(["", "", "..", "%2F..", "/.."]))
    elif edit == "insert":
        path.insert(at, draw(_TOKEN))
    elif edit == "cut" and path:
        del path[at]
    elif edit == "append":
        path.append(draw(_TOKEN))
    elif edit == "random":
        path = draw(_PATH)
    host = draw(st.sampled_from(_hosts(site)))
    return site, _url(host, path, draw(_QUERY), draw(st.sampled_from(["", "t=30"])))


def _mutated(base: str, path: list[str], query: list[tuple[str, str]]) -> str:
    joined = base.rstrip("/") + "".join(f"/{part}" for part in path[:1])
    return joined + (("&" if "?" in joined else "?") + urlencode(query) if query else "")


def _check(url: str) -> None:
    built = TABLE.match(url)
    event("no player" if built is None else f"a {built.site.name} player")
    if built is None:
        return
    player_url = built.iframe_src
    assert player_url.startswith(built.site.prefixes), (url, player_url)
    parts = urlsplit(player_url)
    assert parts.hostname in DEFAULT_ALLOWLIST.iframe_hosts and parts.scheme == "https"
    assert not parts.username and not parts.port
    dots = [s for s in parts.path.split("/") if s.lower().replace("%2e", ".") in (".", "..")]
    assert dots == [], (url, player_url)
    assert not re.search(r"[\s\"'<>\\]", player_url)
    assert len(player_url) <= MAX_PLAYER_URL
    again = TABLE.match(player_url)
    assert again is not None and again.iframe_src == player_url, url


@settings(max_examples=400, deadline=None)
@given(_site_urls())
def test_a_player_url_always_starts_with_its_rows_prefix(site_url: tuple[Site, str]) -> None:
    """The kind behind issue 11.5 and the tight-id rule: whatever a URL on a row's hosts holds,
    the player is on an allowlisted host, inside its template's prefix, free of dot segments, and
    a fixed point of the table."""
    _check(site_url[1])


@settings(max_examples=200, deadline=None)
@given(st.builds(_mutated, st.sampled_from([url for _, url, _ in CASES]), _PATH, _QUERY))
def test_fixture_urls_mutated_keep_the_rules(url: str) -> None:
    _check(url)


# -- docs --------------------------------------------------------------------------------------


def site_rows_markdown() -> str:
    """The table of sites docs/embeds.md shows between its ``sites`` markers."""
    lines = ["| Kind | Site | Hosts | Player | Size | `allow` |", "|---|---|---|---|---|---|"]
    for kind, rows in (("video", VIDEO), ("audio", AUDIO), ("tool", TOOLS)):
        for site in rows:
            players = "<br>".join(f"`{t}`" for t in site.iframes)
            hosts = ", ".join(site.hosts)
            size = f"{site.width}x{site.height}"
            lines.append(f"| {kind} | {site.label} | {hosts} | {players} | {size} | {site.allow or '-'} |")
    return "\n".join(lines)


def test_the_docs_list_every_site() -> None:
    text = DOCS.read_text(encoding="utf-8")
    start, end = "<!-- sites:start -->\n", "\n<!-- sites:end -->"
    assert start in text and end in text
    shown = text.split(start, 1)[1].split(end, 1)[0]
    assert shown == site_rows_markdown(), (
        "regenerate: python -c 'import test_sites as t; print(t.site_rows_markdown())'"
    )
