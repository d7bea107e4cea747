"""Reading image addresses in raw HTML and in the tree: which are pasted bytes.

Shared by the images stage (which decides, on the tree) and its source scans (which only
count, or cut a 20 MB payload before any parser holds it). Schemes are read the way a
browser reads them: entities decoded by the parser, then leading C0 controls and spaces, and
tabs and newlines anywhere, ignored.
"""

from __future__ import annotations

import html as htmllib
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from html.entities import html5

from composer._html.atomic import possessive, run
from composer._html.hosts import SKIPPED
from composer._html.hosts import scheme_at as scheme_at  # the one scheme reader, also read from here
from composer._html.tokens import COMMENT, start_tags_and_comments

#: where pasted bytes live: the browser's memory, the person's disk, a mail part
PASTED_SCHEMES = frozenset({"data", "blob", "file", "cid", "filesystem"})

#: element -> attributes that load an image into it
_CARRIERS: dict[str, tuple[str, ...]] = {
    "img": ("src", "srcset", "lowsrc", "dynsrc"),
    "source": ("src", "srcset"),
    "input": ("src",),
    "image": ("href", "xlink:href", "src"),
    "feimage": ("href", "xlink:href"),
    "embed": ("src",),
    "object": ("data",),
    "v:imagedata": ("src",),
    "video": ("poster",),
}
#: carriers libxml2 knows as void: removing them cannot lose text
_VOID = frozenset({"img", "input"})
#: attributes that load an image on any element
_ANYWHERE = ("background", "style")
_URL_ATTRS = frozenset(
    {"src", "srcset", "lowsrc", "dynsrc", "href", "xlink:href", "data", "poster", "background"}
)

_JUNK = SKIPPED
_JUNK_CHARS = "".join(chr(c) for c in range(0x21)) + "\x7f"
_NETWORK_PATH = re.compile(f"[{_JUNK}]*[/\\\\][{_JUNK}]*[/\\\\]")
_CSS_URL = re.compile(r"url\(\s*[\"']?|image-set\(|[\"']", re.IGNORECASE)
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\n\r\f]?|\\(.)", re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.DOTALL)
_VML = re.compile(r"<v:(shape|imagedata)\b[^>]*?\b(?:id|src)\s*=\s*[\"']?([^\"'\s>]*)", re.IGNORECASE)
_ATTR = re.compile(r"""([^\s/>=][^\s/>=]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))?""")
_SRCSET_URL = re.compile(r"[^\s]+")

#: values shorter than this are left to the tree; longer ones are cut before it is built
_LONG_VALUE = 2048


def _kind(value: str, pos: int = 0) -> str:
    """``pasted:<scheme>``, ``remote``, ``local`` (a path on the forum) or ``other``."""
    scheme = scheme_at(value, pos)
    if scheme is None:
        if _NETWORK_PATH.match(value, pos):
            return "remote"
        return "local" if value[pos:].strip(_JUNK_CHARS) else "other"
    if scheme in PASTED_SCHEMES:
        return "pasted:" + scheme
    return "remote" if scheme in ("http", "https") else "other"


def _clean_url(value: str) -> str:
    """The URL a browser would request: outer controls and spaces gone, no tabs or newlines."""
    url = value.strip(_JUNK_CHARS).replace("\t", "").replace("\n", "").replace("\r", "")
    if url.startswith(("//", "\\\\", "/\\", "\\/")):
        url = "https://" + url[2:].lstrip("/\\")
    return url


def srcset_spans(value: str) -> Iterator[tuple[int, int]]:
    """The (start, end) of each candidate URL in a ``srcset``, as the HTML spec splits it.

    A URL runs to the next whitespace (so the comma inside ``data:image/png;base64,...`` is
    part of it); trailing commas end a candidate; descriptors run to a comma outside parentheses.
    """
    pos, size = 0, len(value)
    while True:
        while pos < size and (value[pos].isspace() or value[pos] == ","):
            pos += 1
        if pos >= size:
            return
        match = _SRCSET_URL.match(value, pos)
        assert match is not None
        start, end = match.span()
        url_end = end
        while url_end > start and value[url_end - 1] == ",":
            url_end -= 1
        yield start, url_end
        pos = end
        if url_end != end:
            continue
        depth = 0
        while pos < size:
            char = value[pos]
            if char == "(":
                depth += 1
            elif char == ")":
                depth = max(depth - 1, 0)
            elif char == "," and depth == 0:
                break
            pos += 1


def _css_pasted(style: str) -> str | None:
    """The first pasted scheme a ``style`` value loads an image from, or None."""
    if "\\" in style:
        style = _CSS_ESCAPE.sub(_css_char, style)
    if "/*" in style:
        style = _CSS_COMMENT.sub("", style)
    for match in _CSS_URL.finditer(style):
        scheme = scheme_at(style, match.end())
        if scheme in PASTED_SCHEMES:
            return scheme
    return None


def _css_char(match: re.Match[str]) -> str:
    if match.group(1):
        code = int(match.group(1), 16)
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
    return match.group(2)


