"""Stage ``embed``: a URL alone on its line becomes an embed; anywhere else it stays a link.

"Alone on its line" means its own paragraph (or list item, quote), or the only content of a
line between ``<br>``s, as a link whose text is its URL. The stage embeds links only: bare
URLs were linked by the parse stage (markdown, text) or the links stage (HTML), which a chain
runs before this one; user iframes are the sanitizer's to remove (it admits only the players
this stage lists in ``env[EMBED_IFRAMES]`` or marks with ``env[EMBED_SPLICED]``). A post no
stage parsed is read as a string where that reading is exact (:mod:`composer.embeds.spliced`:
most line-long links stand alone in a ``<p>``), and the built element is written over the
paragraph; the tree decides every other post. Each embed adds the ``link_embedded`` notice with the
``display_as_link`` undo for its URL; URLs the person chose to display as links stay links,
and so does everything in a plain-text paste (the "paste as plain text" undo wants no markup).

Links to the forum's own hosts (``Policy.own_hosts``) become quote cards when the stage has
``own_cards``, the forum's callback ``urls -> {url: Card}`` (:mod:`composer.embeds.cards`):
it is called once per post with every such URL, in both modes, and those URLs never reach the
resolver; a URL it gives no card stays a link.

What the stage builds carries ``composer-*`` classes, and those are its alone: HTML that
claims one (a forged quote card) loses the class first (:mod:`composer.embeds.claimed`).

The stage does no I/O: it asks its :class:`~composer.embeds.Resolver`. In ``sync`` mode every
URL is resolved at once on the stage's own bounded thread pool (:mod:`composer.embeds.batch`), and
the stage waits at most ``Policy.embed_deadline`` for all of them together; a URL not
resolved by then, or whose resolution failed in any way, stays a plain link (and a late
answer still lands in the cache for the next run). In
``cache_only`` mode only what the resolver already knows is used; the other URLs are listed in
``Result.pending`` for :meth:`composer.Pipeline.prefetch` in a background worker.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache

from lxml.html import Element, HtmlElement

from composer import _checks
from composer._html.hosts import is_own_link
from composer._html.tree import BLOCK_TAGS
from composer._html.urls import lower_in_place
from composer.allowlist import Allowlist
from composer.document import EMBED_IFRAMES, EMBED_SPLICED, LOOKUP_FAILED, Document
from composer.embeds.batch import BATCH, Workers, resolve_all
from composer.embeds.cards import ALLOWS as CARD_ALLOWS
from composer.embeds.cards import Card, OwnCards, ask, quote
from composer.embeds.claimed import may_claim, unclaim
from composer.embeds.render import render
from composer.embeds.resolver import MISS, CachingResolver, Embed, OEmbedResolver, Resolver
from composer.embeds.spliced import Line, lines, mark, splice
from composer.errors import ConfigError
from composer.policy import Policy

#: a URL that starts a line or a text node (after a tag, a list marker or a quote marker);
#: a URL only inside attributes or mid-sentence cannot be alone on its line
#: what may stand between a line start (or a tag) and a URL that is alone on its line
_LEAD_AT_MOST = 40
_LEAD = re.compile(r"[ \t]*(?:(?:[-*+>]|\d{1,9}[.)])[ \t]+)*")
#: what may stand just before such a URL: the end of a lead, a line start or a tag's edge
_BEFORE_LEAD = frozenset(" \t\n<>")


def _may_embed(doc: Document) -> bool:
    """The prefilter: a URL at the start of a line or right after a tag, found with C-speed
    ``str.find``/``rfind``; only the few characters before each URL go through a regex."""
    facts = doc.scan
    source = facts.text
    for at in facts.url_starts:
        if at and source[at - 1] not in _BEFORE_LEAD:
            continue  # in an attribute value or a word: no lead ends there (most starts: href=")
        low = max(at - _LEAD_AT_MOST, 0)  # bounded: a long line must not make each look-back O(n)
        line = max(source.rfind("\n", low, at), source.rfind(">", low, at), source.rfind("<", low, at)) + 1
        if (line or not low) and _LEAD.fullmatch(source, line, at):
            return True
    return False


#: containers whose line-long URL may become an embed (not table cells); a ``p`` is split around it
_FLOW = frozenset({"body", "div", "li", "blockquote", "dd", "p"})
#: nothing is embedded below these
_NEVER_INSIDE = frozenset({"pre", "code", "aside", "figure", "figcaption", "table", "a", "h2", "h3", "h4"})


@cache
def default_resolver() -> Resolver:
    """The process-wide default: :class:`OEmbedResolver` with an in-memory cache.

    In memory, so that ``Pipeline()`` writes no file anywhere. For a cache shared by the
    processes of a site (design's embedded default) pass
    ``Embeds(resolver=OEmbedResolver.persistent("embeds.sqlite3"))``.
    """
    return OEmbedResolver()


def _blank(text: str | None) -> bool:
    return not text or not text.strip()


def _line_edge(el: HtmlElement | None) -> bool:
    """Whether ``el`` (a sibling, or None for the container's edge) ends a line."""
    return el is None or el.tag == "br" or el.tag in BLOCK_TAGS


def _alone(a: HtmlElement) -> bool:
    """The link is the only thing on its line, in a container that may hold an embed."""
    parent = a.getparent()
    if parent is None or parent.tag not in _FLOW:
        return False
    prev = a.getprevious()
    if not (_blank(prev.tail) if prev is not None else _blank(parent.text)):
        return False
    if not (_line_edge(prev) and _blank(a.tail) and _line_edge(a.getnext())):
        return False
    return not any(ancestor.tag in _NEVER_INSIDE for ancestor in a.iterancestors())


def _url_of(a: HtmlElement) -> str | None:
    """The href of a link that shows its own URL (not ``[some words](url)``)."""
    return None if len(a) else _shown_url(a.get("href") or "", a.text or "")


def _shown_url(href: str, text: str) -> str | None:
    """``href`` (stripped) when ``text``, a link's whole text, shows it."""
    href = href.strip()
    if not href.lower().startswith(("http://", "https://")):
        return None
    text = text.strip()
    if text in (href, href.rstrip("/")) or href in (f"https://{text}", f"http://{text}"):
        return href
    return None


def _lines(doc: Document) -> list[Line] | None:
    """The candidates read from the HTML string (:mod:`composer.embeds.spliced`), when the
    post has no tree yet and the string can be read exactly; None: the tree decides."""
    if doc.has_tree:
        return None
    markup = doc.html
    lower = doc.scan.lower if markup is doc.content else lower_in_place(markup)
    return lines(markup, lower, _shown_url, doc.display_as_link)


def _candidates(doc: Document) -> Iterator[tuple[HtmlElement, str]]:
    for a in doc.tree.iter("a"):
        url = _url_of(a)
        if url and url not in doc.display_as_link and _alone(a):
            yield a, url


#: the white space HTML collapses: what starts the line after an embed shows nothing of it, while
#: no-break spaces there are that line's indentation (a text post's, a plain paste's) and stay
_COLLAPSED = " \t\n\r\f"


def _place(a: HtmlElement, built: HtmlElement) -> None:
    """Put ``built`` where the link's line was, splitting a paragraph around it."""
    parent = a.getparent()
    assert parent is not None
    prev, nxt = a.getprevious(), a.getnext()
    if prev is not None and prev.tag == "br":
        prev.tail = None  # blank: the link was alone on its line
        prev.drop_tree()
    if nxt is not None and nxt.tag == "br":
        nxt.tail = nxt.tail.lstrip(_COLLAPSED) if nxt.tail else None
        nxt.drop_tree()  # keeps its tail (the next line's text), now on the link
    if parent.tag != "p":
        a.addnext(built)
        built.tail = a.tail
        parent.remove(a)
        return
    # a paragraph cannot hold a block: [before] <figure/> [after]
    after = Element("p")
    after.text = a.tail.lstrip(_COLLAPSED) if a.tail else None
    for sibling in list(a.itersiblings()):
        after.append(sibling)
    parent.remove(a)
    parent.addnext(built)
    built.tail = parent.tail
    parent.tail = None
    if not _blank(after.text) or len(after):
        built.addnext(after)
        after.tail, built.tail = built.tail, None
    if _blank(parent.text) and not len(parent):
        parent.drop_tree()


@dataclass(frozen=True)
class Embeds:
    """Embed line-long URLs through ``resolver`` (default: :func:`default_resolver`), and
    links to the forum's own topics as quote cards through ``own_cards`` (default: none).

    Raises :class:`~composer.ConfigError` when ``own_cards`` is not callable or is an
    ``async def`` function, and, when the Pipeline is built, when it is set but
    ``Policy.own_hosts`` is empty (no link could use it).
    """

    resolver: Resolver = field(default_factory=default_resolver)
    name: str = "embed"
    own_cards: OwnCards | None = None
    """The forum's ``(urls) -> {url: Card}`` for links to its own topics (None: they go to the
    resolver like any URL); see :mod:`composer.embeds.cards`."""
    _workers: Workers = field(default_factory=lambda: Workers(BATCH), init=False, repr=False, compare=False)
    #: ``resolver`` when it answers without I/O, asked once: a runtime-checkable Protocol's
    #: isinstance walks the protocol's members each time (~9 µs a post with an embed)
    _caching: CachingResolver | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        caching = self.resolver if isinstance(self.resolver, CachingResolver) else None
        object.__setattr__(self, "_caching", caching)
        if self.own_cards is not None and not callable(self.own_cards):
            raise ConfigError(
                f"Embeds.own_cards must be a callable urls -> {{url: Card}} or None, got "
                f"{type(self.own_cards).__name__}; write Embeds(own_cards=find_topics)"
            )
        _checks.not_async(self.own_cards, "Embeds.own_cards", ConfigError)

    @property
    def allows(self) -> Allowlist | None:
        """The quote cards' markup, when the stage makes them (``own_cards`` set)."""
        return CARD_ALLOWS if self.own_cards is not None else None

    def check(self, policy: Policy) -> None:
        """Refuse ``own_cards`` without ``Policy.own_hosts``: no link would ever be a card."""
        if self.own_cards is not None and not policy.own_hosts:
            raise ConfigError(
                "Embeds(own_cards=...) needs Policy.own_hosts, the hosts whose links are the "
                "forum's own; write Policy(own_hosts={'forum.example'})"
            )

    def __call__(self, doc: Document) -> None:
        if doc.format == "html" and may_claim(doc.content):
            unclaim(doc.tree)  # composer-* classes are this stage's alone (embeds/claimed.py)
        policy = doc.policy
        if policy.max_embeds == 0 or doc.plain or not _may_embed(doc):
            return
        in_string = _lines(doc)  # None: the tree decides
        in_tree: list[tuple[HtmlElement, str]] = []
        if in_string is not None:
            in_string = in_string[: policy.max_embeds]
            found = [url for *_, url in in_string]
        else:
            in_tree = list(_candidates(doc))[: policy.max_embeds]
            found = [url for _, url in in_tree]
        if not found:
            return
        urls = list(dict.fromkeys(found))
        cards: dict[str, Card] = {}
        if self.own_cards is not None:
            own = [u for u in urls if is_own_link(u, policy.own_hosts)]
            urls = [u for u in urls if u not in own]
            if own:
                cards = self._cards(doc, own)
        known, unknown = self._known(urls)
        if policy.embed_mode == "cache_only":
            doc.pending.extend(u for u in unknown if u not in doc.pending)
        else:
            deadline = time.monotonic() + policy.embed_deadline
            resolved = resolve_all(self._workers, self.resolver, unknown, deadline)
            known.update(resolved)
            doc.pending.extend(u for u in unknown if u not in resolved and u not in doc.pending)

        def build(url: str) -> HtmlElement | None:
            if url in cards:
                return quote(url, cards[url], policy)
            embed = known.get(url)
            return render(embed, policy) if embed is not None else None

        if in_string is not None:
            self._splice(doc, in_string, build)
        else:
            self._apply(doc, in_tree, build)

    def _cards(self, doc: Document, urls: list[str]) -> dict[str, Card]:
        """The forum's cards for its own ``urls``; none when its lookup failed (noted in stats)."""
        assert self.own_cards is not None
        cards = ask(self.own_cards, urls)
        if cards is None:
            doc.stats[LOOKUP_FAILED] = (*doc.stats.get(LOOKUP_FAILED, ()), "own_cards")
            return {}
        return cards

    def _known(self, urls: list[str]) -> tuple[dict[str, Embed | None], list[str]]:
        """Split into what the resolver knows without I/O and what needs the network."""
        resolver = self._caching
        if resolver is None:
            return {}, urls
        known: dict[str, Embed | None] = {}
        unknown = []
        for url in urls:
            try:
                hit = resolver.cached(url)
            except Exception:
                hit = MISS
            if hit is MISS:
                unknown.append(url)
            else:
                known[url] = hit
        return known, unknown

    def _apply(
        self,
        doc: Document,
        found: list[tuple[HtmlElement, str]],
        build: Callable[[str], HtmlElement | None],
    ) -> None:
        built_any = False
        iframes: list[HtmlElement] = []
        noticed: set[str] = set()
        for a, url in found:
            built = build(url)
            if built is None:
                continue
            iframes.extend(built.iter("iframe"))
            _place(a, built)
            built_any = True
            if url not in noticed:
                noticed.add(url)
                doc.notice("link_embedded", action="display_as_link", target=url, url=url)
        if iframes:
            doc.env.setdefault(EMBED_IFRAMES, []).extend(iframes)
        if built_any:
            doc.stats["embeds"] = doc.stats.get("embeds", 0) + len(noticed)

    def _splice(self, doc: Document, found: list[Line], build: Callable[[str], HtmlElement | None]) -> None:
        """:meth:`_apply` on the HTML string: each built element written over its ``<p>``."""
        placed: list[tuple[int, int, HtmlElement]] = []
        noticed: set[str] = set()
        players = False
        for start, end, url in found:
            built = build(url)
            if built is None:
                continue
            players = players or next(built.iter("iframe"), None) is not None
            placed.append((start, end, built))
            if url not in noticed:
                noticed.add(url)
                doc.notice("link_embedded", action="display_as_link", target=url, url=url)
        if not placed:
            return
        marked: str | None = None
        if players:
            marked = doc.env.get(EMBED_SPLICED) or mark()
            doc.env[EMBED_SPLICED] = marked
        doc.set_html(splice(doc.html, placed, marked))
        doc.stats["embeds"] = doc.stats.get("embeds", 0) + len(noticed)

    def settings(self) -> dict[str, object]:
        """For ``Pipeline.fingerprint``: the resolver's own ``settings()`` when it has one (the
        default's: site table, providers, limits), else the resolver itself (a dataclass)."""
        resolver = self.resolver
        declared = getattr(resolver, "settings", None)
        kind = f"{type(resolver).__module__}.{type(resolver).__qualname__}"
        return {
            "resolver": kind,
            "resolver_settings": declared() if callable(declared) else resolver,
            # the callback's answers are the forum's data; whether cards are made at all is a setting
            "own_cards": self.own_cards is not None,
        }

    def prefetch(self, urls: Iterable[str], policy: Policy) -> None:
        """Resolve ``urls`` into the resolver's cache, concurrently, a batch per deadline."""
        _, unknown = self._known(list(dict.fromkeys(urls)))
        for at in range(0, len(unknown), BATCH):
            deadline = time.monotonic() + policy.embed_deadline
            resolve_all(self._workers, self.resolver, unknown[at : at + BATCH], deadline)

    def close(self) -> None:
        """Stop the stage's threads and close its resolver (if it has ``close``).

        Releases descriptors and threads now; the stage stays usable and starts them again if
        it runs again. Also what leaving a ``with`` block does.
        """
        self._workers.close()
        close = getattr(self.resolver, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> Embeds:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
