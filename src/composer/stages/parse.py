"""Stage ``parse``: bring markdown and plain text to HTML, and refuse what cannot be parsed safely.

The HTML is not parsed into a tree here: stages that need the tree ask for it, and a post
no stage needs it for goes straight to the sanitizer (see :class:`composer.document.Document`).
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import NamedTuple
from urllib.parse import quote

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from composer._html.blocks import shift_headings, unflatten
from composer._html.depth import too_deep
from composer._html.facts import Scan
from composer._html.foreign import rename_foreign
from composer._html.hosts import scheme_at
from composer._html.html5 import (
    LOWER_AT_MOST,
    differs,
    html5_reading,
    is_document,
    keep_after_end,
    raw_text_opened,
    structure_as_html5,
)
from composer._html.indent import indented, lead
from composer._html.markdown_words import is_word_pattern, kept_end, sigil_problem, words_rule
from composer._html.scan import clean_controls, clean_controls_lowered
from composer._html.stray import escape_stray_lt
from composer._html.urls import Link, LinkFinder, find_links, glued, link_at, refused_end
from composer._limits import refuse_early, refuse_oversize, too_many_elements
from composer.document import Document
from composer.errors import ConfigError

#: a paragraph break: a blank line, and any blank lines after it (the white space that starts
#: the next paragraph's first line is its indentation, not part of the break)
_PARAGRAPHS = re.compile(r"\n[ \t]*\n(?:[^\S\n]*\n)*")
#: a line that starts with a space or a tab (most posts have none: their lines go as they are)
_INDENTED = re.compile(r"(?:^|\n)[ \t]")


#: schemes of links a reader follows: a long URL with one is encoded; any other long URL
#: carries a payload (a pasted image), and only its scheme is kept for the stages to judge
_FOLLOWED = ("http", "https", "mailto", "ftp")
#: the only schemes a markdown link or image is refused for: the rest reach the stages and
#: the sanitizer, which judge them (markdown-it also refuses ``file:`` and ``data:``)
_SCRIPT = ("javascript:", "vbscript:")
#: characters a link destination keeps as they are (mdurl's set, plus "%" for escapes)
_URL_SAFE = ";/?:@&=+$,-_.!~*'()#%[]"


def _linkify_rule(state: StateInline, silent: bool) -> bool:
    """markdown-it's inline linkify rule, rewritten for two reasons. It advanced by the
    length of the *address* the finder returned, which a percent-encoded non-ASCII URL makes
    longer than the text typed, so text after such a URL was skipped; and it searched the
    whole pending text for a scheme at every "://", quadratic on "a:// " repeated. Here the
    scheme is read from the last six characters and the text advances by the typed span."""
    pos = state.pos
    src = state.src
    if state.linkLevel > 0 or not src.startswith("://", pos):
        return False
    tail = state.pending[-6:].lower()
    size = 5 if tail.endswith("https") else 4 if tail.endswith("http") else 0
    start = pos - size
    if not size or src[start:pos].lower() != tail[-size:] or glued(tail[-size - 1 : -size], www=False):
        return False
    if start < getattr(state, "_composer_refused", -1):
        return False  # inside a URL already refused: rescanning it at each "://" is quadratic
    link = link_at(src, start)
    if link is None:
        state._composer_refused = refused_end(src, start)  # type: ignore[attr-defined]
        return False
    if not silent:
        state.pending = state.pending[:-size]
        _push_link(state, link.url, link.text)
    state.pos = link.last_index
    return True


#: the delimiters that cut a ``www.`` link markdown-it's core linkify would find only after
#: emphasis and strikethrough took them (``www.x.com/@_b_``)
_DELIMITERS = frozenset("_*~")
_WWW = re.compile(r"www\.", re.IGNORECASE)


#: what other inline rules may read inside a URL (an escape, a character reference, a link
#: or an image, a code span, HTML): a ``www.`` URL holding one is left to the core pass
_NOT_PLAIN = re.compile(r"[\\&\[\]!<`\n]")


def _plain(text: str) -> bool:
    return _NOT_PLAIN.search(text) is None


class _WwwStarts(NamedTuple):
    """Where ``www.`` stands in an inline run's source, and the link read at each (None:
    refused), so a candidate is read once however many delimiters it holds."""

    starts: list[int]
    links: dict[int, Link | None]


def _push_link(state: StateInline, href: str, text: str) -> None:
    """The tokens of a link as markdown-it's linkify makes them (``markup``, ``info``)."""
    token = state.push("link_open", "a", 1)
    token.attrs = {"href": href}
    token.markup = "linkify"
    token.info = "auto"
    state.push("text", "", 0).content = text
    token = state.push("link_close", "a", -1)
    token.markup = "linkify"
    token.info = "auto"


