"""Styles to meaning: ``font-weight:700`` becomes ``strong``, ``font-style:italic`` ``em``, and so on.

What a clipboard says with styles (inline, or lent by class rules) is wrapped in the tag that
says it (:data:`STYLE_TAGS`), where the source does not already say it with a tag; inner styles
win (``<span style="font-weight:400">`` in a bold paragraph is not bold); a link's underline
is not emphasis. Bold means ``font-weight`` bold or 600-900. Iterative: the tree's depth costs
no call stack.
"""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlElement

from composer._html.tree import BLOCK_TAGS, splice
from composer.stages.paste.css import StyleMap, declarations, memo, read_styles

__all__ = ["STYLE_TAGS", "semantics", "unwrap_normal_wrappers"]

_SPACE = " \t\r\n\xa0"
_NONE: frozenset[str] = frozenset()
#: the tags styles map to, outermost first when several wrap one run
STYLE_TAGS = ("strong", "em", "u", "s", "sup", "sub")
_TAG_MEANS = {
    "b": "strong", "strong": "strong", "i": "em", "em": "em", "cite": "em", "var": "em",
    "u": "u", "ins": "u", "s": "s", "strike": "s", "del": "s", "sup": "sup", "sub": "sub",
    # bold already: a font-weight on these says nothing new
    "h1": "strong", "h2": "strong", "h3": "strong", "h4": "strong", "h5": "strong", "h6": "strong",
    "th": "strong",
}  # fmt: skip
#: elements that hold no text of their own (their children carry it)
_NO_INLINE = frozenset(
    {"table", "thead", "tbody", "tfoot", "tr", "ul", "ol", "dl", "select", "colgroup", "br", "hr", "img"}
)


def _weight(value: str) -> bool | None:
    value = value.lower()
    if value in ("bold", "bolder"):
        return True
    if value in ("normal", "lighter"):
        return False
    if value.isdigit():
        return int(value) >= 600
    return None


@memo
def _style_flags(style: str) -> tuple[frozenset[str], frozenset[str]]:
    """What an inline style turns on and off, as semantic tag names (bold: weight 600-900)."""
    on: set[str] = set()
    off: set[str] = set()
    props = declarations(style)
    for token in props.get("font", "").lower().split():
        if token in ("bold", "bolder") or (token.isdigit() and int(token) >= 600):
            on.add("strong")
        elif token in ("italic", "oblique"):
            on.add("em")
    bold = _weight(props.get("font-weight", ""))
    if bold is not None:
        (on if bold else off).add("strong")
    italic = props.get("font-style", "").lower()
    if italic in ("italic", "oblique") or italic.startswith("oblique"):
        on.add("em")
    elif italic == "normal":
        off.add("em")
    decoration = (props.get("text-decoration-line") or props.get("text-decoration") or "").lower()
    if "underline" in decoration:
        on.add("u")
    if "line-through" in decoration:
        on.add("s")
    if decoration == "none":
        off.update(("u", "s"))
    align = props.get("vertical-align", "").lower()
    if align in ("super", "sub"):
        on.add("sup" if align == "super" else "sub")
    return frozenset(on), frozenset(off)


def unwrap_normal_wrappers(body: HtmlElement, styles: StyleMap | None = None) -> None:
    """``<b style="font-weight:normal">`` (Google Docs' wrapper) is not bold; same for ``<i>``."""
    unwrap = []
    for el in body.iter("b", "strong", "i", "em"):
        style = el.get("style") if styles is None else styles.get(el)
        if not style:
            continue
        props = declarations(style)
        if el.tag in ("b", "strong"):
            normal = _weight(props.get("font-weight", "")) is False
        else:
            normal = props.get("font-style", "").lower() == "normal"
        if normal:
            unwrap.append(el)
    if len(unwrap) == 1:
        unwrap[0].drop_tag()  # Google Docs' one wrapper round the whole paste: splice would
        # rebuild its parent, the body, child by child (~30 µs against ~2)
    else:
        splice(unwrap)


def _contains_link(el: HtmlElement) -> bool:
    return next(el.iter("a"), None) is not None


