"""Bring HTML to its HTML5 reading before any stage looks at it.

Why: the stages read the post through libxml2 (the lxml working tree) and through cheap
prefilters on the source text; the sanitizer (nh3) and the browser read it as HTML5
(html5ever). Where the two readings differ, a stage can see less than the sanitizer keeps:
``<svg><script><img src=...></script></svg>`` is script text to libxml2 but an image that
breaks out of foreign content to HTML5, so it escaped the image rules.

How: markup that holds a construct on which the readings may differ (foreign content,
``noscript``, the ``image`` alias, ``</br>``) is parsed by html5ever (through markupever,
the parser nh3 uses) and serialized again. What comes out is markup libxml2 reads as HTML5
did, so the prefilters and the tree see what the sanitizer will. Two kinds of element are
taken out in the same pass, because libxml2 would read their content as text where HTML5
reads markup, or the reverse: ``noscript`` (HTML5 with scripting on, as nh3 and the browser
read it, keeps its content as raw text) and, inside ``svg``/``math``, elements named like
HTML's raw-text elements (``script``, ``style``, ``title``, ``textarea``, ...). Both are
elements the default allowlist removes with their content anyway; they are counted. And
an HTML element named like an SVG or MathML one (outside ``svg``/``math``) is renamed
``span`` in the tree, as :mod:`composer._html.foreign` does in the source of a post that
opens neither: the sanitizer would drop it with its text.

A whole document read apart the same way, without foreign content: what follows its
``</body>`` or ``</html>`` is the body's to HTML5 and lost to libxml2, so those two end tags
are taken out when something visible follows them (:func:`keep_after_end`).

Cost: for every HTML post, a look at its start-tag names and at the ``</br`` mark of the same
pass (``Scan.br_end``), or a substring search (``</br``), or one regex search of the
lower-cased source (~8 us on a 5 KB post); the parse and
serialization (about one ``nh3.clean``) only for the rare post that holds such markup.
libxml2 older than 2.14 does not tokenize comments and raw text as HTML5 does: there every
post with markup is normalized.
"""

from __future__ import annotations

import re
from collections import Counter

import markupever
from lxml import etree
from markupever import dom

from composer._html.foreign import FOREIGN_ONLY
from composer._html.tokens import before_cut, find_tags, start_tags_and_comments

__all__ = [
    "LOWER_AT_MOST",
    "differs",
    "html5_reading",
    "is_document",
    "keep_after_end",
    "raw_text_opened",
    "structure_as_html5",
]

_HTML_NS = "http://www.w3.org/1999/xhtml"

#: starts of the constructs libxml2 (2.14) and HTML5 read differently, on lower-cased text
#: (one regex search, ~8 us on a 5 KB post: cheaper than five ``in`` tests on a wide string)
_DIFFERS = re.compile(r"<(?:svg|math|noscript|image)[\s/>]|</br[\s/>]")
#: the start-tag names :data:`_DIFFERS` looks for
_DIFFER_NAMES = frozenset({"svg", "math", "noscript", "image"})
#: the same on text of any case, for sources too big to copy lower-cased (a pasted Word file)
_DIFFERS_ANY_CASE = re.compile(
    r"<(?:[sS][vV][gG]|[mM][aA][tT][hH]|[nN][oO][sS][cC][rR][iI][pP][tT]|[iI][mM][aA][gG][eE])[\s/>]"
    r"|</[bB][rR][\s/>]"
)
#: above this many characters the source is searched in place rather than lower-cased
LOWER_AT_MOST = 8 << 20

#: names libxml2 reads as raw text or RCDATA whatever the namespace; HTML5 does so only for
#: HTML elements (and for noscript only with scripting on)
_RAW_NAMES = frozenset("script style title textarea xmp iframe noembed noframes noscript plaintext".split())
_SELECT_RAW = ", ".join(sorted(_RAW_NAMES))

#: libxml2 2.14 brought the HTML5 tokenizer (comments, raw text, character references)
_HTML5_TOKENIZER = etree.LIBXML_VERSION >= (2, 14)

_FRAGMENT = markupever.HtmlOptions(fragment_context=dom.QualName("div", _HTML_NS))
_DOCUMENT = markupever.HtmlOptions()


