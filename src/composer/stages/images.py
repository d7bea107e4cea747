"""Stage ``images``: images that arrive as data are refused; images by URL follow the policy.

"You cannot paste images directly. Upload or insert images from URL." An image whose address
is one of :data:`PASTED_SCHEMES` (``data:``, ``blob:``, ``file:``, ``cid:``, ``filesystem:``)
is bytes the person's browser holds, not something the forum can show or keep. Such images
are taken out wherever they hide (``img`` ``src``/``srcset``, ``picture > source``, SVG
``image``, ``object``, ``embed``, ``input type=image``, ``background`` and CSS in ``style``,
Word's VML ``v:imagedata``, clipboard files), counted, and reported with exactly one
``image_paste_rejected`` notice per post. The rest of the post is kept.

Images by ``http(s)`` URL are counted against ``Policy.max_images`` (over it: the problem
``too_many_images``, so the person chooses what goes), turned into links when
``Policy.allow_remote_images`` is False, and rewritten by ``Policy.image_proxy`` when set.

Schemes are read the way a browser reads them: the parser already decoded entities, then
leading C0 controls and spaces, and tabs and newlines anywhere, are ignored (invisible format
characters too, which only errs on the side of refusing). A 20 MB base64 image is never
decoded: before the tree is built, long pasted-image attribute values are cut to their scheme
by a scan of the tags (:func:`shrink_payloads`), so libxml2 never holds the payload.
"""

from __future__ import annotations

import html as htmllib
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from lxml.html import Element, HtmlElement

from composer._limits import _MARKUP, _RAW, _TAG
from composer._tree import remove_keeping_tail
from composer.document import Document

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

_JUNK = "\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028\u2029\u2060\ufeff"
_SCHEME = re.compile(f"[{_JUNK}]*([a-zA-Z][a-zA-Z0-9+.\\-{_JUNK}]*):")
_JUNK_RUN = re.compile(f"[{_JUNK}]+")
_JUNK_CHARS = "".join(chr(c) for c in range(0x21)) + "\x7f"
_NETWORK_PATH = re.compile(f"[{_JUNK}]*[/\\\\][{_JUNK}]*[/\\\\]")
#: above this size the prefilter scans the source in place rather than lower-casing a copy
_LOWER_AT_MOST = 8 << 20
#: substrings that any image carrier needs (C-speed ``in`` tests on the lower-cased source);
#: the regex below runs only for the rarer CSS forms
_TAG_MARKERS = re.compile(r"<(?:im|svg|picture|source|object|embed|input|video|v:imagedata|feimage)")
_HTML_MARKERS = ("image-set", "background", "poster")
_HTML_PREFILTER = re.compile(
    r"<(?:im|svg|picture|source|object|embed|input|video|v:imagedata|feimage)|url\s*\(|image-set"
    r"|\sbackground\s*=|\sposter\s*=|style\s*=\s*[\"']?[^\"'>]*\\",
    re.IGNORECASE,
)
_CSS_URL = re.compile(r"url\(\s*[\"']?|image-set\(|[\"']", re.IGNORECASE)
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\n\r\f]?|\\(.)", re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.DOTALL)
_VML = re.compile(r"<v:(shape|imagedata)\b[^>]*?\b(?:id|src)\s*=\s*[\"']?([^\"'\s>]*)", re.IGNORECASE)
_ATTR = re.compile(r"""([^\s/>=][^\s/>=]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))?""")
_SRCSET_URL = re.compile(r"[^\s]+")

#: values shorter than this are left to the tree; longer ones are cut before it is built
_LONG_VALUE = 2048


