"""Stage ``images``: images that arrive as data are refused; images by URL follow the policy.

"You cannot paste images directly. Upload or insert images from URL." An image whose address
is one of :data:`PASTED_SCHEMES` (``data:``, ``blob:``, ``file:``, ``cid:``, ``filesystem:``)
is bytes the person's browser holds, not something the forum can show or keep. Such images
are taken out wherever they hide (``img`` ``src``/``srcset``, ``picture > source``, SVG
``image``, ``object``, ``embed``, ``input type=image``, ``background`` and CSS in ``style``,
Word's VML ``v:imagedata``, clipboard files), counted, and reported with exactly one
``image_paste_rejected`` notice per post. The rest of the post is kept.

Images by ``http(s)`` URL are counted against ``Policy.max_images`` (over it: the problem
``too_many_images``, so the person chooses what goes; its message names the policy's role and
says a limit of 0 as "not allowed": :func:`composer.messages.variant`), turned into links when
``Policy.allow_remote_images`` is False, and rewritten by ``Policy.image_proxy`` when set.

Schemes are read the way a browser reads them: the parser already decoded entities, then
leading C0 controls and spaces, and tabs and newlines anywhere, are ignored (invisible format
characters too, which only errs on the side of refusing). A 20 MB base64 image is never
decoded: before the tree is built, long pasted-image attribute values are cut to their scheme
by a scan of the tags (:func:`shrink_payloads`), so libxml2 never holds the payload.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from html.entities import html5

from lxml.html import Element, HtmlElement

from composer._html.scan import lower_kept
from composer._html.tree import remove_keeping_tail
from composer._limits import MAX_ELEMENTS
from composer.document import CLIPBOARD_HTML, PASTE_CLEANED, Document
from composer.messages import variant
from composer.stages.images.files import classify
from composer.stages.images.urls import (
    _ANYWHERE,
    _CARRIERS,
    _JUNK_CHARS,
    _LONG_VALUE,
    _VOID,
    _clean_url,
    _kind,
    _pasted,
    _Word,
    may_hold_pasted,
    scan,
    shrink_payloads,
    srcset_spans,
)

#: above this size the prefilter scans the source in place rather than lower-casing a copy
_LOWER_AT_MOST = 8 << 20
#: start tags that can carry an image (``Document.start_tags``, shared with the parse stage);
#: the regex below is for sources too long to lower
_CARRIER_TAGS = frozenset((*_CARRIERS, "svg", "picture"))
#: references after "&" that spell nothing of ``url(`` (the others might, in CSS)
_PLAIN_REFERENCES = ("amp;", "lt;", "gt;", "quot;")
#: a reference that spells "(" or a CSS escape's "\\", in lower-cased HTML
_SPELLED_PAREN = re.compile(
    "&(?:"
    + "|".join(sorted({re.escape(name.lower()) for name, value in html5.items() if value in ("(", "\\")}))
    + r"|#0*(?:40|92)(?![0-9])|#x0*(?:28|5c)(?![0-9a-f]))"
)
_HTML_PREFILTER = re.compile(
    r"<(?:im|svg|picture|source|object|embed|input|video|v:imagedata|feimage)|url\s*\(|image-set"
    r"|\sbackground\s*=|\sposter\s*=|style\s*=\s*[\"']?[^\"'>]*\\",
    re.IGNORECASE,
)


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
    """The prefilter: can the source hold an image at all? (text never can).

    HTML, what the tree pass reads: the start tags that load one (``img``, ``svg``, ...; their
    ``poster`` is a ``video``'s), a ``background`` attribute (or CSS property), and CSS in a
    ``style`` attribute, which loads an image only by ``url(`` or ``image-set(``. So a post
    with neither "(" nor a CSS escape ("\\") nor a reference that spells one needs no other
    look, nor one with no ``style``; CSS escapes, comments and references (``&#117;``) may
    spell ``url(`` any way, so with them a ``style`` is enough.
    """
    content = doc.content
    if doc.format == "markdown":
        return "![" in content
    if doc.format == "html":
        if len(content) > _LOWER_AT_MOST:  # a pasted 20 MB image: scan, do not copy
            return _HTML_PREFILTER.search(content) is not None
        facts = doc.scan
        lower = facts.lower
        if not facts.start_tags.isdisjoint(_CARRIER_TAGS) or "background" in lower:
            return True
        plain = _plain_references(lower)
        if not ("(" in lower or "\\" in lower or (not plain and _SPELLED_PAREN.search(lower))):
            return False  # CSS loads an image only by url() or image-set()
        if "style" not in lower:
            return False  # and is read in style attributes only
        if not plain or "\\" in lower or "/*" in lower:
            return True  # references, escapes or comments may spell url( any way
        return "image-set" in lower or _css_url(lower)
    return False


#: "&" read one by one before _plain_references gives up (says "perhaps not")
_AMPERSANDS_AT_MOST = 16


def _plain_references(lower: str) -> bool:
    """Whether every "&" in ``lower`` starts ``&amp;``, ``&lt;``, ``&gt;`` or ``&quot;``
    (read in place, C-speed ``find`` from one "&" to the next; False past a few)."""
    at = lower.find("&")
    for _ in range(_AMPERSANDS_AT_MOST):
        if at < 0:
            return True
        if not lower.startswith(_PLAIN_REFERENCES, at + 1):
            return False
        at = lower.find("&", at + 1)
    return at < 0


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
        files = 0  # pictures among the clipboard's files; the others are reported here
        if doc.files:
            files, other_files = classify(doc.files)
            for kind, count in sorted(other_files.items()):
                doc.remove("files", kind, count)
        work = _has_work(doc)
        if not (work or files or doc.env.get(CLIPBOARD_HTML)):
            doc.stats["images"] = 0  # the common post: nothing to walk, count or report
            return
        run = _Run(doc)
        if work:
            if not doc.has_tree and len(doc.html) > _LONG_VALUE:
                markup = doc.html
                shrunk = shrink_payloads(markup)
                if shrunk is not markup:
                    doc.set_html(shrunk)
            run.walk(doc.tree)
            # what the paste stage dropped uncounted still counts (scanned only if it may be there)
            if doc.env.get(PASTE_CLEANED) and may_hold_pasted(doc.scan.lower):
                for scheme, count in scan(doc.content).items():
                    run.rejected[scheme] = max(run.rejected[scheme], count)
        clipboard_html = doc.env.get(CLIPBOARD_HTML)
        # a plain paste from HTML: its pictures are refused all the same (the clipboard's HTML
        # may be 32 MB of tags the rich paste refused: a C-speed look first, then at most
        # MAX_ELEMENTS tags read)
        if clipboard_html and may_hold_pasted(lower_kept(clipboard_html)):
            run.rejected.update(scan(clipboard_html, MAX_ELEMENTS))
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
        policy = doc.policy
        limit = policy.max_images
        if run.kept > limit:
            key = variant(
                "too_many_images", policy.messages, role=policy.role, none=limit == 0, params={"limit": limit}
            )
            doc.problem("too_many_images", template=key, limit=limit, count=run.kept, role=policy.role)
