"""Quote cards for links to the forum's own topics and posts, built from what the forum says.

The forum knows its topics; the network does not need to be asked (and must not be: a
private topic's page is not for a link preview). So a link alone on its line to one of
``Policy.own_hosts`` is shown from a :class:`Card` the forum's own callback returns
(``Embeds(own_cards=lookup)``), never fetched:

1. the embed stage gathers every own-host URL of the post that would embed, and calls
   ``lookup(urls)`` once with all of them (:func:`ask`);
2. the lookup returns ``{url: Card}`` for the topics the reader may see; a URL it leaves out
   (unknown, private, deleted) stays a link;
3. each card becomes an ``aside.composer-quote`` (:func:`quote`): avatar and author, the linked
   title, the excerpt in a ``blockquote``, the date in a ``time``. All of it is text set on
   elements (escaped when serialized, and the sanitizer runs after), the avatar follows the
   image policy (``allow_remote_images``, ``image_proxy``) as every remote image does, and
   the stage declares the markup in its ``allows``.

A lookup that raises, or returns something other than a mapping, leaves every own link a
link, logs the error (logger ``composer.embeds``, with its traceback) and adds ``"own_cards"``
to ``Result.stats["lookup_failed"]``; a value that is not a :class:`Card` leaves its URL a link
(logged). The post is never refused nor lost for it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from lxml.html import Element, HtmlElement

from composer._html.build import child
from composer._html.scan import clean_controls, drop_direction_controls
from composer._lookup import ask as ask_lookup
from composer.allowlist import Allowlist
from composer.errors import InputError
from composer.policy import Policy

__all__ = ["ALLOWS", "MAX_EXCERPT", "MAX_TITLE", "Card", "OwnCards", "ask", "quote"]

_log = logging.getLogger("composer.embeds")

#: the longest title and excerpt shown, in characters; longer ones end in "…"
MAX_TITLE = 200
MAX_EXCERPT = 500
#: how far back a cut looks for the end of a word
_WORD = 30
#: the longest avatar URL used
_MAX_URL = 2048

#: what the sanitizer must keep for a quote card (the embed stage's ``allows``)
ALLOWS = Allowlist.of(
    tags={"time"},
    attributes={"time": {"datetime"}},
    classes={
        "aside": {"composer-quote"},
        "p": {"composer-quote-author", "composer-quote-title"},
        "blockquote": {"composer-quote-excerpt"},
        "img": {"composer-quote-avatar"},
    },
)


@dataclass(frozen=True)
class Card:
    """What the forum says about one of its topics or posts, for a quote card.

    ``title`` (non-empty), ``excerpt`` and ``author`` are plain text (never markup: they are
    shown as typed; control and direction-override characters are dropped here, as the
    sanitizer would drop them, so the person is never told of a removal from the forum's own
    text); the card shows at most :data:`MAX_TITLE` and :data:`MAX_EXCERPT`
    characters of them, cut at a word. ``avatar_url``: the author's picture, an ``http(s)`` URL or a path on
    the forum (``/user_avatar/ann/48/1.png``), shown at 24x24 CSS pixels, None for none.
    ``date``: when the post was written, a :class:`datetime.date` or
    :class:`datetime.datetime` (shown as its day, ``YYYY-MM-DD``), None for none.

    Raises :class:`~composer.InputError` when a field has the wrong type or ``title`` is blank.
    """

    title: str
    excerpt: str
    author: str
    avatar_url: str | None = None
    date: dt.date | None = None

    def __post_init__(self) -> None:
        for name in ("title", "excerpt", "author"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise InputError(f"Card.{name} must be a str, got {type(value).__name__} {value!r:.60}")
            object.__setattr__(self, name, drop_direction_controls(clean_controls(value)[0])[0])
        if not self.title.strip():
            raise InputError("Card.title must not be blank; a topic without a title stays a link")
        if self.avatar_url is not None and not isinstance(self.avatar_url, str):
            raise InputError(
                f"Card.avatar_url must be a str URL or None, got {type(self.avatar_url).__name__}"
            )
        if self.date is not None and not isinstance(self.date, dt.date):
            raise InputError(
                f"Card.date must be a datetime.date, a datetime.datetime or None, "
                f"got {type(self.date).__name__} {self.date!r:.60}"
            )


#: ``urls -> {url: Card}``: the forum's own callback, asked once per post
OwnCards = Callable[[Sequence[str]], Mapping[str, Card]]


def _card(value: object) -> Card | None:
    return value if isinstance(value, Card) else None


def ask(lookup: OwnCards, urls: Sequence[str]) -> dict[str, Card] | None:
    """The cards ``lookup`` gives for ``urls`` (only those asked, only :class:`Card` values);
    None when the lookup raised or returned something other than a mapping (logged)."""
    return ask_lookup(lookup, urls, _card, _log, "own-card lookup", "own links stay links")


def _cut(text: str, limit: int) -> str:
    """``text`` with white space folded, cut at a word (if one ends near) to ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[-_WORD:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + "…"


def _avatar(url: str | None, policy: Policy) -> str | None:
    """The avatar's ``src``: a path on the forum as it is, a remote URL by the image policy."""
    if not url or len(url) > _MAX_URL or any(c.isspace() or ord(c) < 0x20 for c in url):
        return None
    if url.startswith("/") and not url.startswith(("//", "/\\")):
        return url
    if not url.lower().startswith(("https://", "http://")) or not policy.allow_remote_images:
        return None
    return policy.image_proxy(url) if policy.image_proxy else url


def quote(url: str, card: Card, policy: Policy) -> HtmlElement:
    """``aside.composer-quote`` for ``card``, linking ``url``::

        <aside class="composer-quote">
          <p class="composer-quote-author"><img class="composer-quote-avatar" src alt width height>
            Author <time datetime="2026-11-30">2026-11-30</time></p>
          <p class="composer-quote-title"><a href="url">Title</a></p>
          <blockquote class="composer-quote-excerpt">Excerpt</blockquote>
        </aside>

    Parts with nothing to show (no avatar, author, date or excerpt) are left out.
    """
    aside = Element("aside")
    aside.set("class", "composer-quote")
    author = _cut(card.author, MAX_TITLE)
    avatar = _avatar(card.avatar_url, policy)
    if author or avatar or card.date is not None:
        line = child(aside, "p", "composer-quote-author")
        words = f"{author} " if author and card.date is not None else author  # a space before the date
        if avatar:
            img = child(line, "img", "composer-quote-avatar")
            img.set("src", avatar)
            img.set("alt", "")
            img.set("width", "24")
            img.set("height", "24")
            img.tail = f" {words}" if words else None
        else:
            line.text = words or None
        if card.date is not None:
            day = card.date.date() if isinstance(card.date, dt.datetime) else card.date
            child(line, "time", text=day.isoformat()).set("datetime", card.date.isoformat())
    title = child(child(aside, "p", "composer-quote-title"), "a", text=_cut(card.title, MAX_TITLE))
    title.set("href", url)
    excerpt = _cut(card.excerpt, MAX_EXCERPT)
    if excerpt:
        child(aside, "blockquote", "composer-quote-excerpt", excerpt)
    return aside