def scheme_at(value: str, pos: int = 0) -> str | None:
    """The scheme a browser sees in the URL starting at ``pos``, lowercased, or None."""
    match = _SCHEME.match(value, pos)
    if match is None:
        return None
    return _JUNK_RUN.sub("", match.group(1)).lower()


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
    """(tag, start, end) of each start tag as an HTML tokenizer sees it, and ("!--", ...) of comments.

    Linear; the content of raw-text elements (script, style, textarea, ...) is not markup and
    is skipped, so text that merely mentions ``data:`` is never taken for an attribute.
    """
    pos = 0
    while True:
        found = _MARKUP.search(markup, pos)
        if found is None:
            return
        at = found.start()
        if markup.startswith("<!--", at) or markup.startswith("<![CDATA[", at):
            comment = markup[at + 2] == "-"
            end = markup.find("-->" if comment else "]]>", at + 4)
            if end < 0:
                return
            if comment:
                yield "!--", at + 4, end
            pos = end + 3
            continue
        match = _TAG.match(markup, at)
        assert match is not None  # _MARKUP found "<" + letter
        closing, name, closed = match.groups()
        pos = match.end()
        if not closed:
            return
        if closing:
            continue
        tag = name.lower()
        yield tag, at + 1 + len(name), pos
        if tag in _RAW:
            end_tag = re.compile("</" + re.escape(tag), re.IGNORECASE).search(markup, pos)
            if end_tag is None:
                return
            pos = end_tag.start()


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
        if end - start <= _LONG_VALUE or tag == "!--":
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


def scan(markup: str) -> Counter[str]:
    """Pasted images in an HTML source, counted by scheme, as the tree pass would count them.

    Run on the source as it arrived, so pictures an earlier stage already dropped uncounted
    (the paste stage strips VML, ``style`` and ``xlink:href``) are still reported.
    """
    counts: Counter[str] = Counter()
    word = _Word()
    for tag, start, end in _tags(markup):
        if tag == "!--":
            if _VML.search(markup, start, end):
                word.comment(markup[start:end])
            continue
        if end - start < 5:
            continue
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


