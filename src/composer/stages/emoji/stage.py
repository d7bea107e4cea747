"""Stage ``emoji``: count emoji as a reader sees them; over ``Policy.max_emoji``, refuse or trim.

What counts is the text a reader sees, in document order:

* Unicode emoji in text, counted grapheme-exact by :mod:`composer.stages.emoji.counter` (its docstring lists
  the rules: text-default characters without VS16 are text, non-RGI ZWJ joins count per piece);
* ``:shortcode:`` names (the ``emoji`` package's alias names), converted to the emoji when
  ``Policy.convert_shortcodes`` is on, and then counted like any emoji;
* the forum's own emoji images, ``<img class="emoji">`` (``Policy.custom_emoji_class``).

Not counted: attribute values (``alt``, ``title``, ``href``), URLs in text, whether bare or the
text of a link (a URL is an address, not prose: emoji in it are never trimmed, which would change
where it goes), elements the sanitizer drops with their content (``script``, ``textarea``, ...),
and ``code``/``pre`` unless ``Policy.count_emoji_in_code``. Shortcodes are never converted in code.

Over the limit, ``emoji_over_limit="reject"`` adds the problem ``emoji_limit`` (with
``max_emoji=0`` the message is "Emoji are not allowed."); ``"trim"`` removes every emoji after
the first ``max_emoji`` from the tree and adds the notice ``emoji_trimmed``. ``stats["emoji"]``
is the number of emoji in the returned HTML.

Cost: most posts never reach the tree. A post whose source is ASCII with no entity, no known
``:shortcode:`` and no mention of the custom class holds no emoji; a non-ASCII one is counted on
its raw HTML first, and when even that finds none (accented text, typographic quotes) the tree is
not needed either: the visible text is a part of the raw text. A plain-text post is counted on
its source, URLs left out, which is exactly what its HTML shows. The tree is walked only for
markup that holds emoji, shortcodes to convert, custom emoji, or emoji to trim. A tree an
earlier stage parsed (a cleaned Office paste) is walked only when its text, joined in C, holds
a character an emoji is made of or a shortcode, or its source custom emoji.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

from composer._html.facts import Scan
from composer._html.urls import find_links
from composer.document import Document
from composer.policy import Policy
from composer.stages.emoji import counter as _emoji
from composer.stages.emoji.raw import count_in_raw_text, has_split_shortcode, joins_across

_CODE = frozenset({"code", "pre"})
#: never shown, whatever the allowlist says
_HIDDEN = frozenset({"head", "title", "script", "style", "template"})
_IMG_WITH_CLASS = re.compile(r"<img\b[^>]*\bclass\s*=", re.IGNORECASE)
#: what a removed emoji leaves behind that would only dangle: presentation selectors after it
_TRAILING = "\ufe0e\ufe0f"
_ZWJ = "\u200d"


def _has_custom(facts: Scan, css_class: str) -> bool:
    """Whether the source may hold ``<img class=...>`` (exactly: whether the pattern finds one).

    The pattern needs ``<img`` in any case (``I``, ``İ`` or ``ı`` for the ``i``): the shared
    start-tag names hold ``img`` wherever ``<img`` is, unless the ``i`` is a dotless ``ı``.
    """
    if not css_class:
        return False
    if "img" not in " ".join(facts.start_tags) and (facts.ascii or "\u0131" not in facts.text):
        return False
    source = facts.text
    return css_class in source and _IMG_WITH_CLASS.search(source) is not None


def _pieces(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into ``(piece, is_url)`` parts, URLs found as the links stage finds them."""
    if "://" not in text and "www." not in text.lower():
        return [(text, False)]
    pieces: list[tuple[str, bool]] = []
    last = 0
    for link in find_links(text):
        if link.index > last:
            pieces.append((text[last : link.index], False))
        pieces.append((text[link.index : link.last_index], True))
        last = link.last_index
    if last < len(text):
        pieces.append((text[last:], False))
    return pieces


