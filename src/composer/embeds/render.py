"""An :class:`~composer.embeds.resolver.Embed` as lxml elements for the working tree.

What is built is only ever from the allowlist: a ``figure.composer-embed`` around an iframe
whose ``src`` host is in :attr:`~composer.allowlist.Allowlist.iframe_hosts` (the sanitizer adds
``sandbox``, ``loading`` and ``referrerpolicy`` itself, see :mod:`composer._html.iframe`), a
``figure.composer-photo`` around an image, or an ``aside.composer-card``. Whatever fails those
checks falls back to the card, and a card with nothing to show falls back to None (the plain
link stays). Images follow the image
policy (``allow_remote_images``, ``image_proxy``), as pasted images do.
"""

from __future__ import annotations

from lxml.html import Element, HtmlElement

from composer._html.build import child
from composer._html.iframe import iframe_src_allowed
from composer.embeds.resolver import Embed
from composer.policy import Policy


def _link(parent: HtmlElement, url: str, text: str) -> HtmlElement:
    a = child(parent, "a", text=text)
    a.set("href", url)
    return a


def _image_src(url: str | None, policy: Policy) -> str | None:
    if not url or not url.startswith(("https://", "http://")) or not policy.allow_remote_images:
        return None
    return policy.image_proxy(url) if policy.image_proxy else url


def _caption(figure: HtmlElement, embed: Embed) -> None:
    caption = child(figure, "figcaption", "composer-caption")
    _link(caption, embed.url, embed.title or embed.url)


def video(embed: Embed, policy: Policy) -> HtmlElement | None:
    """``figure > iframe + figcaption``, or None when the player's host is not allowlisted."""
    src = embed.iframe_src
    if not src or not iframe_src_allowed(src, policy.allowlist.iframe_hosts):
        return None
    figure = Element("figure")
    figure.set("class", "composer-embed")
    iframe = child(figure, "iframe")
    iframe.set("src", src)
    iframe.set("width", str(embed.width or 560))
    iframe.set("height", str(embed.height or 315))
    iframe.set("title", embed.title or f"{embed.site_name or 'Embedded'} player")
    if embed.allow:
        iframe.set("allow", embed.allow)
    iframe.set("allowfullscreen", "")
    _caption(figure, embed)
    return figure


def photo(embed: Embed, policy: Policy) -> HtmlElement | None:
    """``figure > a > img`` + caption, or None when the image may not be shown."""
    src = _image_src(embed.image_url, policy)
    if src is None:
        return None
    figure = Element("figure")
    figure.set("class", "composer-photo")
    img = child(_link(figure, embed.url, ""), "img")
    img.set("src", src)
    img.set("alt", embed.title or "")
    if embed.width and embed.height:
        img.set("width", str(embed.width))
        img.set("height", str(embed.height))
    _caption(figure, embed)
    return figure


def card(embed: Embed, policy: Policy) -> HtmlElement | None:
    """``aside.composer-card``: site name, linked title, description, thumbnail."""
    if not embed.title:
        return None
    aside = Element("aside")
    aside.set("class", "composer-card")
    if embed.site_name:
        child(aside, "p", "composer-card-site", embed.site_name)
    _link(child(aside, "p", "composer-card-title"), embed.url, embed.title)
    if embed.description:
        child(aside, "p", "composer-card-description", embed.description)
    thumbnail = _image_src(embed.thumbnail_url, policy)
    if thumbnail:
        img = child(aside, "img", "composer-card-thumbnail")
        img.set("src", thumbnail)
        img.set("alt", "")
    return aside


def render(embed: Embed, policy: Policy) -> HtmlElement | None:
    """The element for ``embed``; video and photo fall back to a card, a card to None."""
    built = None
    if embed.type == "video":
        built = video(embed, policy)
    elif embed.type == "photo":
        built = photo(embed, policy)
    return built if built is not None else card(embed, policy)
