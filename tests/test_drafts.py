"""DraftStore: one suite for every backend (memory, a real SQLite file, a real redis-server), with an
injected clock for expiry. Threads and processes: test_drafts_concurrency.py; Pipeline.restore:
test_restore.py."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer import ConfigError, Draft, DraftStore, Format, InputError, Policy
from composer.drafts import MAX_KEY_LENGTH
from composer.drafts._sqlite import PURGE_BATCH
from redis_server import serve_redis

START = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


class Clock:
    """A clock the test moves by hand: ``now`` for the store, ``advance`` instead of sleeping."""

    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at += delta


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_redis(tmp_path_factory, "DraftStore.redis is tested against a real server")


BACKENDS = ["memory", "sqlite", pytest.param("redis", marks=pytest.mark.redis)]

MakeStore = Callable[..., DraftStore]


@pytest.fixture
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeStore]:
    """A factory of stores of one backend that share one place (one file, one Redis prefix)."""
    backend: str = request.param
    made: list[DraftStore] = []
    shared_memory = DraftStore.memory()
    url = request.getfixturevalue("redis_url") if backend == "redis" else ""
    prefix = f"test:{request.node.name}:{time.monotonic_ns()}:"

    def make(**settings: Any) -> DraftStore:
        if backend == "memory":
            store = DraftStore(shared_memory.backend, **settings)
        elif backend == "sqlite":
            store = DraftStore.sqlite(tmp_path / "drafts.sqlite3", **settings)
        else:
            store = DraftStore.redis(url, prefix=prefix, **settings)
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()


# -- the contract every backend keeps ------------------------------------------------------


@pytest.mark.parametrize("make_store", BACKENDS, indirect=True)
def test_round_trip(make_store: MakeStore) -> None:
    clock = Clock()
    with make_store(now=clock) as drafts:
        assert drafts.load("user:42:topic:7") is None
        saved = drafts.save("user:42:topic:7", "Café ☕ **so far**\n", "markdown")
        loaded = drafts.load("user:42:topic:7")
        assert loaded == saved == Draft("Café ☕ **so far**\n", "markdown", START)
        assert loaded is not None and loaded.saved_at.tzinfo is timezone.utc
        assert drafts.load("user:42:topic:8") is None


@pytest.mark.parametrize("make_store", BACKENDS, indirect=True)
def test_last_write_wins_and_clear(make_store: MakeStore) -> None:
    clock = Clock()
    drafts = make_store(now=clock)
    drafts.save("k", "<p>first</p>")
    clock.advance(timedelta(minutes=1))
    drafts.save("k", "second", "text")
    assert drafts.load("k") == Draft("second", "text", START + timedelta(minutes=1))
    drafts.clear("k")
    assert drafts.load("k") is None
    drafts.clear("k")  # clearing nothing is fine


@pytest.mark.parametrize("make_store", BACKENDS, indirect=True)
def test_bytes_are_utf8(make_store: MakeStore) -> None:
    drafts = make_store()
    assert drafts.save("k", "naïve".encode()).body == "naïve"
    with pytest.raises(InputError, match="not valid UTF-8"):
        drafts.save("k", b"\xff")
    assert drafts.load("k") is not None and drafts.load("k").body == "naïve"  # type: ignore[union-attr]


@pytest.mark.parametrize("make_store", BACKENDS, indirect=True)
def test_restart_reads_what_was_saved(make_store: MakeStore) -> None:
    """A new store object on the same place (a restarted server) finds the drafts."""
    first = make_store()
    first.save("guest:abc", "<p>kept</p>")
    first.close()
    second = make_store()
    loaded = second.load("guest:abc")
    assert loaded is not None and loaded.body == "<p>kept</p>"
    first.save("guest:abc", "<p>after close the store reopens</p>")  # close() is not the end
    assert second.load("guest:abc") is not None


VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


@pytest.mark.parametrize("make_store", BACKENDS, indirect=True)
def test_display_as_link_choices_are_kept_with_the_draft(make_store: MakeStore) -> None:
    """The person's "Display as a link instead" choices come back with the draft, and a later
    save without them replaces them (a draft is replaced whole)."""
    clock = Clock()
    drafts = make_store(now=clock)
    saved = drafts.save("k", f"<p>{VIDEO}</p>", "html", display_as_link=[VIDEO, "https://b.example/"])
    assert saved.display_as_link == frozenset({VIDEO, "https://b.example/"})
    assert drafts.load("k") == saved
    assert make_store().load("k") == saved, "a restarted store finds the choices too"
    drafts.save("k", f"<p>{VIDEO}</p>")
    loaded = drafts.load("k")
    assert loaded is not None and loaded.display_as_link == frozenset()


def test_display_as_link_choices_are_checked_and_named() -> None:
    drafts = DraftStore.memory()
    bad: Any
    for bad, message in [
        (VIDEO, r"Draft\.display_as_link must be a set of URLs, got str"),
        ([VIDEO, 5], r"Draft\.display_as_link must hold only strings, got int"),
        ({"url": VIDEO}, r"Draft\.display_as_link must be a set of URLs"),
    ]:
        with pytest.raises(InputError, match=message):
            drafts.save("k", "x", display_as_link=bad)
        with pytest.raises(InputError, match=message):
            Draft("x", display_as_link=bad)
    assert drafts.load("k") is None, "nothing stored"


def test_display_as_link_choices_count_toward_the_size_limit() -> None:
    drafts = DraftStore.memory(max_bytes=30)
    drafts.save("k", "x" * 10, display_as_link=["https://a.example/"])  # 10 + 18 bytes
    too_big = r"draft is 36 bytes \(body 10, display_as_link 26\); the limit is 30"
    with pytest.raises(InputError, match=too_big):
        drafts.save("k", "x" * 10, display_as_link=["https://a.example/", "https://"])
    loaded = drafts.load("k")
    assert loaded is not None and loaded.display_as_link == frozenset({"https://a.example/"})


def test_sqlite_adds_the_choices_column_to_an_older_file(tmp_path: Path) -> None:
    """A drafts file written before the choices were kept: its drafts load (with no choices),
    and new saves keep choices; a process running the older code still reads and writes it."""
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute(
            "CREATE TABLE composer_drafts (key TEXT PRIMARY KEY, body TEXT NOT NULL, format TEXT NOT NULL, "
            "saved_at REAL NOT NULL, expires REAL NOT NULL) WITHOUT ROWID"
        )
        row = ("old", "kept", "text", START.timestamp(), 4e9)
        raw.execute("INSERT INTO composer_drafts VALUES (?, ?, ?, ?, ?)", row)
    raw.close()
    with DraftStore.sqlite(path, now=lambda: START) as drafts, DraftStore.sqlite(path) as again:
        assert drafts.load("old") == Draft("kept", "text", START)
        drafts.save("new", VIDEO, "text", display_as_link=[VIDEO])
        assert again.load("new") == Draft(VIDEO, "text", START, frozenset({VIDEO}))
    with sqlite3.connect(path) as raw:  # the older code's statements still work
        raw.execute(
            "INSERT OR REPLACE INTO composer_drafts (key, body, format, saved_at, expires) "
            "VALUES (?, ?, ?, ?, ?)",
            ("older", "x", "text", START.timestamp(), 4e9),
        )
    raw.close()
    with DraftStore.sqlite(path, now=lambda: START) as drafts:
        assert drafts.load("older") == Draft("x", "text", START)


# -- limits ----------------------------------------------------------------------------------


@pytest.mark.parametrize("make_store", BACKENDS, indirect=True)
def test_size_limit_refuses_and_keeps_the_previous_draft(make_store: MakeStore) -> None:
    drafts = make_store(policy=Policy(max_input_bytes=10))
    drafts.save("k", "é" * 5)  # 10 bytes: at the limit
    with pytest.raises(InputError, match=r"11 bytes; the limit is 10 \(nothing was stored\)"):
        drafts.save("k", "é" * 5 + "x")
    with pytest.raises(InputError, match="12 bytes"):
        drafts.save("k", "é" * 6)  # 6 characters, 12 bytes: bytes are what counts
    loaded = drafts.load("k")
    assert loaded is not None and loaded.body == "é" * 5  # nothing stored, nothing truncated


def test_size_limit_defaults_and_max_bytes() -> None:
    assert DraftStore.memory().max_bytes == Policy().max_input_bytes
    assert DraftStore.memory(policy=Policy(max_input_bytes=1000), max_bytes=100).max_bytes == 100
    store = DraftStore.memory(max_bytes=4)
    with pytest.raises(InputError, match="5 bytes; the limit is 4"):
        store.save("k", "12345")
    with pytest.raises(ConfigError, match="over the policy's max_input_bytes"):
        DraftStore.memory(policy=Policy(max_input_bytes=10), max_bytes=11)
    for bad in (0, -1, 1.5, "10", True):
        with pytest.raises(ConfigError, match="max_bytes"):
            DraftStore.memory(max_bytes=bad)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="policy must be a Policy"):
        DraftStore.memory(policy={"max_input_bytes": 10})  # type: ignore[arg-type]


BAD_KEYS: list[tuple[object, str]] = [
    ("", "must not be empty"),
    (" ", "must not be blank"),
    ("   ", "must not be blank"),
    ("\t \n", "must not be blank"),
    ("\u3000", "must not be blank"),
    ("\xa0\u2003", "must not be blank"),
    ("x" * (MAX_KEY_LENGTH + 1), f"{MAX_KEY_LENGTH + 1} characters; the limit is {MAX_KEY_LENGTH}"),
    (42, "draft key must be a str"),
    (None, "draft key must be a str"),
    (b"user:1", "draft key must be a str"),
    ("user:1\n", "control or invisible"),
    ("user:1\x00", "control or invisible"),
    ("user:\u200b1", "control or invisible"),
]


_SPACE = st.characters(categories=("Zs", "Zl", "Zp")) | st.sampled_from("\t\n\r\x0b\x0c\x85")
_BLANK = st.text(_SPACE, min_size=1)


@settings(max_examples=100, deadline=None)
@given(key=_BLANK)
def test_a_key_of_white_space_alone_is_refused(key: str) -> None:
    """Whatever white space a blank key holds, it is refused before any backend sees it."""
    drafts = DraftStore.memory()
    calls: list[Callable[[], object]] = [
        lambda: drafts.save(key, "x"),
        lambda: drafts.load(key),
        lambda: drafts.clear(key),
    ]
    for call in calls:
        with pytest.raises(InputError, match="draft key must not be blank"):
            call()


@pytest.mark.parametrize("make_store", BACKENDS, indirect=True)
@pytest.mark.parametrize(("key", "message"), BAD_KEYS, ids=lambda x: repr(x)[:20])
def test_bad_keys_are_named(make_store: MakeStore, key: object, message: str) -> None:
    drafts = make_store()
    bad: Any = key
    calls: list[Callable[[], object]] = [
        lambda: drafts.save(bad, "x"),
        lambda: drafts.load(bad),
        lambda: drafts.clear(bad),
    ]
    for call in calls:
        with pytest.raises(InputError, match=re.escape(message)):
            call()
    drafts.save("x" * MAX_KEY_LENGTH, "longest key")
    assert drafts.load("x" * MAX_KEY_LENGTH) is not None


def test_bad_bodies_and_formats() -> None:
    drafts = DraftStore.memory()
    with pytest.raises(InputError, match="draft format must be 'html' or 'markdown' or 'text'"):
        drafts.save("k", "x", "md")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="draft body must be str or UTF-8 bytes"):
        drafts.save("k", None)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="lone surrogate at character 1"):
        drafts.save("k", "a\ud800b")
    assert drafts.load("k") is None


def test_draft_checks_its_fields() -> None:
    with pytest.raises(InputError, match=r"Draft\.body"):
        Draft(b"x")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"Draft\.format"):
        Draft("x", "rtf")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="aware datetime"):
        Draft("x", "html", datetime(2026, 1, 1))
    berlin = timezone(timedelta(hours=1))
    assert Draft("x", "html", datetime(2026, 1, 1, 1, tzinfo=berlin)).saved_at == datetime(
        2026, 1, 1, tzinfo=timezone.utc
    )
    assert Draft("x").saved_at.tzinfo is timezone.utc


def test_settings_are_checked() -> None:
    for ttl in (0, -5, timedelta(0), float("nan"), "7d", None):
        with pytest.raises(ConfigError, match="ttl"):
            DraftStore.memory(ttl=ttl)  # type: ignore[arg-type]
    assert DraftStore.memory().ttl == timedelta(days=7)
    assert DraftStore.memory(ttl=90).ttl == timedelta(seconds=90)
    with pytest.raises(ConfigError, match="aware datetime"):
        DraftStore.memory(now=datetime.now)  # naive
    with pytest.raises(ConfigError, match="callable"):
        DraftStore.memory(now=START)  # type: ignore[arg-type]
    answers = iter([START, datetime(2026, 1, 1)])  # aware when built, naive later
    drifting = DraftStore.memory(now=lambda: next(answers))
    with pytest.raises(ConfigError, match="aware datetime"):
        drifting.save("k", "x")


# -- expiry, with a clock the test moves -----------------------------------------------------


@pytest.mark.parametrize("make_store", BACKENDS, indirect=True)
def test_expiry_follows_the_clock(make_store: MakeStore) -> None:
    clock = Clock()
    drafts = make_store(now=clock, ttl=timedelta(hours=1))
    drafts.save("k", "x")
    clock.advance(timedelta(minutes=59, seconds=59))
    assert drafts.load("k") is not None
    drafts.save("k", "saved again: the hour starts over")
    clock.advance(timedelta(minutes=59))
    assert drafts.load("k") is not None
    clock.advance(timedelta(minutes=1))
    assert drafts.load("k") is None


def test_sqlite_purges_expired_drafts_on_write(tmp_path: Path) -> None:
    clock = Clock()
    drafts = DraftStore.sqlite(tmp_path / "d.sqlite3", now=clock, ttl=timedelta(days=7))
    for n in range(100):
        drafts.save(f"old:{n}", "x" * 100)
    clock.advance(timedelta(days=7))
    backend: Any = drafts.backend
    assert backend.count() == 100  # expired, not yet purged: never loaded though
    assert drafts.load("old:0") is None
    drafts.save("new:0", "fresh")  # one write purges a bounded batch
    assert backend.count() == 100 - PURGE_BATCH + 1
    for n in range(1, 100 // PURGE_BATCH + 1):
        drafts.save(f"new:{n}", "fresh")
    assert backend.count() == 100 // PURGE_BATCH + 1  # the new ones only
    drafts.close()


def test_memory_purges_expired_drafts_on_write() -> None:
    clock = Clock()
    drafts = DraftStore.memory(now=clock, ttl=60)
    drafts.save("a", "x")
    drafts.save("b", "x")
    clock.advance(timedelta(seconds=30))
    drafts.save("a", "again")  # a moves to the back: b is now the oldest
    clock.advance(timedelta(seconds=30))
    drafts.save("c", "x")
    assert len(drafts.backend) == 2  # type: ignore[arg-type]
    assert drafts.load("b") is None and drafts.load("a") is not None


@pytest.mark.redis
def test_redis_expires_keys_itself(redis_url: str) -> None:
    import redis

    with DraftStore.redis(redis_url, prefix="ttl-test:", ttl=timedelta(days=7)) as drafts:
        drafts.save("k", "x")
        client = redis.Redis.from_url(redis_url)
        ttl_ms = client.pttl("ttl-test:k")
        client.close()
        assert 7 * 86_400_000 - 60_000 < ttl_ms <= 7 * 86_400_000


@pytest.mark.redis
def test_redis_accepts_a_client_and_ignores_garbage(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    drafts = DraftStore.redis(client, prefix="garbage:")
    for junk in (b"not json", b"[]", b'{"body": 1}', b"\xff"):
        client.set("garbage:k", junk)
        assert drafts.load("k") is None
    drafts.close()
    assert client.ping()  # a client passed in stays the caller's
    client.close()


def test_sqlite_ignores_an_unreadable_row(tmp_path: Path) -> None:
    import sqlite3

    drafts = DraftStore.sqlite(tmp_path / "d.sqlite3")
    drafts.save("k", "x")
    with sqlite3.connect(tmp_path / "d.sqlite3") as raw:
        raw.execute("UPDATE composer_drafts SET format = 'rtf'")
    raw.close()
    assert drafts.load("k") is None
    drafts.save("k", "y")
    assert drafts.load("k") is not None
    drafts.close()


def test_redis_missing_client_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(ConfigError, match=r"pip install 'forum-composer\[redis\]'"):
        DraftStore.redis("redis://127.0.0.1:1/0")


# -- the property: what goes in comes out --------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.text(),
    fmt=st.sampled_from(["html", "markdown", "text"]),
    key=st.text(min_size=1, max_size=40),
    at=st.datetimes(datetime(2000, 1, 1), datetime(2200, 1, 1), timezones=st.just(timezone.utc)),
    links=st.frozensets(st.text(max_size=30), max_size=4),
)
def test_any_text_round_trips(
    tmp_path: Path, body: str, fmt: Format, key: str, at: datetime, links: frozenset[str]
) -> None:
    """Whatever text, format, key, save time and display_as_link choices: the same draft comes
    back, to the microsecond."""
    if not key.isprintable():
        key = key.encode("unicode_escape").decode("ascii") or "k"
    if key.isspace():  # a blank key is refused (test_a_key_of_white_space_alone_is_refused)
        key = "k"
    with DraftStore.sqlite(tmp_path / "prop.sqlite3", now=lambda: at) as drafts:
        drafts.save(key, body, fmt, display_as_link=links)
        loaded = drafts.load(key)
    assert loaded == Draft(body, fmt, at, links)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: DraftStore.sqlite(":memory:"), "needs a file on disk"),
        (lambda tmp: DraftStore.sqlite(tmp / "missing" / "x.db"), "cannot open"),
        (lambda tmp: DraftStore.sqlite(tmp), "cannot open"),
        (lambda tmp: DraftStore.sqlite(5), "must be a file path"),  # type: ignore[arg-type]
        (lambda tmp: DraftStore.memory(ttl=timedelta(days=999_999_999)), "at most 100 years"),
    ],
)
def test_a_store_built_wrong_is_a_config_error(make: Any, message: str, tmp_path: Path) -> None:
    """Found by review: these raised sqlite3 errors, OverflowError or lost drafts later."""
    with pytest.raises(ConfigError, match=message):
        make(tmp_path)
