"""What the sanitizer lets through: a table, not code.

The default suits forum posts: text structure, emphasis, code, lists, tables, links and
images by URL. No scripts, event handlers, styles, forms, or ``data:`` URLs. Iframes are
admitted only when the embed stage built them, and only for :attr:`Allowlist.iframe_hosts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from composer import _checks
from composer.errors import ConfigError

_LANGUAGES = (
    "bash c clojure cpp csharp css dart diff dockerfile elixir erlang go graphql haskell html "
    "http ini java javascript js json jsx julia kotlin latex lua makefile markdown matlab "
    "nginx nim objectivec ocaml perl php plaintext powershell python py r ruby rust scala "
    "scss shell sql swift text toml ts tsx typescript vb xml yaml zig"
).split()


#: tags removed with their content (their text is code or raw text, never the person's prose)
DEFAULT_CLEAN_CONTENT = frozenset(
    "script style template iframe noembed noframes noscript xmp plaintext title textarea select".split()
)


def _frozen(table: Mapping[str, set[str] | frozenset[str]]) -> Mapping[str, frozenset[str]]:
    """A read-only copy: a shared allowlist (``DEFAULT_ALLOWLIST``) cannot be changed in place."""
    return MappingProxyType({key: frozenset(values) for key, values in table.items()})


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
    clean_content_tags: frozenset[str] = field(default_factory=lambda: DEFAULT_CLEAN_CONTENT)
    #: Hosts whose player iframes the embed stage may build (exact host names, https only):
    #: exactly the hosts of the site table's player templates (``composer/embeds/sites_*.py``),
    #: which ``tests/test_sites.py`` checks both ways.
    iframe_hosts: frozenset[str] = frozenset(
        {
            "airtable.com",
            "archive.org",
            "audiomack.com",
            "clips.twitch.tv",
            "codepen.io",
            "codesandbox.io",
            "coub.com",
            "datawrapper.dwcdn.net",
            "docs.google.com",
            "drive.google.com",
            "editor.p5js.org",
            "embed.music.apple.com",
            "embed.nicovideo.jp",
            "embed.podcasts.apple.com",
            "embed.reddit.com",
            "embed.ted.com",
            "embed.tidal.com",
            "embeds.audioboom.com",
            "fast.wistia.net",
            "flo.uri.sh",
            "giphy.com",
            "jsfiddle.net",
            "maps.google.com",
            "miro.com",
            "odysee.com",
            "ok.ru",
            "open.spotify.com",
            "play.vidyard.com",
            "player-widget.mixcloud.com",
            "player.bilibili.com",
            "player.kick.com",
            "player.twitch.tv",
            "player.vimeo.com",
            "podcasters.spotify.com",
            "replit.com",
            "rumble.com",
            "rutube.ru",
            "scratch.mit.edu",
            "sketchfab.com",
            "stackblitz.com",
            "streamable.com",
            "tenor.com",
            "trinket.io",
            "vk.com",
            "vocaroo.com",
            "w.soundcloud.com",
            "widget.deezer.com",
            "widget.spreaker.com",
            "www.bitchute.com",
            "www.buzzsprout.com",
            "www.canva.com",
            "www.dailymotion.com",
            "www.desmos.com",
            "www.facebook.com",
            "www.figma.com",
            "www.geogebra.org",
            "www.instagram.com",
            "www.kickstarter.com",
            "www.loom.com",
            "www.tiktok.com",
            "www.youtube-nocookie.com",
        }
    )

    def allowed_attributes(self, tag: str) -> frozenset[str]:
        """Attributes kept on ``tag`` (``class`` is governed by :attr:`classes`)."""
        return self.attributes.get(tag, frozenset()) | self.attributes.get("*", frozenset())

    @classmethod
    def of(
        cls,
        *,
        tags: Iterable[str] = (),
        attributes: Mapping[str, Iterable[str]] | None = None,
        classes: Mapping[str, Iterable[str]] | None = None,
    ) -> Allowlist:
        """Just these tags, attributes (tag -> names) and classes (tag -> class names), and
        nothing else: what a stage declares as ``allows`` for its own output.

        The Pipeline adds it to the policy's allowlist (:meth:`union`). Raises
        :class:`~composer.ConfigError` for a value that is not a set of names, an event
        handler (``on*``), ``class`` among the attributes (class names go in ``classes``),
        or a tag the sanitizer removes with its content (``script``, ``iframe``, ...).
        """
        kept = _checks.str_set("Allowlist.of.tags", tags, ConfigError, example="span")
        attrs = _table("attributes", attributes, "href")
        named = _table("classes", classes, "mention")
        handlers = sorted(
            f"{tag}[{name}]" for tag, names in attrs.items() for name in names if name[:2].lower() == "on"
        )
        if handlers:
            raise ConfigError(
                f"Allowlist.of(attributes) lists the event handlers {handlers}; scripts are never kept"
            )
        with_class = sorted(tag for tag, names in attrs.items() if "class" in names)
        if with_class:
            raise ConfigError(
                f"Allowlist.of(attributes) lists 'class' for {with_class}; class names belong in "
                f"classes, e.g. classes={{{with_class[0]!r}: {{'name'}}}}"
            )
        raw = sorted((kept | attrs.keys() | named.keys()) & DEFAULT_CLEAN_CONTENT)
        if raw:
            raise ConfigError(f"Allowlist.of() names {raw}, which the sanitizer removes with their content")
        return cls(
            tags=kept,
            attributes=attrs,
            classes=named,
            url_schemes=frozenset(),
            clean_content_tags=frozenset(),
            iframe_hosts=frozenset(),
        )

    def union(self, other: Allowlist) -> Allowlist:
        """What this allowlist or ``other`` keeps: every set and table merged by name.

        A tag that one keeps and the other removes with its content stays removed with its
        content; the Pipeline refuses such a pair before it gets here.
        """
        clean = self.clean_content_tags | other.clean_content_tags
        return Allowlist(
            tags=(self.tags | other.tags) - clean,
            attributes=_merged(self.attributes, other.attributes),
            classes=_merged(self.classes, other.classes),
            url_schemes=self.url_schemes | other.url_schemes,
            clean_content_tags=clean,
            iframe_hosts=self.iframe_hosts | other.iframe_hosts,
        )


def _table(name: str, table: Mapping[str, Iterable[str]] | None, example: str) -> dict[str, frozenset[str]]:
    if table is None:
        return {}
    if not isinstance(table, Mapping):
        raise ConfigError(
            f"Allowlist.of({name}) must map a tag to a set of names, got {_checks.got(table)}; "
            f"write {name}={{'a': {{{example!r}}}}}"
        )
    out: dict[str, frozenset[str]] = {}
    for tag, names in table.items():
        if not isinstance(tag, str) or not tag:
            raise ConfigError(f"Allowlist.of({name}) must be keyed by tag names, got {_checks.got(tag)}")
        out[tag] = _checks.str_set(f"Allowlist.of.{name}[{tag!r}]", names, ConfigError, example=example)
    return out


def _merged(
    one: Mapping[str, frozenset[str]], two: Mapping[str, frozenset[str]]
) -> Mapping[str, frozenset[str]]:
    out = dict(one)
    for tag, names in two.items():
        out[tag] = out.get(tag, frozenset()) | names
    return dict(sorted(out.items()))


DEFAULT_ALLOWLIST = Allowlist()
