"""Stage ``paste``: keep the meaning of pasted rich text, drop the editor's presentation junk.

What arrives from Word, Google Docs or a web page says "bold" with ``font-weight:700``, makes
lists out of styled paragraphs, and wraps everything in clipboard-only elements. This stage
turns that into the plain semantic HTML a post is made of (``strong``/``em``/``u``/``s``,
real nested lists, ``h2``-``h4``), and takes the junk out, before the sanitizer (which would
otherwise unwrap the styles away and count every span and class in its notice).

It runs on rich pastes and on every submitted HTML post, since a client can send anything;
for a post, a scan of the source decides whether there is anything to do, so an ordinary post
is never parsed here. Nothing with visible text goes uncounted (``doc.remove``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

from composer._html.tree import BLOCK_TAGS, splice
from composer.document import PASTE_CLEANED, Document
from composer.stages.paste.code import code_blocks, inline_code, is_monospace, join_adjacent
from composer.stages.paste.css import read_styles
from composer.stages.paste.gdocs import fix_list_nesting
from composer.stages.paste.hidden import drop_hidden, is_hidden
from composer.stages.paste.marks import STYLE_TAGS, semantics, unwrap_normal_wrappers
from composer.stages.paste.numbering import check_numbering
from composer.stages.paste.styles import apply_class_rules, class_rules, list_formats, style_text
from composer.stages.paste.word import drop_list_markers, rebuild_word_lists

#: what marks work for this stage in a submitted post, besides a ``style`` attribute (which
#: carries every Word ``mso-`` rule and every Google Docs span): these start tags, or a prefixed
#: one (``o:p``), in ``Document.start_tags`` (found once per run, shared with other stages).
_TAG_NAMES = frozenset({"font", "span", "strike", "xml"})

_SPACE = " \t\r\n\xa0"
#: clipboard-document elements with no visible text: they go whole, uncounted
_JUNK = frozenset({"meta", "link", "style", "title", "xml", "colgroup", "col", "base", "head"})
_JUNK_PASTE = frozenset({"script", "template"})
#: elements whose only job was to carry styles: unwrapped once their meaning is mapped
_UNWRAP = frozenset({"span", "font", "basefont"})
#: not allowlisted, but not for this stage to unwrap: embeds, images, forms and foreign content
#: are for later stages and the sanitizer to judge (and to count)
_LEAVE_NAMES = (
    "iframe object embed applet frame frameset svg math img picture source video audio track canvas "
    "form input button option optgroup label fieldset legend datalist output meter progress map area "
    "html head body"
)
_LEAVE = frozenset(_LEAVE_NAMES.split())
#: attributes that only carry presentation or clipboard bookkeeping
_PRESENTATION_NAMES = (
    "style class id lang xml:lang dir align valign bgcolor background border cellpadding cellspacing "
    "face size color link vlink alink role nowrap clear tabindex aria-level aria-hidden "
    "width height type name hspace vspace loading decoding fetchpriority target itemprop itemscope "
    "itemtype itemid datetime translate spellcheck contenteditable draggable"
)
_PRESENTATION = frozenset(_PRESENTATION_NAMES.split())
#: a tag name lxml takes as it is when asked to strip elements by name ("{" starts a namespace)
_PLAIN_NAME = re.compile(r"[a-z][a-z0-9._:-]*")
#: what a ``type`` or ``start`` attribute looks like in the lower-cased source (anywhere:
#: reading start tags by regex would miss one after a quoted ``>``)
_NUMBERED = re.compile(r"(?:type|start)\s*=")
#: an ``=`` that may end a match of :data:`_NUMBERED`: after ``type``, ``start`` or a space.
#: Anchored on its literal ``=``, which ``re`` finds at C speed (a few dozen in a post), where
#: :data:`_NUMBERED` starts no match from a literal and reads every character (~25 µs a 5 KB post)
_NUMBERED_END = re.compile(r"=(?:(?<=type=)|(?<=start=)|(?<=\s=))")
_NUMBERING = ("type", "start")
#: how far back from an ``=`` after a space the name is looked for (``x = 1`` in code)
_LOOK_BACK = 64


def _has_numbering(lower: str, starts: frozenset[str]) -> bool:
    """Whether an ``ol`` may carry a ``type`` or ``start`` to check (:data:`_NUMBERED`)."""
    if "ol" not in starts:
        return False
    end = _NUMBERED_END.search(lower)
    while end is not None:
        at = end.start()
        head = lower[max(0, at - _LOOK_BACK) : at].rstrip()  # str.isspace is what \s matches
        if head.endswith(_NUMBERING):
            return True
        if len(head) < len("start") and at > _LOOK_BACK:
            return _NUMBERED.search(lower) is not None  # a long run of spaces: the regex reads it
        end = _NUMBERED_END.search(lower, at + 1)
    return False


def _may_open(starts: frozenset[str], *names: str) -> bool:
    """Whether the source may hold ``<`` + one of ``names`` in any case, from its start-tag
    names (read from the lower-cased source) instead of a search of it: each such ``<``
    starts a name, or sits inside the name before it (``<b<ul>``)."""
    return any(name.startswith(names) or "<" in name for name in starts)


def _needs_work(lower: str, starts: frozenset[str]) -> bool:
    return (
        "style" in lower
        or not starts.isdisjoint(_TAG_NAMES)
        # one join, not a loop, for the common post with no prefixed name
        or (":" in "".join(starts) and any(name.startswith("o:") for name in starts))
    )


@dataclass(frozen=True)
class Paste:
    """Map pasted styles to semantic tags, rebuild Word and Google Docs lists, drop clipboard junk."""

    name: str = "paste"

    def __call__(self, doc: Document) -> None:
        if doc.format != "html":  # (plain text's indentation is the parse stage's: text_to_html)
            return
        rich_paste = doc.paste and not doc.plain
        if rich_paste:
            doc.notice("pasted_as_rich", action="paste_as_plain")
        elif not _needs_work(doc.scan.lower, doc.scan.start_tags):
            if _has_numbering(doc.scan.lower, doc.scan.start_tags):
                check_numbering(doc.tree)
            return
        clean(doc, doc.tree, paste=rich_paste)
        doc.env[PASTE_CLEANED] = True  # the images stage counts what was dropped from the source


def clean(doc: Document, body: HtmlElement, *, paste: bool) -> None:
    """The whole clean-up of one tree; ``paste`` adds what only a clipboard justifies."""
    source = doc.content
    # lxml.html looks an element's class up (in Python) each time it makes the element's
    # proxy, and frees a proxy nobody holds: held here, each is made once for all the walks
    held = [*body.iterancestors(), *body.iter()]
    starts = doc.scan.start_tags
    sheet = style_text(source) if _may_open(starts, "style") and "<style" in doc.scan.lower else ""
    _drop_junk(doc, body, paste)
    if sheet:
        apply_class_rules(body.iter(), class_rules(sheet))
    styles = read_styles(body)  # each style read once; a step that removes one says so
    # the distinct style strings (a post repeats a handful): a step that only acts on elements
    # with a kind of style none of them is skips its walk. No step adds or changes a style
    # (some remove one), so this set holds every style the steps after it see
    kinds = set(styles.values())
    if any(is_hidden(style) for style in kinds):
        drop_hidden(doc, body, styles)
    if "mso-list" in source:
        formats = list_formats(sheet)
        doc.stats["paste_word_list_items"] = rebuild_word_lists(body, doc.policy.max_depth, formats, styles)
        drop_list_markers(body, styles)
    code_blocks(body, paste=paste, styles=styles, kinds=kinds)
    if any(is_monospace(style) for style in kinds):
        inline_code(body, styles)
    if _may_open(starts, "ul", "ol") and (
        "<ul" in source or "<ol" in source or "<UL" in source or "<OL" in source
    ):
        fix_list_nesting(body, doc.policy.max_depth)
    unwrap_normal_wrappers(body, styles)
    semantics(body, styles)
    _tidy(doc, body, paste)
    check_numbering(body)  # the source's values, and those read from Word's markers
    held.clear()


# -- junk ---------------------------------------------------------------------------------


def _drop_junk(doc: Document, body: HtmlElement, paste: bool) -> None:
    junk = _JUNK | _JUNK_PASTE if paste else _JUNK
    drop: list[etree._Element] = []
    unwrap: list[etree._Element] = []
    drop_names: set[str] = set()
    unwrap_names: set[str] = set()
    for node in body.iter(etree.Comment, etree.ProcessingInstruction):
        text = node.text or ""
        if "v:textbox" in text:  # a Word text box lives only in the VML branch: its text is lost
            doc.remove("elements", "text box", text.count("<v:textbox"))
    for el in body.iter(etree.Element):
        tag = el.tag
        if tag in unwrap_names:
            continue  # decided by its name (Word's o:p in every paragraph)
        if tag in junk:
            if tag in _JUNK_PASTE:
                doc.remove("elements", tag)  # hidden text, but the person's: counted
            drop_names.add(tag)
        elif ":" in tag:  # Word's o:p, w:sdt, st1:*, v:* (VML) ...
            prefix = tag.split(":", 1)[0]
            if prefix == "v" or tag in ("w:sdtpr", "o:shapelayout", "o:shapedefaults"):
                text = el.text_content().strip(_SPACE)
                if text:
                    doc.remove("elements", "drawing text" if prefix == "v" else tag)
                _by_name(el, tag, drop_names, drop)
            else:
                _by_name(el, tag, unwrap_names, unwrap)
        elif tag == "br" and "Apple-interchange-newline" in (el.get("class") or ""):
            drop.append(el)
        elif tag == "a" and not el.get("href"):
            unwrap.append(el)  # Word's bookmarks: left open, they swallow the paragraphs after them
    splice(unwrap, drop)
    etree.strip_elements(body, etree.Comment, etree.ProcessingInstruction, *drop_names, with_tail=False)
    if unwrap_names:
        etree.strip_tags(body, *unwrap_names)


def _by_name(el: etree._Element, tag: str, names: set[str], elements: list[etree._Element]) -> None:
    """Put ``tag`` in ``names`` (every element of that name goes the same way, at C speed:
    ``etree.strip_tags``, ``strip_elements``) when lxml reads it as a plain name; otherwise
    ``el`` in ``elements`` (one by one: :func:`splice`)."""
    if _PLAIN_NAME.fullmatch(tag):
        names.add(tag)
    else:
        elements.append(el)


# -- tidying --------------------------------------------------------------------------------


def _tidy(doc: Document, body: HtmlElement, paste: bool) -> None:
    allow = doc.policy.allowlist
    if paste:
        _layout_tables(body)
    drop: list[etree._Element] = []
    unwrap: list[etree._Element] = []
    unwrap_names: set[str] = set()
    renamed: list[tuple[etree._Element, str]] = []  # after the unwrapping by name
    allowed: dict[str, frozenset[str]] = {}
    # they go, and their attributes with them: unwrapped in C before the walk, which then
    # visits a third fewer elements (a Word or Google Docs run is a span); unwrapping is the
    # same in any order
    etree.strip_tags(body, *_UNWRAP)
    for el in body.iter(etree.Element):
        tag = el.tag
        if tag in unwrap_names or el is body:
            continue
        if tag == "br" and "page-break" in (el.get("style") or ""):
            drop.append(el)
            continue
        if tag == "div" and (el.get("class") or "").startswith("WordSection"):
            unwrap.append(el)
            continue
        if tag == "a" and not el.get("href"):
            unwrap.append(el)
            continue
        names = allowed.get(tag)
        if names is None:
            names = allowed[tag] = allow.allowed_attributes(tag)
        _strip_attributes(el, names, allow.classes.get(tag))
        if tag == "strike":  # headings: the parse stage shifted them (composer._html.blocks)
            renamed.append((el, "s"))
        elif paste and tag not in allow.tags and tag not in allow.clean_content_tags and tag not in _LEAVE:
            # the sanitizer would unwrap it and list it in its notice; a clipboard's
            # <section>, <time> or <google-sheets-html-origin> is no news to the person
            if tag in BLOCK_TAGS or tag in ("dd", "dt", "caption", "center"):
                renamed.append((el, "div"))
            else:
                _by_name(el, tag, unwrap_names, unwrap)
    splice(unwrap, drop)
    if unwrap_names:
        etree.strip_tags(body, *unwrap_names)
    for el, tag in renamed:
        el.tag = tag
    for el in list(body.iter("li", "td", "th")):
        _unwrap_sole_paragraph(el)
    # a run split by colour or font; only leaves, so no subtree moves twice (linear); len()
    # walks an element's children once, where last_child raises on every leaf (~1 µs)
    join_adjacent([el for el in body.iter(*STYLE_TAGS, "b", "i") if not len(el)])
    if paste:
        _drop_empty_blocks(body)
        _unwrap_bare_divs(body)
        body.text = (body.text or "").lstrip(_SPACE) or None
        if len(body):
            body[-1].tail = (body[-1].tail or "").rstrip(_SPACE) or None
        elif body.text:
            body.text = body.text.rstrip(_SPACE)


def _unwrap_bare_divs(body: HtmlElement) -> None:
    """A div left without attributes that only groups blocks (Google Docs' ``dir`` wrapper) goes."""
    unwrap = []
    for div in body.iter("div"):
        if div.attrib or (div.text or "").strip(_SPACE):
            continue
        if all(
            isinstance(c.tag, str) and c.tag in BLOCK_TAGS and not (c.tail or "").strip(_SPACE) for c in div
        ):
            unwrap.append(div)
    splice(unwrap)


def _strip_attributes(el: etree._Element, allowed: frozenset[str], classes: frozenset[str] | None) -> None:
    """Drop presentation attributes (uncounted: they hold no text); the rest is the sanitizer's call."""
    names: list[str] = el.keys()  # type: ignore[assignment]  # the stubs allow bytes; lxml.html gives str
    for name in names:
        lower = name.lower()
        if lower in allowed:
            continue
        if lower == "class" and classes:
            kept = [c for c in (el.get(name) or "").split() if c in classes]
            if kept:
                el.set(name, " ".join(kept))
                continue
        if lower == "style" and el.tag == "br" and "page-break" in (el.get(name) or ""):
            continue  # read by the caller next
        if lower in _PRESENTATION or ":" in lower or lower.startswith(("xmlns", "data-", "aria-")):
            attrib = el.attrib
            try:
                del attrib[name]
            except ValueError:  # a name lxml reads as "{namespace}" syntax ("{:"): rebuild
                rest = {k: v for k, v in attrib.items() if k != name}
                attrib.clear()
                for key, value in rest.items():
                    try:
                        attrib[key] = value
                    except ValueError:
                        continue


def _unwrap_sole_paragraph(cell: HtmlElement) -> None:
    """``<li><p>text</p></li>`` (Google Docs, Word tables): the paragraph adds only margins."""
    paragraphs = [child for child in cell if child.tag == "p"]
    if len(paragraphs) != 1 or (cell.text or "").strip(_SPACE):
        return
    p = paragraphs[0]
    if cell[0] is not p or (p.tail or "").strip(_SPACE):
        return
    if any(isinstance(c.tag, str) and c.tag not in ("ul", "ol") for c in cell if c is not p):
        return
    p.drop_tag()


def _layout_tables(body: HtmlElement) -> None:
    """Tables that say they only lay out a page (``role=presentation``) become their content.

    Nothing else is guessed: a one-cell table from a document is still a table.
    """
    for table in list(body.iter("table")):
        if (table.get("role") or "").lower() not in ("presentation", "none"):
            continue
        cells = list(table.iter("td", "th"))
        if table.find(".//table") is not None:
            continue  # nested tables: not safe to guess which one is data
        for cell in cells:
            cell.tag = "div"
        splice(list(table.iter("tr", "tbody", "thead", "tfoot", "caption")))
        table.tag = "div"


def _drop_empty_blocks(body: HtmlElement) -> None:
    """Word's spacer paragraphs (``<p>&nbsp;</p>``) and line breaks standing between blocks."""
    empty = []
    for el in body.iter("p", "div", "h2", "h3", "h4"):
        if (el.text_content() or "").strip(_SPACE) or (len(el) and _has_content(el)):
            continue
        empty.append(el)
    splice(remove=empty)
    breaks = []
    for br in body.iter("br"):
        parent = br.getparent()
        if parent is None or parent.tag == "li" or (br.tail or "").strip(_SPACE):
            continue
        previous = br.getprevious()
        nxt = br.getnext()
        before = previous.tail if previous is not None else parent.text
        if (before or "").strip(_SPACE):
            continue
        if _is_block(previous) and _is_block(nxt) and (previous is not None or nxt is not None):
            breaks.append(br)
    splice(remove=breaks)


def _has_content(el: HtmlElement) -> bool:
    return next(el.iter("img", "br", "hr", "iframe", "video", "audio", "table"), None) is not None


def _is_block(el: HtmlElement | None) -> bool:
    return el is None or (isinstance(el.tag, str) and el.tag in BLOCK_TAGS)
