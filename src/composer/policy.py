"""The rules one forum applies to every post: limits, links, the sanitizer's allowlist.

A :class:`Policy` is a frozen value with every default in one place. Bad values raise
:class:`~composer.ConfigError` when the policy is built, not when a post arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from composer import _checks
from composer.allowlist import DEFAULT_ALLOWLIST, Allowlist
from composer.errors import ConfigError
from composer.messages import MESSAGES, fields, template_error

Backend = Literal["nh3", "bleach"]
OverLimit = Literal["reject", "trim"]
EmbedMode = Literal["sync", "cache_only"]
Role = Literal["guest", "new", "member", "staff"]

MiB = 1024 * 1024


@dataclass(frozen=True)
class Policy:
    """Per-forum rules. Every field has a safe default; see ``docs/policy.md``.

    Every field is checked here: a wrong type or value raises :class:`~composer.ConfigError`
    naming the field and how to write it. Set-like fields (``own_hosts``) accept a list,
    tuple, set or frozenset and are stored as a ``frozenset`` (hosts lower-cased); a lone
    ``str`` is refused, since it would be read as a set of characters.
    """

    # input limits (checked before any parser runs)
    max_input_bytes: int = 32 * MiB
    """Hard cap on the UTF-8 size of what is read; over it: problem ``too_large``."""
    max_markup_bytes: int = 512 * 1024
    """UTF-8 size of what is parsed: a post's source, or a paste once its embedded images
    (long ``data:`` URLs) are cut out; over it: problem ``too_large``, before any parser."""
    max_length: int = 100_000
    """Characters of visible text in the result; over it: problem ``too_long``."""
    max_depth: int = 100
    """Element nesting levels; deeper input is problem ``too_deep`` (lxml drops text below ~2 000)."""

    # links
    own_hosts: AbstractSet[str] = frozenset()
    """The forum's own host names: links to them (and relative links) get no ``nofollow``.
    Any set, list or tuple of names; stored as a lower-cased ``frozenset``."""
    link_rel: str = "nofollow ugc noopener noreferrer"
    """``rel`` put on every link the sanitizer keeps."""
    own_links_follow: bool = True
    """Whether links to the forum itself (relative, or ``own_hosts``) lose ``nofollow``;
    False keeps ``nofollow`` on every link (the ``guest`` preset)."""
    max_links: int = 1000
    """Links a post may carry: distinct targets of followable ``<a href>`` (not mentions or hashtags)
    and embeds; over it: problem ``too_many_links`` (see ``docs/policy.md``)."""
    max_mentions: int = 10
    """``@name`` mentions a post may carry: distinct elements with the class ``mention``; over it:
    problem ``too_many_mentions``."""

    # emoji
    max_emoji: int = 75
    emoji_over_limit: OverLimit = "reject"
    convert_shortcodes: bool = True
    """Turn ``:smile:`` into the Unicode emoji (they count toward ``max_emoji`` either way)."""
    custom_emoji_class: str = "emoji"
    """Class marking the forum's own emoji images (``<img class="emoji">``); they count too."""
    count_emoji_in_code: bool = False
    """Whether emoji inside ``code``/``pre`` count toward the limit."""

    # images
    max_images: int = 50
    allow_remote_images: bool = True
    """Images by http(s) URL are kept; False turns each into a link to the image."""
    image_proxy: Callable[[str], str] | None = None
    """Rewrites every remote image URL (e.g. a signed camo-style proxy); see ``docs/images.md``."""

    # embeds
    max_embeds: int = 10
    embed_mode: EmbedMode = "sync"
    embed_deadline: float = 3.0

    # sanitizer
    sanitizer: Backend = "nh3"
    allowlist: Allowlist = DEFAULT_ALLOWLIST
    messages: Mapping[str, str] = field(default_factory=dict)
    """Translations: notice code -> template (see :data:`composer.messages.MESSAGES`). Codes
    beyond the built-in ones belong to stages (their ``messages``); the Pipeline refuses a
    code none of its stages declares, when it is built."""

    # who posts
    role: Role | None = None
    """The role whose preset this is (set by :meth:`preset`); problems over a limit name it
    ("New members can post at most 2 links."). None: a forum's own policy, messages name no role."""

    @classmethod
    def preset(cls, role: str) -> Policy:
        """The policy for ``role``: ``"guest"``, ``"new"``, ``"member"`` or ``"staff"``.

        Each is ``Policy()`` with the changes listed in :data:`PRESETS` (side by side in
        ``docs/policy.md``); adjust one with ``dataclasses.replace(Policy.preset("new"),
        max_links=5)``. Raises :class:`~composer.ConfigError` for any other role, naming the roles.
        """
        if not isinstance(role, str) or role not in PRESETS:
            raise ConfigError(
                f"Policy.preset has no role {role!r}{_checks.suggest(str(role), PRESETS)}; "
                f"the roles are {', '.join(PRESETS)}"
            )
        return replace(cls(), role=role, **PRESETS[role])  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        for name in (
            "max_input_bytes",
            "max_markup_bytes",
            "max_length",
            "max_emoji",
            "max_images",
            "max_embeds",
            "max_links",
            "max_mentions",
        ):
            _checks.count(f"Policy.{name}", getattr(self, name), ConfigError)
        _checks.count("Policy.max_depth", self.max_depth, ConfigError, minimum=2)
        _checks.choice("Policy.emoji_over_limit", self.emoji_over_limit, ("reject", "trim"), ConfigError)
        _checks.choice("Policy.embed_mode", self.embed_mode, ("sync", "cache_only"), ConfigError)
        _checks.choice("Policy.sanitizer", self.sanitizer, ("nh3", "bleach"), ConfigError)
        _checks.positive_number("Policy.embed_deadline", self.embed_deadline, ConfigError)
        if self.role is not None:
            _checks.choice("Policy.role", self.role, tuple(PRESETS), ConfigError)
        for name in ("convert_shortcodes", "count_emoji_in_code", "allow_remote_images", "own_links_follow"):
            _checks.flag(f"Policy.{name}", getattr(self, name), ConfigError)
        _set(self, "own_hosts", _checks.host_set("Policy.own_hosts", self.own_hosts, ConfigError))
        if not isinstance(self.link_rel, str):
            raise ConfigError(
                f"Policy.link_rel must be a str of rel words, got {_checks.got(self.link_rel)}; "
                "write link_rel='nofollow ugc noopener noreferrer'"
            )
        _set(self, "link_rel", " ".join(self.link_rel.split()))
        if not isinstance(self.custom_emoji_class, str) or len(self.custom_emoji_class.split()) != 1:
            raise ConfigError(
                "Policy.custom_emoji_class must be one class name, "
                f"got {_checks.got(self.custom_emoji_class)}; write custom_emoji_class='emoji'"
            )
        if self.image_proxy is not None and not callable(self.image_proxy):
            raise ConfigError(
                "Policy.image_proxy must be a callable url -> url (e.g. composer.CamoProxy(...)) "
                f"or None, got {_checks.got(self.image_proxy)}"
            )
        _check_allowlist(self.allowlist)
        _set(self, "messages", _check_messages(self.messages))


