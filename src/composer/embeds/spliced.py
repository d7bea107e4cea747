"""Line-long links found and replaced in the HTML string itself, when no tree is needed.

Most posts that get a player hold it as ``<p><a href="URL">URL</a></p>`` in editor markup
that no other stage parsed. Building a tree for it costs a parse here and a serialization
in the sanitizer (~120 µs on a 5 KB post) for one paragraph's worth of change. So the embed
stage first asks this module for the candidates, in document order: it answers only when
every anchor of the post can be judged from the string exactly as the tree would judge it,
and None whenever it is unsure; the tree then decides, as before.

What makes the string readable: no tag whose content or placement the look-backs cannot
follow (:data:`_UNSURE`: raw text, tables, code, headings, frames, comments, ``<!``/``<?``),
no ``>`` inside a quoted attribute value, no carriage return, no U+FEFF (nh3 drops it where
the input starts), no element closed by ``/>`` but void ones, no block's end tag met while a
``div`` opened inside that block is open, closed later or not (libxml2 ignores that end tag,
HTML5 closes both), and every ``<a`` a plain
``<a href="...">`` holding text only. An anchor whose text shows its URL is then a
candidate exactly when it is the whole content of a ``<p>`` (whitespace aside); text next to
it on either side proves it is not; any other shape is left to the tree.

The string is also the one the sanitizer reads, where the tree's serialization would have
been: URL attribute values that libxml2 writes differently (whitespace, non-ASCII, a
reference: it percent-encodes them) send the post to the tree, so the output is the same.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from lxml import etree
from lxml.html import HtmlElement

__all__ = ["MARK_NAME", "Line", "lines", "mark", "splice"]

#: a line-long link: (start of its ``<p>``, end of its ``</p>``, its URL)
Line = tuple[int, int, str]

#: the attribute the spliced players carry until the sanitizer admits them (then it goes)
MARK_NAME = "data-composer-player"

#: tags whose content, or whose effect on where a ``<p>`` lands, the look-backs cannot follow:
#: raw text, tables, headings (no embed is made in h2-h4), frames, foreign content, aside and
#: figure (none in those either), and the document's own
_UNSURE_NAMES = (
    "aside applet body caption col colgroup figcaption figure frame frameset h1 h2 h3 h4 h5 h6 "
    "head html iframe marquee math noembed noframes noscript object optgroup option plaintext "
    "script select style svg table tbody td template textarea tfoot th thead title tr xmp"
).split()


def _alternatives(names: list[str]) -> str:
    """``names`` as one alternation grouped by first letter (fewer tries at each "<")."""
    firsts: dict[str, list[str]] = {}
    for name in sorted(names, key=lambda name: (-len(name), name)):
        firsts.setdefault(name[0], []).append(re.escape(name[1:]))
    return "|".join(f"{first}(?:{'|'.join(rests)})" for first, rests in sorted(firsts.items()))


#: phrasing elements, which libxml2 closes where a block starts inside one and HTML5 does not
_INLINE_NAMES = (
    "abbr acronym b bdi bdo big cite data del dfn em font i ins kbd label mark nobr q rp rt ruby "
    "s samp small span strike strong sub sup time tt u var"
).split()
#: end tags whose reading :func:`_div_left_open` leaves to other checks
_READ_ELSEWHERE = frozenset({"p", "a", "pre", "code", "br", *_INLINE_NAMES})
#: elements with no end tag (a start tag opens nothing)
_VOID = frozenset(
    "area base basefont bgsound br col embed frame hr img input keygen link meta param source track "
    "wbr".split()
)
#: what the string cannot be read past, found in one pass (each alternative starts at "<"):
#: a start or end tag of code or pre (group 1: read further by :func:`_boxed`); a tag named in
#: :data:`_UNSURE_NAMES`; a phrasing element whose text is not followed by its own end tag
#: (it holds markup, maybe a block, or is left open or misnested: HTML5 reopens it, libxml2
#: does not); a comment or another ``<!``/``<?`` construct
_TAGS = re.compile(
    rf"<(?:/?(pre|code)(?=[\s/>])|(?:{_alternatives(_UNSURE_NAMES)})(?=[\s/>])"
    rf"|({_alternatives(_INLINE_NAMES)})(?:[\s/][^<>]*)?>(?![^<]*</\2>)|[!?])"
)
#: a ">" inside a quoted attribute value: the look-backs would take it for a tag's end
_QUOTED_GT = re.compile(r"""=[\t\n\f\r ]*(?:"[^"]*>|'[^']*>)""")
#: a URL attribute whose value libxml2 would write otherwise (it percent-encodes whitespace
#: and non-ASCII, drops leading blanks), one not plainly double-quoted, or one written
#: ``name = value``; ``&amp;`` is the one reference allowed. One pattern a name, each starting
#: with its literal (read at C speed); the hrefs of plain anchors are checked as the anchors
#: are read (:func:`_plain_href`), so this runs only for the rest. libxml2 rewrites ``name``
#: on anchors only, the others on any element
_URI_VALUES = {
    name: re.compile(rf"""{name}(?<=[\s"'/]{name})(?:[\t\n\f\r ]+=|=(?!"(?:[!#-%'-~]|&amp;)*"))""")
    for name in ("href", "src", "action", "name")
}
#: the start of a start tag of an element that is not void, asked where a tag ends in "/>":
#: libxml2 ends the element there, HTML5 reads a start tag (``<p/>text``: libxml2 leaves the
#: text out of the ``p``)
_SELF_CLOSED = re.compile(
    r"<(?!(?:area|base|basefont|bgsound|br|col|embed|frame|hr|img|input|keygen|link|meta|param"
    r"|source|track|wbr)[\s/>])[a-z]"
)
#: a start or end tag (group 1: "/" for an end tag) of an element that is neither void nor
#: read elsewhere (:data:`_READ_ELSEWHERE`): the blocks a misplaced end tag may leave open
_OTHERS = _alternatives(sorted(_READ_ELSEWHERE | _VOID))
_BLOCK_TAG = re.compile(rf"<(/?)(?!(?:{_OTHERS})[\s/>])([a-z][a-z0-9-]*)(?=[\s/>])")
#: such an end tag, not a div's
_BLOCK_END = re.compile(rf"</(?!(?:div|{_OTHERS})[\s/>])[a-z][a-z0-9-]*[\s/>]")
#: an anchor as editors and the links stage write it (on the original case)
_A_TAG = re.compile(r'<a href="((?:[^"<>&]|&amp;)*)"(?: (?!href=)[a-z][a-z-]*="[^"]*")*>')
#: what may follow "<a" in an anchor's start tag
_A_NEXT = frozenset(" \t\n\f/>")


def lines(
    html: str, lower: str, url_of: Callable[[str, str], str | None], skip: frozenset[str]
) -> list[Line] | None:
    """The line-long links of ``html`` (``lower``: it lower-cased, index for index) whose URL
    ``url_of(href, text)`` gives and ``skip`` does not hold, in order; None when one anchor
    cannot be judged from the string (the tree decides)."""
    if "\r" in html or not _readable(lower) or _QUOTED_GT.search(html) or _stray_p_end(lower):
        return None
    if _self_closed(lower) or _div_left_open(lower):
        return None
    if "\ufeff" in html:  # the sanitizer drops a leading one: where the tree's text starts
        return None  # may not be where the string's does (a stray end tag before it)
    found: list[Line] = []
    anchors = plain = 0  # anchors read, and those whose href is plain (see _plain_href)
    find = lower.find
    at = find("<a")
    while at >= 0:
        following = lower[at + 2 : at + 3]
        if following not in _A_NEXT:
            if not following:
                return None
            at = find("<a", at + 2)  # <abbr>, <address>, ...
            continue
        start, end = at, find(">", at) + 1
        close = find("<", end)
        if not end or not lower.startswith("</a>", close):
            return None  # markup in the link, or no end tag: the tree knows its extent
        at = find("<a", close + 4)
        href = _plain_href(html[start:end])
        if href < 0:
            return None
        anchors += 1
        plain += href
        text = html[end:close]
        if "&" not in text and " " in text.strip():
            continue  # words: no URL value holds a space (checked), so none is shown
        line = _candidate(html, lower, (start, end, close), href, url_of, skip)
        if line is None:
            return None
        if line:
            found.append(line)
    for name, pattern in _URI_VALUES.items():
        if name == "href" and lower.count("href") == plain:
            continue  # every one is a plain anchor's, checked
        if name == "name" and anchors == plain:
            continue  # libxml2 rewrites it on anchors only, and every anchor is plain
        if name in lower and pattern.search(lower):
            return None
    return found


def _plain_href(tag: str) -> int:
    """For an anchor's start tag: 1 when it is ``<a href="...">`` with a value libxml2 writes
    as it is (printable ASCII, no space, no reference but ``&amp;``), -1 when it is that
    shape with another value, 0 for another shape (:data:`_URI_VALUES` then checks it)."""
    if not tag.startswith('<a href="') or not tag.endswith('">') or tag.count('"') != 2:
        return 0
    value = tag[9:-2]
    plain = value.isascii() and value.isprintable() and " " not in value
    return 1 if plain and not _other_reference(value) else -1


def _candidate(
    html: str,
    lower: str,
    spans: tuple[int, int, int],
    plain: int,
    url_of: Callable[[str, str], str | None],
    skip: frozenset[str],
) -> Line | tuple[()] | None:
    """The anchor whose start tag is ``html[start:end]`` and text ``html[end:close]``
    (``spans``; ``plain``: :func:`_plain_href` of the tag) as a candidate line; ``()`` when
    it is none, None when the string cannot tell."""
    start, end, close = spans
    if plain:
        href = html[start + 9 : end - 2]
    else:
        tag = _A_TAG.match(html, start)
        if tag is None or tag.end() != end:
            return None
        href = tag.group(1)
    text = html[end:close]
    if "&" in text:
        if _other_reference(text):
            return None
        text = text.replace("&amp;", "&")
    url = url_of(href.replace("&amp;", "&") if "&" in href else href, text)
    if url is None or url in skip:
        return ()
    line = _line(html, lower, start, close + 4)
    return line if not line else (line[0], line[1], url)


def _readable(lower: str) -> bool:
    """Whether :data:`_TAGS` finds nothing but code and pre, each holding text only
    (:func:`_boxed`)."""
    for tag in _TAGS.finditer(lower):
        box = tag.group(1)
        if box is None:
            return False
        if lower[tag.start() + 1] != "/" and not _boxed(lower, tag.end(), box):
            return False
    return True


def _stray_p_end(lower: str) -> bool:
    """Whether a ``</p>`` may close no paragraph: HTML5 then makes an empty one, libxml2
    does not (a ``<p`` between two ``</p>`` is enough: a block that closed it is read alike)."""
    find, rfind = lower.find, lower.rfind
    last = 0
    end = find("</p")
    while end >= 0:
        if lower[end + 3 : end + 4] not in _A_NEXT:
            end = find("</p", end + 3)  # </pre>, </param>, or "</p" at the end
            continue
        if rfind("<p>", last, end) < 0 and rfind("<p ", last, end) < 0:
            return True  # (a "</p >" or "</p/>" ends a paragraph as "</p>" does)
        last = end + 3
        end = find("</p", last)
    return False


def _self_closed(lower: str) -> bool:
    """Whether a tag of an element that is not void ends in "/>" (each "/>" found in C, its
    tag's start by ``rfind``; most posts hold none, or a few ``<br/>``)."""
    find, rfind = lower.find, lower.rfind
    at = find("/>")
    while at >= 0:
        start = rfind("<", 0, at)
        if start >= 0 and find(">", start, at) < 0 and _SELF_CLOSED.match(lower, start):
            return True
        at = find("/>", at + 2)
    return False


def _div_left_open(lower: str) -> bool:
    """Whether an end tag other than ``</div>`` may stand where a ``div`` opened after its
    element is still open: libxml2 then ignores the end tag (a ``div`` outranks the other
    blocks left), where HTML5 closes both (``<blockquote><div></blockquote>``), whether or not
    the div is closed later. Inline elements, ``p``, ``a``, ``pre`` and ``code`` are read
    exactly elsewhere.

    Most posts with divs (quote boxes) hold no such end tag inside a div at all: the spans
    where a div is open are found from the div tags alone, and searched in C. Only a post
    with a block's end tag inside one is read in full (:func:`_block_closed_past_div`)."""
    depth = opened = 0
    for at, end in _div_tags(lower):
        if not end:
            if not depth:
                opened = at
            depth += 1
        elif depth:
            depth -= 1
            if not depth and _BLOCK_END.search(lower, opened, at):
                return _block_closed_past_div(lower)
    return bool(depth) and _BLOCK_END.search(lower, opened) is not None and _block_closed_past_div(lower)


def _div_tags(lower: str) -> list[tuple[int, bool]]:
    """Where each ``div`` tag starts, and whether it is an end tag, in order: one sweep of
    ``str.find`` over "div", each judged by the characters around it."""
    found: list[tuple[int, bool]] = []
    at = lower.find("div", 1)
    while at >= 0:
        if lower[at + 3 : at + 4] in _A_NEXT:
            if lower[at - 1] == "<":
                found.append((at - 1, False))
            elif lower[at - 2 : at] == "</":
                found.append((at - 2, True))
        at = lower.find("div", at + 3)
    return found


def _block_closed_past_div(lower: str) -> bool:
    """:func:`_div_left_open` read in full: one pass over the block tags (:data:`_BLOCK_TAG`)
    with a stack of the open ones; an end tag whose outermost open element has a ``div``
    above it is the case. The stack keeps every element libxml2 keeps (a ``div`` closes only
    at its end tag), and more: one whose end tag is left out (``<li>``), which only makes
    more end tags look past a div (erring towards the tree)."""
    stack: list[str] = []
    for tag in _BLOCK_TAG.finditer(lower):
        name = tag.group(2)
        if not tag.group(1):
            stack.append(name)
            continue
        if name not in stack:
            continue  # a stray end tag: both parsers ignore it
        # a div above the outermost open element of this name: the one libxml2 closes may
        # be any of them (it closes some of its own accord, as a new li closes the last)
        if name != "div" and "div" in stack[stack.index(name) + 1 :]:
            return True
        del stack[len(stack) - 1 - stack[::-1].index(name) :]  # up to the innermost
    return False


def _other_reference(text: str) -> bool:
    """Whether ``text`` may hold a character reference other than ``&amp;``."""
    return "&" in text and "&" in text.replace("&amp;", "")


def _boxed(lower: str, at: int, name: str) -> bool:
    """Whether the ``code`` or ``pre`` whose start tag's name ends at ``at`` holds text only
    (a ``pre`` may hold one such ``code``): then no ``<p>`` or ``<a>`` stands in it, and both
    parsers close it where it ends."""
    find = lower.find
    gt = find(">", at)
    if gt < 0:
        return False
    at = find("<", gt + 1)
    if name == "pre" and lower.startswith("<code", at) and lower[at + 5 : at + 6] in _A_NEXT:
        gt = find(">", at)
        at = find("<", gt + 1) if gt >= 0 else -1
        if not lower.startswith("</code>", at):
            return False
        at = find("<", at + 7)
    return at >= 0 and lower.startswith(f"</{name}>", at)


def _line(html: str, lower: str, start: int, end: int) -> tuple[int, int] | tuple[()] | None:
    """The ``<p>`` that holds nothing but the anchor at ``start:end``, ``()`` when text
    stands beside it (it is not alone on its line), None when unsure."""
    gt = lower.rfind(">", 0, start)
    before = html[gt + 1 : start]
    lt = lower.find("<", end)
    if lt < 0:
        lt = len(html)
    after = html[end:lt]
    if _other_reference(before) or _other_reference(after):
        return None  # a reference may spell a space
    if before.strip() or after.strip():
        return ()
    if gt < 2 or not html.startswith("<p>", gt - 2) or not html.startswith("</p>", lt):
        return None
    if lower.rfind("<", 0, gt - 2) > lower.rfind(">", 0, gt - 2):
        return None  # "<p>" may be inside a tag left open before it
    return gt - 2, lt + 4


def mark() -> str:
    """A fresh ``name="value"`` for the players of one run: a value no post can guess."""
    return f' {MARK_NAME}="{secrets.token_hex(12)}"'


def splice(html: str, placed: list[tuple[int, int, HtmlElement]], marked: str | None) -> str:
    """``html`` with each ``(start, end, element)`` of ``placed`` (in order) written over
    ``html[start:end]``; the iframes carry ``marked`` (see :func:`mark`) when given."""
    out: list[str] = []
    done = 0
    for start, end, built in placed:
        if marked is not None:
            value = marked.split('"')[1]
            for iframe in built.iter("iframe"):
                iframe.set(MARK_NAME, value)
        out.append(html[done:start])
        out.append(etree.tostring(built, method="html", encoding="unicode", with_tail=False))
        done = end
    out.append(html[done:])
    return "".join(out)
