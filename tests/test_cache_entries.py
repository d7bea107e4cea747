"""A cache entry is checked when read: a bad one is a miss, logged, in every backend.

Issue 11.2: ``{"type": "card", "url": "...", "title": 7}`` in any backend made every post
linking that URL raise ``StageError``, and a poisoned video entry set its own ``allow`` and
size on a player iframe. The family: every field with wrong types, huge and out-of-range
values, unknown types and fields, players the site table does not build, and stored bytes
that are not a JSON object, written into memory, SQLite and a real Redis server.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composer import Pipeline, Policy, Submission
from composer.embeds._model import Embed
from composer.embeds.cache import Cache, MemoryCache, RedisCache, SqliteCache
from composer.embeds.render import render
from composer.embeds.resolver import MISS, OEmbedResolver
from composer.embeds.sites import SITES
from composer.stages.embed import Embeds
from test_cache import redis_url  # noqa: F401  (the session's redis-server)

URL = "https://site.example/post/1"
KEY = "composer.embed.v1:" + URL
PLAYER = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
CARD: dict[str, Any] = {"type": "card", "url": URL, "title": "A title", "site_name": "Site"}
VIDEO: dict[str, Any] = {
    "type": "video",
    "url": URL,
    "iframe_src": PLAYER,
    "allow": SITES[0].allow,
    "width": 560,
    "height": 315,
}
PHOTO: dict[str, Any] = {"type": "photo", "url": URL, "image_url": "https://img.example/a.png"}

_NOT_TEXT = [7, 1.5, True, [], {}, ["a"]]
_NOT_URL = [*_NOT_TEXT, "", "javascript:alert(1)", "data:text/html,x", "//no-scheme.example/", "https://"]
_NOT_SIZE = [0, -1, 10**30, True, 1.5, "560", []]


def _bad_entries() -> list[tuple[str, Any]]:
    bad: list[tuple[str, Any]] = []
    for name in ("title", "description", "site_name", "provider", "allow"):
        bad += [(f"{name}={value!r}", {**CARD, name: value}) for value in _NOT_TEXT]
        bad.append((f"{name} huge", {**CARD, name: "x" * 100_000}))
    for name in ("url", "thumbnail_url", "image_url", "iframe_src"):
        bad += [(f"{name}={value!r}", {**CARD, name: value}) for value in _NOT_URL]
        bad.append((f"{name} huge", {**CARD, name: "https://a.example/" + "x" * 10_000}))
    for name in ("width", "height"):
        bad += [(f"{name}={value!r}", {**CARD, name: value}) for value in _NOT_SIZE]
    bad += [
        ("title 7 (the issue's entry)", {"type": "card", "url": URL, "title": 7}),
        ("title over the resolver's limit", {**CARD, "title": "x" * 201}),
        ("unknown type", {**CARD, "type": "script"}),
        ("type in capitals", {**CARD, "type": "CARD"}),
        ("no type", {k: v for k, v in CARD.items() if k != "type"}),
        ("type null with fields", {**CARD, "type": None}),
        ("unknown field", {**CARD, "html": "<script>alert(1)</script>"}),
        ("card without a title", {"type": "card", "url": URL}),
        ("photo without an image", {"type": "photo", "url": URL, "title": "x"}),
        ("video without a src", {"type": "video", "url": URL, "title": "x"}),
        ("video: another path on the host", {**VIDEO, "iframe_src": "https://www.youtube.com/redirect?q=x"}),
        ("video: player with a query", {**VIDEO, "iframe_src": PLAYER + "?autoplay=1"}),
        ("video: camera and microphone", {**VIDEO, "allow": "camera; microphone"}),
        ("video: no allow", {k: v for k, v in VIDEO.items() if k != "allow"}),
        ("video: its own size", {**VIDEO, "width": 4000, "height": 1}),
        ("video: off-table host", {**VIDEO, "iframe_src": "https://player.unknown.example/v/1"}),
    ]
    return bad


BAD = _bad_entries()
RAW = [
    ("not JSON", "{'type': 'card'"),
    ("a JSON list", "[1, 2]"),
    ("a JSON string", '"card"'),
    ("JSON null", "null"),
    ("nested past the recursion limit", "[" * 100_000 + "]" * 100_000),
    ("not UTF-8", b"\xff\xfe{\x00"),
]


@pytest.fixture(params=["memory", "sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def cache(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cache]:
    if request.param == "memory":
        yield MemoryCache()
    elif request.param == "sqlite":
        with SqliteCache(tmp_path / "c.sqlite3") as made:
            yield made
    else:
        url = request.getfixturevalue("redis_url")
        with RedisCache(url, prefix=f"entries:{time.monotonic_ns()}:") as made:
            yield made


def write_raw(cache: Cache, text: str | bytes) -> None:
    """Store bytes the cache's own ``set`` would never write."""
    if isinstance(cache, MemoryCache):
        cache._entries[KEY] = (
            time.monotonic() + 60,
            text if isinstance(text, str) else text.decode("latin-1"),
        )
    elif isinstance(cache, SqliteCache):
        with sqlite3.connect(cache.path) as raw:
            raw.execute(
                "INSERT OR REPLACE INTO composer_cache VALUES (?, ?, ?)", (KEY, text, time.time() + 60)
            )
    else:
        assert isinstance(cache, RedisCache)
        cache.client.set(cache.prefix + KEY, text, px=60_000)


