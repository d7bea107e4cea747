"""The rules one forum applies to every post: limits, links, the sanitizer's allowlist.

A :class:`Policy` is a frozen value with every default in one place. Bad values raise
:class:`~composer.ConfigError` when the policy is built, not when a post arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from composer.allowlist import DEFAULT_ALLOWLIST, Allowlist
from composer.errors import ConfigError

Backend = Literal["nh3", "bleach"]
OverLimit = Literal["reject", "trim"]
EmbedMode = Literal["sync", "cache_only"]

MiB = 1024 * 1024


@dataclass(frozen=True)
class Policy:
    """Per-forum rules. Every field has a safe default; see ``docs/policy.md``."""

    # input limits (checked before any parser runs)
    max_input_bytes: int = 32 * MiB
    """Hard cap on the UTF-8 size of what is read; over it: problem ``too_large``."""
    max_markup_bytes: int = 512 * 1024
    """UTF-8 size of what is parsed: a post's source, or a paste once its embedded images
    (long ``data:`` URLs) are cut out; over it: problem ``too_large``, before any parser."""
    max_length: int = 100_000
    """Characters of visible text in the result; over it: problem ``too_long``."""
    max_depth: int = 100
    """Element nesting levels; deeper input is problem ``too_deep`` (lxml drops text below ~255)."""

    # links
    own_hosts: frozenset[str] = frozenset()
    """The forum's own hosts: links to them (and relative links) get no ``nofollow``."""
    link_rel: str = "nofollow ugc noopener noreferrer"
    """``rel`` put on every link the sanitizer keeps."""

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
    """Translations: notice code -> template (see :data:`composer.messages.MESSAGES`)."""

    def __post_init__(self) -> None:
        for name in (
            "max_input_bytes",
            "max_markup_bytes",
            "max_length",
            "max_depth",
            "max_emoji",
            "max_images",
            "max_embeds",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"Policy.{name} must be a non-negative int, not {value!r}")
        if self.max_depth < 2:
            raise ConfigError("Policy.max_depth must be at least 2")
        if self.emoji_over_limit not in ("reject", "trim"):
            raise ConfigError(
                f"Policy.emoji_over_limit must be 'reject' or 'trim', not {self.emoji_over_limit!r}"
            )
        if self.embed_mode not in ("sync", "cache_only"):
            raise ConfigError(f"Policy.embed_mode must be 'sync' or 'cache_only', not {self.embed_mode!r}")
        if not self.embed_deadline > 0:
            raise ConfigError("Policy.embed_deadline must be positive")
        if self.sanitizer not in ("nh3", "bleach"):
            raise ConfigError(f"Policy.sanitizer must be 'nh3' or 'bleach', not {self.sanitizer!r}")
        if not isinstance(self.own_hosts, frozenset):
            object.__setattr__(self, "own_hosts", frozenset(h.lower().rstrip(".") for h in self.own_hosts))