def semantics(root: HtmlElement, styles: StyleMap | None = None) -> None:
    """Wrap text whose effective style says bold/italic/... in the tag that says it.

    Iterative (a work stack in document order), so the tree's depth costs no call stack.
    Only what a style turns on is ever wrapped: the walk enters a subtree only where such a
    style is in force or inside it, and a tree with none is left at once.
    """
    if styles is not None and not any(_style_flags(style)[0] for style in set(styles.values())):
        return  # no style turns anything on (the map may also hold elements gone since: more)
    style_of = read_styles(root) if styles is None else styles
    flags = {el: _style_flags(style) for el in root.iter(etree.Element) if (style := style_of.get(el))}
    hot = _turning_on(root, flags)
    if not hot:
        return
    offs: dict[HtmlElement, frozenset[str]] | None = None
    work = [(root, _NONE, _NONE, False)]
    while work:
        el, want, have, in_link = work.pop()
        tag = el.tag
        found = flags.get(el)
        if found:
            on, off = found
            if "u" in on and (in_link or tag == "a" or _contains_link(el)):
                on = on - {"u"}  # the underline of a link is not emphasis
            want = (want - off) | on
        meaning = _TAG_MEANS.get(tag)
        if meaning:
            have = have | {meaning}
        in_link = in_link or tag == "a"
        missing = [name for name in STYLE_TAGS if name in want and name not in have]
        children = [child for child in el if isinstance(child.tag, str) and (want or child in hot)]
        wrapped: set[HtmlElement] = set()
        if missing and tag not in _NO_INLINE:
            if offs is None:
                offs = _turned_off(root, flags)
            wrapped = _wrap_runs(el, missing, offs)
        with_missing = have | set(missing)
        work.extend(
            (child, want, with_missing if child in wrapped else have, in_link) for child in reversed(children)
        )


def _turning_on(
    root: HtmlElement, flags: dict[HtmlElement, tuple[frozenset[str], frozenset[str]]]
) -> set[HtmlElement]:
    """The elements with a style that turns something on, and every ancestor of one up to ``root``."""
    hot: set[HtmlElement] = set()
    for el, (on, _) in flags.items():
        if not on or el in hot:
            continue
        hot.add(el)
        if el is root:
            continue
        for ancestor in el.iterancestors():
            if ancestor in hot:
                break
            hot.add(ancestor)
            if ancestor is root:
                break
    return hot


def _wrap_runs(el: HtmlElement, tags: list[str], offs: dict[HtmlElement, frozenset[str]]) -> set[HtmlElement]:
    """Put each run of inline content of ``el`` into nested ``tags``; return the wrapped children."""
    lead = el.text
    children = list(el)
    el.text = None
    for child in children:
        el.remove(child)
    wrapped: set[HtmlElement] = set()
    inner: HtmlElement | None = None

    def open_run() -> HtmlElement:
        outer = current = el.makeelement(tags[0])
        for name in tags[1:]:
            nested = el.makeelement(name)
            current.append(nested)
            current = nested
        el.append(outer)
        return current

    def add_text(text: str | None) -> None:
        nonlocal inner
        if not text:
            return
        if inner is None:
            if not text.strip(_SPACE):
                _append_text(el, text)
                return
            inner = open_run()
        _append_text(inner, text)

    add_text(lead)
    for child in children:
        tail = child.tail
        child.tail = None
        if isinstance(child.tag, str) and (
            child.tag in BLOCK_TAGS
            or child.tag in ("td", "th")
            or not offs.get(child, _NONE).isdisjoint(tags)
        ):
            inner = None  # a block, or a run that says "not bold": outside the wrapper
            el.append(child)
        else:
            if inner is None:
                inner = open_run()
            inner.append(child)
            wrapped.add(child)
        add_text(tail)
    return wrapped


def _turned_off(
    root: HtmlElement, flags: dict[HtmlElement, tuple[frozenset[str], frozenset[str]]]
) -> dict[HtmlElement, frozenset[str]]:
    """For each element that holds one, the style tags it or an element inside it turns off
    (``font-weight:400`` in a bold paragraph: inner styles win): each turning off is carried
    up its ancestors to ``root``, as far as one does not hold it yet."""
    out: dict[HtmlElement, frozenset[str]] = {}
    for el, (_, off) in flags.items():
        holder: HtmlElement | None = el
        while off and holder is not None:
            have = out.get(holder, _NONE)
            if off <= have:
                break  # and so does every ancestor of it: each took what it holds
            out[holder] = have | off
            holder = None if holder is root else holder.getparent()
    return out


def _append_text(el: HtmlElement, text: str) -> None:
    if len(el):
        el[-1].tail = (el[-1].tail or "") + text
    else:
        el.text = (el.text or "") + text
