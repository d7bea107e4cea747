"""Linear scans of markup, run before any parser sees the input: controls, depth, tags.

Why before: lxml silently drops content nested deeper than ~255 levels and nh3's cost grows
with the square of the depth, so depth is measured by a linear scan of the tags first.
"""

from __future__ import annotations

import re

#: C0 controls except tab/newline/carriage return, DEL, lone surrogates and the two
#: non-characters: no parser keeps them and lxml refuses them.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
#: the bidi embeddings, overrides and isolates: they reorder what a reader sees
#: (``evil\u202egnp.exe`` reads as ``evilexe.png``). Joiners (U+200C, U+200D) and the marks
#: LRM/RLM stay: words and emoji need them.
_DIRECTION_CHARS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_DIRECTION = re.compile(f"[{_DIRECTION_CHARS}]")
#: the same characters in UTF-8 (E2 80 AA-AE, E2 81 A6-A9): one byte scan finds them where nine
#: ``str.find`` calls would each read a post holding an emoji four bytes a character
_DIRECTION_UTF8 = re.compile(rb"\xe2(?:\x80[\xaa-\xae]|\x81[\xa6-\xa9])")

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


def _no_controls(text: str) -> bool:
    """A C-speed test that ``text`` holds none of :data:`_CONTROLS` (False may be a false alarm).

    Only ASCII text is answered here: in other text a no-break space or an emoji's joiner
    (both not printable) made the former ``isprintable`` test fail for most posts, so its
    three copies of the text were paid before the one regex search that decides anyway.
    """
    return text.isascii() and not text.encode("ascii").translate(None, _ASCII_OK)


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


def drop_direction_controls(text: str) -> tuple[str, int]:
    """``text`` without U+202A-U+202E and U+2066-U+2069, and how many went.

    Run on the sanitizer's output, after the link finders have refused any URL holding one
    (it stays text, design point 3); a control's removal cannot form markup.
    """
    if text.isascii() or _DIRECTION_UTF8.search(text.encode("utf-8", "surrogatepass")) is None:
        return text, 0  # the encoding and its byte scan beat nine str.find and a str charset
    return _DIRECTION.subn("", text)


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