def differs(
    markup: str, lower: str | None = None, starts: frozenset[str] | None = None, br_end: bool = True
) -> bool:
    """Whether ``markup`` may read differently to libxml2 and to HTML5.

    ``lower``: ``markup`` lower-cased, when the caller has it (one search of it is the
    cheapest); without it the markup is searched in place, never copied. ``starts``: the
    start-tag names in ``lower`` (``composer._html.stray.start_tags``), when the caller has
    them: a post opening none of the constructs' elements needs only a test for ``</br``,
    which ``br_end`` False (``Scan.br_end``) says the caller made.
    """
    if not _HTML5_TOKENIZER:
        return "<" in markup or "&" in markup
    if lower is not None:
        if starts is not None and starts.isdisjoint(_DIFFER_NAMES) and not (br_end and "</br" in lower):
            return False
        return _DIFFERS.search(lower) is not None
    return _DIFFERS_ANY_CASE.search(markup) is not None


def is_document(markup: str) -> bool:
    """Whether ``markup`` is a whole document (a clipboard's), not a fragment."""
    head = markup[:1024].lstrip().lower()
    return head.startswith(("<html", "<!doctype", "<?xml"))


#: a comment as HTML5 ends it (``-->``, ``--!>``, ``<!-->`` at once, or the end of the input)
_COMMENT = re.compile(r"<!--(?:>|->|.*?--!?>|.*\Z)", re.DOTALL)
_DOCUMENT_ENDS = ("body", "html")


def keep_after_end(markup: str, lower: str) -> str:
    """A whole document (``markup``; ``lower``: it lower-cased, index for index) without its
    ``</body>`` and ``</html>`` end tags when something a reader sees follows the first of
    them: HTML5 and browsers put it in the body, where libxml2 keeps what stands between the
    two outside the body and drops what follows ``</html>``. Without the end tags, libxml2
    reads it in the body too. ``markup`` itself when nothing follows them (a clipboard's
    ``</body></html>``, perhaps with a comment or blank lines). Only end tags a tokenizer
    reads are taken out (:func:`composer._html.tokens.find_tags`): ``</body>`` written in an
    attribute value, a comment or a script stays as typed."""
    if "</body" not in lower and "</html" not in lower:
        return markup
    ends = [tag for tag in find_tags(markup, _DOCUMENT_ENDS) if tag.closing]
    if not ends:
        return markup
    first = ends[0].start
    pieces: list[str] = []
    last = first
    for tag in ends:
        pieces.append(before_cut(markup[last : tag.start]))
        last = tag.end
    pieces.append(markup[last:])
    rest = "".join(pieces)
    if not _COMMENT.sub("", rest).strip():
        return markup
    return before_cut(markup[:first]) + rest


_STRUCTURE = ("html", "head", "body")
_FRAMED = (*_STRUCTURE, "frameset")
_FOREIGN = frozenset({"svg", "math"})
#: an html, head or body end tag (lower-cased source)
_STRUCTURE_END = re.compile(r"</(?:html|head|body)[\t\n\f\r />]")
#: an html, head or body start tag ending "/>" (lower-cased source)
_STRUCTURE_CLOSED = re.compile(r"<(?:html|head|body)(?=[\t\n\f\r />])(?:\"[^\"]*\"|'[^']*'|[^\"'>])*/>")


def structure_as_html5(markup: str, lower: str, starts: frozenset[str]) -> str:
    """``markup`` with its ``html``, ``head`` and ``body`` tags as HTML5 reads them, where
    libxml2 reads them otherwise and loses text: ``a</html>b<span>c`` kept only "a", and
    ``<body/>x<span>y`` or ``<html/>x<span>y`` nothing. In a fragment (nh3 reads a post in a
    ``div``) HTML5 ignores every such tag: they are taken out. In a whole document HTML5
    ignores a ``/>`` on them: it is written ``>`` (what follows the end tags is
    :func:`keep_after_end`'s). Only tags a tokenizer reads (:func:`find_tags`). ``lower``:
    ``markup`` lower-cased; ``starts``: its start-tag names. ``markup`` itself when nothing
    changes (a search of ``lower`` for the common post).

    A ``frameset`` in a whole document is taken out too: libxml2 (and HTML5) then drop the
    document's text, and a post shows in a page, never as frames (in a fragment, HTML5 ignores
    it, and libxml2 keeps the text)."""
    document = is_document(markup)
    framed = document and "frameset" in starts
    if document:
        if not framed and _STRUCTURE_CLOSED.search(lower) is None:
            return markup
    elif starts.isdisjoint(_STRUCTURE) and ("</" not in lower or _STRUCTURE_END.search(lower) is None):
        return markup
    # in svg or math a body or head start tag ends the foreign content: left to the HTML5
    # reading that such a post gets (which drops it as a fragment's parse does)
    breakout = not document and not starts.isdisjoint(_FOREIGN) and _DIFFERS.search(lower) is not None
    pieces: list[str] = []
    last = 0
    for tag in find_tags(markup, _FRAMED if framed else _STRUCTURE):
        if breakout and not tag.closing:
            continue
        if not document or tag.name == "frameset":
            pieces.append(before_cut(markup[last : tag.start]))
            last = tag.end
        elif not tag.closing and markup.endswith("/>", 0, tag.end):  # "<html//>" too
            pieces.append(markup[last : tag.end - 1].rstrip("/"))
            last = tag.end - 1
    if not pieces:
        return markup
    pieces.append(markup[last:])
    return "".join(pieces)


