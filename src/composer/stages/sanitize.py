"""Stage ``sanitize``: the allowlist, always last. nh3 by default, bleach as an option.

What nh3 took out that a reader would miss is counted from the difference between what went
in and what came out, so the ``content_removed`` notice cannot drift from the sanitizer; an
editor's own markup (classes, styles, wrappers) is not counted, so most posts need one regex
scan that finds nothing. Iframes are admitted
only when the embed stage built them (``env[EMBED_IFRAMES]``) and only from
:attr:`~composer.allowlist.Allowlist.iframe_hosts`, with a fixed ``sandbox``. Links to the
forum itself (relative, or ``Policy.own_hosts``) lose ``nofollow``, unless
``Policy.own_links_follow`` is False.
"""

from __future__ import annotations

import html as htmllib
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

import nh3

from composer._html.empty import drop_empty, may_have_empty
from composer._html.iframe import IFRAME_ATTRIBUTES, harden_iframes, iframe_src_allowed
from composer._html.scan import drop_direction_controls
from composer._html.text import html_to_text
from composer._html.urls import is_own_link, scheme_at
from composer.allowlist import Allowlist
from composer.document import EMBED_IFRAMES, Document
from composer.errors import ConfigError
from composer.policy import Policy

Clean = Callable[[str], str]

_PRE_NEWLINE = re.compile(r"(<pre\b[^>]*>)\n")

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_SCHEME_AT = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
_A_TAG = re.compile(r'<a\s(?:[^>"]|"[^"]*")*>')
_HREF = re.compile(r'\shref="([^"]*)"')
_EMPTY_CLASS = re.compile(r'(<[a-zA-Z][^<>]*?) class=""(?=[\s/>])')
_URL_ATTRS = frozenset({"href", "src", "cite", "action", "formaction", "poster", "background", "data"})

#: unwrapped tags whose loss a reader would notice: media, embedded objects, frames and form
#: controls (``form``, ``fieldset`` and ``legend`` the parse stage renames and counts itself).
#: A media element's parts (``picture``, ``source``, ``track``) are not counted on their own:
#: the ``img`` of a ``picture`` stays, and a lost ``video`` is counted once.
MISSED_TAGS = frozenset(
    (
        "img video audio svg canvas math object embed applet frame frameset "
        "input button meter progress output datalist keygen map area"
    ).split()
)
#: elements removed with their content that hold nothing a reader sees or misses
_UNSEEN_ELEMENTS = frozenset({"style"})


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


@dataclass(frozen=True)
class _Scanner:
    """The regexes that find, in lower-cased HTML, what a reader would miss if it went.

    Each starts with a literal (``<``, ``on``, ``=``), so the regex engine skips ahead in C,
    and an ordinary post (classes, styles, ``data-*``, wrappers, ``https:`` links) costs
    three quick scans that find nothing.
    """

    #: the start-tag names whose loss is counted
    names: frozenset[str]
    #: start tags named in :attr:`names`
    tags: re.Pattern[str]
    #: start tags whose attributes are bare words: prose a parser read as markup
    #: (``if a<b and c>d`` holds ``<b and c>``)
    bare: re.Pattern[str]
    #: what may be an event-handler attribute (the character before is checked after)
    handlers: re.Pattern[str]
    #: URL attribute values that do not plainly start with an allowed scheme
    values: re.Pattern[str]
    #: such a value, matched where it starts (after ``name =``, which :attr:`values` misses)
    value_at: re.Pattern[str]


#: HTML's boolean and valueless attributes: markup when bare, not prose
_BOOLEAN_ATTRIBUTES = frozenset(
    (
        "allowfullscreen async autofocus autoplay checked compact contenteditable controls default "
        "defer disabled draggable formnovalidate hidden inert ismap itemscope loop multiple muted "
        "nomodule noshade novalidate nowrap open playsinline readonly required reversed selected "
        "spellcheck translate"
    ).split()
)
_ATTR_START = frozenset(" \t\n\r\f\"'/")
_NAME_BEFORE = re.compile(r"([^\s\"'/=<>]+)\s*\Z")
_SPACED = re.compile(r"=(?<=\s=)")


