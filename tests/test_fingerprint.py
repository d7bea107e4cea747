"""``Pipeline.fingerprint`` (issue 17): changes exactly when a post could render differently.

It names composer's and its libraries' versions, the policy (every field but the two that only
choose when the network is asked), each stage's class and settings, and the data tables the
stages read (site table, provider registry). The same in every process, whatever
``PYTHONHASHSEED``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composer import (
    Allowlist,
    CamoProxy,
    Card,
    ConfigError,
    Document,
    Pipeline,
    Policy,
    _fingerprint,
    default_stages,
)
from composer.embeds.cache import MemoryCache, SqliteCache
from composer.embeds.resolver import OEmbedResolver
from composer.embeds.sites import SITES, SiteTable
from composer.stages import Embeds, Sanitize

BASE = Pipeline().fingerprint
ROOT = Path(__file__).resolve().parent.parent
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)

#: for each Policy field, another valid value; the fields left out change nothing the post becomes
OTHER: dict[str, Any] = {
    "max_input_bytes": 1024 * 1024,
    "max_markup_bytes": 1024,
    "max_length": 500,
    "max_depth": 50,
    "own_hosts": {"forum.example"},
    "link_rel": "nofollow",
    "own_links_follow": False,
    "max_links": 3,
    "max_mentions": 1,
    "max_emoji": 3,
    "emoji_over_limit": "trim",
    "convert_shortcodes": False,
    "custom_emoji_class": "smiley",
    "count_emoji_in_code": True,
    "max_images": 2,
    "allow_remote_images": False,
    "image_proxy": CamoProxy("https://camo.example", "k" * 32),
    "max_embeds": 1,
    "sanitizer": "bleach",
    "allowlist": Allowlist(tags=frozenset({"p", "a"})),
    "messages": {"emoji_limit": "Nur {limit} Emoji."},
    "role": "new",
}
RUNTIME = {"embed_mode": "cache_only", "embed_deadline": 9.0}


def fingerprint(**changes: Any) -> str:
    return Pipeline(policy=Policy(**changes)).fingerprint


def test_short_hex() -> None:
    assert len(BASE) == 16
    int(BASE, 16)


def test_every_policy_field_is_covered_here() -> None:
    names = {f.name for f in dataclasses.fields(Policy)}
    assert names == OTHER.keys() | RUNTIME.keys()


@pytest.mark.parametrize("name", sorted(OTHER))
def test_each_policy_field_changes_it(name: str) -> None:
    assert fingerprint(**{name: OTHER[name]}) != BASE


@pytest.mark.parametrize("name", sorted(RUNTIME))
def test_when_the_network_is_asked_changes_nothing(name: str) -> None:
    assert fingerprint(**{name: RUNTIME[name]}) == BASE


@settings(max_examples=40, deadline=None)
@given(
    a=st.fixed_dictionaries({}, optional={k: st.just(v) for k, v in OTHER.items()}),
    b=st.fixed_dictionaries({}, optional={k: st.just(v) for k, v in OTHER.items()}),
    emoji=st.tuples(st.integers(0, 200), st.integers(0, 200)),
)
def test_fingerprints_equal_exactly_when_policies_do(
    a: dict[str, Any], b: dict[str, Any], emoji: tuple[int, int]
) -> None:
    """Property: two policies built from any mix of changes share a fingerprint iff they are
    the same changes (a set field in another order, a mapping built in another order: same)."""
    one, two = {**a, "max_emoji": emoji[0]}, {**b, "max_emoji": emoji[1]}
    same = one.keys() == two.keys() and emoji[0] == emoji[1]
    assert (fingerprint(**one) == fingerprint(**two)) == same


def test_set_and_mapping_order_do_not_matter() -> None:
    hosts = ["a.example", "b.example", "c.example", "d.example"]
    assert fingerprint(own_hosts=hosts) == fingerprint(own_hosts=list(reversed(hosts)))
    two = {"emoji_limit": "Only {limit}.", "emoji_trimmed": "{removed} gone, limit {limit}."}
    assert fingerprint(messages=two) == fingerprint(messages=dict(reversed(list(two.items()))))


def test_the_same_pipeline_built_again_or_derived_is_the_same() -> None:
    pipe = Pipeline()
    assert Pipeline().fingerprint == pipe.fingerprint
    assert pipe.with_policy(Policy()).fingerprint == pipe.fingerprint
    assert pipe.replace("sanitize", Sanitize()).fingerprint == pipe.fingerprint
    assert pipe.fingerprint is pipe.fingerprint  # computed once


def test_site_table_changes_it() -> None:
    fewer = OEmbedResolver(sites=SiteTable(SITES[:-1]))
    assert Pipeline().replace("embed", Embeds(resolver=fewer)).fingerprint != BASE
    twitch = OEmbedResolver(sites=SiteTable(settings={"parent": "forum.example"}))
    assert Pipeline().replace("embed", Embeds(resolver=twitch)).fingerprint != BASE


def test_resolver_settings_change_it_but_its_cache_does_not(tmp_path: Any) -> None:
    titles = OEmbedResolver(max_title=20)
    assert Pipeline().replace("embed", Embeds(resolver=titles)).fingerprint != BASE
    for cache in (MemoryCache(), SqliteCache(tmp_path / "embeds.sqlite3")):
        pipe = Pipeline().replace("embed", Embeds(resolver=OEmbedResolver(cache=cache)))
        assert pipe.fingerprint == BASE


def test_stage_settings_order_and_presence_change_it() -> None:
    pipe = Pipeline()
    assert pipe.replace("sanitize", Sanitize(backend="bleach")).fingerprint != BASE
    assert pipe.remove("emoji").fingerprint != BASE
    stages = default_stages()
    stages[3], stages[4] = stages[4], stages[3]
    assert Pipeline(stages).fingerprint != BASE


def test_libraries_and_data_are_named() -> None:
    pipe = Pipeline()
    doc = _fingerprint.document(pipe._stages, pipe.policy)
    assert {"composer", "emoji", "nh3", "lxml", "libxml2"} <= doc["libraries"].keys()
    embed = next(s for s in doc["stages"] if s["name"] == "embed")
    settings = embed["settings"]["map"]["resolver_settings"]["map"]
    assert len(settings["sites"]) == len(SITES)
    assert isinstance(settings["providers"], str) and len(settings["providers"]) == 64


def test_a_key_is_hashed_never_shown() -> None:
    pipe = Pipeline(policy=Policy(image_proxy=CamoProxy("https://camo.example", "secret-key-0123456789")))
    assert "secret-key" not in json.dumps(_fingerprint.document(pipe._stages, pipe.policy))
    other = CamoProxy("https://camo.example", "another-key-0123456789")
    assert Pipeline(policy=Policy(image_proxy=other)).fingerprint != pipe.fingerprint


@dataclass(frozen=True)
class Shout:
    """A stage writer's dataclass stage: its fields are its settings."""

    marks: int = 1
    name: str = "shout"

    def __call__(self, doc: Document) -> None:
        doc.set_html(doc.html + "!" * self.marks)


