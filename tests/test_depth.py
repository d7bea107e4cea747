"""The depth scan (``composer._html.depth.too_deep``) against the two parsers a post meets.

libxml2 builds the working tree (it drops content below ~2 000 levels, silently) and html5ever
reads the post in nh3 and the browser (its cost grows with the square of the depth). The scan
must never count less nesting than either of them builds, and should not count nesting that
neither builds: a run of ``<a>`` without end tags is flat to both, so it is no reason to refuse.
Where the two differ (libxml2 nests ``<dd>x<dd>y``, HTML5 does not), the deeper one counts.
"""

from __future__ import annotations

import os

import markupever
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml.html import HtmlElement
from markupever import dom

from composer import Pipeline, Policy, Submission
from composer._html.depth import too_deep
from composer._html.tree import parse

EXAMPLES = int(os.environ.get("COMPOSER_FUZZ_EXAMPLES", "200"))
_HTML5 = markupever.HtmlOptions(fragment_context=dom.QualName("div", "http://www.w3.org/1999/xhtml"))


#: elements that hold nothing: never a level (the scan skips them too)
_VOID = frozenset("area base br col embed hr img input keygen link meta param source track wbr".split())


def html5_depth(markup: str) -> int:
    """The deepest element of ``markup`` as html5ever reads it (in a ``div``, as nh3 does)."""
    deepest = 0
    todo: list[tuple[dom.Document | dom.Element, int]] = [(markupever.parse(markup, _HTML5).root(), 0)]
    while todo:
        node, depth = todo.pop()
        for child in node.children():
            if isinstance(child, dom.Element) and child.name.local not in _VOID:
                deepest = max(deepest, depth + 1)
                todo.append((child, depth + 1))
    return deepest


def libxml2_depth(markup: str) -> int:
    """The deepest element of ``markup`` below ``<body>`` in the working tree (libxml2)."""
    deepest = 0
    todo: list[tuple[HtmlElement, int]] = [(parse(markup), 0)]
    while todo:
        el, depth = todo.pop()
        for child in el:
            if isinstance(child.tag, str) and child.tag not in _VOID:
                deepest = max(deepest, depth + 1)
                todo.append((child, depth + 1))
    return deepest


def scan_depth(markup: str) -> int:
    """The least limit the scan lets ``markup`` through."""
    limit = 0
    while too_deep(markup, limit):
        limit += 1
    return limit


def real_depth(markup: str) -> int:
    return max(html5_depth(markup), libxml2_depth(markup))


# -- runs neither parser nests are not refused --------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "<a href=x>x" * 500,  # an <a> start closes the open <a> (libxml2) or runs the adoption agency (HTML5)
        "<form>x" * 500,  # a form in a form: libxml2 closes the first, HTML5 ignores the second
        "<body>x" * 500 + "<html><head><body>x",  # html, head, body: never a level of a post
        "<ul>" + "<li>x" * 500,
        "<select>" + "<option>x" * 500,
        "<p>x" * 500,
        "<![CDATA[x]]>" + "<div>a</div>" * 150,  # a CDATA section ends: the end tags after it count
        "<svg><![CDATA[x]]></svg>" + "<div>a</div>" * 150,
    ],
    ids=lambda s: s[:24],
)
def test_runs_neither_parser_nests_pass(source: str) -> None:
    assert real_depth(source) <= 2
    assert not too_deep(source, 100)


def test_a_post_of_many_links_without_end_tags_is_accepted() -> None:
    source = "".join(f'<a href="https://x.example/{i}">link {i} ' for i in range(300))
    result = Pipeline(policy=Policy(embed_mode="cache_only")).run(Submission(source))
    assert result.ok, result.problems
    assert "link 299" in result.html


# -- runs one parser nests are counted ------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "<dl>" + "<dd>x" * 150,  # HTML5 closes dd on dd; libxml2 nests them
        "<dl>" + "<dt>x" * 150,
        "<table>" + "<thead>x" * 150,
        "<table>" + "<tfoot>x" * 150,
        "<table><tbody>x" + "<thead>x<tfoot>x" * 150,
        "<p>x<section>y" * 60,  # libxml2 does not close a p for the HTML5 sectioning elements
        "<p>x<article>y" * 60,
        "<p>x<summary>y" * 60,
        "<table><td>" * 40,  # HTML5 builds table > tbody > tr > td for each
        "<table><tr><td>" * 40,
        "<table><thead><td>" * 40,
        "<p><listing></p>x" * 150,  # HTML's special elements, all of them: "</p>" stops there
        "<a href=1><isindex></a>x" * 150,  # html5ever's too: isindex (the adoption agency)
        "<table><caption><td>x" * 60,  # HTML5 closes the caption: table > tbody > tr > td
        "<svg><pre></svg>" * 150,  # a block breaks out of SVG: "</svg>" then closes nothing
        "</math><math><dl>" * 150,
        "<svg><ruby></svg>" * 150,  # inline ones break out too: HTML5's list, not just blocks
        "<math><span></math>" * 150,
        "<table></table><b></table><table>" * 150,  # HTML5 closes a table at a table started in it
        "</caption><table><caption><colgroup>" * 150,  # libxml2: colgroup closes the caption
    ],
    ids=lambda s: s[:24],
)
def test_runs_one_parser_nests_are_counted(source: str) -> None:
    assert real_depth(source) > 100
    assert too_deep(source, 100)