def _pasted(tag: str, attrs: Mapping[str, str]) -> tuple[str | None, dict[str, str]]:
    """What of an element's attributes is a pasted image: (carrier scheme, {attribute: scheme}).

    The carrier scheme is set when the element itself loads a pasted image (one count);
    ``background`` and ``style`` anywhere count one each. Shared by the tree pass (which
    decides) and the source scan (which only counts).
    """
    found: dict[str, str] = {}
    carrier: str | None = None
    names = _CARRIERS.get(tag, ())
    if tag == "input" and attrs.get("type", "").strip(_JUNK_CHARS).lower() != "image":
        names = ()
    for name in (*names, *_ANYWHERE):
        value = attrs.get(name)
        if value is None:
            continue
        if name == "style":
            scheme = _css_pasted(value)
        elif name == "srcset":
            kinds = (_kind(value, start) for start, _ in srcset_spans(value))
            scheme = next((k[7:] for k in kinds if k.startswith("pasted:")), None)
        else:
            kind = _kind(value)
            scheme = kind[7:] if kind.startswith("pasted:") else None
        if scheme is not None:
            found[name] = scheme
            if name in names and carrier is None:
                carrier = scheme
    return carrier, found


class _Word:
    """Word puts each picture twice: VML in a conditional comment, and an ``<img>`` fallback
    whose ``v:shapes`` names the VML shape. Each picture is counted once."""

    def __init__(self) -> None:
        self.imgs: set[str] = set()
        self.pictures: dict[str, tuple[str, str]] = {}

    def img(self, attrs: Mapping[str, str]) -> None:
        """A rejected ``<img>``: the VML picture it stands for is already counted."""
        self.imgs.add((attrs.get("src") or "").strip(_JUNK_CHARS))
        self.imgs.update((attrs.get("v:shapes") or "").split())

    def comment(self, text: str) -> bool:
        """Note the pasted VML pictures in a comment; True when it holds one."""
        shape = ""
        found = False
        for match in _VML.finditer(text):
            value = htmllib.unescape(match.group(2))
            if match.group(1).lower() == "shape":
                shape = value
                continue
            kind = _kind(value)
            if kind.startswith("pasted:"):
                src = value.strip(_JUNK_CHARS)
                self.pictures.setdefault(shape or src, (src, kind[7:]))
                found = True
        return found

    def uncounted(self) -> Iterator[str]:
        """The scheme of each VML picture with no rejected ``<img>`` standing for it."""
        for key, (src, scheme) in self.pictures.items():
            if key not in self.imgs and src not in self.imgs:
                yield scheme


def _tags(markup: str) -> Iterator[tuple[str, int, int]]:
    """(tag, start, end) of each start tag as an HTML tokenizer sees it, and (COMMENT, ...) of comments.

    Linear, by HTML5's rules (:func:`composer._html.tokens.start_tags_and_comments`): a comment
    ends at ``-->``, ``--!>`` or at once (``<!-->``), a bogus comment (``<?``, ``<!x``, ``</ x``)
    at its first ">", so ``<?<!-- ><img ...>`` holds an image; the content of raw-text
    elements (script, style, textarea, ...) is not markup, so text that merely mentions
    ``data:`` is never taken for an attribute.
    """
    return start_tags_and_comments(markup, _NO_SCHEME)


#: a tag's attributes that hold no pasted image: no ":" (a scheme's), "&" (a reference that
#: may spell one) or "\\" (a CSS escape); quoted values as the tokenizer reads them, so the
#: scan passes such tags by in C (30 MB of ``<b a>`` from a clipboard the rich paste refused)
_SPACES = run(r"[\t\n\f\r ]")
_DOUBLE = run(r"""[^"':&\\]""")
_SINGLE = run(r"""[^'":&\\]""")
_BARE = run(r"""[^\t\n\f\r >"'=:&\\]""")
_NO_SCHEME = possessive(rf"""[^>"':&\\=]|={_SPACES}(?:"{_DOUBLE}"|'{_SINGLE}'|{_BARE})""")


def _attributes(markup: str, start: int, end: int) -> Iterator[tuple[str, int, int]]:
    """(lowercased name, value start, value end) of each attribute; quotes excluded."""
    for attr in _ATTR.finditer(markup, start, end):
        first, last = attr.span(2)
        if first >= 0 and last > first and markup[first] in "\"'":
            first, last = first + 1, last - 1
        yield attr.group(1).lower(), first, last


def shrink_payloads(markup: str) -> str:
    """``markup`` with each long pasted-image URL in an attribute cut to its scheme (``"data:"``).

    Nothing is decided here: the tree pass still sees ``src="data:"`` and removes and counts
    the image, but libxml2 never holds the payload. Cheap to call before any parse (a stage
    that builds the tree earlier may call it too); returns ``markup`` itself when no value is
    long. Long ``style`` values are left alone.
    """
    pieces: list[str] = []
    last = 0
    for tag, start, end in _tags(markup):
        if end - start <= _LONG_VALUE or tag == COMMENT:
            continue
        for name, first, stop in _attributes(markup, start, end):
            if stop - first <= _LONG_VALUE or name not in _URL_ATTRS:
                continue
            scheme = scheme_at(htmllib.unescape(markup[first : first + 256]))
            if scheme in PASTED_SCHEMES:
                pieces.append(markup[last:first])
                pieces.append(f"{scheme}:")
                last = stop
    if not pieces:
        return markup
    pieces.append(markup[last:])
    return "".join(pieces)