#: a raw-text element's start tag ending "/>" (lower-cased source)
_RAW_CLOSED = re.compile(
    rf"<(?:{'|'.join(sorted(_RAW_NAMES))})(?=[\t\n\f\r />])(?:\"[^\"]*\"|'[^']*'|[^\"'>])*/>"
)


def raw_text_opened(markup: str, lower: str, starts: frozenset[str]) -> str:
    """``markup`` with each raw-text element's start tag written without its closing ``/``:
    HTML5 ignores a ``/>`` there and reads what follows as the element's text (``<style/>a``
    hides "a"), where libxml2 closed the element at once and read its content as markup, so
    the stages saw other markup than the sanitizer (text it shows: ``<x a="<script/>">``
    hid what followed). ``lower``: ``markup`` lower-cased; ``starts``: its start-tag names.
    ``markup`` itself when there is none (a set question for the common post)."""
    if starts.isdisjoint(_RAW_NAMES) or _RAW_CLOSED.search(lower) is None:
        return markup
    if not starts.isdisjoint(_FOREIGN) and _DIFFERS.search(lower) is not None:
        return markup  # in svg or math "<title/>" is closed: left to the HTML5 reading it gets
    pieces: list[str] = []
    last = 0
    for name, _, end in start_tags_and_comments(markup):
        if name in _RAW_NAMES and markup.endswith("/>", 0, end):
            pieces.append(markup[last : end - 1].rstrip("/"))
            last = end - 1
    if not pieces:
        return markup
    pieces.append(markup[last:])
    return "".join(pieces)


def html5_reading(
    markup: str, lower: str | None = None, starts: frozenset[str] | None = None, br_end: bool = True
) -> tuple[str, Counter[str]]:
    """``markup`` as HTML5 reads it, and the elements taken out, counted by name.

    Returns ``markup`` itself (and an empty count) when :func:`differs` says both parsers
    read it alike. A fragment is read as nh3 reads it (in a ``div``); a whole document
    stays a document. The caller checks the nesting depth first: html5ever's cost grows
    with the square of it.
    """
    if not differs(markup, lower, starts, br_end):
        return markup, Counter()
    document = is_document(markup)
    tree = markupever.parse(markup, _DOCUMENT if document else _FRAGMENT)
    root = tree.root()
    removed = _take_out_raw(root)
    _foreign_names_outside(root)
    if document:  # "<?xml ...?>" is a comment to HTML5: left first, the text is no document
        for node in [child for child in root.children() if isinstance(child, dom.Comment)]:
            node.detach()
    return tree.serialize(), removed


def _take_out_raw(root: dom.Document) -> Counter[str]:
    """Detach the elements whose content libxml2 and HTML5 read differently (see above)."""
    removed: Counter[str] = Counter()
    for el in list(root.select(_SELECT_RAW)):
        if not isinstance(el, dom.Element):
            continue
        name = el.name
        reads_apart = name.ns != _HTML_NS or name.local == "noscript"
        if reads_apart and name.local in _RAW_NAMES and el.parent is not None:
            removed[name.local] += 1
            el.detach()
    return removed


_SELECT_FOREIGN = ", ".join(sorted(FOREIGN_ONLY))
_SPAN = dom.QualName("span", _HTML_NS)


def _foreign_names_outside(root: dom.Document) -> None:
    """Rename ``span`` each HTML element named like an SVG or MathML one (outside ``svg`` and
    ``math``): the sanitizer would drop it with its text (see :mod:`composer._html.foreign`,
    which renames them in the source of a post that opens no ``svg`` or ``math``; a post that
    does, or seems to, comes here)."""
    for el in list(root.select(_SELECT_FOREIGN)):
        if isinstance(el, dom.Element) and el.name.ns == _HTML_NS and el.name.local in FOREIGN_ONLY:
            el.name = _SPAN
