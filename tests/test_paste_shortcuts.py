"""The paste stage's shortcuts give what the long way gives, on generated shapes.

Each shortcut of the paste stage (a walk that skips subtrees where no style turns anything
on, a prefilter that decides a post holds nothing to clean) must be exact: it may do work for
nothing, never skip work that changes the output. These properties hold each one against the
long way it replaces, written out here as it stood before the shortcut.
"""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml.html import HtmlElement

from composer._html.facts import Scan
from composer._html.tree import parse, serialize, splice
from composer.stages.images import urls
from composer.stages.images.urls import may_hold_pasted, scan
from composer.stages.paste import code, hidden, lists, marks, stage
from composer.stages.paste.css import declarations, read_styles

# -- the style semantics walk ----------------------------------------------------------------

_STYLES = (
    "font-weight:700", "font-weight:400", "font-weight:bold", "FONT-WEIGHT: normal", "font-style:italic",
    "font-style:normal", "text-decoration:underline", "text-decoration:none", "text-decoration:line-through",
    "vertical-align:super", "vertical-align:sub", "vertical-align:baseline", "font:bold 12pt Arial",
    "font:italic 10pt serif", "color:red", "mso-bidi-font-weight:normal", "font-family:Arial",
)  # fmt: skip
_TAGS = ("span", "span", "b", "i", "a", "p", "div", "u", "s", "sup", "strong", "em", "li", "ul", "td", "h2")


@st.composite
def _trees(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0 if depth else 1, 4))):
        kind = draw(st.sampled_from(("text", "text", "el", "el", "space")))
        if kind == "text":
            parts.append(draw(st.sampled_from(("x", "Ab", "&amp;", "é", "a > b"))))
        elif kind == "space":
            parts.append(draw(st.sampled_from((" ", "\n", "\xa0"))))
        elif depth < 4:
            tag = draw(st.sampled_from(_TAGS))
            styles = draw(st.lists(st.sampled_from(_STYLES), max_size=3))
            attrs = f' style="{";".join(styles)}"' if styles else ""
            if tag == "a":
                attrs += ' href="https://example.org/"'
            parts.append(f"<{tag}{attrs}>{draw(_trees(depth + 1))}</{tag}>")
    return "".join(parts)


def _old_style_flags(style: str) -> tuple[set[str], set[str]]:
    return set(marks._style_flags(style)[0]), set(marks._style_flags(style)[1])


def _old_semantics(root: HtmlElement) -> None:
    """The walk as it was: every element visited, the turned-off styles found first."""
    offs = _old_turned_off(root)
    work = [(root, marks._NONE, marks._NONE, False)]
    while work:
        el, want, have, in_link = work.pop()
        tag = el.tag
        style = el.get("style")
        if style:
            on, off = _old_style_flags(style)
            if "u" in on and (in_link or tag == "a" or marks._contains_link(el)):
                on.discard("u")
            want = (want - off) | on
        meaning = marks._TAG_MEANS.get(tag)
        if meaning:
            have = have | {meaning}
        in_link = in_link or tag == "a"
        missing = [name for name in marks.STYLE_TAGS if name in want and name not in have]
        children = [child for child in el if isinstance(child.tag, str)]
        wrapped: set[HtmlElement] = set()
        if missing and tag not in marks._NO_INLINE:
            wrapped = marks._wrap_runs(el, missing, offs)
        with_missing = have | set(missing)
        work.extend(
            (child, want, with_missing if child in wrapped else have, in_link) for child in reversed(children)
        )


def _old_turned_off(root: HtmlElement) -> dict[HtmlElement, frozenset[str]]:
    out: dict[HtmlElement, frozenset[str]] = {}
    for _, el in etree.iterwalk(root, events=("end",)):
        style = el.get("style") if isinstance(el.tag, str) else None
        found = set(_old_style_flags(style)[1]) if style else set()
        for child in el:
            found.update(out.get(child, marks._NONE))
        if found:
            out[el] = frozenset(found)
    return out


