"""Input limits, checked before any parser sees the input.

Why before: lxml silently drops content nested deeper than ~255 levels and nh3's cost grows
with the square of the depth, so depth is measured by a linear scan of the tags first.
"""

from __future__ import annotations

import re

from composer.document import Document
from composer.policy import Policy
from composer.result import Result

#: C0 controls except tab/newline/carriage return, DEL, lone surrogates and the two
#: non-characters: no parser keeps them and lxml refuses them.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

#: the printable ASCII characters and tab, newline, carriage return
_ASCII_OK = bytes([9, 10, 13, *range(32, 127)])

#: one tag as HTML5 tokenizes it: quotes matter only right after "=", and a tag with no ">"
#: runs to the end. Every part after the name is optional, so a match never backtracks.
_TAG = re.compile(
    r"""<(/?)([a-zA-Z][^\s/>]*)(?:[\s/]+|[^\s/>][^\s/>=]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?)*(>?)"""
)
_MARKUP = re.compile(r"<(?:!--|!\[CDATA\[|/?[a-zA-Z])")
_VOID = frozenset("area base br col embed hr img input keygen link meta param source track wbr".split())
#: elements whose content some parser reads as text: inside them end tags are ignored (a
#: parser that reads tags there sees more depth, one that does not sees less: both covered)
_RAW = frozenset("script style textarea title xmp iframe noembed noframes noscript plaintext".split())
#: an end tag of an inline element does not close past these (HTML's "special" elements)
_SPECIAL = frozenset(
    (
        "address applet article aside blockquote body button caption center dd details dir div dl "
        "dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup html li main "
        "marquee menu nav object ol p pre section select summary table tbody td tfoot th thead tr "
        "ul svg math"
    ).split()
)
#: no end tag closes past these
_SCOPE = frozenset("applet caption html table td th marquee object template svg math foreignobject".split())
#: start tag -> elements it closes when they are the current (innermost) element
_IMPLIED: dict[str, frozenset[str]] = {
    **{
        tag: frozenset({"p"})
        for tag in (
            "address article aside blockquote details div dl fieldset figcaption figure footer form "
            "h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section summary table ul"
        ).split()
    },
    "li": frozenset({"li", "p"}),
    "dt": frozenset({"dt", "dd", "p"}),
    "dd": frozenset({"dt", "dd", "p"}),
    "tr": frozenset({"tr", "td", "th", "p"}),
    "td": frozenset({"td", "th", "p"}),
    "th": frozenset({"td", "th", "p"}),
    "option": frozenset({"option"}),
    "tbody": frozenset({"tbody", "thead", "tfoot", "tr", "td", "th", "p"}),
    "thead": frozenset({"tbody", "thead", "tfoot", "tr", "td", "th", "p"}),
    "tfoot": frozenset({"tbody", "thead", "tfoot", "tr", "td", "th", "p"}),
}


def utf8_size(body: str | bytes) -> int:
    """Bytes ``body`` takes as UTF-8 (exact; cheap for short text)."""
    if isinstance(body, (bytes, bytearray, memoryview)):
        return len(body)
    return len(body.encode("utf-8", "surrogatepass")) if not body.isascii() else len(body)


def oversize(body: str | bytes, policy: Policy) -> Result | None:
    """A ``too_large`` result when ``body`` exceeds ``max_input_bytes``, else None."""
    limit = policy.max_input_bytes
    if isinstance(body, str) and len(body) * 4 <= limit:
        return None
    size = utf8_size(body)
    if size <= limit:
        return None
    doc = Document("", "text", policy)
    doc.problem("too_large", stop=True, size=size, limit=limit)
    return doc.result()


def _no_controls(text: str) -> bool:
    """A C-speed test that ``text`` holds none of :data:`_CONTROLS` (False may be a false alarm)."""
    if text.isascii():
        return not text.encode("ascii").translate(None, _ASCII_OK)
    return text.replace("\n", "").replace("\t", "").replace("\r", "").isprintable()


def clean_controls(text: str) -> tuple[str, int]:
    """Drop control characters no parser keeps; return the text and how many went.

    NUL becomes U+FFFD, as an HTML parser makes it inside a tag name: dropping it would let
    ``<scr\0ipt>`` become a script, and the text a browser shows in it would be lost.
    """
    if _no_controls(text) or _CONTROLS.search(text) is None:
        return text, 0
    nuls = text.count("\x00")
    if nuls:
        text = text.replace("\x00", "\ufffd")
    cleaned, count = _CONTROLS.subn("", text)
    return cleaned, count + nuls