def check_miss(cache: Cache, caplog: pytest.LogCaptureFixture) -> None:
    resolver = OEmbedResolver(cache=cache)
    with caplog.at_level(logging.WARNING, logger="composer.embeds"):
        assert resolver.cached(URL) is MISS
    assert any(r.name == "composer.embeds" and r.levelno == logging.WARNING for r in caplog.records)
    pipe = Pipeline(policy=Policy(embed_mode="cache_only")).replace("embed", Embeds(resolver))
    result = pipe.run(Submission(URL, "markdown"))  # not a StageError: the plain link, and pending
    assert result.ok and result.pending == (URL,)
    assert "<iframe" not in result.html and "<aside" not in result.html


@pytest.mark.parametrize(("title", "entry"), BAD, ids=[title for title, _ in BAD])
def test_a_bad_entry_is_a_logged_miss(
    cache: Cache, caplog: pytest.LogCaptureFixture, title: str, entry: dict[str, Any]
) -> None:
    cache.set(KEY, entry, ttl=60)
    check_miss(cache, caplog)


@pytest.mark.parametrize(("title", "raw"), RAW, ids=[title for title, _ in RAW])
def test_stored_bytes_that_are_no_entry_are_a_logged_miss(
    cache: Cache, caplog: pytest.LogCaptureFixture, title: str, raw: str | bytes
) -> None:
    write_raw(cache, raw)
    assert cache.get(KEY) is None
    check_miss(cache, caplog)


@pytest.mark.parametrize("entry", [CARD, VIDEO, PHOTO], ids=["card", "video", "photo"])
def test_good_entries_are_used(cache: Cache, entry: dict[str, Any]) -> None:
    cache.set(KEY, entry, ttl=60)
    resolver = OEmbedResolver(cache=cache)
    assert resolver.cached(URL) == Embed(**entry)
    html = (
        Pipeline(policy=Policy(embed_mode="cache_only"))
        .replace("embed", Embeds(resolver))
        .run(Submission(URL, "markdown"))
        .html
    )
    assert ("<iframe" in html) == (entry is VIDEO)


def test_a_remembered_failure_is_still_a_failure(cache: Cache) -> None:
    cache.set(KEY, {"type": None}, ttl=60)
    assert OEmbedResolver(cache=cache).cached(URL) is None


def test_what_the_resolver_stores_passes_its_own_check() -> None:
    resolver = OEmbedResolver()
    answers: list[dict[str, Any]] = [
        {
            "type": "video",
            "html": f'<iframe src="{PLAYER}?feature=oembed" width="9000"></iframe>',
            "title": "t",
        },
        {"type": "photo", "url": "https://img.example/a.png", "width": 99999, "title": "x" * 5000},
        {
            "type": "rich",
            "html": "<script>",
            "title": "t",
            "description": "d" * 5000,
            "provider_name": "p" * 500,
        },
        {"type": "link", "title": " spaced \n title ", "thumbnail_url": "https://t.example/t.png"},
    ]
    for answer in answers:
        embed = resolver.from_oembed(answer, URL, "Provider")
        assert embed is not None
        assert resolver.stored_problem(embed.to_dict()) is None, answer


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_FIELD_VALUES = st.one_of(
    _JSON,
    st.sampled_from([URL, PLAYER, "https://www.youtube.com/redirect?q=x", SITES[0].allow, 560, 315, 4097]),
)
_ENTRIES = st.fixed_dictionaries(
    {"type": st.sampled_from(["video", "photo", "card", None, "rich", 1])},
    optional={
        name: _FIELD_VALUES
        for name in ("url", "title", "iframe_src", "allow", "width", "height", "image_url", "x")
    },
)


@settings(max_examples=300, deadline=None)
@given(entry=_ENTRIES)
def test_any_stored_object_is_a_miss_a_failure_or_a_safe_embed(entry: dict[str, Any]) -> None:
    """Whatever JSON object a cache holds: no exception, and an embed only if it keeps every rule."""
    cache = MemoryCache()
    cache.set(KEY, entry, ttl=60)
    resolver = OEmbedResolver(cache=cache)
    logging.getLogger("composer.embeds").disabled = True
    try:
        found = resolver.cached(URL)
    finally:
        logging.getLogger("composer.embeds").disabled = False
    if isinstance(found, Embed):
        assert resolver.stored_problem(found.to_dict()) is None
        built = render(found, Policy())
        if found.type == "video":
            assert built is not None and built.find(".//iframe").get("src") == PLAYER
    else:
        assert found is MISS or (found is None and entry == {"type": None})
