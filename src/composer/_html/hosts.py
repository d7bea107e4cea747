"""Where a link goes: the scheme and host a browser reads in an ``href`` or ``src``.

Separate from finding URLs in text (:mod:`composer._html.urls`): these readers judge values
already in markup, the way a browser will read them, so that what the sanitizer, the images
stage and the own-host rule (``Policy.own_hosts``) decide matches where the browser goes.
They err towards the stricter reading: white space and invisible characters before a
scheme's ``:`` are passed over, and a URL with userinfo is never the forum's own.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from urllib.parse import unquote

from composer._html.urls import INVISIBLE, ascii_host

__all__ = ["SKIPPED", "is_own_link", "link_host", "scheme_at"]

#: what a browser strips from both ends of an href (C0 controls and space) and from inside it
_URL_EDGES = "".join(chr(c) for c in range(0x21))
_TAB_NEWLINE = re.compile("[\t\n\r]")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
#: what a scheme reader passes over: white space and the invisible characters
SKIPPED = "\t\n\r " + INVISIBLE
_SKIPPED_RUN = re.compile(f"[{SKIPPED}]+")
_SCHEME_SKIPPING = re.compile(f"[{SKIPPED}]*([a-zA-Z][a-zA-Z0-9+.\\-{SKIPPED}]*):")


def scheme_at(value: str, pos: int = 0) -> str | None:
    """The scheme of the URL starting at ``value[pos]``, lower-cased, or None (a relative URL).

    Errs towards finding one: white space and :data:`INVISIBLE` characters anywhere before
    the ``:`` are passed over (``java\u200bscript:`` reads as ``javascript``), where a
    browser drops only some of them and reads the rest as a relative path. The one scheme
    reader of the sanitizer and the images stage, so they never disagree on a value.
    """
    match = _SCHEME_SKIPPING.match(value, pos)
    if match is None:
        return None
    return _SKIPPED_RUN.sub("", match.group(1)).lower()


_SPECIAL = frozenset({"http", "https", "ftp", "ws", "wss"})
_AUTHORITY_END = re.compile(r"[/\\?#]")


def _authority(href: str) -> tuple[bool, str] | None:
    """``(True, authority)`` (``user@host:port``, maybe empty) as a browser reads ``href`` (see
    :func:`link_host`); ``(False, "")`` for a link without one (a path, a query, a fragment);
    ``None`` for one that leaves the web."""
    url = _TAB_NEWLINE.sub("", href.strip(_URL_EDGES))
    scheme = _SCHEME.match(url)
    if scheme is not None:
        if scheme.group(1).lower() not in _SPECIAL:
            return None
        rest = url[scheme.end() :]
    else:
        rest = url
        if not (len(rest) >= 2 and rest[0] in "/\\" and rest[1] in "/\\"):
            return False, ""  # a path, query or fragment: the page's own host
    rest = rest.lstrip("/\\")
    cut = _AUTHORITY_END.search(rest)
    return True, rest[: cut.start()] if cut else rest


def link_host(href: str) -> str | None:
    """The host a browser would send ``href`` to, read by the WHATWG URL rules whatever the
    page's own scheme: ``""`` for a link that stays on the page's host (a path, a query, a
    fragment), ``None`` for one that leaves the web (``mailto:``, ``data:``) or names an
    empty host (a browser refuses it), else the host, lower-cased, IDNA-encoded, without port or trailing dot.

    The rules that matter: tabs and newlines anywhere and C0 controls and spaces at both ends
    are dropped; ``\\`` is a ``/`` for web schemes; two or more slashes of either kind after
    the scheme (or at the start of a relative URL) begin a host; the host ends at the first
    ``/ \\ ? #``, so ``https://evil.example\\@own.example`` goes to evil.example; ``http:host``
    with no slash at all is taken as a host too (it is one unless the page is http itself).
    """
    found = _authority(href)
    if found is None:
        return None
    if not found[0]:
        return ""
    host = found[1].rpartition("@")[2]
    port = ""
    if host.startswith("["):
        close = host.find("]")
        host, port = (host[: close + 1], host[close + 2 :]) if close > 0 else (host, "")
    else:
        host, _, port = host.partition(":")
    if port and not (port.isascii() and port.isdigit() and int(port) <= 65535):
        return None  # a port that is not a number: a browser refuses the URL
    host = unquote(host).lower()
    if not host.isascii():
        host = ascii_host(host).lower()
    return host.rstrip(".") or None  # no host at all: a browser refuses the URL


def is_own_link(href: str, own_hosts: AbstractSet[str]) -> bool:
    """Whether ``href`` stays on the forum: relative, or to one of ``own_hosts`` with no userinfo.

    A URL with userinfo (``https://user@forum.example/t/1``, even ``https://@forum.example/``) is
    never an own link: the forum writes none, and ``user@`` is how a link dresses up as another."""
    host = link_host(href)
    if host is None or "@" in (_authority(href) or (False, ""))[1]:
        return False
    if host == "" or host in own_hosts:
        return True
    if "xn--" in host:  # own_hosts may be written in Unicode
        try:
            return host.encode("ascii").decode("idna") in own_hosts
        except UnicodeError:
            return False
    return False