def _www_rule(state: StateInline, silent: bool) -> bool:
    """A ``www.`` link read whole where an emphasis or strikethrough delimiter stands inside
    it, before those rules take the delimiter.

    markdown-it links ``www.`` URLs in its core linkify pass, over text tokens, after the
    inline rules ran: a ``_``, ``*`` or ``~`` inside the URL had already become emphasis,
    and the link ended there (``www.x.com/@_b_`` linked ``www.x.com/@``). A ``http(s)://``
    URL is read whole at its ``://`` (:func:`_linkify_rule`); this reads a ``www.`` one the
    same way, at the first delimiter inside it, with the same grammar: the link the core
    pass would make of the text, were the delimiters text. Only such links change: a URL no
    delimiter cuts, or one holding what another inline rule may read (an escape, a
    reference, brackets, a backtick, ``<``, ``!``: :data:`_NOT_PLAIN`), or starting right
    after an escape or a reference (never linked there), is left to the core pass, as
    before. Starts are found once per inline run; each candidate is read once."""
    pos = state.pos
    src = state.src
    if state.linkLevel > 0 or src[pos] not in _DELIMITERS:
        return False
    found: _WwwStarts | None = getattr(state, "_composer_www", None)
    if found is None:
        found = _WwwStarts([m.start() for m in _WWW.finditer(src)], {})
        state._composer_www = found  # type: ignore[attr-defined]
    at = bisect_left(found.starts, pos) - 1
    if at < 0:
        return False
    start = found.starts[at]
    if start < kept_end(state):
        return False  # inside a word kept as typed (``&#64;www.x.com``)
    typed = pos - start  # the candidate's text pending here (no token stands between)
    if typed > len(state.pending) or not state.pending.endswith(src[start:pos]):
        return False
    if typed == len(state.pending) and state.tokens and state.tokens[-1].type == "text_special":
        return False  # right after an escape or a reference, which the core pass never links
    if start not in found.links:
        glue = glued(src[start - 1 : start], www=True)
        link = None if glue else link_at(src, start)
        found.links[start] = link if link is None or _plain(link.text) else None
    link = found.links[start]
    if link is None or link.last_index <= pos:
        return False  # refused, or ends before the delimiter: the core pass links it as before
    url = state.md.normalizeLink(link.url)
    if not state.md.validateLink(url):
        return False
    if not silent:
        state.pending = state.pending[: len(state.pending) - (pos - start)]
        _push_link(state, url, state.md.normalizeLinkText(link.text))
    state.pos = link.last_index
    return True


def _as_typed(text: str) -> str:
    return text


#: markdown-it's nesting limit (see _markdown); Policy.max_depth beyond it cannot be honoured
#: for markdown (too_deep is reported there instead of text being lost)
_MAX_NESTING = 256


def _markdown() -> MarkdownIt:
    # js-default: raw HTML is never passed through; breaks: a newline is a line break, as
    # forum users expect; linkify with the same URL grammar as the other formats, and link
    # text exactly as typed (markdown-it would decode escapes and punycode in it).
    # maxNesting: markdown-it silently drops what lies deeper than it (100 by default, so
    # ">" * 101 lost its text); at 256 anything it would drop renders deeper than max_depth
    # (default 100) allows, so the depth check refuses it as too_deep instead
    options = {"linkify": True, "breaks": True, "maxNesting": _MAX_NESTING}
    md = MarkdownIt("js-default", options).enable("linkify")
    md.linkify = LinkFinder()
    md.inline.ruler.at("linkify", _linkify_rule)
    md.inline.ruler.after("linkify", "composer_www", _www_rule)
    md.normalizeLinkText = _as_typed  # type: ignore[method-assign,assignment]
    normalize = md.normalizeLink

    def normalize_link(url: str) -> str:
        """mdurl's encoder is quadratic: a 1 MB pasted image took 11 s. Long URLs are
        encoded linearly; a long pasted one is replaced by a stub the images stage rejects."""
        if len(url) <= 2048:
            return normalize(url)
        scheme = scheme_at(url[:64])
        if scheme is None or scheme in _FOLLOWED:
            return quote(url, safe=_URL_SAFE)
        image = url[:32].strip().lower().startswith("data:image/")
        return "data:image/png;base64," if image else scheme + ":"

    md.normalizeLink = normalize_link  # type: ignore[method-assign]
    return md


def _validate_link(url: str) -> bool:
    """markdown-it refuses ``file:`` and most ``data:`` URLs, leaving ``![x](file:///home/...)``
    in the post as text: the local path published. Here only the script schemes are refused:
    whatever else a link or image names reaches the stages (the images stage refuses a
    pasted image like any other) and the sanitizer (which drops a link's ``href`` of a
    scheme it does not allow, counted)."""
    return not url.strip().lower().startswith(_SCRIPT)


