"""What a fetched page says about itself: its ``<head>``'s OpenGraph, Twitter card and plain
HTML metadata, and the oEmbed endpoint it names (discovery).

Steps 5 and 6 of the package docstring (:mod:`composer.embeds`), kept apart from the resolver's
order of steps because they change for another reason: how real pages write their metadata
(charsets, ``rel="alternative"``, ``og:video:secure_url``). BeautifulSoup does the reading here,
where tolerance matters more than speed. Every value is data: URLs only when http(s), sizes only
when in range; the resolver cuts the text to length.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, SoupStrainer
from bs4.dammit import UnicodeDammit
from bs4.element import Tag

__all__ = ["OEMBED_TYPES", "PageMeta", "http_url", "page_metadata", "size"]

#: the types a ``<link rel="alternate">`` names an oEmbed endpoint with
OEMBED_TYPES = ("application/json+oembed", "text/json+oembed")


def http_url(value: object, base: str | None = None) -> str | None:
    """``value`` as an absolute http(s) URL (joined to ``base`` when given), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    url = urljoin(base, value.strip()) if base else value.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.hostname else None


def size(value: object) -> int | None:
    """``value`` as a width or height in pixels (1 to 4096), or None."""
    try:
        number = int(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 < number <= 4096 else None


@dataclass(frozen=True)
class PageMeta:
    """What a page's ``<head>`` says about itself (OpenGraph, Twitter card, plain HTML)."""

    title: str | None = None
    description: str | None = None
    site_name: str | None = None
    image: str | None = None
    video: str | None = None
    width: int | None = None
    height: int | None = None
    oembed: str | None = None


_HEAD_TAGS = SoupStrainer(["title", "meta", "link"])


def page_metadata(body: bytes, charset: str | None, base_url: str) -> PageMeta:
    """Read the metadata of an HTML page with BeautifulSoup.

    UnicodeDammit picks the encoding (the HTTP charset first, then ``<meta charset>``, then a
    guess); only the part before ``</head>`` is parsed when there is one, and of it only the
    ``title``, ``meta`` and ``link`` tags (a page's body can be a megabyte of scripts).
    """
    dammit = UnicodeDammit(body, [charset] if charset else [], is_html=True)
    markup = dammit.unicode_markup or ""
    end = markup.find("</head>")
    if end < 0:
        end = markup.find("</HEAD>")
    if end >= 0:
        markup = markup[:end]
    soup = BeautifulSoup(markup, "lxml", parse_only=_HEAD_TAGS)
    props: dict[str, str] = {}
    oembed = None
    title = None
    for tag in soup.find_all(["meta", "link", "title"]):
        if not isinstance(tag, Tag):
            continue
        if tag.name == "title":
            title = title or tag.get_text()
        elif tag.name == "meta":
            key = tag.get("property") or tag.get("name")
            content = tag.get("content")
            if isinstance(key, str) and isinstance(content, str):
                props.setdefault(key.strip().lower(), content)
        elif oembed is None:
            rel = tag.get("rel") or []
            rels = {r.lower() for r in (rel if isinstance(rel, list) else rel.split())}
            kind = tag.get("type")
            # Flickr writes rel="alternative"
            if rels & {"alternate", "alternative"} and isinstance(kind, str) and kind.lower() in OEMBED_TYPES:
                oembed = http_url(tag.get("href"), base_url)

    def first(*keys: str) -> str | None:
        return next((props[k] for k in keys if props.get(k, "").strip()), None)

    def first_url(*keys: str) -> str | None:
        return next((url for k in keys if (url := http_url(props.get(k), base_url))), None)

    video = None
    video_type = first("og:video:type")
    if video_type is None or video_type.lower() == "text/html":
        video = first_url("og:video:secure_url", "og:video:url", "og:video")
        video = video if video and video.startswith("https://") else None
    return PageMeta(
        title=first("og:title", "twitter:title") or title,
        description=first("og:description", "twitter:description", "description"),
        site_name=first("og:site_name", "application-name"),
        image=first_url(
            "og:image:secure_url", "og:image", "og:image:url", "twitter:image", "twitter:image:src"
        ),
        video=video,
        width=size(first("og:video:width")) if video else None,
        height=size(first("og:video:height")) if video else None,
        oembed=oembed,
    )
