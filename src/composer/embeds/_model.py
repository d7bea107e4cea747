"""What a URL turned out to be (:class:`Embed`), and the rules a stored one must meet to be used.

A cache is a store anyone with access to it can write (another version of this library,
another program, an attacker who reached Redis), so what is read back is checked like remote
input: :meth:`Embed.from_dict` accepts only the known fields with their types, allowed values
and lengths, and returns None for anything else; the resolver then treats the entry as a miss.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal
from urllib.parse import urlsplit

from composer._html.scan import clean_controls

__all__ = ["MAX_SIZE", "MAX_TEXT", "MAX_URL", "MISS", "Embed", "EmbedType", "Miss"]

EmbedType = Literal["video", "photo", "card"]
_TYPES = ("video", "photo", "card")
#: the longest URL, and the longest text field, a stored embed may hold
MAX_URL = 4096
MAX_TEXT = 1000
#: the largest width or height in pixels
MAX_SIZE = 4096
_URL_FIELDS = ("url", "thumbnail_url", "image_url", "iframe_src")
_TEXT_FIELDS = ("title", "description", "site_name", "provider", "allow")
_SIZE_FIELDS = ("width", "height")
#: what each type needs to be shown at all
_NEEDS = {"video": "iframe_src", "photo": "image_url", "card": "title"}


def _http_url(value: object) -> bool:
    if not isinstance(value, str) or len(value) > MAX_URL:
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def problem(data: Mapping[str, Any]) -> str | None:
    """Why ``data`` is not a valid stored embed, or None when it is one."""
    names = {f.name for f in fields(Embed)}
    unknown = sorted(str(key) for key in data if key not in names)
    if unknown:
        return f"unknown fields {unknown[:5]}"
    kind = data.get("type")
    if kind not in _TYPES:
        return f"unknown type {str(kind)[:40]!r}"
    for name in _URL_FIELDS:
        value = data.get(name)
        if (value is not None or name == "url") and not _http_url(value):
            return f"{name} is not an http(s) URL of at most {MAX_URL} characters"
    for name in _TEXT_FIELDS:
        value = data.get(name)
        if value is not None and not (isinstance(value, str) and len(value) <= MAX_TEXT):
            return f"{name} is not a text of at most {MAX_TEXT} characters"
    for name in _SIZE_FIELDS:
        value = data.get(name)
        if value is not None and not (type(value) is int and 0 < value <= MAX_SIZE):
            return f"{name} is not a whole number from 1 to {MAX_SIZE}"
    if data.get(_NEEDS[kind]) is None:
        return f"a {kind} needs {_NEEDS[kind]}"
    return None


@dataclass(frozen=True)
class Embed:
    """What a URL turned out to be, as plain data (cacheable as JSON).

    ``type``: ``video`` (a player iframe at ``iframe_src``), ``photo`` (an image at
    ``image_url``) or ``card`` (a link with title, description, site name and thumbnail; oEmbed
    ``link`` and ``rich`` end here). The renderer may still downgrade a video or photo to a
    card, e.g. when the iframe host is not allowlisted.
    """

    type: EmbedType
    url: str
    title: str | None = None
    description: str | None = None
    site_name: str | None = None
    thumbnail_url: str | None = None
    image_url: str | None = None
    iframe_src: str | None = None
    width: int | None = None
    height: int | None = None
    provider: str | None = None
    allow: str | None = None
    """The player iframe's permissions policy (``allow`` attribute)."""

    def __post_init__(self) -> None:
        # remote text may hold control characters, which lxml refuses in a tree (one site
        # could otherwise make every post linking to it fail): they go here, once
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str):
                cleaned = clean_controls(value)[0]
                if cleaned is not value:
                    object.__setattr__(self, f.name, cleaned)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Embed | None:
        """Rebuild from :meth:`to_dict` output; None when the data breaks any rule of
        :func:`problem` (a field unknown, of the wrong type, too long or out of range)."""
        if not isinstance(data, Mapping) or problem(data) is not None:
            return None
        return cls(**data)


class Miss(enum.Enum):
    """The cache knows nothing about a URL (as opposed to knowing it does not embed)."""

    MISS = "miss"


MISS = Miss.MISS