def scan(markup: str, most: int | None = None) -> Counter[str]:
    """Pasted images in an HTML source, counted by scheme, as the tree pass would count them.

    Run on the source as it arrived, so pictures an earlier stage already dropped uncounted
    (the paste stage strips VML, ``style``, ``background``, ``xlink:href``) are still reported; the stage
    calls it only when the paste stage cleaned the tree (``PASTE_CLEANED`` in ``doc.env``) and
    :func:`may_hold_pasted` says the source may hold one.

    ``most``: read the attributes of that many tags at most (a Python step each); past them,
    the schemes written plainly in the rest are counted in one C pass, an estimate (the plain
    paste of a 32 MB clipboard the rich paste refused, which keeps no image in any case).
    """
    counts: Counter[str] = Counter()
    word = _Word()
    read = 0
    for tag, start, end in _tags(markup):
        if tag == COMMENT:
            if _VML.search(markup, start, end):
                word.comment(markup[start:end])
            continue
        if end - start < 5:
            continue
        read += 1
        if most is not None and read > most:
            counts.update(_PLAIN_SCHEME.findall(markup[start:].lower()))
            break
        attrs: dict[str, str] = {}
        for name, first, stop in _attributes(markup, start, end):
            if first >= 0:
                stop = stop if name == "style" else min(stop, first + 4096)
                attrs.setdefault(name, htmllib.unescape(markup[first:stop]))
        carrier, found = _pasted(tag, attrs)
        counts.update(found[name] for name in _ANYWHERE if name in found)
        if carrier is not None:
            counts[carrier] += 1
            if tag == "img":
                word.img(attrs)
    counts.update(word.uncounted())
    return counts


#: a pasted scheme written plainly (what :func:`scan` counts past the tags it reads)
#: (on lower-cased text: a case-blind alternation is five times slower)
_PLAIN_SCHEME = re.compile(
    rf"({'|'.join(sorted(PASTED_SCHEMES, key=lambda name: (-len(name), name)))})[\t\n\f\r ]*:"
)
#: what a scheme of :data:`PASTED_SCHEMES` is spelt with: its letters in either case, the
#: colon, and the characters :func:`scheme_at` passes over
_SKIPPED_CHAR = re.compile(f"[{SKIPPED}]")
_SPELLING = frozenset("".join(PASTED_SCHEMES) + "".join(PASTED_SCHEMES).upper() + ":")
#: character references that may stand for one of them (numeric ones all may), lower-cased,
#: longest first: ``&colon;``, ``&Tab;``, ``&zwj;``, ... (``&amp;``, ``&quot;``, ``&nbsp;`` may not)
_SPELLING_REFERENCES = sorted(
    {
        name.rstrip(";").lower()
        for name, value in html5.items()
        if any(ch in _SPELLING or _SKIPPED_CHAR.match(ch) for ch in value)
    },
    key=len,
    reverse=True,
)
_SPELLING_REFERENCE = re.compile("&(?:#|" + "|".join(map(re.escape, _SPELLING_REFERENCES)) + ")")
_PASTED_COLONS = tuple(scheme + ":" for scheme in sorted(PASTED_SCHEMES))
_PASTED_COLONS_BYTES = tuple(scheme.encode("ascii") for scheme in _PASTED_COLONS)
#: the ASCII characters ``str.split()`` splits at, and those ``str.isprintable()`` accepts
_ASCII_SPACE = bytes(c for c in range(128) if chr(c).isspace())
_ASCII_PRINTABLE = bytes(c for c in range(128) if chr(c).isprintable())


def may_hold_pasted(lower: str) -> bool:
    """Whether :func:`scan` may find anything in the source whose lower-cased copy is ``lower``.

    Exact in one direction (False means :func:`scan` finds nothing), from C-speed passes: a
    pasted scheme is its letters and a colon, spaces and invisible characters between them
    allowed. A source with a CSS escape or comment, a character reference that may spell one
    of those characters, or an invisible character other than white space may hide one:
    maybe. Otherwise the source with its white space taken out holds ``data:``, ``blob:``,
    ``cid:``, ``file:`` or ``filesystem:``, or no value of it can.
    """
    if "\\" in lower or "/*" in lower:
        return True
    if "&" in lower and _SPELLING_REFERENCE.search(lower) is not None:
        return True
    if lower.isascii():  # the same questions of bytes, each one C pass without splitting
        squeezed_bytes = lower.encode("ascii").translate(None, _ASCII_SPACE)
        if squeezed_bytes.translate(None, _ASCII_PRINTABLE):  # a control character
            return True
        return any(scheme in squeezed_bytes for scheme in _PASTED_COLONS_BYTES)
    squeezed = "".join(lower.split())
    if not squeezed.isprintable():  # an invisible character scheme_at passes over, or another
        return True
    return any(scheme in squeezed for scheme in _PASTED_COLONS)
