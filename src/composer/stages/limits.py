"""Stage ``limits``: how many links and mentions a post carries, against the policy's limits.

It runs after the links and embed stages (so bare URLs are links and line-long ones embeds
by then) and before the sanitizer. What counts:

- a **link** is an ``<a>`` with an ``href`` a reader can follow (relative, ``http``,
  ``https``, ``mailto``, ...: any scheme but ``javascript``, ``vbscript`` and ``data``,
  which the sanitizer drops anyway), or an embed (a ``composer-embed``, ``composer-photo``
  or ``composer-card`` element, counted once however many links its card holds). Links to
  the forum itself count too; mentions do not.
- a **mention** is any element whose ``class`` holds ``mention`` (``<a class="mention"
  href="/u/ann">@ann</a>``, as Discourse and a later mention stage write them).

Over ``Policy.max_links``: problem ``too_many_links``; over ``Policy.max_mentions``: problem
``too_many_mentions``; both with ``limit``, ``count`` and ``role`` params. When the policy
names its role (a :meth:`~composer.Policy.preset`), the role's own template says so
("New members can post at most 2 links."), unless the forum translated the plain code alone.

Most posts hold fewer ``<a`` than the limit: one ``str.count`` proves it and the tree is
never touched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from lxml.html import HtmlElement

from composer.document import Document
from composer.messages import MESSAGES

#: the classes the embed stage puts on what it builds in place of a link
EMBED_CLASSES = frozenset({"composer-embed", "composer-photo", "composer-card"})
#: the class that marks a mention
MENTION_CLASS = "mention"
#: schemes no reader follows (the sanitizer removes them): such an anchor is not a link
_DEAD_SCHEMES = frozenset({"javascript", "vbscript", "data"})
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
#: how far back from a "mention" the prefilter looks for the tag it may be a class of
_WINDOW = 512
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]+")


def _may_mention(lower: str) -> bool:
    """Whether ``mention`` may stand in a tag's ``class``: each occurrence looks back at most
    :data:`_WINDOW` characters (linear; prose saying "as I mentioned" costs a few finds)."""
    at = lower.find(MENTION_CLASS)
    while at >= 0:
        low = max(at - _WINDOW, 0)
        lt, gt = lower.rfind("<", low, at), lower.rfind(">", low, at)
        if lt == gt == -1 and low > 0:
            return True  # no tag edge in the window: the tree decides
        if lt > gt and "class" in lower[lt:at]:
            return True
        at = lower.find(MENTION_CLASS, at + len(MENTION_CLASS))
    return False


def _classes(el: HtmlElement) -> list[str]:
    return (el.get("class") or "").split()


def _followable(href: str | None) -> bool:
    if href is None or not href.strip():
        return False
    match = _SCHEME.match(_INVISIBLE.sub("", href))
    return match is None or match.group(1).lower() not in _DEAD_SCHEMES


def count(root: HtmlElement) -> tuple[int, int]:
    """``(links, mentions)`` under ``root``, as the module docstring defines them.

    Iterative (a work stack), so depth costs no call stack; an embed's subtree is not entered.
    """
    links = mentions = 0
    work = [root]
    while work:
        el = work.pop()
        for child in el:
            if not isinstance(child.tag, str):
                continue
            classes = _classes(child)
            if MENTION_CLASS in classes:
                mentions += 1
                continue
            if EMBED_CLASSES.intersection(classes):
                links += 1
                continue
            if child.tag == "a" and _followable(child.get("href")):
                links += 1
            work.append(child)
    return links, mentions


def template(code: str, role: str | None, overrides: Mapping[str, str]) -> str:
    """The template key for ``code`` said to ``role``: ``too_many_links_new`` when the
    catalogue has one and the forum did not translate only the plain ``code``."""
    if role is None:
        return code
    keyed = f"{code}_{role}"
    if keyed not in MESSAGES:
        return code
    if keyed in overrides or code not in overrides:
        return keyed
    return code


@dataclass(frozen=True)
class Limits:
    """Refuse a post over ``Policy.max_links`` or ``Policy.max_mentions`` (see the module)."""

    name: str = "limits"

    def __call__(self, doc: Document) -> None:
        policy = doc.policy
        html = doc.html
        lower = html.lower()
        most = lower.count("<a") + sum(lower.count(cls) for cls in EMBED_CLASSES)
        mention = _may_mention(lower)
        if most <= policy.max_links and not mention:
            return  # fewer candidates than the limit, and no mention: nothing to count
        links, mentions = count(doc.tree)
        for code, found, limit in (
            ("too_many_links", links, policy.max_links),
            ("too_many_mentions", mentions, policy.max_mentions),
        ):
            if found > limit:
                key = template(code, policy.role, policy.messages)
                doc.problem(code, template=key, limit=limit, count=found, role=policy.role)
