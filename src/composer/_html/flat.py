"""The text of markup read without parsing it: for HTML a limit refuses to parse.

A rich paste or an HTML draft nested deeper than ``Policy.max_depth`` (or with more than
``MAX_ELEMENTS`` elements) is refused before any parser runs, yet the person's words must not
be lost: :func:`markup_text` reads them with linear regexes, any depth, so the paste can go in
as plain text and the draft come back as a text draft. Linear is not free: about 0.8 s a MB
of dense tags (Python's regex engine tries each tag's alternatives), so callers read no more
than ``Policy.max_markup_bytes``, what a parse would have read (``_limits.markup_words``).
"""

from __future__ import annotations

import html
import re

from composer._html.scan import _TAG

__all__ = ["HIDDEN_HTML", "markup_text"]

#: content no reader sees: comments, raw-text and removed elements, foreign content, VML
HIDDEN_HTML = re.compile(
    r"<(?=[!?a-zA-Z])(?:!--.*?(?:-->|\Z)|!\[CDATA\[.*?(?:\]\]>|\Z)|[!?][^>]*>?"
    r"|(script|style|template|textarea|title|select|noscript|iframe|xmp|noembed|noframes|head|xml"
    r"|svg|math|object|v:\w+)\b.*?(?:</\1[^>]*>?|\Z)|plaintext\b.*)",
    re.IGNORECASE | re.DOTALL,
)
#: the elements whose start or end tag (or, for a break, whose tag) ends a line of text
_LINE_ENDS = frozenset(
    "address article aside blockquote br dd details div dl dt figcaption figure footer h1 h2 h3 h4"
    " h5 h6 header hr li main nav ol p pre section summary table tr ul".split()
)
_BLANKS = re.compile(r"\n{3,}")


def _line_end(tag: re.Match[str]) -> str:
    """A tag as :func:`markup_text` reads it: a line end, or nothing."""
    return "\n" if tag.group(2).lower() in _LINE_ENDS else ""


def markup_text(markup: str) -> str:
    """The text a person reads in ``markup``, by linear regexes that parse nothing (so any
    depth and size is read; tags by the tokenizer's own pattern): hidden content (scripts,
    styles, comments) out, white space collapsed as HTML does, blocks and breaks as lines
    (paragraphs apart by a blank line), the remaining tags out, character references decoded."""
    text = HIDDEN_HTML.sub("", markup)
    text = " ".join(text.split())
    text = html.unescape(_TAG.sub(_line_end, text))
    lines = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANKS.sub("\n\n", lines).strip("\n")
