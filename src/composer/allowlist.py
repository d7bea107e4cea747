"""What the sanitizer lets through: a table, not code.

The default suits forum posts: text structure, emphasis, code, lists, tables, links and
images by URL. No scripts, event handlers, styles, forms, or ``data:`` URLs. Iframes are
admitted only when the embed stage built them, and only for :attr:`Allowlist.iframe_hosts`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

_LANGUAGES = (
    "bash c clojure cpp csharp css dart diff dockerfile elixir erlang go graphql haskell html "
    "http ini java javascript js json jsx julia kotlin latex lua makefile markdown matlab "
    "nginx nim objectivec ocaml perl php plaintext powershell python py r ruby rust scala "
    "scss shell sql swift text toml ts tsx typescript vb xml yaml zig"
).split()


def _frozen(table: Mapping[str, set[str] | frozenset[str]]) -> Mapping[str, frozenset[str]]:
    return {key: frozenset(values) for key, values in table.items()}


@dataclass(frozen=True, eq=False)
class Allowlist:
    """Tags, attributes, URL schemes and classes the sanitizer keeps.

    ``clean_content_tags`` are removed together with their text (script, style, ...); any
    other tag not in ``tags`` is unwrapped and its text kept.
    """

    tags: frozenset[str] = frozenset(
        (
            "a abbr b blockquote br code del div em h2 h3 h4 hr i img ins kbd li ol p pre q s samp "
            "strong sub sup table tbody td tfoot th thead tr u ul aside figure figcaption"
        ).split()
    )
    attributes: Mapping[str, frozenset[str]] = field(
        default_factory=lambda: _frozen(
            {
                "a": {"href", "title"},
                "img": {"src", "alt", "title", "width", "height"},
                "td": {"colspan", "rowspan"},
                "th": {"colspan", "rowspan", "scope"},
                "ol": {"start", "reversed", "type"},
                "abbr": {"title"},
            }
        )
    )
    classes: Mapping[str, frozenset[str]] = field(
        default_factory=lambda: _frozen(
            {
                "code": {f"language-{name}" for name in _LANGUAGES},
                "aside": {"composer-card"},
                "figure": {"composer-embed", "composer-photo"},
                "figcaption": {"composer-caption"},
                "p": {"composer-card-site", "composer-card-title", "composer-card-description"},
                "img": {"composer-card-thumbnail", "emoji"},
            }
        )
    )
    url_schemes: frozenset[str] = frozenset({"http", "https", "mailto"})
    clean_content_tags: frozenset[str] = frozenset(
        ("script style template iframe noembed noframes noscript xmp plaintext title textarea select").split()
    )
    #: Hosts whose player iframes the embed stage may build (exact host names, https only).
    iframe_hosts: frozenset[str] = frozenset(
        {
            "www.youtube-nocookie.com",
            "www.youtube.com",
            "player.vimeo.com",
            "www.dailymotion.com",
            "geo.dailymotion.com",
            "open.spotify.com",
            "w.soundcloud.com",
            "www.tiktok.com",
            "player.twitch.tv",
            "clips.twitch.tv",
            "streamable.com",
            "www.loom.com",
        }
    )

    def allowed_attributes(self, tag: str) -> frozenset[str]:
        """Attributes kept on ``tag`` (``class`` is governed by :attr:`classes`)."""
        return self.attributes.get(tag, frozenset()) | self.attributes.get("*", frozenset())


DEFAULT_ALLOWLIST = Allowlist()
