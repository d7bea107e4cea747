"""Stage ``sanitize``: the allowlist, always last. nh3 by default, bleach as an option.

What nh3 took out that a reader would miss is counted from the difference between what went
in and what came out, so the ``content_removed`` notice cannot drift from the sanitizer; an
editor's own markup (classes, styles, wrappers) is not counted, so most posts need two regex
scans of the source that find nothing (see ``removed``). Iframes are admitted
only when the embed stage built them (``env[EMBED_IFRAMES]``) and only from
:attr:`~composer.allowlist.Allowlist.iframe_hosts`, with a fixed ``sandbox``. Links to the
forum itself (relative, or ``Policy.own_hosts``) lose ``nofollow``, unless
``Policy.own_links_follow`` is False.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal

from composer._html.atomic import compile_atomic
from composer._html.empty import MAYBE_EMPTY_PATTERN, drop_empty, has_empty
from composer._html.hosts import is_own_link
from composer._html.iframe import harden_iframes
from composer._html.scan import drop_direction_controls
from composer._html.scan import has_numeric_reference as _numeric_reference
from composer._html.text import html_to_text
from composer.document import EMBED_IFRAMES, EMBED_SPLICED, Document
from composer.policy import Policy
from composer.stages.sanitize.backends import Backend, BleachBackend, Nh3Backend, build_backend
from composer.stages.sanitize.removed import (
    UNSEEN_ELEMENTS,
    Scanner,
    removal_scanner,
    report_removed,
)

__all__ = ["Sanitize"]

#: what :meth:`Sanitize.bind` prepares: the policy, its backend and its removal scans
_Bound = tuple[Policy, Backend, Scanner]

_PRE_NEWLINE = re.compile(r"(<pre\b[^>]*>)\n")
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*")
_SCHEME_AT = re.compile(rf"{_SCHEME.pattern}:")
_A_TAG = re.compile(r'<a\s(?:[^>"]|"[^"]*")*>')
_HREF = re.compile(r'\shref="([^"]*)"')
_EMPTY_CLASS = re.compile(r'(<[a-zA-Z][^<>]*?) class=""(?=[\s/>])')
#: an empty attribute value, which ``' class=""'`` (nh3 filtered every name out) and
#: ``' href=""'`` (a link written with no value) both hold: one search anchored on "=", rare
#: in a sanitizer's output (~20 in 5 KB), answers both (~2.5 µs, against ~5.5 for the two ``in``)
_EMPTY_VALUE = re.compile('=""')
#: two questions of the output in one pass: where an empty element may be (the prefilter of
#: :mod:`composer._html.empty`, tried first at every "<"), and where a ``<pre`` is
_EMPTY_OR_PRE = compile_atomic(f"{MAYBE_EMPTY_PATTERN}|<(?P<pre>pre)")
_MAYBE_EMPTY = compile_atomic(MAYBE_EMPTY_PATTERN)


@lru_cache(maxsize=16)
def _absolute(schemes: frozenset[str]) -> tuple[str, ...]:
    """The allowed schemes as an href's value starts with them (those :data:`_SCHEME_AT` reads)."""
    return tuple(f"{scheme}:" for scheme in sorted(schemes) if _SCHEME.fullmatch(scheme))


def _may_be_own(out: str, policy: Policy, relative: bool = True, values: bool = True) -> bool:
    """A cheap test before the per-link work: a relative link, or a mention of an own host.

    ``relative``: False when the sanitizer's input held no URL value but one plainly starting
    with an allowed scheme (:func:`~composer.stages.sanitize.removed.report_removed` says so):
    a link in ``out`` is then relative only if its ``href`` had no value, and is now empty.
    ``values``: False when ``out`` holds no empty attribute value (``=""``) at all.
    """
    if "nofollow" not in policy.link_rel or not policy.own_links_follow:
        return False
    if policy.own_hosts:
        lower = out.lower()  # hosts are case-insensitive: HTTPS://Forum.Example/ is own
        if any(host in lower for host in policy.own_hosts):
            return True
    if not relative and not (values and ' href=""' in out):
        return False
    absolute = _absolute(policy.allowlist.url_schemes)  # a capital HTTPS: is left to the regex
    at = out.find(' href="')
    while at >= 0:
        if not out.startswith(absolute, at + 7) and _SCHEME_AT.match(out, at + 7) is None:
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
    #: the policy this copy was bound to, its backend and its removal scans (see :meth:`bind`)
    _bound: _Bound | None = field(default=None, init=False, repr=False, compare=False)

    def check(self, policy: Policy) -> None:
        """Raise :class:`~composer.ConfigError` when the backend refuses ``policy``'s
        allowlist or its extra is not installed."""
        build_backend(policy, self.backend or policy.sanitizer)

    def bind(self, policy: Policy) -> Sanitize:
        """A copy holding the backend built for ``policy`` (the Pipeline calls this once, when
        it is built, and runs the copy). Raises as :meth:`check` does."""
        if self._bound is not None and self._bound[0] is policy:
            return self  # a pipeline derived from this one with the same policy: nothing to build
        bound = replace(self)
        object.__setattr__(bound, "_bound", self._prepared(policy))
        return bound

    def _prepared(self, policy: Policy) -> _Bound:
        backend = build_backend(policy, self.backend or policy.sanitizer)
        return policy, backend, removal_scanner(policy.allowlist)

    def _prepared_for(self, policy: Policy) -> _Bound:
        bound = self._bound
        if bound is not None and bound[0] is policy:
            return bound
        return self._prepared(policy)  # called outside a Pipeline

    @staticmethod
    def _clean(doc: Document, backend: Backend, source: str) -> tuple[str, bool, bool]:
        """The sanitizer's output for ``source``, fixed up, and two answers about it: whether
        it may hold an empty element (:func:`~composer._html.empty.may_have_empty`'s
        prefilter) and an empty attribute value (``=""``)."""
        out = (backend.iframes if _players(doc) else backend.plain)(source)
        if _players(doc):
            out = harden_iframes(out, escaped=isinstance(backend, Nh3Backend))
        values = _EMPTY_VALUE.search(out) is not None
        if values and ' class=""' in out:  # nh3 leaves an empty class when it filtered every name out
            out = _EMPTY_CLASS.sub(r"\1", out)
        pre, empty = _pre_and_empty(doc, backend, source, out)
        if pre:  # html5ever's serializer drops the newline a parser eats after <pre>
            out = _PRE_NEWLINE.sub("\\1\n\n", out)  # (no element it may empty is a <pre>)
        return out, empty, values

    def __call__(self, doc: Document) -> None:
        policy = doc.policy
        _, backend, scanner = self._prepared_for(policy)
        if _players(doc):
            _drop_user_iframes(doc)
        if isinstance(backend, BleachBackend):
            _drop_content_tags(doc)
        source = doc.html
        out, empty, values = self._clean(doc, backend, source)
        # whether the source may hold a relative link (or a handler, or an odd scheme)
        odd = "<" in source and report_removed(doc, source, out, policy.allowlist, scanner)
        if empty and has_empty(out):
            # typed empty (``<p><br></p>``), left by a stage (a refused image) or by the
            # sanitizer (``<p><script>..``): out of the tree, through the sanitizer again
            doc.set_html(out)
            _drop_empty(doc)
            source = doc.html
            out, _, values = self._clean(doc, backend, source)
        if _may_hold_direction(doc, source, out):
            out, direction = drop_direction_controls(out)
            if direction:
                doc.remove("characters", "direction control", direction)
                values = True  # href="\u202e" is empty now (the report says odd for it today)
        if "<a" in out and _may_be_own(out, policy, odd, values):
            out = _own_links(out, policy)
        doc.set_html(out)
        if len(out) > policy.max_length:
            text = html_to_text(out)
            doc.keep_text(out, text)  # Result.text, with no second parse
            length = len(text)
            if length > policy.max_length:
                doc.problem("too_long", length=length, limit=policy.max_length)