def too_deep(source: str, limit: int) -> bool:
    """Whether elements in ``source`` nest deeper than ``limit``.

    One linear pass over the tags that errs on the deep side wherever parsers differ: a
    non-void ``<div/>`` counts as open (as an HTML5 parser reads it), only the innermost
    element is closed implicitly, an inline end tag never closes past a block, and end tags
    inside comments, CDATA and raw-text elements are ignored. The stack never grows past
    ``limit``, so each tag costs at most O(limit).
    """
    if source.count("<") - source.count("</") <= limit:
        return False
    lower = source.lower()
    stack: list[str] = []
    raw_end = ""  # inside a raw-text element or CDATA: the text that ends it
    pos = 0
    while True:
        found = _MARKUP.search(source, pos)
        if found is None:
            return False
        at = found.start()
        if raw_end and lower.startswith(raw_end, at):
            raw_end = ""
            if stack and stack[-1] in _RAW:
                stack.pop()
        if source.startswith("<!--", at):
            end = source.find("-->", at + 4)
            if end < 0:
                return False
            pos = end + 3
            continue
        if source.startswith("<![CDATA[", at):
            raw_end = raw_end or "]]>"
            pos = at + 9
            continue
        match = _TAG.match(source, at)
        assert match is not None  # _MARKUP found "<" + letter, which _TAG always matches
        closing, name, closed = match.groups()
        pos = match.end()
        if not closed:
            return False  # a tag cut by the end of input: nothing after it is markup
        tag = name.lower()
        if closing:
            if not raw_end:
                _close(stack, tag)
            continue
        if tag in _VOID:
            continue
        while stack and stack[-1] in _IMPLIED.get(tag, ()):
            stack.pop()
        stack.append(tag)
        if len(stack) > limit:
            return True
        if tag in _RAW and not raw_end:
            raw_end = "</" + tag


def _close(stack: list[str], tag: str) -> None:
    """Pop up to the innermost open ``tag``, unless a boundary stands in the way."""
    inline = tag not in _SPECIAL
    for i in range(len(stack) - 1, -1, -1):
        open_tag = stack[i]
        if open_tag == tag:
            del stack[i:]
            return
        if open_tag in _SCOPE or (inline and open_tag in _SPECIAL):
            return


# -- the bounded worst case (issue 11.7) ---------------------------------------------------
#
# Every input the default policy accepts must finish within 3 s and 700 MB on a 2-core
# machine, or be refused before any parser runs. Four pre-scans serve that, all linear and
# C-speed (regexes that cannot backtrack): pasted images out before the size check, an early
# ``too_long`` when the source alone proves it, a cap on markdown's formatting marks (each
# costs markdown-it-py a token) and on bracket nesting, and a cap on attributes per tag.

#: a ``data:`` URL long enough to be a pasted image (or any file): cut to its scheme and type
#: before the size check, in html and markdown, as the images stage rejects pasted images
#: whatever their payload (4 000 characters: shorter ones are cheap, and may be prose)
_DATA_URL = re.compile(r"(data:[\w.+/-]{0,64})[;,][^\s\"'<>)]{4000,}", re.IGNORECASE)
#: markdown characters markdown-it-py makes a token (or a delimiter) of, each costing ~50 us
#: in the worst shapes: 20 000 of them stay near 1 s
MAX_MARKDOWN_MARKS = 20_000
_MARKS = "*_~`[]()!<>&|\\"
#: link brackets nested deeper than this make markdown-it-py's label scan quadratic
MAX_BRACKET_NESTING = 32
#: elements a post may open: each costs every stage a Python step (~20-40 us in all), and a
#: 100 000-character post has a few thousand; more is ``too_complex``
MAX_ELEMENTS = 40_000
_START_TAG = re.compile(r"<[a-zA-Z]")
#: markdown lines: markdown-it-py's block rules cost per line
MAX_MARKDOWN_LINES = 10_000
#: attributes one tag may carry; more are cut (counted): libxml2 and nh3 are quadratic here
MAX_ATTRIBUTES = 256
#: a tag with more than MAX_ATTRIBUTES attributes; "(?=(...))\1" takes each attribute whole
#: (an atomic group), as spaces around "=" would otherwise give each one two readings and a
#: failing match 2^n retries
_MANY_ATTRIBUTES = re.compile(
    r"<[a-zA-Z][^\s/>]*(?:(?=([\s/]+[^\s/>=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]*))?))\1)"
    + f"{{{MAX_ATTRIBUTES + 1}}}"
)
_ATTRIBUTE = re.compile(r"""[^\s/>=][^\s/>=]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?""")


