"""The sanitizer's backends: nh3 (the default) and bleach (an extra), built once per policy.

Both apply the same allowlist (tags, attributes, ``class`` names, URL schemes) and the
policy's link ``rel``. Each offers two cleaners: ``plain`` for posts, and ``iframes`` for a
post holding the embed stage's players, which keeps ``iframe`` elements whose ``src`` is on
:attr:`~composer.allowlist.Allowlist.iframe_hosts`. A backend the allowlist does not fit
raises :class:`~composer.ConfigError` when it is built (when the ``Pipeline`` is).
"""

from __future__ import annotations

import html as htmllib
import threading
from collections.abc import Callable
from typing import Any

import nh3

from composer._html.hosts import scheme_at
from composer._html.iframe import IFRAME_ATTRIBUTES, iframe_src_allowed
from composer.errors import ConfigError
from composer.policy import Policy

__all__ = ["URL_ATTRIBUTES", "Backend", "BleachBackend", "Clean", "Nh3Backend", "build_backend", "url_scheme"]

#: one cleaner: HTML in, safe HTML out
Clean = Callable[[str], str]

#: attributes whose value is a URL (a scheme off the allowlist removes them)
URL_ATTRIBUTES = frozenset({"href", "src", "cite", "action", "formaction", "poster", "background", "data"})


def url_scheme(value: str, *, raw: bool = True) -> str | None:
    """The scheme a browser would see in an attribute value, or None for a relative URL.

    ``raw``: the value as written in the source, whose character references a parser decodes
    first; False for a value already parsed (decoding twice would see schemes that are not).
    """
    return scheme_at(htmllib.unescape(value) if raw else value)


def _relative_url(url: str) -> str | None:
    """nh3 calls this for URLs it reads as relative; one hiding a scheme behind invisible
    characters (``\u2028javascript:``) is dropped, not passed through."""
    return url if url_scheme(url, raw=False) is None else None


class Nh3Backend:
    def __init__(self, policy: Policy) -> None:
        allow = policy.allowlist
        hosts = allow.iframe_hosts
        common: dict[str, Any] = {
            "url_schemes": set(allow.url_schemes),
            "allowed_classes": {tag: set(names) for tag, names in allow.classes.items()},
            "link_rel": policy.link_rel or None,
            "strip_comments": True,
            "url_relative": _relative_url,
        }
        attributes = {tag: set(names) for tag, names in allow.attributes.items()}
        try:
            self.plain: Clean = nh3.Cleaner(
                tags=set(allow.tags),
                clean_content_tags=set(allow.clean_content_tags),
                attributes=attributes,
                **common,
            ).clean

            def only_allowed_iframes(tag: str, attr: str, value: str) -> str | None:
                if tag == "iframe" and attr == "src":
                    return value if iframe_src_allowed(value, hosts) else None
                return value

            self.iframes: Clean = nh3.Cleaner(
                tags=set(allow.tags) | {"iframe"},
                clean_content_tags=set(allow.clean_content_tags) - {"iframe"},
                attributes={**attributes, "iframe": set(IFRAME_ATTRIBUTES)},
                attribute_filter=only_allowed_iframes,
                **common,
            ).clean
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"the allowlist is not valid for nh3: {exc}") from exc


#: attributes nh3 (ammonia's default ``generic_attributes``) keeps on every tag; bleach keeps them too
_NH3_GENERIC = frozenset({"lang", "title"})


class BleachBackend:
    """The optional bleach backend: slower, pure Python, for those who must use it."""

    def __init__(self, policy: Policy) -> None:
        try:
            import bleach
            from bleach.html5lib_shim import Filter
        except ImportError as exc:
            raise ConfigError(
                "Policy(sanitizer='bleach') needs the extra: pip install 'forum-composer[bleach]'"
            ) from exc
        allow = policy.allowlist
        rel = policy.link_rel

        class AfterFilter(Filter):  # type: ignore[misc]
            """Set the policy's rel on links, and drop URLs bleach misreads: its urlparse
            takes ``javascript:123`` for a host and port, and keeps it. Keep only the allowed
            names of a ``class``, as nh3 does (bleach keeps or drops the attribute whole)."""

            def __iter__(self) -> Any:
                for token in super().__iter__():
                    if token["type"] in ("StartTag", "EmptyTag"):
                        attrs = token["data"]
                        if (None, "class") in attrs:
                            names = allow.classes.get(token["name"], frozenset())
                            kept = [c for c in attrs[(None, "class")].split() if c in names]
                            if kept:
                                attrs[(None, "class")] = " ".join(kept)
                            else:
                                del attrs[(None, "class")]
                        for key in [k for k in attrs if k[1] in URL_ATTRIBUTES]:
                            scheme = url_scheme(attrs[key])
                            if scheme is not None and scheme not in allow.url_schemes:
                                del attrs[key]
                        if rel and token["name"] == "a":
                            token["data"] = {k: v for k, v in attrs.items() if k[1] != "rel"}
                            token["data"][(None, "rel")] = rel
                    yield token

        def attributes(iframes: bool) -> Callable[[str, str, str], bool]:
            def check(tag: str, name: str, value: str) -> bool:
                if tag == "iframe" and iframes:
                    if name == "src":
                        return iframe_src_allowed(value, allow.iframe_hosts)
                    return name in IFRAME_ATTRIBUTES
                if name == "class":
                    return tag in allow.classes  # the names are filtered after
                return name in allow.allowed_attributes(tag) or name in _NH3_GENERIC

            return check

        def cleaner(iframes: bool) -> Clean:
            bleach_cleaner: Any = bleach.Cleaner(
                tags=allow.tags | ({"iframe"} if iframes else set()),
                attributes=attributes(iframes),
                protocols=allow.url_schemes,
                strip=True,
                strip_comments=True,
                filters=[AfterFilter],
            )
            clean: Clean = bleach_cleaner.clean
            return clean

        self._make = cleaner
        self._local = threading.local()  # a bleach Cleaner keeps parser state: one per thread
        self._cleaners()  # built now, so a bad allowlist fails here

    def _cleaners(self) -> tuple[Clean, Clean]:
        made: tuple[Clean, Clean] | None = getattr(self._local, "cleaners", None)
        if made is None:
            made = self._local.cleaners = (self._make(False), self._make(True))
        return made

    def plain(self, source: str) -> str:
        return self._cleaners()[0](source)

    def iframes(self, source: str) -> str:
        return self._cleaners()[1](source)


#: a policy's backend
Backend = Nh3Backend | BleachBackend


def build_backend(policy: Policy, name: str) -> Backend:
    """The backend ``name`` for ``policy``'s allowlist; ConfigError when it refuses it."""
    return Nh3Backend(policy) if name == "nh3" else BleachBackend(policy)
