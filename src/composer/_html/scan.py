"""Linear scans of markup, run before any parser sees the input: controls, tags, references.

The tag grammar here (:data:`_TAG`, :data:`_MARKUP`, :data:`_RAW`) is shared by the depth
scan (:mod:`composer._html.depth`), the limits and the images stage's source scans.
"""

from __future__ import annotations

import re

from composer._html.urls import lower_in_place

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
#: the same, and every byte of a multi-byte UTF-8 sequence
_UTF8_OK = _ASCII_OK + bytes(range(128, 256))
_ASCII_BYTES = bytes(range(128))
_HIGH_BYTES = bytes(range(128, 256))

#: one tag as HTML5 tokenizes it: quotes matter only right after "=", and a tag with no ">"
#: runs to the end. Every part after the name is optional, so a match never backtracks.
_TAG = re.compile(
    r"""<(/?)([a-zA-Z][^\s/>]*)(?:[\s/]+|[^\s/>][^\s/>=]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?)*(>?)"""
)
#: a quoted attribute value holding ">": the one place a ">" may stand inside a tag (``[^"]``
#: is read much faster than ``[^">]``, and backs off to a ">" before the quote just as well)
QUOTED_GT = re.compile(r"""=\s*(?:"[^"]*>|'[^']*>)""")
_MARKUP = re.compile(r"<(?:!--|!\[CDATA\[|/?[a-zA-Z])")
#: how a comment ends, matched right after its "<!--" (HTML5, and libxml2 2.14): at "-->" or
#: "--!>"; "<!-->" and "<!--->" end where they start
_COMMENT_END = re.compile(r">|->|.*?--!?>", re.DOTALL)
_VOID = frozenset("area base br col embed hr img input keygen link meta param source track wbr".split())
#: elements whose content some parser reads as text: inside them end tags are ignored (a
#: parser that reads tags there sees more depth, one that does not sees less: both covered)
_RAW = frozenset("script style textarea title xmp iframe noembed noframes noscript plaintext".split())


def utf8_size(body: str | bytes) -> int:
    """Bytes ``body`` takes as UTF-8 (exact; cheap for short text)."""
    if isinstance(body, (bytes, bytearray, memoryview)):
        return len(body)
    return len(body.encode("utf-8", "surrogatepass")) if not body.isascii() else len(body)


def _no_controls(text: str) -> bool:
    """A C-speed test that ``text`` holds none of :data:`_CONTROLS` (exact).

    The C0 controls and DEL are the same bytes in UTF-8, where every other character is
    made of bytes from 128 up; a lone surrogate cannot be encoded; the two non-characters
    are each one ``in`` test. On non-ASCII text this costs a third of the regex search
    (5 against 16 us on a 5 KB post).
    """
    if text.isascii():
        return not text.encode("ascii").translate(None, _ASCII_OK)
    if "\ufffe" in text or "\uffff" in text:
        return False
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return not raw.translate(None, _UTF8_OK)


def lower_kept(text: str) -> str:
    """``text`` lower-cased with every character at its index, as
    :func:`composer._html.urls.lower_in_place` makes it, in a third less time on text whose
    non-ASCII characters are all caseless or lower-case already (emoji, most prose): its
    ASCII is then lowered as UTF-8 bytes, where ``str.lower`` looks every character up."""
    if text.isascii():
        return text.lower()
    raw = text.encode("utf-8", "surrogatepass")
    return _lowered(text, raw, raw.translate(None, _ASCII_BYTES))


def _lowered(text: str, raw: bytes, wide: bytes) -> str:
    """:func:`lower_kept` of non-ASCII ``text``, given its UTF-8 ``raw`` and the non-ASCII
    bytes of it, ``wide``."""
    characters = wide.decode("utf-8", "surrogatepass")
    if characters.lower() != characters:  # "Σ" (read in context), "İ" (two characters), capitals
        return lower_in_place(text)
    return raw.lower().decode("utf-8", "surrogatepass")


def clean_controls_lowered(text: str) -> tuple[str, int, str | None, bool | None]:
    """:func:`clean_controls` of ``text``, and for non-ASCII text that holds no control
    character its :func:`lower_kept` copy too (else None), from one UTF-8 encoding and one
    ``bytes.translate``: what is left once the printable ASCII is deleted is the
    controls, if any, and the non-ASCII bytes the lower-cased copy is checked with.

    Last, whether ``text`` holds a direction control (:func:`direction_controls`), read on
    those non-ASCII bytes alone (a few dozen in a post of prose and emoji), or None when
    not read: each of its UTF-8 sequences is whole there, as a lead byte never ends one."""
    if text.isascii():
        return (*clean_controls(text), None, False)
    if "\ufffe" in text or "\uffff" in text:
        return (*clean_controls(text), None, None)
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return (*clean_controls(text), None, None)
    rest = raw.translate(None, _ASCII_OK)
    if rest.translate(None, _HIGH_BYTES):  # a control character
        return (*clean_controls(text), None, None)
    return text, 0, _lowered(text, raw, rest), _DIRECTION_UTF8.search(rest) is not None


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


def direction_controls(text: str) -> bool:
    """Whether ``text`` holds one of U+202A-U+202E and U+2066-U+2069 (exact)."""
    return not text.isascii() and _DIRECTION_UTF8.search(text.encode("utf-8", "surrogatepass")) is not None


def drop_direction_controls(text: str) -> tuple[str, int]:
    """``text`` without U+202A-U+202E and U+2066-U+2069, and how many went.

    Run on the sanitizer's output, after the link finders have refused any URL holding one
    (it stays text, design point 3); a control's removal cannot form markup.
    """
    if text.isascii() or _DIRECTION_UTF8.search(text.encode("utf-8", "surrogatepass")) is None:
        return text, 0  # the encoding and its byte scan beat nine str.find and a str charset
    return _DIRECTION.subn("", text)


#: the "#"s looked at one by one before the rest is searched for "&#" at once
_FEW_HASHES = 8


def has_numeric_reference(text: str) -> bool:
    """Whether ``text`` holds ``&#`` (a numeric character reference may start there).

    Found by its "#", rare in posts: one character is found by ``memchr``, where
    ``"&#" in text`` reads every character (~5 µs over 5 KB). Past a few "#"s (Office
    markup's colours, URL fragments) the rest is searched at once.
    """
    at = text.find("#", 1)
    for _ in range(_FEW_HASHES):
        if at < 0:
            return False
        if text[at - 1] == "&":
            return True
        at = text.find("#", at + 1)
    return at >= 0 and text.find("&#", at - 1) >= 0