#: role -> what its preset changes from ``Policy()``; Discourse-like: guests and new members get
#: few links, one embed and at most one image, and guests' links always carry ``nofollow``.
#: ``member`` is the defaults; staff may embed and mention more.
PRESETS: Mapping[str, Mapping[str, Any]] = {
    "guest": {
        "max_links": 2,
        "max_embeds": 1,
        "max_images": 0,
        "max_mentions": 2,
        "own_links_follow": False,
    },
    "new": {"max_links": 2, "max_embeds": 1, "max_images": 1, "max_mentions": 2},
    "member": {},
    "staff": {"max_links": 5000, "max_embeds": 50, "max_images": 100, "max_mentions": 50},
}


def _set(policy: Policy, name: str, value: object) -> None:
    object.__setattr__(policy, name, value)


def _check_messages(messages: object) -> Mapping[str, str]:
    """Each template of a built-in code filled from its code's params (``messages.PARAMS``).

    A code the built-in catalogue does not have may belong to a stage (its ``messages``);
    the :class:`~composer.Pipeline` checks those, and refuses unknown ones, when it is built.
    """
    if not isinstance(messages, Mapping):
        raise ConfigError(
            f"Policy.messages must be a mapping of notice code to template, got {_checks.got(messages)}; "
            "write messages={'emoji_limit': 'Only {limit} emoji are allowed.'}"
        )
    for code, template in messages.items():
        if not isinstance(code, str) or not code:
            raise ConfigError(f"Policy.messages must be keyed by notice codes (str), got {_checks.got(code)}")
        why = template_error(code, template) if code in MESSAGES else _shape_error(template)
        if why is not None:
            raise ConfigError(f"Policy.messages[{code!r}] {why}")
    return dict(messages)