@settings(max_examples=300, deadline=None)
@given(_trees())
@example(  # two runs inside one element turn different styles off: the element holds both
    '<p style="font-style:italic">a<span>b<span style="font-weight:400">c</span>'
    '<span style="font-weight:400;font-style:normal">d</span></span>e</p>'
)
def test_semantics_walk_skips_only_what_nothing_turns_on(html: str) -> None:
    new, mapped, old = parse(html), parse(html), parse(html)
    marks.semantics(new)
    marks.semantics(mapped, read_styles(mapped))  # the clean-up's way: one map of the styles
    _old_semantics(old)
    assert serialize(new) == serialize(old)
    assert serialize(mapped) == serialize(old)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from((*_STYLES, " ", ";", ":", "X", "display:none")), max_size=8).map(";".join))
def test_remembered_declarations_are_fresh_readings(style: str) -> None:
    fresh: dict[str, str] = {}
    for part in style.split(";"):
        name, sep, value = part.partition(":")
        if sep:
            fresh[name.strip().lower()] = value.strip()
    assert dict(declarations(style)) == fresh
    assert dict(declarations(style)) == fresh  # the second reading is the remembered one


# -- the prefilter of a submitted post ------------------------------------------------------

_OLD_NUMBERED = re.compile(r"(?:type|start)\s*=")
_PIECES = st.sampled_from(
    (
        "type", "start", "TYPE", "Start", "=", "= ", " ", "\t", "\n", "\r", "\x0c", "\x1c", "\x85", "\xa0",
        "\u3000", "\u2028", " " * 70, "\t" * 63, "st", "art", "ty", "pe", "x", "é", "🙂", "<ol", "<OL ", ">",
        '"', "'", '<ol type="a" start=3>', "<ol\ntype\n=\n'i'>", "&#61;", "<!--", "-->", "style", "STYLE",
        "<o:p>", "<O:P>", "<span", "<font ", "<xml>", "<st1:place>", "<p>", "</p>", "a = 1",
    )
)  # fmt: skip


def _old_needs_work(lower: str, starts: frozenset[str]) -> bool:
    return (
        "style" in lower or not starts.isdisjoint(stage._TAG_NAMES) or any(n.startswith("o:") for n in starts)
    )


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
@example("x" * 100 + "start" + " " * 70 + "=")  # the name further back than the look-back
@example("x" * 100 + "sta" + "rt" + "\u3000" * 60 + "=")
def test_prefilter_decides_as_the_regex_and_the_loop(text: str) -> None:
    scan = Scan(text)
    lower, starts = scan.lower, scan.start_tags
    for names in (starts, starts | {"ol"}):
        expected = "ol" in names and _OLD_NUMBERED.search(lower) is not None
        assert stage._has_numbering(lower, names) is expected
    assert stage._needs_work(lower, starts) == _old_needs_work(lower, starts)


def test_str_isspace_is_what_re_reads_as_a_space() -> None:
    """The numbering prefilter strips spaces with ``str.rstrip`` where the regex reads ``\\s``."""
    space = re.compile(r"\s")
    assert all((space.match(ch) is not None) == ch.isspace() for ch in map(chr, range(0x110000)))


_OPENINGS = ("<ul", "<OL", "<Ul", "<b", "<a ", "x", ">", "<", " ", "li>", "<ol>", "\n", "<style", "<STYLE>")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_OPENINGS), max_size=20))
@example(["<b", "<ul", ">"])  # "<ul" inside the name the regex reads from "<b"
@example(["<b", "<style", ">"])
def test_start_tag_gate_never_hides_a_searched_tag(pieces: list[str]) -> None:
    text = "".join(pieces)
    starts = Scan(text).start_tags
    if any(tag in text for tag in ("<ul", "<ol", "<UL", "<OL")):
        assert stage._may_open(starts, "ul", "ol")
    if "<style" in text.lower():
        assert stage._may_open(starts, "style")


# -- the images stage after a paste: the source scan's prefilter -----------------------------

