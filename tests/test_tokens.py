"""The source rewriters touch only tags an HTML tokenizer reads (composer._html.tokens).

``rename_foreign``, ``unflatten`` and ``keep_after_end`` rewrite HTML source before any parser
runs. A name written in an attribute value, a comment, a bogus comment, CDATA or raw text is
not a tag and must stay as typed. Guarded three ways:

- ``fixtures/tokens.txt``: the cases, one per kind of place a name may hide;
- a differential property: renaming ``q`` and ``abbr`` (elements HTML5 builds like any
  other) to ``qq`` and ``abbrx`` gives exactly the tree HTML5 (html5ever, nh3's parser)
  builds from the source, with those elements renamed: no tag missed, nothing else touched;
- a property per rewriter: the attribute values, the comments and the raw text of its
  output are those of its input, as HTML5 reads both.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from typing import Any

import markupever
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupever import dom

from composer import DEFAULT_ALLOWLIST, Clipboard, Pipeline, Policy, Submission
from composer._html.blocks import unflatten
from composer._html.foreign import FOREIGN_ONLY, rename_foreign
from composer._html.html5 import keep_after_end, structure_as_html5
from composer._html.stray import start_tags
from composer._html.tokens import RAW_TEXT, find_tags, rename_tags, start_tags_and_comments
from composer._html.tree import parse
from fixture_files import FIXTURES, read_cases

EXAMPLES = int(os.environ.get("COMPOSER_FUZZ_EXAMPLES", "200"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_HTML_NS = "http://www.w3.org/1999/xhtml"
_FRAGMENT = markupever.HtmlOptions(fragment_context=dom.QualName("div", _HTML_NS))
_DOCUMENT = markupever.HtmlOptions()
RENAMES = {"text": "span", "h5": "h4", "form": "div"}
CASES = read_cases(FIXTURES / "tokens.txt")


@pytest.mark.parametrize(("title", "source", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_fixture(title: str, source: str, expected: str) -> None:
    assert rename_tags(source, RENAMES)[0] == expected


def test_the_fixture_file_names_every_hiding_place() -> None:
    titles = " ".join(title for title, _, _ in CASES)
    for place in ("attribute value", "comment", "bogus comment", "CDATA", "raw text", "plaintext"):
        assert place in titles


def test_rename_counts_start_tags_and_returns_the_source_itself_when_none() -> None:
    source = "<form><form></form><!-- <form> -->"
    assert rename_tags(source, {"form": "div"}) == ("<div><div></div><!-- <form> -->", {"form": 2})
    untouched = "<p title='<form>'>x</p>"
    assert rename_tags(untouched, {"form": "div"})[0] is untouched


def test_in_svg_or_math_a_cdata_section_hides_to_its_end() -> None:
    source = "<svg><![CDATA[ a > <h5> ]]></svg><h5>x</h5>"
    assert rename_tags(source, {"h5": "h4"}, foreign=True)[0] == "<svg><![CDATA[ a > <h5> ]]></svg><h4>x</h4>"
    outside = [source.index("<h5> ]]"), source.index("<h5>x"), source.index("</h5>")]
    assert [tag.start for tag in find_tags(source, {"h5"})] == outside


def test_raw_text_names_are_refused() -> None:
    with pytest.raises(ValueError, match="script"):
        list(find_tags("<script>x</script>", {"script", "p"}))


def test_a_tag_is_found_whole() -> None:
    source = 'a<H5 title="x>y">b</h5 >'
    tags = list(find_tags(source, {"h5"}))
    assert [(source[t.start : t.name_end], source[t.start : t.end], t.name, t.closing) for t in tags] == [
        ("<H5", '<H5 title="x>y">', "h5", False),
        ("</h5", "</h5 >", "h5", True),
    ]


# -- generated markup ---------------------------------------------------------------------

_NAMES = tuple("q q abbr abbr text g h5 h1 form section dl td p body html".split())
#: elements HTML5 builds as "any other" (no scope, formatting or foreign rule of their own)
_ORDINARY = {"q": "qq", "abbr": "abbrx"}
_RAW = tuple(sorted(RAW_TEXT))
_WORD = st.sampled_from(["x", " ", "a b", "<", ">", "'", '"', "=", "/", "-", "--", "!", "?", "&lt;", "]]>"])


def _tag(name: str, closing: bool, case: bool) -> str:
    return ("</" if closing else "<") + (name.upper() if case else name)


@st.composite
def _markup(draw: st.DrawFn, depth: int = 0) -> str:
    """Markup in which tag names hide everywhere a tokenizer reads something else."""
    inner = st.just("") if depth >= 2 else _markup(depth + 1)  # what a value, comment, ... holds
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.integers(0, 12))
        name = draw(st.sampled_from(_NAMES))
        if kind == 0:
            parts.append(draw(_WORD))
        elif kind in (1, 2):
            tag = _tag(name, draw(st.booleans()), draw(st.booleans()))
            attrs = draw(st.lists(st.sampled_from(["", " title", " title=", " a=b", " /", "/"]), max_size=2))
            parts.append(tag + "".join(attrs) + draw(st.sampled_from([">", "/>", " >", ""])))
        elif kind == 3:
            quote = draw(st.sampled_from(['"', "'", ""]))
            value = draw(inner).replace(quote, "") if quote else draw(inner).replace(" ", "").replace(">", "")
            parts.append(f"<{draw(st.sampled_from(['p', 'abbr', 'q', 'img']))} title={quote}{value}{quote}>")
        elif kind == 4:
            parts.append("<!--" + draw(inner) + draw(st.sampled_from(["-->", "--!>", "--!->", "->", ""])))
        elif kind == 5:
            parts.append(draw(st.sampled_from(["<!-->", "<!--->", "<!---->"])))
        elif kind == 6:
            opener = draw(st.sampled_from(["<?", "</ ", "</3", "<!x", "<![CDATA[", "<!DOCTYPE "]))
            parts.append(opener + draw(inner) + draw(st.sampled_from([">", "]]>", ""])))
        elif kind == 7:
            raw = draw(st.sampled_from(_RAW))
            end = draw(st.sampled_from([f"</{raw}>", f"</{raw.upper()} >", f"</{raw}/>", f"</{raw}x>", ""]))
            parts.append(f"<{raw}>" + draw(inner) + end)
        elif kind == 11:
            pieces = [
                "<!--",
                "-->",
                "<!-->",
                "-",
                ">",
                "<script>",
                "</script>",
                "<script ",
                "</scriptx>",
                "<q>",
            ]
            parts.append("<script>" + "".join(draw(st.lists(st.sampled_from(pieces), max_size=8))))
        elif kind == 8:
            parts.append(draw(st.sampled_from(["</>", "<3", "< ", "<", "a<b"])))
        elif kind == 9:
            parts.append(f"<{name}>" + draw(inner) + f"</{name}>")
        else:
            parts.append(draw(inner))
    return "".join(parts)


def tree_shape(
    node: dom.BaseNode[Any], rename: dict[str, str], value: Callable[[str, str], str] | None = None
) -> object:
    """The tree below ``node`` as nested tuples, element names mapped by ``rename``, attribute
    values by ``value`` (name, value -> value)."""
    if isinstance(node, dom.Element):
        local = node.name.local
        name = (node.name.ns, rename.get(local, local))
        attrs = tuple(
            (attr.local, text if value is None else value(attr.local, text))
            for attr, text in node.attrs.items()
        )
        return (name, attrs, tuple(tree_shape(child, rename, value) for child in node.children()))
    if isinstance(node, (dom.Text, dom.Comment)):
        return (type(node).__name__, node.content)
    return (type(node).__name__, tuple(tree_shape(child, rename, value) for child in node.children()))


def _parse(markup: str) -> dom.Document:
    return markupever.parse(markup, _FRAGMENT).root()


@SETTINGS
@given(_markup())
def test_renaming_q_changes_only_the_q_elements_html5_builds(source: str) -> None:
    """Every ``q`` and ``abbr`` tag found and renamed, nothing else touched: the trees agree."""
    renamed, _ = rename_tags(source, _ORDINARY)
    assert tree_shape(_parse(renamed), {}) == tree_shape(_parse(source), _ORDINARY)


def _hidden(markup: str, renamed: frozenset[str], document: bool = False) -> Counter[object]:
    """The attribute values of the elements not named in ``renamed``, the comments and the
    raw text of ``markup`` as HTML5 reads it."""
    root = markupever.parse(markup, _DOCUMENT if document else _FRAGMENT).root()
    found: Counter[object] = Counter()
    for node in root.descendants():
        if isinstance(node, dom.Comment):
            found["comment", node.content] += 1
        elif isinstance(node, dom.Element) and node.name.local not in renamed:
            found.update(("attribute", attr.local, value) for attr, value in node.attrs.items())
            if node.name.local in RAW_TEXT:
                text = "".join(child.content for child in node.children() if isinstance(child, dom.Text))
                found["raw", node.name.local, text] += 1
    return found


def _lower_starts(markup: str) -> frozenset[str]:
    return start_tags(markup.lower())


@SETTINGS
@given(_markup())
def test_rename_foreign_keeps_values_comments_and_raw_text(source: str) -> None:
    starts = _lower_starts(source)
    out = rename_foreign(source, starts)
    renamed = FOREIGN_ONLY | {"span"}
    assert _hidden(out, renamed) == _hidden(source, renamed)


@SETTINGS
@given(_markup())
def test_unflatten_keeps_values_comments_and_raw_text(source: str) -> None:
    starts = _lower_starts(source)
    out, counted = unflatten(source, starts, DEFAULT_ALLOWLIST.tags)
    # the elements renamed, and those the new names stand beside (form in form: ignored by
    # HTML5 with its attributes, kept once a div), are left out
    renamed = frozenset({"div", "h1", "h2", "h4", "h5", "h6", "form", "section", "dl", "td"})
    assert _hidden(out, renamed) == _hidden(source, renamed)
    assert sum(counted.values()) == sum(1 for tag in find_tags(source, {"form"}) if not tag.closing)


@SETTINGS
@given(_markup(), _markup())
def test_keep_after_end_keeps_values_comments_and_raw_text(body: str, after: str) -> None:
    source = f"<html><body>{body}</body></html>{after}"
    out = keep_after_end(source, source.lower())
    assert _hidden(out, frozenset(), document=True) == _hidden(source, frozenset(), document=True)


# -- forms HTML5 ignores ------------------------------------------------------------------

PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))


def test_a_run_of_forms_is_one_form_not_a_deep_nest() -> None:
    """A form in a form is ignored by HTML5 (and closed by libxml2): renamed divs must not
    nest where no form did, or the depth scan refuses a post both parsers build flat."""
    for result in (
        PIPE.run(Submission("<form>" * 3000 + "text")),
        PIPE.paste(Clipboard(html="<form>" * 3000 + "text")),
    ):
        assert result.ok, result.problems
        assert result.html == "<div>text</div>"
        assert result.to_dict()["notices"][-1]["params"]["removed"] == {"tags": {"form": 3000}}


def test_what_nests_for_real_is_still_too_deep() -> None:
    result = PIPE.run(Submission("<form><b>" * 150 + "x"))
    assert [problem.code for problem in result.problems] == ["too_deep"]


_FORMS = st.lists(
    st.sampled_from(
        [
            "<form>",
            "</form>",
            "<form title='<form>'>",
            "<b>",
            "</b>",
            "<div>",
            "</div>",
            "<p>",
            "x",
            "<!-- <form> -->",
        ]
    ),
    max_size=30,
)


@SETTINGS
@given(_FORMS)
def test_forms_keep_their_text_and_nest_no_deeper_than_html5_builds_them(parts: list[str]) -> None:
    source = "".join(parts)
    out, counted = unflatten(source, _lower_starts(source), DEFAULT_ALLOWLIST.tags)
    assert _text(out) == _text(source)
    # a level at most: HTML5 reparents a "<b>" closed after "</form>" otherwise than after "</div>"
    assert _depth(out) <= _depth(source) + 1
    assert counted.get("form", 0) == sum(1 for tag in find_tags(source, {"form"}) if not tag.closing)


def _text(markup: str) -> str:
    return "".join(node.content for node in _parse(markup).descendants() if isinstance(node, dom.Text))


def _depth(markup: str) -> int:
    deepest = 0
    todo: list[tuple[dom.BaseNode[Any], int]] = [(_parse(markup), 0)]
    while todo:
        node, depth = todo.pop()
        for child in node.children():
            if isinstance(child, dom.Element):
                deepest = max(deepest, depth + 1)
                todo.append((child, depth + 1))
    return deepest


def test_a_run_of_loose_table_cells_is_flat() -> None:
    """Outside a table HTML5 ignores cells and libxml2 closes one at the next: the divs they
    become must not nest."""
    result = PIPE.run(Submission("<td>x" * 150))
    assert result.ok, result.problems
    assert result.html == "<div>x</div>" * 150


_LOOSE = st.lists(
    st.sampled_from(
        [
            "<td>",
            "</td>",
            "<th>",
            "<tr>",
            "</tr>",
            "<tbody>",
            "</tbody>",
            "x",
            "<b>",
            "</b>",
            "<div>",
            "</div>",
        ]
    ),
    max_size=30,
)


@SETTINGS
@given(_LOOSE)
def test_loose_table_parts_keep_their_text_and_nest_as_a_parser_builds_them(parts: list[str]) -> None:
    source = "".join(parts)
    out, _ = unflatten(source, _lower_starts(source), DEFAULT_ALLOWLIST.tags)
    assert _text(out) == _text(source)
    # at most a div per kind of part open (tbody > tr > td), where HTML5 builds none: no run
    # nests deeper with its length
    assert _depth(out) <= max(_depth(source), _libxml2_depth(source)) + 3


def _libxml2_depth(markup: str) -> int:
    deepest = 0
    todo = [(parse(markup), 0)]
    while todo:
        el, depth = todo.pop()
        for child in el:
            if isinstance(child.tag, str):
                deepest = max(deepest, depth + 1)
                todo.append((child, depth + 1))
    return deepest


def test_tags_with_nothing_after_their_name_are_passed_by() -> None:
    """The images scans read attributes only: a bare tag (``<b>``, ``</b>``, ``<br/>``) is passed
    over in C, so a 30 MB clipboard of ``<b>`` (which the plain fallback scans for pasted
    images) is not ten million Python steps; a raw-text element's start is still read, so its
    content is still no markup."""
    source = '<b>x</b><br/><I a>y<script><img src="data:x"></script><textarea/>z</textarea><img src=t>'
    assert [(name, source[start:end]) for name, start, end in start_tags_and_comments(source)] == [
        ("i", " a>"),
        ("script", ">"),
        ("textarea", "/>"),
        ("img", " src=t>"),
    ]


@SETTINGS
@given(_markup(), st.sampled_from(["", "<head>", "</head>", "<body/>", "a<<html x=1>", "</body>b"]))
def test_the_structure_tags_of_a_fragment_come_out_as_html5_ignores_them(source: str, extra: str) -> None:
    """In a fragment (nh3 reads a post in a div) HTML5 ignores every html, head and body tag:
    taken out, the fragment builds the very tree it built with them (libxml2 dropped the text
    after some of them)."""
    source = "x" + extra + source  # a fragment, never a whole document
    out = structure_as_html5(source, source.lower(), start_tags(source.lower()))
    assert tree_shape(_parse(out), {}) == tree_shape(_parse(source), {})