def cut_data_urls(source: str) -> str:
    """``source`` with every long ``data:`` URL cut to ``data:<type>,`` (linear)."""
    if "ata:" not in source and "ATA:" not in source:
        return source  # a mixed-case "dAtA:" is only not cut: the size cap still holds
    return _DATA_URL.sub(r"\1,", source)


def fence_free(markdown: str) -> str:
    """``markdown`` without its fenced code blocks (markdown-it does no inline work there)."""
    if "```" not in markdown and "~~~" not in markdown:
        return markdown
    return _FENCED.sub("", markdown)


#: the lookaheads pin each fence to its whole run: a regex that may retry shorter runs of a
#: 20 000-backtick line scans the rest of the post once per length (48 s)
_FENCED = re.compile(
    r"^[ \t]{0,3}(?:(`{3,})(?!`)[^`\n]*|(~{3,})(?!~)[^\n]*)\n.*?(?:^[ \t]{0,3}(?:\1|\2)|\Z)",
    re.MULTILINE | re.DOTALL,
)


def markdown_marks(markdown: str) -> int:
    """Formatting characters outside fenced code: what markdown-it-py makes tokens of."""
    text = fence_free(markdown)
    return sum(text.count(mark) for mark in _MARKS)


def bracket_nesting(markdown: str, limit: int) -> bool:
    """Whether ``[`` nest deeper than ``limit`` (unmatched ``]`` ignored); O(brackets)."""
    if markdown.count("[") <= limit:
        return False
    depth = 0
    for found in re.finditer(r"\\.|[\[\]]", markdown):
        mark = found.group()
        if mark == "[":
            depth += 1
            if depth > limit:
                return True
        elif mark == "]" and depth:
            depth -= 1
    return False


def cap_attributes(source: str) -> tuple[str, int]:
    """``source`` with tags cut to their first :data:`MAX_ATTRIBUTES` attributes; how many went.

    An HTML parser keeps the first of duplicate attributes, so the ones cut are the ones no
    parser would have preferred; tags within the cap are left byte for byte.
    """
    if _MANY_ATTRIBUTES.search(source) is None:
        return source, 0
    out: list[str] = []
    cut = 0
    pos = 0
    for found in _MANY_ATTRIBUTES.finditer(source):
        tag = _TAG.match(source, found.start())
        if found.start() < pos or tag is None or not tag.group(3):
            continue  # inside a tag already cut, or a tag the end of input cuts
        name_end = found.start() + 1 + len(tag.group(2))
        attributes = _ATTRIBUTE.findall(source, name_end, tag.end() - (1 if tag.group(3) else 0))
        cut += len(attributes) - MAX_ATTRIBUTES
        out.append(source[pos:name_end])
        out.append(" " + " ".join(attributes[:MAX_ATTRIBUTES]) + tag.group(3))
        pos = tag.end()
    out.append(source[pos:])
    return "".join(out), cut


# -- a floor under the visible text -------------------------------------------------------

#: content no reader sees: comments, raw-text and removed elements, foreign content, VML
_HIDDEN_HTML = re.compile(
    r"<(?=[!?a-zA-Z])(?:!--.*?(?:-->|\Z)|!\[CDATA\[.*?(?:\]\]>|\Z)|[!?][^>]*>?"
    r"|(script|style|template|textarea|title|select|noscript|iframe|xmp|noembed|noframes|head|xml"
    r"|svg|math|object|v:\w+)\b.*?(?:</\1[^>]*>?|\Z)|plaintext\b.*)",
    re.IGNORECASE | re.DOTALL,
)
#: character references: the four that are always one visible character, and any other
_VISIBLE_REFERENCE = re.compile(r"&(?:amp|lt|gt|quot);", re.IGNORECASE)
_REFERENCE = re.compile(r"&#?\w+;?")
#: what an emoji stage may trim, or an invisible character: never counted
_MAYBE_EMOJI = re.compile(
    "[0-9#*]\ufe0f?\u20e3|:[\\w+-]+:|[\u00a9\u00ae\u2000-\u33ff\ufe00-\ufe0f\ufeff\U0001f000-\U0001faff"
    "\U000e0000-\U000e007f\ud800-\udfff]"
)
#: a URL-ish token; anchored at the token's start, so a long run without one is read once
_URL_TOKEN = re.compile(r"(?<!\S)\S*?(?:://|www\.)\S*", re.IGNORECASE)
#: markdown syntax that hides text: link destinations and titles, reference labels and
#: definitions, image descriptions, fence info strings, line-start markers
_HIDDEN_MARKDOWN = re.compile(
    r"!\[[^\[\]]*\](?:\((?:[^()]|\([^()]*\))*\))?|\]\((?:[^()]|\([^()]*\))*\)|\]\[[^\[\]]*\]"
    r"|^[ \t]*(?:(?:>|[-+*]|\d{1,9}[.)])[ \t]*)*(?:\[[^\]\n]*\]:|`{3,}|~{3,}).*$"
    r"|^[ \t]*(?:(?:>|[-+*]|\d{1,9}[.)]|#{1,6})[ \t]*)+|#+[ \t]*$",
    re.MULTILINE,
)
_MARKDOWN_INVISIBLE = str.maketrans("", "", _MARKS)


