"""Code stays code: editor and web-page code views become ``<pre><code>``, monospace runs ``<code>``.

What the clipboard holds for code depends on where it was copied:

- VS Code and other editors: a ``div`` with ``white-space:pre`` in a monospace font, one
  ``div`` of coloured spans per line;
- JetBrains IDEs, Slack: a ``pre`` of coloured spans, lines split by ``<br>`` or newlines;
- GitHub's file view: a table of line cells (``td.blob-code``) beside line-number cells;
- Google Docs and Word: paragraphs, or runs inside a paragraph, in a monospace font.

A code block keeps its text exactly (indentation, blank lines; no-break spaces become spaces)
and loses its colouring; a ``pre`` that already holds one ``code`` is left as it is. A run in a
monospace font inside ordinary text becomes ``<code>``; adjacent runs join.
"""

from __future__ import annotations

from collections.abc import Collection

from lxml import etree
from lxml.html import HtmlElement

from composer._html.tree import BLOCK_TAGS, splice
from composer.stages.paste.content import has_text
from composer.stages.paste.css import StyleMap, declarations, memo, read_styles

__all__ = ["code_blocks", "inline_code", "is_monospace", "join_adjacent", "last_child"]

#: families that are monospace whatever the platform (lower case, unquoted)
_MONOSPACE = frozenset(
    {
        "monospace", "ui-monospace", "courier", "courier new", "consolas", "menlo", "monaco",
        "roboto mono", "source code pro", "jetbrains mono", "fira code", "fira mono", "sf mono",
        "sfmono-regular", "dejavu sans mono", "liberation mono", "ubuntu mono", "cascadia code",
        "cascadia mono", "lucida console", "andale mono", "inconsolata", "noto sans mono",
        "ibm plex mono", "hack", "droid sans mono", "pt mono", "space mono",
    }
)  # fmt: skip
_SPACE = " \t\r\n\xa0"


@memo
def is_monospace(style: str) -> bool:
    """Whether an inline ``style`` sets a monospace font first (``font-family`` or ``font``)."""
    if "font" not in style:
        return False
    props = declarations(style)
    family = props.get("font-family", "")
    if not family and "font" in props:
        family = props["font"].split(" ", 1)[-1] if "," in props["font"] or '"' in props["font"] else ""
    first = family.split(",", 1)[0].replace("!important", "").strip().strip("\"'").strip().lower()
    return first in _MONOSPACE


@memo
def _pre_style(style: str) -> bool:
    props = declarations(style)
    return props.get("white-space", "").lower().startswith(("pre", "break-spaces"))


def code_text(el: HtmlElement) -> str:
    """The text of a code view: ``<br>`` and block boundaries are line breaks, nothing collapses."""
    out: list[str] = []

    def ends_line() -> bool:
        return not out or out[-1].endswith("\n")

    for event, node in etree.iterwalk(el, events=("start", "end")):
        if node is el:
            if event == "start" and el.text:
                out.append(el.text)
            continue
        tag = node.tag if isinstance(node.tag, str) else ""
        if event == "start":
            if tag == "br" or ((tag in BLOCK_TAGS or tag == "tr") and not ends_line()):
                out.append("\n")
            if tag and node.text:
                out.append(node.text)
        else:
            if (tag in BLOCK_TAGS or tag == "tr") and not ends_line():
                out.append("\n")  # a line ends with its block, so a <br> after it is a blank line
            if node.tail:
                out.append(node.tail)
    return "".join(out).replace("\xa0", " ").replace("\r\n", "\n")


def _as_code_block(el: HtmlElement, text: str, styles: StyleMap) -> None:
    """Make ``el`` a ``pre`` holding one ``code`` with ``text`` (its tail stays)."""
    tail = el.tail
    el.clear()
    styles.pop(el, None)
    el.tag = "pre"
    el.tail = tail
    code: HtmlElement = el.makeelement("code")
    code.text = text.strip("\n") if text.strip(_SPACE) else text
    el.append(code)


def _is_github_table(table: HtmlElement) -> bool:
    return any("blob-code" in (td.get("class") or "") for td in table.iter("td"))


def _mono_paragraph(el: HtmlElement, styles: StyleMap) -> bool:
    """A paragraph whose every visible character is in a monospace run (a Google Docs code line)."""
    if el.tag != "p" or (el.text or "").strip(_SPACE) or not len(el):
        return False
    for child in el:
        if not isinstance(child.tag, str) or child.tag == "br":
            if (child.tail or "").strip(_SPACE):
                return False
            continue
        if (child.tail or "").strip(_SPACE):
            return False  # text outside every run: a sentence, not a code line
        if not is_monospace(styles.get(child, "")) and has_text(child):
            return False
    return has_text(el)