def _shape_error(template: object) -> str | None:
    """For a stage's code: a readable str template (its fields are checked by the Pipeline)."""
    if not isinstance(template, str):
        return f"must be a str template, got {type(template).__name__} {template!r}"
    try:
        fields(template)
    except ValueError as exc:
        return f"is not a valid template ({exc}); write literal braces as {{{{ and }}}}"
    return None


#: URL schemes that run code in the page when a link is followed: never allowlisted
_SCRIPT_SCHEMES = frozenset({"javascript", "vbscript", "livescript"})


def _check_allowlist(allow: object) -> None:
    """The allowlist's own shape; the sanitizer backend is tried on it when a Pipeline is built."""
    if not isinstance(allow, Allowlist):
        raise ConfigError(
            f"Policy.allowlist must be an Allowlist, got {_checks.got(allow)}; "
            "write allowlist=Allowlist(tags=..., attributes=...) or DEFAULT_ALLOWLIST"
        )
    for name in ("tags", "url_schemes", "clean_content_tags", "iframe_hosts"):
        _checks.str_set(f"Policy.allowlist.{name}", getattr(allow, name), ConfigError, example="p")
    for name in ("attributes", "classes"):
        table = getattr(allow, name)
        if not isinstance(table, Mapping):
            raise ConfigError(
                f"Policy.allowlist.{name} must map a tag to a set of names, got {_checks.got(table)}; "
                f"write {name}={{'a': {{'href'}}}}"
            )
        for tag, names in table.items():
            _checks.str_set(f"Policy.allowlist.{name}[{tag!r}]", names, ConfigError, example="href")
    with_class = sorted(tag for tag, names in allow.attributes.items() if "class" in names)
    if with_class:
        raise ConfigError(
            f"Policy.allowlist.attributes lists 'class' for {with_class}; class names belong in "
            f"Policy.allowlist.classes, e.g. classes={{{with_class[0]!r}: {{'name'}}}}"
        )
    handlers = sorted(
        f"{tag}.{name}"
        for tag, names in allow.attributes.items()
        for name in names
        if name.lower().startswith("on")
    )
    if handlers:
        raise ConfigError(
            f"Policy.allowlist.attributes lists the event handlers {handlers}; scripts are never kept: "
            "take them out"
        )
    styled = sorted(tag for tag, names in allow.attributes.items() if "style" in {n.lower() for n in names})
    if styled:
        raise ConfigError(
            f"Policy.allowlist.attributes lists 'style' for {styled}; style attributes are never kept "
            "(CSS in a post can cover the page or fake its controls): take it out"
        )
    scripts = sorted(s for s in allow.url_schemes if s.lower().rstrip(":") in _SCRIPT_SCHEMES)
    if scripts:
        raise ConfigError(
            f"Policy.allowlist.url_schemes lists {scripts}; a link with a script scheme runs code when "
            "clicked: take it out"
        )
    both = set(allow.tags) & set(allow.clean_content_tags)
    if both:
        raise ConfigError(
            f"Policy.allowlist keeps {sorted(both)} in tags and removes them in clean_content_tags; "
            "take them out of one of the two"
        )