def _pasted_images_through(md: MarkdownIt) -> MarkdownIt:
    md.validateLink = _validate_link  # type: ignore[method-assign]
    return md


_MD = _pasted_images_through(_markdown())

#: what ``Parse.kept_words`` holds: (sigil, pattern of a word at it) pairs, sorted by sigil
Words = tuple[tuple[str, re.Pattern[str]], ...]


def _keeping(words: Words) -> MarkdownIt:
    """The markdown renderer, with the words of ``words`` kept as typed (none: the default one)."""
    if not words:
        return _MD
    md = _pasted_images_through(_markdown())
    md.inline.ruler.before("emphasis", "composer_words", words_rule(words))
    return md


def _checked_words(words: object) -> Words:
    """``words`` as Parse holds them, or ConfigError naming what is wrong and the fix."""
    pairs = tuple(words) if isinstance(words, Iterable) and not isinstance(words, (str, bytes)) else None
    if pairs is None or not all(isinstance(p, tuple) and len(p) == 2 for p in pairs):
        raise ConfigError(
            f"Parse.kept_words must be (sigil, compiled pattern) pairs, got {words!r:.80}; a Pipeline "
            "sets it from its stages' `words`, so leave it out"
        )
    for sigil, pattern in pairs:
        problem = sigil_problem(sigil)
        if problem is not None:
            raise ConfigError(f"Parse.kept_words has the sigil {sigil!r}; {problem}")
        if not is_word_pattern(pattern):
            raise ConfigError(
                f"Parse.kept_words[{sigil!r}] must be a compiled str pattern, got {pattern!r:.80}"
            )
    return tuple(sorted(pairs, key=lambda pair: pair[0]))


def _links(text: str) -> list[Link]:
    return find_links(text) if "://" in text or "www." in text.lower() else []


def linkify_text(text: str, links: list[Link] | None = None) -> str:
    """Escape ``text`` and turn each bare URL in it into a link (``links``: those
    :func:`~composer._html.urls.find_links` found in ``text``, when the caller has them)."""
    if links is None:
        links = _links(text)
    if not links:
        return html.escape(text, quote=False)
    out = []
    last = 0
    for link in links:
        out.append(html.escape(text[last : link.index], quote=False))
        out.append(f'<a href="{html.escape(link.url)}">{html.escape(link.text, quote=False)}</a>')
        last = link.last_index
    out.append(html.escape(text[last:], quote=False))
    return "".join(out)


def _text_line(line: str, embeds: bool) -> str:
    """One line of plain text as HTML, its indentation shown (no-break spaces). When
    ``embeds``, a URL alone on its line keeps plain spaces, which show nothing: the line is the
    URL alone, and the embed stage embeds it as it would unindented."""
    at = lead(line)
    if not at or at == len(line):
        return linkify_text(line)
    rest = line[at:]
    links = _links(rest)
    if embeds and len(links) == 1 and links[0].index == 0 and not rest[links[0].last_index :].strip():
        return linkify_text(line)
    return indented(line[:at]) + linkify_text(rest, links)