@lru_cache(maxsize=16)
def _scanner(names: frozenset[str], schemes: frozenset[str]) -> _Scanner:
    """The scanner for an allowlist; cached by value, so policies with equal lists share it."""
    alternatives = "|".join(sorted(names, key=lambda name: (-len(name), name)))
    plain = "|".join(sorted(re.escape(scheme) for scheme in schemes)) or "(?!)"
    allowed = rf"(?![\s\x00-\x20]*+(?:{plain}):)"
    # one fixed-width look-behind per name keeps "=" the literal the engine skips to
    named = "|".join(rf"(?<=[\s\"'/]{name}=)" for name in sorted(_URL_ATTRS))
    value = rf"\s*+(?:\"{allowed}([^\"]*)\"|'{allowed}([^']*)'|(?![\"']){allowed}([^\s>]+))"
    return _Scanner(
        names=names,
        tags=re.compile(rf"<({alternatives})(?=[\s/>])"),
        bare=re.compile(r"<([a-z][a-z0-9-]*+)\s++([^\s<>=\"'/][^<>=\"']*+)>"),
        handlers=re.compile(r"on[a-z]++(?=\s*+=)"),
        values=re.compile(rf"=(?:{named}){value}"),
        value_at=re.compile(value),
    )


def _missed(lower: str, scanner: _Scanner, starts: frozenset[str] | None) -> Counter[tuple[str, str]]:
    """What ``scanner`` finds in lower-cased HTML, by (kind, name).

    ``starts``: the start-tag names in ``lower`` when the caller has them (the document's
    shared scan); a post holding none of :attr:`_Scanner.names` is not searched for them.
    """
    found: Counter[tuple[str, str]] = Counter()
    if starts is None or not starts.isdisjoint(scanner.names):
        for tag in scanner.tags.findall(lower):
            found["tag", tag] += 1
    for tag, words in scanner.bare.findall(lower):
        found["bare", f"{tag} {' '.join(words.rstrip('/').split())}"] += 1
    for match in scanner.handlers.finditer(lower):
        at = match.start()
        if at and lower[at - 1] in _ATTR_START:
            found["handler", ""] += 1
    for groups in scanner.values.findall(lower):
        found["url", groups[0] or groups[1] or groups[2]] += 1
    if _SPACED.search(lower) is not None:
        _spaced(lower, scanner, found)
    return found


def _spaced(lower: str, scanner: _Scanner, found: Counter[tuple[str, str]]) -> None:
    """Attributes written ``name = value``, which the ``=``-anchored patterns cannot see."""
    for match in _SPACED.finditer(lower):
        at = match.start()
        name = _NAME_BEFORE.search(lower, max(0, at - 48), at)
        if name is None or name.start() == 0 or lower[name.start() - 1] not in _ATTR_START:
            continue
        if name.group(1) not in _URL_ATTRS:
            continue
        value = scanner.value_at.match(lower, at + 1)
        if value is not None:
            found["url", value.group(1) or value.group(2) or value.group(3)] += 1


def _unchanged(source: str, out: str, rel: str) -> bool:
    """Whether nh3 returned ``source`` as it was, but for the ``rel`` it puts on links.

    Editor output and re-rendered posts are often already clean; one C-speed comparison
    then replaces the scan for what was removed.
    """
    if rel and len(out) != len(source):
        out = out.replace(f' rel="{rel}"', "")
    return out == source