class Plain:
    """Not a dataclass: its public attributes are its settings."""

    name = "plain"

    def __init__(self, suffix: str) -> None:
        self.suffix = suffix
        self._cache: dict[str, str] = {}

    def __call__(self, doc: Document) -> None:
        doc.set_html(doc.html + self.suffix)


class Declared(Plain):
    """Holds a callable no canonical form fits, and says what matters instead."""

    name = "declared"

    def __init__(self, suffix: str) -> None:
        super().__init__(suffix)
        self.hook = lambda text: text

    def settings(self) -> dict[str, object]:
        return {"suffix": self.suffix, "hook": 1}


class Opaque(Plain):
    name = "opaque"

    def __init__(self) -> None:
        super().__init__("")
        self.hook = lambda text: text


def with_stage(stage: Any) -> Pipeline:
    return Pipeline().insert_before("sanitize", stage)


def test_undeclared_stages_are_described_by_their_settings() -> None:
    assert with_stage(Shout()).fingerprint == with_stage(Shout()).fingerprint
    assert with_stage(Shout(2)).fingerprint != with_stage(Shout()).fingerprint
    assert with_stage(Plain("a")).fingerprint != with_stage(Plain("b")).fingerprint
    assert with_stage(Declared("a")).fingerprint != with_stage(Declared("b")).fingerprint