def code_blocks(
    body: HtmlElement,
    *,
    paste: bool = True,
    styles: StyleMap | None = None,
    kinds: Collection[str] | None = None,
) -> int:
    """Turn code views under ``body`` into ``<pre><code>``; return how many blocks were made.

    A ``pre`` holding a link or an image keeps its markup (flattening would lose them); in a
    submitted post (``paste=False``) only a styled ``pre`` (an editor's) is flattened: a
    person's own ``<pre><b>`` is left as written. ``kinds``: every style string ``styles``
    holds (or more), when the caller has them: a ``div`` or ``p`` is a code view only by a
    ``white-space:pre`` style, and a line of code only by a monospace one, so without such a
    style only ``pre`` and ``table`` elements are looked at.
    """
    if styles is None:
        styles = read_styles(body)
    if kinds is None:
        kinds = set(styles.values())
    made = 0
    views = ("pre", "div", "p", "table") if any(_pre_style(s) for s in kinds) else ("pre", "table")
    for el in list(body.iter(*views)):
        tag = el.tag
        style = ""
        if tag in ("div", "p"):
            style = styles.get(el, "")
            if not _pre_style(style):
                continue  # no code view, wherever it stands: most paragraphs, asked first
        if el.getparent() is None or any(a.tag == "pre" for a in el.iterancestors()):
            continue  # gone with an earlier block, or already inside one
        if tag == "pre":
            kids = [c for c in el if isinstance(c.tag, str)]
            if len(kids) == 1 and kids[0].tag == "code" and not (el.text or "").strip(_SPACE):
                continue  # already <pre><code>, perhaps with a language class
            if (not paste and not styles.get(el)) or next(el.iter("a", "img"), None) is not None:
                continue
            _as_code_block(el, code_text(el), styles)
        elif tag == "table":
            if not _is_github_table(el):
                continue
            lines = [code_text(td) for td in el.iter("td") if "blob-code" in (td.get("class") or "")]
            _as_code_block(el, "\n".join(line.rstrip("\n") for line in lines), styles)
        else:
            if not (is_monospace(style) or _mono_descendants(el, styles)):
                continue
            _as_code_block(el, code_text(el), styles)
        made += 1
    if any(is_monospace(s) for s in kinds):
        made += _join_mono_paragraphs(body, styles)
    return made


def _mono_descendants(el: HtmlElement, styles: StyleMap) -> bool:
    return any(is_monospace(styles.get(d, "")) for d in el.iter(etree.Element))


def _join_mono_paragraphs(body: HtmlElement, styles: StyleMap) -> int:
    """Runs of two or more monospace paragraphs become one code block, a line each."""
    made = 0
    seen: set[HtmlElement] = set()
    for p in list(body.iter("p")):
        if p in seen or not _mono_paragraph(p, styles):
            continue
        run = [p]
        nxt = p.getnext()
        while nxt is not None and not (run[-1].tail or "").strip(_SPACE) and _mono_paragraph(nxt, styles):
            run.append(nxt)
            nxt = nxt.getnext()
        seen.update(run)
        if len(run) < 2:
            continue
        text = "\n".join(code_text(line) for line in run)
        run[0].tail = run[-1].tail
        splice(remove=run[1:])
        _as_code_block(run[0], text, styles)
        made += 1
    return made


def inline_code(body: HtmlElement, styles: StyleMap | None = None) -> int:
    """Monospace runs outside code blocks become ``<code>``; return how many were made."""
    if styles is None:
        styles = read_styles(body)
    made: list[HtmlElement] = []
    skip: set[HtmlElement] = set()
    for el in body.iter("span", "font"):
        if el in skip:
            continue
        if not is_monospace(styles.get(el, "")) or not has_text(el):
            continue
        if any(a.tag in ("pre", "code") for a in el.iterancestors()):
            continue
        skip.update(d for d in el.iter("span", "font"))
        made.append(el)
    for el in made:
        el.tag = "code"
        el.attrib.pop("style", None)
        styles.pop(el, None)
    join_adjacent(made)
    return len(made)


def last_child(el: HtmlElement) -> HtmlElement | None:
    """The last child of ``el``, or None: O(1) (``len()`` of an lxml element walks its children)."""
    try:
        return el[-1]
    except IndexError:
        return None


def join_adjacent(elements: list[HtmlElement]) -> None:
    """``<code>a</code><code>b</code>`` (one run, two colours) becomes one element; the same for
    any of ``elements`` (in document order) right after a sibling of its tag, both without
    attributes. One pass."""
    into: dict[HtmlElement, HtmlElement] = {}  # an element emptied into an earlier one -> that one
    for el in elements:
        previous = el.getprevious()
        if previous is None or previous.tag != el.tag or previous.attrib or el.attrib:
            continue
        target = into.get(previous, previous)
        if target.tail:  # text between: a joined ``previous`` left its tail on its target
            continue
        if el.text:
            last = last_child(target)  # len() of an lxml element walks its children
            if last is not None:
                last.tail = (last.tail or "") + el.text
            else:
                target.text = (target.text or "") + el.text
            el.text = None
        target.extend(list(el))
        target.tail, el.tail = el.tail, None
        into[el] = target
    splice(remove=list(into))