def report_removed(doc: Document, source: str, out: str, allow: Allowlist) -> None:
    """Count what the sanitizer took out that a reader would miss (design point 10).

    Elements removed with their content, unwrapped media, frames and form controls
    (:data:`MISSED_TAGS`), event handlers and URLs whose scheme is off the allowlist: the
    difference between what went in and what came out, so it cannot drift from the sanitizer.
    Presentational attributes (``class``, ``style``, ``id``, ``data-*``, ...), wrappers whose
    text stays (``span``, ``font``, ``div``, ``cite``, unknown tags) and comments are an
    editor's markup, not the person's content, and are not counted. In most posts the scans of
    ``source`` find nothing, and then ``out`` is not scanned at all.
    """
    tags = (allow.clean_content_tags - _UNSEEN_ELEMENTS) | (MISSED_TAGS - allow.tags)
    scanner = _scanner(frozenset(tags), allow.url_schemes)
    # the lower-cased source the stages' prefilters made, when no stage has changed the post
    # the start tags the person wrote (the shared scan of the source) decide whether the tag
    # pattern runs: stages add only markup they answer for (the embed stage's players)
    lower = doc.scan.lower if source is doc.content else source.lower()
    found_in = _missed(lower, scanner, doc.scan.start_tags if doc.format == "html" else None)
    if not found_in:
        return
    found_out = _missed(out.lower(), scanner, None)
    for (kind, name), count in sorted((found_in - found_out).items()):
        if kind == "tag":
            doc.remove("elements" if name in allow.clean_content_tags else "tags", name, count)
        elif kind == "bare":
            tag, _, words = name.partition(" ")
            kept = allow.allowed_attributes(tag) | _BOOLEAN_ATTRIBUTES
            for word in words.split():
                if word not in kept:
                    doc.remove("attributes", word, count)
        elif kind == "handler":
            doc.remove("attributes", "event handler", count)
        else:
            scheme = url_scheme(name)
            if scheme is not None and scheme not in allow.url_schemes:
                doc.remove("links", f"{scheme}:", count)


class _Nh3:
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


class _Bleach:
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
                        for key in [k for k in attrs if k[1] in _URL_ATTRS]:
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


def _build(policy: Policy, name: str) -> _Nh3 | _Bleach:
    """The backend ``name`` for ``policy``'s allowlist; ConfigError when it refuses it."""
    return _Nh3(policy) if name == "nh3" else _Bleach(policy)


def _may_be_own(out: str, policy: Policy) -> bool:
    """A cheap test before the per-link work: a relative link, or a mention of an own host."""
    if "nofollow" not in policy.link_rel or not policy.own_links_follow:
        return False
    if policy.own_hosts:
        lower = out.lower()  # hosts are case-insensitive: HTTPS://Forum.Example/ is own
        if any(host in lower for host in policy.own_hosts):
            return True
    at = out.find(' href="')
    while at >= 0:
        if _SCHEME_AT.match(out, at + 7) is None:
            return True
        at = out.find(' href="', at + 7)
    return False


def _own_links(out: str, policy: Policy) -> str:
    """Drop ``nofollow`` from links to the forum itself (relative or ``own_hosts``)."""
    if "nofollow" not in policy.link_rel:
        return out
    own_rel = " ".join(word for word in policy.link_rel.split() if word != "nofollow")
    rel_attr = f'rel="{policy.link_rel}"'

    def fix(match: re.Match[str]) -> str:
        tag = match.group()
        href = _HREF.search(tag)
        if href is None:
            return tag
        if is_own_link(htmllib.unescape(href.group(1)), policy.own_hosts):  # as a browser reads it
            return tag.replace(rel_attr, f'rel="{own_rel}"' if own_rel else "")
        return tag

    return _A_TAG.sub(fix, out)