def test_a_stage_with_no_stable_description_is_refused_clearly() -> None:
    pipe = with_stage(Opaque())  # building it is fine: only the fingerprint needs settings
    with pytest.raises(ConfigError, match=r"stage 'opaque'.*hook.*settings\(\)"):
        pipe.fingerprint  # noqa: B018


def test_the_api_doc_settings_example_works_as_described() -> None:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    (block,) = [b for b in PYTHON_BLOCK.findall(text) if "class Glossary" in b]
    scope: dict[str, Any] = {"__name__": "docs_api_glossary"}
    exec(compile(block, "docs/api.md", "exec", dont_inherit=True), scope)
    glossary = scope["Glossary"]
    one = with_stage(glossary({"cat": "Katze"}, client=object())).fingerprint
    assert with_stage(glossary({"cat": "Katze"}, client=object())).fingerprint == one
    assert with_stage(glossary({"cat": "Mieze"}, client=object())).fingerprint != one


def test_stable_across_processes_and_hash_seeds() -> None:
    code = (
        "from composer import Pipeline, Policy;"
        "print(Pipeline(policy=Policy(own_hosts=['a.example','b.example','c.example'],"
        "messages={'emoji_limit':'x {limit}','emoji_trimmed':'{removed} {limit}'})).fingerprint)"
    )
    seen = set()
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        seen.add(out.stdout.strip())
    here = fingerprint(
        own_hosts=["c.example", "b.example", "a.example"],
        messages={"emoji_trimmed": "{removed} {limit}", "emoji_limit": "x {limit}"},
    )
    assert seen == {here}


def test_own_topic_cards_change_it_but_not_the_callback_behind_them() -> None:
    """Turning quote cards on makes stored posts stale; which callback answers does not (its
    answers are the forum's data, like the embed cache's)."""
    policy = Policy(own_hosts=frozenset({"forum.example"}))
    plain = Pipeline(policy=policy)
    one = plain.replace("embed", Embeds(own_cards=lambda urls: {}))
    card = Card("A topic", "Its first post", "ann")
    other = plain.replace("embed", Embeds(own_cards=lambda urls: dict.fromkeys(urls, card)))
    assert one.fingerprint != plain.fingerprint
    assert one.fingerprint == other.fingerprint


@dataclass(frozen=True)
class _HostProxy:
    """An image proxy whose answer depends on its object: passed as a bound method."""

    host: str

    def rewrite(self, url: str) -> str:
        return f"https://{self.host}/?u={url}"


class _Opaque:
    def rewrite(self, url: str) -> str:
        return url


def test_a_bound_method_is_described_with_its_object() -> None:
    """``image_proxy=proxy.rewrite`` rewrites with the proxy's state: another host is another
    output, so another fingerprint; an object with no stable description is refused."""
    one = fingerprint(image_proxy=_HostProxy("a.example").rewrite)
    assert one == fingerprint(image_proxy=_HostProxy("a.example").rewrite)
    assert one != fingerprint(image_proxy=_HostProxy("b.example").rewrite)
    with pytest.raises(ConfigError, match="image_proxy"):
        fingerprint(image_proxy=_Opaque().rewrite)


def test_the_unicode_database_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Python whose Unicode database is newer classifies characters (word, URL and emoji
    boundaries) anew: stored posts are stale."""
    import unicodedata

    assert fingerprint() == BASE
    monkeypatch.setattr(unicodedata, "unidata_version", "99.0.0")
    assert _fingerprint.libraries()["unicode"] == "99.0.0"
    assert fingerprint() != BASE


def test_bleach_releases_count_only_where_bleach_sanitizes(monkeypatch: pytest.MonkeyPatch) -> None:
    """With bleach as the sanitizer (the policy's or the stage's choice), a bleach release can
    change every post; with nh3 it changes none, and the fingerprint does not move."""
    nh3, bleach = fingerprint(), fingerprint(sanitizer="bleach")
    by_stage = Pipeline().replace("sanitize", Sanitize(backend="bleach")).fingerprint
    real = _fingerprint._version
    monkeypatch.setattr(_fingerprint, "_version", lambda name: "99.0" if name == "bleach" else real(name))
    assert fingerprint() == nh3
    assert fingerprint(sanitizer="bleach") != bleach
    assert Pipeline().replace("sanitize", Sanitize(backend="bleach")).fingerprint != by_stage