_MARKUP_PIECES = st.sampled_from(
    (
        '<img src="', "<IMG SRC=", '<span style="', "style='background:url(", '<td background="', '" ',
        "' ", '">', ">", "x", " ", "\t", "\n", "\u200b", "\xad", "\xa0", "\x01", "İ", "data", "DA", "ta",
        ":", "blob", "cid", "file", "system", "fil", "e", "&#58;", "&#x3A;", "&colon;", "&Tab;",
        "&NewLine;", "&zwj;", "&amp;", "&quot;", "&nbsp;", "\\", "\\3a ", "/*", "*/", "url(", "image-set(",
        'srcset="a.png 1x, ', "<!--[if gte vml 1]><v:imagedata src=", "<![endif]-->", "<!--", "-->",
        "<v:shape id=", "<style>", "</style>", "https://e.org/a.png",
    )
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(_MARKUP_PIECES, max_size=25).map("".join))
@example('<img src="d a\tta:image/png;base64,AAAA">')
@example('<img src="da&Tab;ta:x">')
@example("<span style='background:url(da/**/ta:x)'>")
@example('<img src="\u200bdata:x">')
@example('<img src="da\u200bta:x">')
@example('<img src="da ta:x">')
def test_source_scan_prefilter_never_hides_a_pasted_image(markup: str) -> None:
    if scan(markup):
        assert may_hold_pasted(Scan(markup).lower)


def test_what_the_source_scan_prefilter_passes_over() -> None:
    """Every character :func:`scheme_at` passes over is white space (taken out) or not printable."""
    for ch in map(chr, range(0x110000)):
        if urls._SKIPPED_CHAR.match(ch):
            assert ch.isspace() or not ch.isprintable(), repr(ch)


# -- one element unwrapped in place (lxml's drop_tag) or by splice: the same tree -------------


@settings(max_examples=300, deadline=None)
@given(_trees(), st.integers(min_value=0, max_value=50))
def test_one_unwrap_by_drop_tag_is_splice(html: str, pick: int) -> None:
    by_splice, in_place = parse(html), parse(html)
    elements = [list(tree.iter(etree.Element))[1:] for tree in (by_splice, in_place)]
    if not elements[0]:
        return
    index = pick % len(elements[0])
    splice([elements[0][index]])
    elements[1][index].drop_tag()
    assert serialize(by_splice) == serialize(in_place)


# -- steps skipped when no style of the post is of their kind (hidden, code, monospace) -------

_CODE_STYLES = (
    "white-space:pre", "WHITE-SPACE: pre-wrap", "white-space:break-spaces", "font-family:Consolas",
    "font-family:'Courier New',monospace", "font:12px Menlo, monospace", "FONT-FAMILY: courier",
    "display:none", "DISPLAY: NONE !important", "visibility:hidden", "mso-hide:all", "font-family:Arial",
    "color:red", "font-weight:700", "white-space:normal",
)  # fmt: skip
_CODE_TAGS = ("span", "span", "font", "p", "p", "div", "pre", "code", "br", "b", "a", "table", "td", "li")


@st.composite
def _code_trees(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0 if depth else 1, 4))):
        kind = draw(st.sampled_from(("text", "el", "el", "space")))
        if kind == "text":
            parts.append(draw(st.sampled_from(("x", "a  b", "&amp;", "é", "if a > b:"))))
        elif kind == "space":
            parts.append(draw(st.sampled_from((" ", "\n", "\xa0"))))
        elif depth < 4:
            tag = draw(st.sampled_from(_CODE_TAGS))
            styles = draw(st.lists(st.sampled_from(_CODE_STYLES), max_size=2))
            attrs = f' style="{";".join(styles)}"' if styles else ""
            if tag == "td" and draw(st.booleans()):
                attrs += ' class="blob-code"'
            inner = "" if tag == "br" else draw(_code_trees(depth + 1))
            parts.append(f"<{tag}{attrs}>{inner}</{tag}>" if tag != "br" else f"<br{attrs}>")
    return "".join(parts)


