"""Stage ``limits``: how many links and mentions a post carries, against the policy's limits.

It runs after the links and embed stages (so bare URLs are links and line-long ones embeds
by then) and before the sanitizer. What counts:

- a **link** is a distinct target: the ``href`` of an ``<a>`` a reader can follow
  (relative, ``http``, ``https``, ``mailto``, ...: any scheme but ``javascript``,
  ``vbscript`` and ``data``, which the sanitizer drops anyway; not a ``hashtag`` link, which
  goes to the forum's own tag page), or an embed (a
  ``composer-embed``, ``composer-photo`` or ``composer-card`` element, counted as the distinct
  targets of its links: one for an embed the embed stage built, which links only its URL,
  and each link for one a person typed with those classes). The same target twice is one
  link: HTML5 clones a misnested ``<a>`` (``<p><a href=x>1</p><p>2</p>`` shows two links
  to ``x``), so counting anchors would let the reader see more than was counted, while each
  distinct target needs its own ``<a`` in the markup. Links to the forum itself count too;
  mentions and hashtags do not.
- a **mention** is any element whose ``class`` holds ``mention`` (``<a class="mention"
  href="/u/ann">@ann</a>``, as Discourse and :class:`composer.stages.Mentions` write them),
  distinct by ``href`` (else by its text), when the sanitizer keeps that class there (the
  mention stage's ``allows``); else the reader sees a plain link, which counts as a link.
  The same goes for the ``hashtag`` class. This is the one count of mentions: the mention
  stage makes them (and lists one name per distinct ``href`` in ``Result.mentions``) but
  leaves the limit to this stage, which must run after it.

Over ``Policy.max_links``: problem ``too_many_links``; over ``Policy.max_mentions``: problem
``too_many_mentions``; both with ``limit``, ``count`` and ``role`` params. When the policy
names its role (a :meth:`~composer.Policy.preset`), the role's own template says so
("New members can post at most 2 links."), unless the forum translated the plain code alone.

Most posts are too short to hold more links than the limit, or hold fewer ``<a`` and embed
classes than it (a few ``str.count`` prove it; with a numeric character reference in the
post, which may spell a class, each ``class`` attribute counts), and no ``mention`` class
(none can count when the sanitizer keeps that class nowhere, as in the default chain): the
tree is never touched. When a
stage parsed the tree already, two XPath counts ask the same of it, without serializing it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

from composer._html.scan import has_numeric_reference as _holds_reference
from composer._html.tree import parse
from composer.document import Document
from composer.messages import variant

#: the classes the embed stage puts on what it builds in place of a link
EMBED_CLASSES = frozenset({"composer-embed", "composer-photo", "composer-card"})
#: the class that marks a mention
MENTION_CLASS = "mention"
#: the class that marks a hashtag (``composer.stages.Hashtags``): neither a link nor a mention
HASHTAG_CLASS = "hashtag"
#: schemes no reader follows (the sanitizer removes them): such an anchor is not a link
_DEAD_SCHEMES = frozenset({"javascript", "vbscript", "data"})
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
#: the fewest characters of markup one link takes (``<a href=x>``, less one for safety)
_LINK_CHARS = 9
_CLASS = re.compile("class", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]+")


def _may_pass(html: str, limit: int) -> bool:
    """Whether ``html`` may hold more than ``limit`` links. A link takes at least
    :data:`_LINK_CHARS` characters, so a short post cannot (no scan at all); else an upper
    bound: every ``<a`` (``<abbr`` too) and every embed class. Attribute values decode
    character references, so ``class="composer&#45;embed"`` is an embed class too: where the
    markup holds a numeric reference (one ``memchr`` for "#"), every ``class`` attribute may
    be one, and each is counted. (No named reference spells a character of those classes:
    HTML5 names none for ASCII letters or "-".)"""
    if len(html) < _LINK_CHARS * (limit + 1):
        return False
    lower = html.lower()
    anchors = lower.count("<a")
    if anchors + sum(lower.count(cls) for cls in EMBED_CLASSES) > limit:
        return True
    return _holds_reference(html) and anchors + lower.count("class") > limit


#: on a tree a stage parsed, the same two questions without serializing it (~35 us, which
#: the sanitizer pays again): the elements, more than any count of links; a class naming
#: ``mention`` (attribute values are decoded there, so no reference can hide the word)
#: (``descendant::*`` is read in half the time of ``.//*``, which visits every node first)
_ELEMENTS = etree.XPath("count(descendant::*)")
_MENTION_IN_CLASS = etree.XPath(f"boolean(descendant::*/@class[contains(., '{MENTION_CLASS}')])")


def _tree_may_pass(root: HtmlElement, limit: int) -> bool:
    """:func:`_may_pass` on a parsed tree: each link or embed counted is an element."""
    elements = _ELEMENTS(root)
    assert isinstance(elements, float)  # an XPath count is a number
    return elements > limit


def _mentions_kept(kept: Mapping[str, AbstractSet[str]]) -> bool:
    """Whether the sanitizer keeps the ``mention`` class on some tag: if not, no element is a
    mention (:func:`count`), so no post can be over ``max_mentions`` (the default chain:
    only a mention stage's ``allows`` adds the class)."""
    return any(MENTION_CLASS in names for names in kept.values())


def _may_mention(html: str) -> bool:
    """Whether an element may carry the class ``mention``: the word (or a character reference
    that may spell it) and a ``class`` attribute somewhere. Coarse on purpose: any finer
    look at the markup (a long or odd class value, ``&#109;ention``) could be fooled, and a
    post with both costs one parse."""
    if MENTION_CLASS not in html and ("#" not in html or not _holds_reference(html)):  # memchr first
        return False
    return _CLASS.search(html) is not None


def _classes(el: HtmlElement) -> list[str]:
    return (el.get("class") or "").split()


def _followable(href: str | None) -> bool:
    if href is None or not href.strip():
        return False
    match = _SCHEME.match(_INVISIBLE.sub("", href))
    return match is None or match.group(1).lower() not in _DEAD_SCHEMES


def count(root: HtmlElement, kept: Mapping[str, AbstractSet[str]] | None = None) -> tuple[int, int]:
    """``(links, mentions)`` under ``root``, as the module docstring defines them: distinct
    link targets (an embed's links are its targets, one for an embed the stage built; an
    embed without a link is one) and distinct mentions (keyed by ``href``, else by text); a
    hashtag is neither.

    ``kept``: the classes the sanitizer keeps, by tag (``Policy.allowlist.classes``); an
    element is a mention or a hashtag only when its class is kept (else the reader sees a
    plain link, and it counts as one). None: every class is kept.

    Iterative (a work stack), so depth costs no call stack; an embed's or a mention's subtree
    is not entered.
    """

    def marked(el: HtmlElement, classes: list[str], cls: str) -> bool:
        return cls in classes and (kept is None or cls in kept.get(el.tag, ()))

    targets: set[str] = set()
    mentions: set[str] = set()
    bare_embeds = 0
    work = [root]
    while work:
        el = work.pop()
        for child in el:
            if not isinstance(child.tag, str):
                continue
            classes = _classes(child)
            if marked(child, classes, MENTION_CLASS):
                mentions.add(child.get("href") or "text:" + child.text_content().strip())
            elif marked(child, classes, HASHTAG_CLASS):
                continue
            elif EMBED_CLASSES.intersection(classes):
                # every distinct target: a built embed links one URL, a typed one may hold more
                hrefs = {h.strip() for a in child.iter("a") if _followable(h := a.get("href"))}
                if hrefs:
                    targets.update(hrefs)
                else:
                    bare_embeds += 1
            else:
                if child.tag == "a" and _followable(href := child.get("href")):
                    targets.add((href or "").strip())
                work.append(child)
    return len(targets) + bare_embeds, len(mentions)


@dataclass(frozen=True)
class Limits:
    """Refuse a post over ``Policy.max_links`` or ``Policy.max_mentions`` (see the module)."""

    name: str = "limits"

    def __call__(self, doc: Document) -> None:
        policy = doc.policy
        kept = policy.allowlist.classes
        mentions_kept = _mentions_kept(kept)
        if doc.has_tree:
            root = doc.tree
            if not (_tree_may_pass(root, policy.max_links) or (mentions_kept and _MENTION_IN_CLASS(root))):
                return
        else:
            html = doc.html
            if not (_may_pass(html, policy.max_links) or (mentions_kept and _may_mention(html))):
                return
        # a tree of its own when no stage made one: counting must not decide the post's
        # output (libxml2 and HTML5 build misnested markup apart, `<b><p>..`), and a tree
        # made only to count needs no serialization after it
        links, mentions = count(doc.tree if doc.has_tree else parse(html), kept)
        for code, found, limit in (
            ("too_many_links", links, policy.max_links),
            ("too_many_mentions", mentions, policy.max_mentions),
        ):
            if found > limit:
                params = {"limit": limit}
                key = variant(code, policy.messages, role=policy.role, none=limit == 0, params=params)
                doc.problem(code, template=key, limit=limit, count=found, role=policy.role)
