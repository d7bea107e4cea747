"""The sanitize stage's questions about nh3's output, asked in fewer passes, give the answers
the one-question-a-pass checks gave.

The stage asks its output whether it may hold an empty element, a ``<pre>``, an empty
``class`` or an empty ``href``. Each shared pass may say "maybe" wrongly, never "no" wrongly:
on generated input aimed at the edges (``<pre`` look-alikes, filler between tags, empty
values, classes nh3 empties, direction controls in a link), the stage's result is the one
the separate checks, run in their old order, give (:func:`_one_check_a_pass`).
"""

from __future__ import annotations

import nh3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composer import Document, Pipeline, Policy, Submission
from composer._html.empty import _MAYBE_EMPTY, may_have_empty
from composer._html.facts import Scan
from composer._html.foreign import FOREIGN_ONLY
from composer._html.scan import _DIRECTION, drop_direction_controls
from composer._html.scan import has_numeric_reference as _numeric_reference
from composer._html.stray import KNOWN_ELEMENTS
from composer.allowlist import Allowlist
from composer.stages.sanitize import stage as stage_module
from composer.stages.sanitize.backends import Nh3Backend
from composer.stages.sanitize.removed import removal_scanner, report_removed
from composer.stages.sanitize.stage import (
    _EMPTY_CLASS,
    _PRE_NEWLINE,
    Sanitize,
    _drop_empty,
    _may_be_own,
    _own_links,
    _pre_and_empty,
)

#: classes on elements nh3 may leave empty or not at all (a ``<br class="">`` that loses its
#: class becomes filler), and links with no nofollow for relative URLs
POLICY = Policy(
    allowlist=Policy().allowlist.union(Allowlist.of(classes={"br": {"k"}, "pre": {"k"}, "b": {"k"}})),
)

_PIECES = st.sampled_from(
    [
        *"<p> <p <P> <b> <br> <pre> <pre <PRE> <Pre <prefix> <pre-x> <div> <h2> <s> <span> <code>".split(),
        *"</p> </b> </pre> </div> </h2> </s> </span> </a> </ <!-- --> > /> / = \" '".split(),
        '<br class="x">',
        '<br class="k">',
        '<pre class="z">',
        '<b class="q">',
        '<p class="">',
        ' class=""',
        ' class="x"',
        '<a href="">',
        "<a href>",
        '<a href="/t/1">',
        '<a href="https://ex.com/">',
        '<a href="&#8238;">',
        ' href=""',
        ' title=""',
        "&nbsp;",
        "&#160;",
        "&#32;",
        "&#8238;",
        "\u202e",
        "\xa0",
        " ",
        "\n",
        "x",
        "é",
        "😀",
    ]
)
_SOURCE = st.lists(_PIECES, max_size=14).map("".join)
_TAG_PIECES = st.lists(
    st.sampled_from(
        [
            *"<p> <b> <br> <pre> <pre <prefix> <PRE> <i> <q> </p> </b> </pre> </ < > &nbsp; \xa0 x".split(),
            " ",
            "\n",
        ]
    ),
    max_size=16,
).map("".join)


@settings(max_examples=3000, deadline=None)
@given(_TAG_PIECES)
def test_one_pass_finds_each_pre_and_each_possible_empty_element(out: str) -> None:
    """Off the shared start-tag path (a stage changed the post, players, bleach), one pass
    answers both questions as a search for ``<pre`` and the empty-element prefilter do."""
    doc = Document("<p>changed</p>", "html", POLICY)  # its content is not the source passed
    assert _pre_and_empty(doc, Nh3Backend(POLICY), out, out) == (
        "<pre" in out,
        _MAYBE_EMPTY.search(out) is not None,
    )


def _one_check_a_pass(doc: Document, backend: Nh3Backend) -> str:
    """The stage's output side as it was: one search for each question, in the old order."""

    def clean(source: str) -> str:
        out = backend.plain(source)
        if "<pre" in out:
            out = _PRE_NEWLINE.sub("\\1\n\n", out)
        if ' class=""' in out:
            out = _EMPTY_CLASS.sub(r"\1", out)
        return out

    policy = doc.policy
    source = doc.html
    out = clean(source)
    scanner = removal_scanner(policy.allowlist)
    odd = "<" in source and report_removed(doc, source, out, policy.allowlist, scanner)
    if may_have_empty(out):
        doc.set_html(out)
        _drop_empty(doc)
        out = clean(doc.html)
    out, direction = drop_direction_controls(out)
    doc.remove("characters", "direction control", direction)
    if "<a" in out and _may_be_own(out, policy, odd):
        out = _own_links(out, policy)
    return out