class _Walk:
    """One pass over the tree in document order: convert, count and (in trim mode) cut."""

    def __init__(self, policy: Policy, trim: bool) -> None:
        self.convert = policy.convert_shortcodes
        self.in_code = policy.count_emoji_in_code
        self.css_class = policy.custom_emoji_class
        self.hidden = _HIDDEN | policy.allowlist.clean_content_tags
        self.keep = policy.max_emoji if trim else None
        self.count = 0
        self.removed = 0
        self.drop: list[HtmlElement] = []

    def element(self, root: HtmlElement, code: bool) -> None:
        """Text, then each child's subtree, then its tail, in document order; iterative (a
        stack of child iterators), so the tree's depth costs no call stack."""
        self.own_text(root, code)
        # a frame: the children still to visit, whether they are in code, and the element
        # whose tail comes once they are done (with the code flag of its parent)
        stack: list[tuple[Iterator[HtmlElement], bool, HtmlElement | None, bool]] = [
            (iter(root), code, None, code)
        ]
        while stack:
            children, inside, _, _ = stack[-1]
            child = next(children, None)
            if child is None:
                _, _, owner, outer = stack.pop()
                if owner is not None:
                    self.tail(owner, outer)
                continue
            tag = child.tag
            if isinstance(tag, str) and tag not in self.hidden:
                inner = inside or tag in _CODE
                if tag != "img":
                    self.own_text(child, inner)
                    stack.append((iter(child), inner, child, inside))
                    continue
                self.image(child, inner)
            self.tail(child, inside)

    # a text with no colon and no character outside ASCII holds neither shortcode nor emoji:
    # passed over before the call (most of a post's texts)

    def own_text(self, el: HtmlElement, code: bool) -> None:
        text = el.text
        if text and (":" in text or not text.isascii()) and (new := self.text(text, code)) is not text:
            el.text = new  # only when changed: lxml re-encodes on every assignment

    def tail(self, el: HtmlElement, code: bool) -> None:
        tail = el.tail
        if tail and (":" in tail or not tail.isascii()) and (new := self.text(tail, code)) is not tail:
            el.tail = new

    def image(self, img: HtmlElement, code: bool) -> None:
        if (code and not self.in_code) or self.css_class not in (img.get("class") or "").split():
            return
        self.count += 1
        if self.keep is not None and self.count > self.keep:
            self.removed += 1
            self.drop.append(img)

    def text(self, text: str, code: bool) -> str:
        counted = self.in_code or not code
        convert = self.convert and not code
        # most text holds no shortcode and no emoji character: no URL split, no count; exact
        # for each piece, since a piece's shortcode is a pair of colons of the whole text
        if not (convert and _emoji.has_shortcode_in_joined(text)) and not (
            counted and _emoji.may_hold_emoji(text)
        ):
            return text
        changed = False
        out = []
        for piece, is_url in _pieces(text):
            if not is_url:
                if convert and ":" in piece:
                    converted = _emoji.emojize(piece)
                    changed = changed or converted != piece
                    piece = converted
                if counted and not piece.isascii():
                    cut = self.piece(piece)
                    changed = changed or cut != piece
                    piece = cut
            out.append(piece)
        return "".join(out) if changed else text

    def piece(self, text: str) -> str:
        """Count the emoji in ``text``; return it without those over the limit (trim mode)."""
        if self.keep is None:
            self.count += _emoji.count(text)
            return text
        spans = _emoji.spans(text)
        keep = max(self.keep - self.count, 0)
        self.count += len(spans)
        if len(spans) <= keep:
            return text
        self.removed += len(spans) - keep
        out = []
        last = 0
        for start, end in spans[keep:]:
            if start > last and text[start - 1] == _ZWJ:
                start -= 1  # the joiner that tied this emoji to the one kept before it
            while end < len(text) and text[end] in _TRAILING:
                end += 1
            out.append(text[last:start])
            last = end
        out.append(text[last:])
        return "".join(out)