@dataclass(frozen=True)
class Sanitize:
    """The last stage: everything not on the allowlist goes, and is counted."""

    backend: Literal["nh3", "bleach"] | None = None
    """None: the policy's ``sanitizer``."""
    name: str = "sanitize"
    sanitizes: bool = True
    #: the policy this copy was bound to and its backend (see :meth:`bind`)
    _bound: tuple[Policy, _Nh3 | _Bleach] | None = field(default=None, init=False, repr=False, compare=False)

    def check(self, policy: Policy) -> None:
        """Raise :class:`~composer.ConfigError` when the backend refuses ``policy``'s
        allowlist or its extra is not installed."""
        _build(policy, self.backend or policy.sanitizer)

    def bind(self, policy: Policy) -> Sanitize:
        """A copy holding the backend built for ``policy`` (the Pipeline calls this once, when
        it is built, and runs the copy). Raises as :meth:`check` does."""
        if self._bound is not None and self._bound[0] is policy:
            return self  # a pipeline derived from this one with the same policy: nothing to build
        bound = replace(self)
        object.__setattr__(bound, "_bound", (policy, _build(policy, self.backend or policy.sanitizer)))
        return bound

    def _backend(self, policy: Policy) -> _Nh3 | _Bleach:
        bound = self._bound
        if bound is not None and bound[0] is policy:
            return bound[1]
        return _build(policy, self.backend or policy.sanitizer)  # called outside a Pipeline

    @staticmethod
    def _clean(doc: Document, backend: _Nh3 | _Bleach, source: str) -> str:
        out = (backend.iframes if _players(doc) else backend.plain)(source)
        if _players(doc):
            out = harden_iframes(out)
        if "<pre" in out:  # html5ever's serializer drops the newline a parser eats there
            out = _PRE_NEWLINE.sub("\\1\n\n", out)
        if ' class=""' in out:  # nh3 leaves an empty class when it filtered every name out
            out = _EMPTY_CLASS.sub(r"\1", out)
        return out

    def __call__(self, doc: Document) -> None:
        policy = doc.policy
        backend = self._backend(policy)
        if _players(doc):
            _drop_user_iframes(doc)
        if isinstance(backend, _Bleach):
            _drop_content_tags(doc)
        source = doc.html
        out = self._clean(doc, backend, source)
        if "<" in source and not _unchanged(source, out, policy.link_rel):
            report_removed(doc, source, out, policy.allowlist)
        if may_have_empty(out):
            # typed empty (``<p><br></p>``), left by a stage (a refused image) or by the
            # sanitizer (``<p><script>..``): out of the tree, through the sanitizer again
            doc.set_html(out)
            _drop_empty(doc)
            out = self._clean(doc, backend, doc.html)
        out, direction = drop_direction_controls(out)
        doc.remove("characters", "direction control", direction)
        if "<a" in out and _may_be_own(out, policy):
            out = _own_links(out, policy)
        doc.set_html(out)
        if len(out) > policy.max_length:
            length = len(html_to_text(out))
            if length > policy.max_length:
                doc.problem("too_long", length=length, limit=policy.max_length)


def _players(doc: Document) -> bool:
    """Whether the embed stage built player iframes, which the sanitizer then admits."""
    return bool(doc.env.get(EMBED_IFRAMES))


def _drop_user_iframes(doc: Document) -> None:
    """Iframes the person wrote go before the embed stage's players are admitted: only the
    elements it listed in ``env[EMBED_IFRAMES]`` (by identity, in the current tree) pass."""
    ours = {id(el) for el in doc.env[EMBED_IFRAMES]}
    for iframe in list(doc.tree.iter("iframe")):
        if id(iframe) not in ours:
            doc.remove("elements", "iframe")
            iframe.drop_tree()


def _drop_empty(doc: Document) -> None:
    allow = doc.policy.allowlist
    iframes = {"iframe"} if _players(doc) else set()
    drop_empty(doc.tree, allow.tags | iframes, allow.clean_content_tags - iframes)


def _drop_content_tags(doc: Document) -> None:
    """bleach keeps the text of script and style as text; take those elements out first."""
    tags = doc.policy.allowlist.clean_content_tags
    if _players(doc):  # the embed stage's players; foreign ones are gone already
        tags = tags - {"iframe"}
    if not doc.has_tree:  # the prefilter; with a tree at hand, walking it is cheaper
        markup = doc.html
        lower = doc.scan.lower if markup is doc.content else markup.lower()
        if not any(f"<{tag}" in lower for tag in tags):
            return
    for el in list(doc.tree.iter(*tags)):
        if el.tag not in _UNSEEN_ELEMENTS:  # counted as report_removed counts for nh3
            doc.remove("elements", str(el.tag))
        el.drop_tree()