@pytest.mark.parametrize(
    ("unit", "deep"),
    [
        ("<div><b></div>x", True),  # HTML5 opens the b again after each div: one level more each time
        ("<div><b class=k><i></div>x", True),
        ("<p><b>x</p>", False),  # at most three alike are opened again: five levels however many
        ("<p><b><i><u>x</p>", False),
    ],
    ids=lambda s: str(s)[:24],
)
def test_formatting_elements_html5_opens_again_are_counted(unit: str, deep: bool) -> None:
    source = unit * 150
    assert (real_depth(source) > 100) is deep
    assert too_deep(source, 100) is deep


def test_an_accepted_post_keeps_its_text_and_passes_again() -> None:
    """A post HTML5 nests past the limit by reopening formatting elements is refused up
    front; before, it was accepted, its output nested ~2 000 levels deep and libxml2 cut the
    rest of it (without a word), and the output was refused when rendered again."""
    pipe = Pipeline(policy=Policy(embed_mode="cache_only"))
    source = "".join(f"<div><b></div>x{i} " for i in range(3000))
    assert [p.code for p in pipe.run(Submission(source)).problems] == ["too_deep"]
    fine = "".join(f"<div><b></div>x{i} " for i in range(90))
    result = pipe.run(Submission(fine))
    assert result.ok and "x89" in result.html
    assert pipe.run(Submission(result.html)).ok


def test_a_run_libxml2_nests_is_refused_not_cut() -> None:
    """Past ~2 000 levels libxml2 drops the rest of the post without a word; the scan refuses
    it first, even with a depth limit that high."""
    source = "<table>" + "".join(f"<thead>x{i} " for i in range(3000)) + " https://x.example/"
    result = Pipeline(policy=Policy(embed_mode="cache_only", max_depth=2500)).run(Submission(source))
    assert [p.code for p in result.problems] == ["too_deep"]


_DIVS = "<div>x" * 150


@pytest.mark.parametrize(
    "source",
    [
        # what HTML5 (and libxml2 2.14) reads as a comment, and where it ends
        "<!-->" + _DIVS,  # an empty comment: "<!-->" and "<!--->" end where they start
        "<!--->" + _DIVS,
        "<!-- x --!>" + _DIVS,  # "--!>" ends a comment too
        # a "<!--" inside a bogus comment (which ends at the first ">") opens nothing
        "<![CDATA[<!--" + _DIVS,
        "<?<!-- >" + _DIVS,
        "</ <!-- >" + _DIVS,
        "<!x<!-- >" + _DIVS,
        "<!DOCTYPE <!-- >" + _DIVS,
        # a "<!--" in a raw-text element is text: its end tag still ends it
        "<textarea><!--</textarea>" + _DIVS + "-->",
        "<title><!--</title>" + _DIVS + "-->",
        "<style><!--</style>" + _DIVS + "-->",
        "<script><!--</script>" + _DIVS + "-->",
        "<svg><![CDATA[<!--]]>" + _DIVS + "-->",
    ],
    ids=lambda s: s[:26],
)
def test_a_comment_hides_only_what_the_parsers_hide(source: str) -> None:
    assert real_depth(source) > 100
    assert too_deep(source, 100)


@pytest.mark.parametrize(
    "unit",
    [
        "<svg><desc><option></svg>",  # desc, title, foreignObject: HTML inside SVG, a scope
        "<svg><title><span></svg>",
        "<math><mi><span></math>",  # mi, mo, mn, ms, mtext: HTML inside MathML
        "<math><mtext><b></math>",
    ],
    ids=lambda s: s[:26],
)
def test_an_end_tag_does_not_close_past_an_html_island_in_svg_or_math(unit: str) -> None:
    source = unit * 60
    assert real_depth(source) > 100
    assert too_deep(source, 100)


@pytest.mark.parametrize(
    "unit",
    [
        "<div/><span></div>",  # libxml2 closes a self-closed <div/> at once: the span stays open
        "<p/><span></p>",
        "<b/><span></b>",
        "</div><div/><pre>",
        "<div><div/></div>",  # HTML5 closes the inner div, the outer stays open
        "<b id=1></p><listing><p/>",
    ],
    ids=lambda s: s[:26],
)
def test_a_self_closed_element_is_open_to_html5_and_closed_to_libxml2(unit: str) -> None:
    source = unit * 150
    assert real_depth(source) > 100
    assert too_deep(source, 100)


