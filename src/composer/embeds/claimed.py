"""Markup that claims to be an embed is read as the markup it is, without the claim.

The embed stage builds players, photos, link cards and quote cards from a URL alone on its
line, and marks each with a ``composer-*`` class (``composer-embed``, ``composer-card``,
``composer-quote``, ``composer-quote-author``, ...) that the allowlist keeps and the page
styles. Those classes are the stage's alone: an ``<aside class="composer-quote">`` typed or
pasted as HTML would otherwise pass the sanitizer as a quote card of any author, avatar and
words the person chose ("admin: send me your password"), indistinguishable from one the
forum built. So, before it builds anything, the stage takes every ``composer-*`` class off
the HTML it was given; what the elements show (their text, links, images) stays, counted by
the sanitizer as any other markup.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from composer._html.scan import has_numeric_reference as _numeric_reference

__all__ = ["CLAIM", "may_claim", "unclaim"]

#: the prefix of the classes the embed stage gives what it builds
CLAIM = "composer-"


def may_claim(content: str) -> bool:
    """The prefilter, C-speed: HTML can claim a class only by spelling the prefix, as is or
    with a numeric character reference (no named reference spells an ASCII letter or ``-``)."""
    return CLAIM in content or _numeric_reference(content)


def unclaim(root: HtmlElement) -> int:
    """Take every ``composer-*`` class off the elements under ``root`` (other classes stay);
    returns how many elements had one."""
    count = 0
    for el in root.iter():
        classes = el.get("class") if isinstance(el.tag, str) else None
        if not classes or CLAIM not in classes:
            continue
        kept = [c for c in classes.split() if not c.startswith(CLAIM)]
        if kept:
            el.set("class", " ".join(kept))
        else:
            del el.attrib["class"]
        count += 1
    return count