def text_to_html(text: str, *, embeds: bool = True) -> str:
    """Plain text as HTML: blank lines make paragraphs, single newlines ``<br>``, URLs links,
    and the spaces and tabs that start a line no-break spaces (a tab four), so they show.
    ``embeds``: whether a URL alone on its line may become an embed (not in a plain paste);
    then that line keeps plain spaces, so it stays alone on its line.

    Nothing else is interpreted: ``*this*`` stays literal.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if not text.strip():
        return ""
    paragraphs = _PARAGRAPHS.split(text)
    line = partial(_text_line, embeds=embeds) if _INDENTED.search(text) else linkify_text
    return "\n".join("<p>" + "<br>\n".join(map(line, para.split("\n"))) + "</p>" for para in paragraphs)


def _html(doc: Document, source: str, facts: Scan | None = None) -> tuple[str, Scan]:
    """HTML as a browser would show what was typed: stray ``<`` escaped, headings shifted,
    blocks the allowlist drops renamed so no words merge (see :mod:`composer._html.blocks`),
    SVG and MathML names outside ``svg``/``math`` renamed ``span`` (:mod:`composer._html.foreign`);
    and the facts about the markup returned (``facts``, default the document's own scan, when
    nothing changed)."""
    facts = doc.scan if facts is None else facts
    markup = escape_stray_lt(source, facts.lower, facts.start_tags, facts.bogus_end)
    if markup is not source:
        facts = Scan(markup)
    # what follows </body></html> is the body's to HTML5; a document opens <html, <!doctype
    # or <?xml, which the start-tag pass saw (two set questions for the common post)
    if ("html" in facts.start_tags or facts.declarations) and is_document(markup):
        markup = keep_after_end(markup, facts.lower)
        if markup is not facts.text:
            facts = Scan(markup)
    markup = raw_text_opened(
        structure_as_html5(markup, facts.lower, facts.start_tags), facts.lower, facts.start_tags
    )
    if markup is not facts.text:
        facts = Scan(markup)
    markup, counted = unflatten(
        rename_foreign(markup, facts.start_tags), facts.start_tags, doc.policy.allowlist.tags
    )
    for name, count in counted.items():
        doc.remove("tags", name, count)
    if markup is not facts.text:
        facts = Scan(markup)
    return markup, facts


def html_read_as_text(doc: Document, html: str) -> tuple[str, str] | None:
    """``html`` through the same pre-parse limits the stage applies to an HTML post, for a
    plain paste made from a clipboard's HTML alone (the chain then works on its text): the
    markup as limited (pasted images cut to stubs) and as a browser reads it. ``doc`` (format
    ``"html"``) receives any refusal; None when refused."""
    cut = refuse_oversize(doc, html)
    if cut is None:
        return None
    checked = refuse_early(doc, clean_controls(cut)[0])
    if checked is None:
        return None
    if too_deep(checked, doc.policy.max_depth):
        doc.problem("too_deep", stop=True, limit=doc.policy.max_depth)
        return None
    markup, _ = _html(doc, checked, Scan(checked))  # as an HTML post: "a<b" is text, h5 is h4
    return checked, html5_reading(markup)[0]  # svg as HTML5


@dataclass(frozen=True)
class Parse:
    """Input to HTML: control characters out, markdown rendered, text paragraphed, stray ``<``
    in HTML escaped, headings shifted and flattened blocks renamed, depth checked, HTML
    brought to its HTML5 reading (:mod:`composer._html.html5`).

    ``kept_words``: the words later stages read (``("@", mention_pattern())``: sigil, pattern of a
    word at it), which markdown keeps as typed (:mod:`composer._html.markdown_words`): with
    ``@_ann_`` kept, the mention stage sees the name ``_ann_``, not ``@<em>ann</em>``. The
    :class:`~composer.Pipeline` sets it from its stages' ``words`` when it is built
    (:meth:`keep_words`); with none, markdown renders exactly as markdown-it does here.
    """

    name: str = "parse"
    kept_words: Words = field(default=(), repr=False)  # the patterns are long
    _md: MarkdownIt = field(default=_MD, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kept_words:
            words = _checked_words(self.kept_words)
            object.__setattr__(self, "kept_words", words)
            object.__setattr__(self, "_md", _keeping(words))

    def keep_words(self, words: Words) -> Parse:
        """This stage keeping ``words`` (and no others) as typed in markdown; the Pipeline
        calls it with every word its stages declare."""
        words = _checked_words(words) if words else ()
        return self if words == self.kept_words else replace(self, kept_words=words)

    def __call__(self, doc: Document) -> None:
        cut = refuse_oversize(doc, doc.source)
        if cut is None:
            return
        source, dropped, lowered, direction = clean_controls_lowered(cut)
        if dropped:
            doc.remove("characters", "control", dropped)
        # the lower-cased copy and the direction controls came with the controls' pass; the
        # start-tag pass the stages share tells the attribute cap whether a tag may be long
        seeded = Scan(source, lowered, direction)
        checked = refuse_early(doc, source, seeded)
        if checked is None:
            return
        doc.set_content(checked, seeded if checked is source else None)
        source = checked
        fmt = doc.format
        if fmt == "markdown":
            markup = self._md.render(source)
            if "<h1>" in markup or "<h5>" in markup or "<h6>" in markup:
                markup = shift_headings(markup)  # with raw HTML off, these are all headings
        elif fmt == "text":
            markup = text_to_html(source, embeds=not doc.plain)  # a plain paste embeds nothing
        else:
            markup, facts = _html(doc, source)
        if fmt != "html" and too_many_elements(doc, markup):
            return
        opened, names = (facts.start_count, facts.start_tags) if fmt == "html" else (None, None)
        if too_deep(markup, doc.policy.max_depth, opened, names):
            doc.problem("too_deep", stop=True, limit=doc.policy.max_depth)
            return
        if fmt == "html":
            # every stage, prefilters included, reads the post as the sanitizer will (HTML5)
            small = len(markup) <= LOWER_AT_MOST
            lower, starts = (facts.lower, facts.start_tags) if small else (None, None)
            if differs(markup, lower, starts, not small or facts.br_end):
                markup, taken_out = html5_reading(markup, lower, starts)
                for name, count in sorted(taken_out.items()):
                    doc.remove("elements", name, count)
            doc.set_content(markup, facts if markup is facts.text else None)
        doc.set_html(markup)