def _pre_and_empty(doc: Document, backend: Backend, source: str, out: str) -> tuple[bool, bool]:
    """Whether ``out``, the sanitizer's output for ``source``, may hold a ``pre`` element, and
    whether it may hold an empty one (:func:`~composer._html.empty.may_have_empty`'s prefilter).

    nh3's plain cleaner keeps a ``pre`` element only where ``source`` opened one, and writes
    every other ``<`` (in text and values; it keeps no raw-text element) as ``&lt;``, so when
    ``source`` is the post as parsed, the shared start-tag scan answers the first for free;
    otherwise the pass that answers the second finds each ``<pre`` too (~1.5 µs more over
    5 KB, where a search of its own costs ~5).
    """
    plain = isinstance(backend, Nh3Backend) and not _players(doc)
    if plain and source is doc.content and doc.format == "html":
        return "pre" in doc.scan.start_tags, _MAYBE_EMPTY.search(out) is not None
    pre = False
    for match in _EMPTY_OR_PRE.finditer(out):
        if match.group("pre") is None:  # a possible empty element: the rare case, asked again
            return "<pre" in out, True
        pre = True  # every "<" was tried for an empty element first, this one too
    return pre, False


def _may_hold_direction(doc: Document, source: str, out: str) -> bool:
    """Whether ``out``, the sanitizer's output for ``source``, may hold a direction control
    (U+202A-U+202E, U+2066-U+2069: :func:`~composer._html.scan.drop_direction_controls`).

    The sanitizer writes no character of its own but ASCII (and the policy's ``link_rel``),
    so when ``source`` is the post as parsed, a control in ``out`` was in ``source`` as typed,
    which the parse stage's control pass tells (``Scan.direction_controls``, read on the
    post's non-ASCII bytes), or as a numeric reference (``&#8238;``: no named one spells
    these), which a search for "&#" tells. On a post with emoji this spares a UTF-8 encoding
    and a byte scan of the whole output (~6 µs).
    """
    if out.isascii():
        return False
    if source is not doc.content or not doc.policy.link_rel.isascii():
        return True
    return doc.scan.direction_controls or _numeric_reference(source)


def _players(doc: Document) -> bool:
    """Whether the embed stage built player iframes, which the sanitizer then admits."""
    return bool(doc.env.get(EMBED_IFRAMES)) or EMBED_SPLICED in doc.env


def _drop_user_iframes(doc: Document) -> None:
    """Iframes the person wrote go before the embed stage's players are admitted: only the
    elements it listed in ``env[EMBED_IFRAMES]`` (by identity, in the current tree) and the
    ones carrying its mark ``env[EMBED_SPLICED]`` (a value random per run) pass, without
    the mark. In a string with no tree, when every ``<iframe`` carries the mark, the marks
    are taken off and no tree is parsed."""
    marked: str | None = doc.env.get(EMBED_SPLICED)
    if marked is not None and not doc.has_tree:
        markup = doc.html
        if markup.lower().count("<iframe") == markup.count(marked):
            doc.set_html(markup.replace(marked, ""))
            return
    ours = {id(el) for el in doc.env.get(EMBED_IFRAMES, ())}
    name, _, value = (marked or "").strip().partition("=")
    for iframe in list(doc.tree.iter("iframe")):
        if marked is not None and iframe.get(name) == value.strip('"'):
            del iframe.attrib[name]
        elif id(iframe) not in ours:
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
        if el.tag not in UNSEEN_ELEMENTS:  # counted as report_removed counts for nh3
            doc.remove("elements", str(el.tag))
        el.drop_tree()
