"""The player iframe's attributes, as the sanitizer hands them out: the same for both backends and
the same bytes in every process.

An iframe leaves the sanitizer with only :data:`IFRAME_ATTRIBUTES` (anything else went), in
that order, followed by the fixed hardening :data:`IFRAME_FIXED` (``sandbox``, ``loading``,
``referrerpolicy``) set here whatever came in. ``allow`` keeps only the player features of
:data:`PLAYER_FEATURES` (no camera, microphone, geolocation, ...), sizes only whole numbers
from 1 to 4096. Done on the sanitizer's serialized output, after nh3 or bleach, because
neither keeps attributes in an order that is a function of the input alone (nh3 adds its
fixed values from a Rust ``HashMap``, whose order changes per process).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["IFRAME_ATTRIBUTES", "IFRAME_FIXED", "PLAYER_FEATURES", "harden_iframes", "iframe_src_allowed"]

#: the attributes an embed stage's iframe may carry, in the order they are written
IFRAME_ATTRIBUTES = ("src", "width", "height", "title", "allow", "allowfullscreen")
#: set by the sanitizer on every iframe, in this order, after the ones above
IFRAME_FIXED = {
    "sandbox": "allow-scripts allow-same-origin allow-presentation allow-popups",
    "loading": "lazy",
    "referrerpolicy": "strict-origin-when-cross-origin",
}
#: permissions-policy features a player may ask for in ``allow``
PLAYER_FEATURES = frozenset(
    {
        "accelerometer",
        "autoplay",
        "clipboard-write",
        "encrypted-media",
        "fullscreen",
        "gyroscope",
        "picture-in-picture",
        "web-share",
    }
)
_MAX_SIZE = 4096

#: any start tag as both serializers write it (every value double-quoted, ``"`` escaped); scanned
#: left to right, so a ``<iframe`` inside another tag's attribute value is never taken for a tag
_START_TAG = re.compile(r"""<([a-zA-Z][^\s/>]*)((?:\s+[^\s"'>/=]+(?:="[^"]*")?)*)\s*/?>""")
#: an iframe start tag alone, the same groups, for nh3's output (see :func:`harden_iframes`)
_IFRAME_TAG = re.compile(r"""<(iframe)((?:\s+[^\s"'>/=]+(?:="[^"]*")?)*)\s*/?>""")
_ATTRIBUTE = re.compile(r"""\s+([^\s"'>/=]+)(?:="([^"]*)")?""")


def iframe_src_allowed(src: str, hosts: frozenset[str]) -> bool:
    """An https URL on one of ``hosts``, with no userinfo or port tricks."""
    try:
        parts = urlsplit(src)
    except ValueError:
        return False
    return (
        parts.scheme == "https" and parts.hostname in hosts and parts.port is None and "@" not in parts.netloc
    )


def _allow(value: str) -> str | None:
    features = [word.strip() for word in value.split(";")]
    kept = list(dict.fromkeys(word for word in features if word in PLAYER_FEATURES))
    return "; ".join(kept) or None


def _size(value: str) -> str | None:
    return value if value.isdigit() and 0 < int(value) <= _MAX_SIZE and not value.startswith("0") else None


def _iframe(attributes: str) -> str:
    given: dict[str, str] = {}
    for name, raw in _ATTRIBUTE.findall(attributes):
        given.setdefault(name.lower(), raw)
    kept: list[tuple[str, str | None]] = []
    for name in IFRAME_ATTRIBUTES:
        value: str | None = given.get(name)
        if value is None:
            continue
        if name == "allow":
            value = _allow(value)
        elif name in ("width", "height"):
            value = _size(value)
        kept.append((name, value))
    kept.extend(IFRAME_FIXED.items())
    return "<iframe" + "".join(f' {name}="{value}"' for name, value in kept if value is not None) + ">"


def harden_iframes(html: str, *, escaped: bool = False) -> str:
    """Rewrite every iframe start tag of sanitized ``html`` to the fixed attribute set and order.

    ``escaped``: ``html`` is nh3's output, which writes names in lower case and ``&lt;`` in
    values and text, so that a ``<`` not opening a tag can stand only in an iframe's raw text.
    When every iframe there is empty (the embed stage's players are), only the iframe tags are
    read, where otherwise every start tag is, left to right, with a Python call each (~125 µs
    for a 5 KB post holding a player, against ~20).
    """
    if escaped:  # its one search for the iframe tags answers whether there is one too
        found = list(_IFRAME_TAG.finditer(html))
        if not found:
            return html
        if all(html.startswith("</iframe>", match.end()) for match in found):
            parts: list[str] = []
            last = 0
            for match in found:
                parts += (html[last : match.start()], _iframe(match.group(2)))
                last = match.end()
            return "".join((*parts, html[last:]))

    elif "<iframe" not in html:
        return html

    def tag(match: re.Match[str]) -> str:
        return _iframe(match.group(2)) if match.group(1).lower() == "iframe" else match.group()

    return _START_TAG.sub(tag, html)