class _Run:
    """One pass over one tree: what was rejected, and the images kept."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.rejected: Counter[str] = Counter()
        self.word = _Word()
        self.kept = 0
        self.linked = 0
        self.sourceless = 0
        self.srcset_allowed = doc.policy.allowlist.allowed_attributes("img")

    def walk(self, body: HtmlElement) -> None:
        for node in list(body.iter()):
            tag = node.tag
            if not isinstance(tag, str):
                if "imagedata" in (node.text or ""):
                    self.comment(node)
            elif (node.attrib or tag == "img") and not self.element(node, tag):
                if tag == "img":
                    self.image(node)
                elif tag in _CARRIERS:
                    self.proxy(node, _CARRIERS[tag])
        self.rejected.update(self.word.uncounted())

    def element(self, el: HtmlElement, tag: str) -> bool:
        """Take out pasted image sources; True when the element itself went."""
        carrier, found = _pasted(tag, el.attrib)
        if not found:
            return False
        self.rejected.update(found[name] for name in _ANYWHERE if name in found)
        if carrier is None:
            for name in found:
                del el.attrib[name]
            return False
        self.rejected[carrier] += 1
        if tag == "img":
            self.word.img(el.attrib)
        for name in found:
            del el.attrib[name]
        names = _CARRIERS[tag]
        if any(el.get(name) for name in names if name != "srcset" or tag == "source"):
            return False  # e.g. a pasted srcset candidate beside a src by URL: the src stays
        if tag in _VOID:
            remove_keeping_tail(el)
        elif tag != "video":
            el.drop_tag()  # libxml2 may have nested following content inside: keep it
        return tag != "video"

    def comment(self, node: HtmlElement) -> None:
        """A Word conditional comment holding VML pictures: it goes when one is pasted."""
        if self.word.comment(node.text or ""):
            remove_keeping_tail(node)

    def image(self, img: HtmlElement) -> None:
        """An ``<img>`` that survived rejection: count it, link it or proxy it."""
        src = img.get("src")
        if not (src or "").strip(_JUNK_CHARS) and not img.get("srcset"):
            self.sourceless += 1  # e.g. Safari's copy of a Word drawing: shows nothing
            remove_keeping_tail(img)
            return
        kind = _kind(src) if src is not None else "other"
        if kind == "other" and not (img.get("srcset") and "srcset" in self.srcset_allowed):
            self.sourceless += 1  # javascript: or an unknown scheme: the sanitizer would empty it
            remove_keeping_tail(img)
            return
        if kind == "remote" and not self.doc.policy.allow_remote_images:
            self.as_link(img, _clean_url(src or ""))
            return
        if kind in ("remote", "local"):
            emoji_class = self.doc.policy.custom_emoji_class
            if not emoji_class or emoji_class not in (img.get("class") or "").split():
                self.kept += 1
        self.proxy(img, _CARRIERS["img"])

    def as_link(self, img: HtmlElement, url: str) -> None:
        text = (img.get("alt") or "").strip() or url
        self.linked += 1
        if any(anc.tag == "a" for anc in img.iterancestors()):
            remove_keeping_tail(img, text)  # already inside a link: the alt text stays as text
            return
        link = Element("a")
        link.set("href", url)
        if img.get("title"):
            link.set("title", img.get("title") or "")
        link.text = text
        link.tail = img.tail
        parent = img.getparent()
        if parent is not None:
            parent.replace(img, link)

    def proxy(self, el: HtmlElement, attrs: tuple[str, ...]) -> None:
        rewrite = self.doc.policy.image_proxy
        if rewrite is None:
            return
        for name in attrs:
            value = el.get(name)
            if value:
                new = _rewrite_srcset(value, rewrite) if name == "srcset" else _rewrite(value, rewrite)
                el.set(name, new)


def _rewrite(value: str, rewrite: Callable[[str], str]) -> str:
    return rewrite(_clean_url(value)) if _kind(value) == "remote" else value


def _rewrite_srcset(value: str, rewrite: Callable[[str], str]) -> str:
    pieces: list[str] = []
    last = 0
    for start, end in srcset_spans(value):
        pieces.append(value[last:start])
        pieces.append(_rewrite(value[start:end], rewrite))
        last = end
    pieces.append(value[last:])
    return "".join(pieces)


def _has_work(doc: Document) -> bool:
    """The prefilter: can the source hold an image at all? (text never can)."""
    if doc.format == "markdown":
        return "![" in doc.source
    if doc.format == "html":
        if len(doc.source) > _LOWER_AT_MOST:  # a pasted 20 MB image: scan, do not copy
            return _HTML_PREFILTER.search(doc.source) is not None
        lower = doc.lower_source
        if _TAG_MARKERS.search(lower) or any(marker in lower for marker in _HTML_MARKERS):
            return True
        return _css_url(lower) or ("\\" in lower and _HTML_PREFILTER.search(lower) is not None)
    return False


def _css_url(lower: str) -> bool:
    """Whether ``url(`` (spaces allowed before the parenthesis) occurs in ``lower``."""
    at = lower.find("url")
    while at >= 0:
        if lower[at + 3 : at + 40].lstrip().startswith("("):
            return True
        at = lower.find("url", at + 3)
    return False


@dataclass(frozen=True)
class Images:
    """Refuse pasted images (one notice per post), count and proxy the ones by URL."""

    name: str = "images"

    def __call__(self, doc: Document) -> None:
        files = sum(1 for mime, _data in doc.files if mime.split(";")[0].strip().lower().startswith("image/"))
        run = _Run(doc)
        if _has_work(doc):
            if not doc.has_tree and len(doc.html) > _LONG_VALUE:
                markup = doc.html
                shrunk = shrink_payloads(markup)
                if shrunk is not markup:
                    doc.html = shrunk
            run.walk(doc.tree)
            if doc.format == "html":  # what an earlier stage dropped uncounted still counts
                for scheme, count in scan(doc.source).items():
                    run.rejected[scheme] = max(run.rejected[scheme], count)
        run.rejected["clipboard"] += files
        rejected = sum(run.rejected.values())
        for scheme, count in run.rejected.items():
            doc.remove("images", scheme if scheme == "clipboard" else scheme + ":", count)
        doc.remove("images", "no source", run.sourceless)
        doc.stats["images"] = run.kept
        if rejected:
            doc.stats["images_rejected"] = rejected
            if not any(notice.code == "image_paste_rejected" for notice in doc.notices):
                doc.notice("image_paste_rejected")
        if run.linked:
            doc.stats["images_linked"] = run.linked
        limit = doc.policy.max_images
        if run.kept > limit:
            doc.problem("too_many_images", limit=limit, count=run.kept)