@dataclass(frozen=True)
class Emoji:
    """Enforce ``Policy.max_emoji`` on the emoji a reader sees; report ``stats["emoji"]``."""

    name: str = "emoji"

    def __call__(self, doc: Document) -> None:
        policy = doc.policy
        limit = policy.max_emoji
        trim = policy.emoji_over_limit == "trim"
        if doc.has_tree:
            found = None if _tree_needs_walk(doc) else 0
        else:
            found = None if _tree_work(doc) else _count_without_tree(doc)
        if found is not None and not (trim and found > limit):
            _report(doc, found, 0)
            return
        walk = _Walk(policy, trim=trim)
        walk.element(doc.tree, code=False)
        for img in walk.drop:
            img.drop_tree()
        _report(doc, walk.count, walk.removed)


def _report(doc: Document, found: int, removed: int) -> None:
    limit = doc.policy.max_emoji
    doc.stats["emoji"] = found - removed
    if removed:
        doc.notice("emoji_trimmed", removed=removed, limit=limit)
    elif found > limit:
        # "Emoji are not allowed." for 0, unless the forum translated only emoji_limit
        messages = doc.policy.messages
        none = limit == 0 and ("emoji_none" in messages or "emoji_limit" not in messages)
        doc.problem("emoji_limit", template="emoji_none" if none else None, limit=limit)


def _tree_work(doc: Document) -> bool:
    """Whether the walk has work besides counting: shortcodes to convert (spelled out in the
    source, or made by the parser: :func:`raw.has_split_shortcode`), custom emoji images."""
    policy = doc.policy
    content = doc.content
    markup = doc.format != "text"  # only markup spells characters as references, or drops tags
    return (
        policy.convert_shortcodes
        and (_emoji.has_shortcode(content) or (markup and has_split_shortcode(content)))
    ) or (doc.format == "html" and _has_custom(doc.scan, policy.custom_emoji_class))


def _tree_needs_walk(doc: Document) -> bool:
    """Whether the walk of a tree an earlier stage parsed may find anything: the text of the
    tree (every text and tail, joined by libxml2 in C: a cleaned Office paste's text is a
    fraction of its source, and holds no entity) holds a character an emoji is made of, or a
    shortcode, or the source a custom emoji. Exact on joined text: an emoji character is
    one whatever stands around it, and the shortcode test reads every pair of colons."""
    policy = doc.policy
    text = etree.tostring(doc.tree, method="text", encoding="unicode")
    return (
        _emoji.may_hold_emoji(text)
        or (policy.convert_shortcodes and _emoji.has_shortcode_in_joined(text))
        or (doc.format == "html" and _has_custom(doc.scan, policy.custom_emoji_class))
    )


def _count_without_tree(doc: Document) -> int | None:
    """The exact count of a post with no tree when it can be had without one, else None.
    Never parses.

    No emoji: the source is ASCII with no entity, or even the raw HTML (attributes, code and
    all) holds none. Plain text: what a reader sees is the source with its URLs linked, so
    the count is the source's, URLs left out.
    """
    facts = doc.scan
    source = facts.text
    markup = doc.format != "text"  # only markup spells characters as entities
    if facts.ascii and not (markup and _emoji.has_entity(source)):
        return 0
    if doc.has_tree:
        return None  # the caller's business (see Emoji.__call__)
    if not markup:
        pieces = _pieces(source) if facts.url_starts else [(source, False)]
        return sum(_emoji.count(piece) for piece, is_url in pieces if not is_url)
    raw = doc.html
    if _emoji.has_entity(raw):
        decoded = htmllib.unescape(raw)
        return None if _emoji.found_any(decoded) or joins_across(decoded) else 0
    found = _emoji.groups(raw)
    if not found:
        return None if joins_across(raw) else 0
    if raw is not source:
        facts = Scan(raw)
    policy = doc.policy
    uncounted = _HIDDEN | policy.allowlist.clean_content_tags
    return count_in_raw_text(
        raw, found, facts, uncounted if policy.count_emoji_in_code else uncounted | _CODE
    )