@settings(max_examples=400, deadline=None)
@given(_code_trees(), st.booleans())
@example('<p style="white-space:pre"><span style="font-family:Consolas">x</span></p>', True)
@example(
    '<p><span style="font-family:Consolas">a</span></p>'
    '<p><span style="font:12px Menlo, monospace">b</span></p>',
    False,
)
def test_code_steps_skipped_only_where_no_style_is_of_their_kind(html: str, paste: bool) -> None:
    gated, forced = parse(html), parse(html)
    gated_styles, forced_styles = read_styles(gated), read_styles(forced)
    kinds = set(gated_styles.values())
    # every gate says "maybe": a style of each kind among the kinds
    made = code.code_blocks(
        forced, paste=paste, styles=forced_styles, kinds=[*kinds, "white-space:pre;font-family:monospace"]
    )
    assert code.code_blocks(gated, paste=paste, styles=gated_styles, kinds=kinds) == made
    assert serialize(gated) == serialize(forced)
    inline = code.inline_code(forced, forced_styles)
    if any(code.is_monospace(style) for style in kinds):
        assert code.inline_code(gated, gated_styles) == inline
    else:
        assert inline == 0
    assert serialize(gated) == serialize(forced)
    if not any(hidden.is_hidden(style) for style in kinds):
        assert hidden.take_hidden(forced, forced_styles) == 0
    assert serialize(gated) == serialize(forced)


# -- the list levels above a run: the node count stands in for the height when it proves it --


@settings(max_examples=300, deadline=None)
@given(_trees(), st.integers(min_value=-5, max_value=40))
@example("<p>" + "<span>" * 12 + "x" + "</span>" * 12 + "</p>", 20)  # tall: the height decides
def test_list_levels_above_a_run_are_those_its_height_leaves(html: str, room: int) -> None:
    body = parse(html + "<!-- a comment counts as a node, not a level -->")
    run = list(body)
    assert lists.list_levels_above(room, run) == lists.list_levels(room - lists.tallest(run))


# -- the post-paste scan prefilter: an ASCII source asked as bytes gives the str answer ------

_ASCII_PIECES = st.sampled_from(
    (
        "data:", "da ta:", "d\ta\nt\ra:", "blob", ":", "cid", "c\x0bid:", "fi\x0cle:", "files ystem:", "x",
        " ",
        "\x1c", "\x1d", "\x1e", "\x1f", "\x00", "\x7f", "\x08", "\x85", "\xa0", "é", "<img src=", "style=",
    )
)  # fmt: skip


def _old_may_hold_pasted(lower: str) -> bool:
    if "\\" in lower or "/*" in lower:
        return True
    if "&" in lower and urls._SPELLING_REFERENCE.search(lower) is not None:
        return True
    squeezed = "".join(lower.split())
    if not squeezed.isprintable():
        return True
    return any(scheme in squeezed for scheme in urls._PASTED_COLONS)


@settings(max_examples=500, deadline=None)
@given(st.lists(_ASCII_PIECES, max_size=30).map("".join))
@example("d a\x1ft a:")
@example("file\x7f")
def test_may_hold_pasted_as_bytes_is_the_str_answer(text: str) -> None:
    assert may_hold_pasted(text) == _old_may_hold_pasted(text)


# -- _tidy unwraps spans by name before its walk, the others after: unwrapping commutes ------


@settings(max_examples=300, deadline=None)
@given(_trees(), st.sets(st.integers(min_value=0, max_value=50), max_size=6))
def test_unwrapping_spans_first_or_last_is_the_same_tree(html: str, picks: set[int]) -> None:
    spans_last, spans_first = parse(html), parse(html)
    chosen = []
    for tree in (spans_last, spans_first):
        others = [el for el in tree.iter(etree.Element) if el.tag != "span" and el is not tree]
        chosen.append([others[i % len(others)] for i in sorted(picks)] if others else [])
    splice(dict.fromkeys(chosen[0]))
    etree.strip_tags(spans_last, "span")
    etree.strip_tags(spans_first, "span")
    splice(dict.fromkeys(chosen[1]))
    assert serialize(spans_last) == serialize(spans_first)