@settings(max_examples=2500, deadline=None)
@given(_SOURCE, st.booleans())
def test_the_shared_passes_give_what_one_check_a_pass_gave(source: str, changed: bool) -> None:
    stage = Sanitize().bind(POLICY)
    new, old = Document(source, "html", POLICY), Document(source, "html", POLICY)
    if changed:  # as after the links stage: the sanitizer's input is not the content
        for doc in (new, old):
            doc.set_html(source + " ")
    stage(new)
    expected = _one_check_a_pass(old, Nh3Backend(POLICY))
    assert new.html == expected
    assert new.removed == old.removed


def test_a_link_emptied_by_a_direction_control_is_relative_as_before() -> None:
    """``href="\\u202e"`` has an empty value once the control is dropped, after the shared pass."""
    for source in ('<a href="&#8238;">x</a>', '<p><a href="\u202e">x</a></p>'):
        doc = Document(source, "html", POLICY)
        Sanitize().bind(POLICY)(doc)
        assert doc.html == _one_check_a_pass(Document(source, "html", POLICY), Nh3Backend(POLICY))
        assert "nofollow" not in doc.html, doc.html


_NEAR_DIRECTION = st.lists(
    st.sampled_from(
        [
            "\u202e",
            "\u2066",
            "\u200f",
            "&#8238;",
            "&#x202E",
            "&#x202e;",
            "&#0008294;",
            "&#8237",
            "&#8207;",
            "&rlm;",
            "&amp;#8238;",
            "&#",
            "#",
            "&",
            "#x202e;",
            '<a href="',
            '" title="',
            '">',
            "</a>",
            "<p>",
            "x",
            "é",
            "😀",
        ]
    ),
    max_size=12,
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(_NEAR_DIRECTION)
def test_the_direction_controls_are_read_on_the_output_only_where_the_source_may_make_one(
    source: str,
) -> None:
    """With the parse stage's fact about the post (exact here), the stage drops and counts
    the direction controls of its output as when it read every output."""
    stage = Sanitize().bind(POLICY)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Scan, "direction_controls", property(_holds_direction), raising=False)
        skipping = Document(source, "html", POLICY)
        stage(skipping)
        patch.setattr(stage_module, "_may_hold_direction", lambda doc, source, out: True)
        reading = Document(source, "html", POLICY)
        stage(reading)
    assert (skipping.html, skipping.removed) == (reading.html, reading.removed)


def _holds_direction(scan: Scan) -> bool:
    return _DIRECTION.search(scan.text) is not None


def test_a_numeric_reference_is_found_past_many_hashes() -> None:
    for text, expected in (
        ("#" * 20 + "&#1;", True),
        ("&" + "#" * 20, True),
        ("a#" * 20, False),
        ("#&", False),
    ):
        assert _numeric_reference(text) is expected, text
        assert ("&#" in text) is expected


#: SVG and MathML element names, HTML's too, and a few names no one defines
_ELEMENT_NAMES = sorted(
    KNOWN_ELEMENTS
    | set(
        "discard color-profile hatch hatchpath solidcolor glyph missing-glyph hkern vkern cursor "
        "font-face tref altglyph animatecolor maligngroup malignmark mlongdiv mscarries mscarry "
        "msgroup msline msrow mstack x-card foo".split()
    )
)


def test_the_foreign_names_are_those_nh3_removes_with_their_content() -> None:
    """nh3 removes an HTML element named like an SVG or MathML one with its text (ammonia's
    namespace guard); the parse stage renames exactly those (composer._html.foreign), so a
    newer nh3 that changes the list fails here rather than losing text silently."""
    dropped = {name for name in _ELEMENT_NAMES if "abc" not in nh3.clean(f"<p>x<{name}>abc</{name}></p>")}
    assert dropped - {"script", "style", "template"} == FOREIGN_ONLY


@pytest.mark.parametrize("name", sorted(FOREIGN_ONLY))
def test_a_foreign_name_outside_svg_keeps_its_text(name: str) -> None:
    result = Pipeline().run(Submission(f"<p>I like <{name} a=1>this</{name}> a lot</p>", "html"))
    assert result.text == "I like this a lot"
    inside = Pipeline().run(Submission(f"<svg><{name}>gone</{name}></svg><p>kept</p>", "html"))
    assert "gone" not in inside.text  # foreign content: the sanitizer drops it, as before
    for beside in ("<svg></svg>", "<math>1</math>", "<p title='<svg>'></p>", "<!-- <math> -->"):
        after = Pipeline().run(Submission(f"{beside}<p>I like <{name}>this</{name}> a lot</p>", "html"))
        assert after.text.endswith("I like this a lot"), beside
