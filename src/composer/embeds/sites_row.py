"""One row of the site table (:class:`Site`) and the field normalisers rows share.

A row is data: hosts, regexes with named groups, iframe URL templates, sizes, the player's
``allow`` and ``sandbox``. The engine that reads rows is :mod:`composer.embeds.sites`; the rows
themselves live in ``sites_video.py``, ``sites_audio.py`` and ``sites_tools.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from string import Formatter
from urllib.parse import unquote, unquote_plus

__all__ = ["PLAYER_ALLOW", "SANDBOX", "Site", "param", "seconds"]

#: what a video player asks for unless its row says otherwise
PLAYER_ALLOW = "autoplay; fullscreen; picture-in-picture"
#: the sandbox every player gets (the sanitizer sets exactly this on every iframe, see
#: :data:`composer._html.iframe.IFRAME_FIXED`); a row may only ask for less
SANDBOX = "allow-scripts allow-same-origin allow-presentation allow-popups"

_TIME = re.compile(r"(?:(\d{1,4})h)?(?:(\d{1,5})m)?(?:(\d{1,7})s?)?")


def param(keys: str, field: str, *, fragment: bool = False) -> str:
    """A pattern reading the whole value of query parameter ``keys`` (a regex alternation) as ``field``.

    The value runs to the next ``&``, ``#`` or the URL's end and is at most 64 characters; the
    field's normaliser (see :data:`CONVERT`) or the pattern's caller judges it whole, so a bad
    value (``t=01:02:03``, ``start=1h1h``) is dropped rather than read as its good prefix.
    ``fragment`` also reads the parameter from the fragment (``#t=90``).
    """
    lead = r"[?&#]" if fragment else r"[?&]"
    return lead + rf"(?:{keys})=(?P<{field}>[^&#]{{1,64}})(?![^&#])"


def seconds(value: str) -> str | None:
    """``90``, ``90s``, ``1m30s``, ``1h2m3s`` (the whole value) as whole seconds; None for zero or garbage."""
    match = _TIME.fullmatch(value.lower())
    if not match or not value:
        return None
    h, m, s = (int(part or 0) for part in match.groups())
    total = h * 3600 + m * 60 + s
    return str(total) if total else None


#: field name -> normaliser (None drops the field). ``path``, ``slug`` and ``place`` are read
#: percent-encoded from the URL and decoded here, so that encoding them again for the player
#: URL gives the same text whether the URL was a page's or the player's own.
CONVERT: dict[str, Callable[[str], str | None]] = {
    "start": seconds,
    "path": unquote,
    "slug": unquote,
    "place": unquote_plus,
}


def template_fields(template: str) -> tuple[str, ...]:
    """The ``{field}`` names of a player URL template, in order."""
    return tuple(name for _, name, _, _ in Formatter().parse(template) if name)


@dataclass(frozen=True)
class Site:
    """One site: where it lives, what to take from its URLs, how to build its player URL.

    ``hosts`` are host names (a URL on a subdomain of one matches too). ``patterns`` are
    searched in ``"host/path?query#fragment"`` (host lower-cased, ASCII classes only); the named
    groups of every pattern that matches are merged, the first pattern's value winning. Each
    site's patterns must also match its own player URLs (that is how a player a page names is
    recognised). ``iframes`` are tried in order: the first whose ``{fields}`` are all known
    wins; ``query`` adds ``name=field`` pairs whose field is known (a start time, a playlist).
    ``width`` and ``height`` are CSS pixels; ``allow`` the permissions-policy features the
    player needs; ``sandbox`` the sandbox tokens it needs (never more than :data:`SANDBOX`).
    """

    name: str
    label: str
    hosts: tuple[str, ...]
    patterns: tuple[str, ...]
    iframes: tuple[str, ...]
    query: tuple[tuple[str, str], ...] = ()
    width: int = 560
    height: int = 315
    allow: str = PLAYER_ALLOW
    sandbox: str = SANDBOX

    @cached_property
    def compiled(self) -> tuple[re.Pattern[str], ...]:
        """The patterns, compiled on first use (a process that never embeds never pays)."""
        return tuple(re.compile(p, re.ASCII) for p in self.patterns)

    @cached_property
    def templates(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Each iframe template with the fields it names."""
        return tuple((t, template_fields(t)) for t in self.iframes)

    @property
    def prefixes(self) -> tuple[str, ...]:
        """What every player URL of each template starts with: the text before its first field."""
        return tuple(t.split("{", 1)[0] for t in self.iframes)

    def fields(self, target: str) -> dict[str, str]:
        """The named fields the patterns find in ``target``, normalised (see :data:`CONVERT`)."""
        found: dict[str, str] = {}
        for pattern in self.compiled:
            match = pattern.search(target)
            if match:
                found.update({k: v for k, v in match.groupdict().items() if v and k not in found})
        for name, convert in CONVERT.items():
            if name in found:
                value = convert(found[name])
                if value is None:
                    del found[name]
                else:
                    found[name] = value
        return found