def text_floor(source: str, fmt: str, max_embeds: int) -> int:
    """A floor under the visible text ``source`` can make: a source whose floor is over
    ``max_length`` is ``too_long`` before any parser runs.

    Errs low wherever a stage or the sanitizer might remove text: whitespace, hidden and
    removed elements, markup, emoji and shortcodes (trim mode), character references other
    than ``&amp; &lt; &gt; &quot;``, markdown syntax and link destinations, and the
    ``max_embeds`` longest URLs (an embed may replace its URL). Linear, by C-speed regexes.
    """
    text = source
    if fmt == "html":
        text = _HIDDEN_HTML.sub("", text)
        text = _TAG.sub("", text)
        text = _REFERENCE.sub("", _VISIBLE_REFERENCE.sub("&", text))
    elif fmt == "markdown":
        text = _HIDDEN_MARKDOWN.sub("", text)
        text = _REFERENCE.sub("", _VISIBLE_REFERENCE.sub("&", text))
    text = _MAYBE_EMOJI.sub("", text)
    if fmt == "markdown":
        text = text.translate(_MARKDOWN_INVISIBLE)
    urls = sorted((len(url) for url in _URL_TOKEN.findall(text)), reverse=True)
    return len("".join(text.split())) - sum(urls[:max_embeds])


def refuse_oversize(doc: Document, source: str) -> str | None:
    """``source`` with its long ``data:`` URLs cut (html and markdown), or None when what is
    left is over ``Policy.max_markup_bytes`` (problem ``too_large``). First of all, so that not
    even the control-character pass reads a source that will not be parsed."""
    if doc.format != "text":
        source = cut_data_urls(source)
    size = utf8_size(source)
    if size > doc.policy.max_markup_bytes:
        doc.problem("too_large", stop=True, size=size, limit=doc.policy.max_markup_bytes)
        return None
    return source


def refuse_early(doc: Document, source: str) -> str | None:
    """Apply the other pre-parse limits to ``source`` (size checked, controls out); return the
    source to parse (attributes capped), or None when the run is refused: ``too_long`` when
    :func:`text_floor` proves it, ``too_complex`` past :data:`MAX_ELEMENTS`, or for markdown
    past :data:`MAX_MARKDOWN_MARKS`, :data:`MAX_MARKDOWN_LINES` or :data:`MAX_BRACKET_NESTING`."""
    policy = doc.policy
    if len(source) > policy.max_length:
        floor = text_floor(source, doc.format, policy.max_embeds)
        if floor > policy.max_length:
            doc.problem("too_long", stop=True, length=floor, limit=policy.max_length)
            return None
    if doc.format == "markdown":
        marks = markdown_marks(source) if len(source) > MAX_MARKDOWN_MARKS else 0
        if marks > MAX_MARKDOWN_MARKS:
            doc.problem("too_complex", stop=True, count=marks, limit=MAX_MARKDOWN_MARKS)
            return None
        if bracket_nesting(source, MAX_BRACKET_NESTING):
            doc.problem("too_complex", template="too_complex_nesting", stop=True, limit=MAX_BRACKET_NESTING)
            return None
        lines = source.count("\n")
        if lines > MAX_MARKDOWN_LINES:
            doc.problem(
                "too_complex", template="too_complex_lines", stop=True, count=lines, limit=MAX_MARKDOWN_LINES
            )
            return None
    elif doc.format == "html":
        if too_many_elements(doc, source):
            return None
        source, cut = cap_attributes(source)
        doc.remove("attributes", f"past {MAX_ATTRIBUTES} on one tag", cut)
    return source


def too_many_elements(doc: Document, markup: str) -> bool:
    """Refuse (``too_complex``) markup opening more than :data:`MAX_ELEMENTS` elements."""
    if markup.count("<") <= MAX_ELEMENTS:
        return False
    count = len(_START_TAG.findall(markup))
    if count <= MAX_ELEMENTS:
        return False
    doc.problem("too_complex", template="too_complex_elements", stop=True, count=count, limit=MAX_ELEMENTS)
    return True