def test_a_self_closing_trick_is_refused_not_cut() -> None:
    """``<div/><span></div>`` is flat to HTML5 and nests to libxml2 (which closes ``<div/>``,
    so ``</div>`` closes nothing): 3 000 of them were accepted and libxml2 dropped a third of
    the words, with no notice."""
    source = "".join(f"<div/><span></div>x{i} " for i in range(3000))
    result = Pipeline(policy=Policy(embed_mode="cache_only")).run(Submission(source))
    assert [p.code for p in result.problems] == ["too_deep"]


def test_a_comment_trick_is_refused_not_cut() -> None:
    """``</ <!-- >`` is a bogus comment ending at its ``>``; the scan read a comment to the
    end of the post there, accepted 3 000 nested divs, and libxml2 dropped every word of it."""
    source = "</ <!-- >" + "".join(f"<div>x{i} " for i in range(3000))
    result = Pipeline(policy=Policy(embed_mode="cache_only")).run(Submission(source))
    assert [p.code for p in result.problems] == ["too_deep"]


# -- properties ---------------------------------------------------------------------------

#: start tags of the elements whose nesting the parsers decide themselves, and a few others
_STARTS = (
    *"a form li option p dd dt thead tbody tfoot tr td th table h2 div span ul dl section "
    "article summary select body b i".split(),
    "b class=x",
)
_ENDS = "a p li dd div span table td tr ul b i".split()
_TOKEN = st.one_of(
    st.sampled_from(_STARTS).map(lambda t: f"<{t}>"),
    st.sampled_from(_ENDS).map(lambda t: f"</{t}>"),
    st.just("x"),
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TOKEN, max_size=40).map("".join))
@example("<a><div><a>x")
@example("<table><td>x<table><td>y")
@example("<table><thead><td></td><form></tr><a><form>")  # libxml2 has no tr for "</tr>" to close
@example("<dl><dd><span>x<dd>y")
@example("<div><b></div>x<div><b></div>x<div><b></div>x")
@example("<p><b class=1>x</p><p><b class=2>x</p><p><b class=3>x</p><p><b class=4>x</p>")
def test_the_scan_never_counts_less_than_a_parser_builds(source: str) -> None:
    assert scan_depth(source) >= real_depth(source)


#: elements both parsers close on a start tag of the same name when it is the innermost
_FLAT = ("a", "form", "li", "option", "p", "body")


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    st.sampled_from(_FLAT),
    st.lists(st.sampled_from(["", "x", " ", "<br>", "<img src=x>"]), max_size=60),
    st.sampled_from(["", "<div>", "<ul>", "<select>", "<blockquote><p>", "<b>"]),
)
def test_a_run_of_same_name_starts_counts_as_the_parsers_build_it(
    tag: str, texts: list[str], container: str
) -> None:
    source = container + "".join(f"<{tag}>{text}" for text in texts)
    assert scan_depth(source) == real_depth(source)


#: a wider alphabet: foreign content and its HTML islands, comments and their look-alikes,
#: raw text, self-closed elements, table parts, the special elements
_WIDE_STARTS = (
    "a b i p div span li ul ol dd dt dl table tr td th tbody thead tfoot caption colgroup svg math mi "
    "mtext desc title foreignObject select option button nobr template form h1 font pre listing "
    "textarea xmp section object isindex summary fieldset ruby rt"
).split()
_WIDE_ENDS = "a b i p div span li ul dd table td tr svg math select option template font caption html".split()
_WIDE_OTHER = [
    "x",
    "<p/>",
    "<div/>",
    "<span/>",
    "<b/>",
    "<!--",
    "-->",
    "--!>",
    "<!-->",
    "<![CDATA[",
    "]]>",
    "<?",
    "</ ",
    "<!x",
    ">",
    "<font color=red>",
    "<b id=1>",
    "<annotation-xml encoding=text/html>",
]
_WIDE_TOKEN = st.one_of(
    st.sampled_from(_WIDE_STARTS).map(lambda t: f"<{t}>"),
    st.sampled_from(_WIDE_ENDS).map(lambda t: f"</{t}>"),
    st.sampled_from(_WIDE_OTHER),
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_WIDE_TOKEN, min_size=1, max_size=12).map("".join))
@example("<div/><span></div>")
@example("<svg><pre></svg>")
@example("</ <!-- ><div>")
@example("</caption><table><caption><colgroup>")
@example("<table></table><b></table><table>")
def test_no_unit_repeated_nests_past_what_the_scan_counts(unit: str) -> None:
    """Where the scan's model and a parser differ by a level or two (odd token soup), the
    difference must not grow with repetition: 100 copies of any unit the scan lets through
    at 30 levels nest at most 60 deep in both parsers (a unit that nests one level more per
    copy than the scan counts would reach 100)."""
    source = unit * 100
    if not too_deep(source, 30):
        assert real_depth(source) <= 60
