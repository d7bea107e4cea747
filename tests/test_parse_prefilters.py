"""The parse stage's prefilters are exact: each may say "maybe" wrongly, never "no".

A prefilter lets an ordinary post skip a whole-string pass (the attribute cap, the data-URL
cut, the depth scan, ...). Each test below generates markup aimed at the edges of the pass it
guards (mixed case, entities, quoted values holding ``>``, comments, unclosed tags,
non-ASCII) and checks that wherever the full pass finds something, the prefilter said maybe.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import composer._html.facts as facts_module
import composer._html.stray as stray_module
import composer._limits as limits_module
import composer.stages.limits as stage_limits
import composer.stages.parse as parse_module
from composer import Document, Pipeline, Policy, Submission
from composer._html.depth import too_deep
from composer._html.facts import Scan
from composer._html.html5 import differs
from composer._html.scan import (
    _CONTROLS,
    _DIRECTION,
    _no_controls,
    clean_controls,
    clean_controls_lowered,
    lower_kept,
)
from composer._html.scan import has_numeric_reference as _holds_reference
from composer._html.stray import (
    _ENDS,
    BARE_WORDS,
    DECLARATIONS,
    LONG_TAG,
    all_closed,
    escape_stray_lt,
    marking_starts,
    read_marks,
    start_tag_names,
    start_tags,
)
from composer._html.tree import parse as parse_tree
from composer._html.urls import lower_in_place
from composer._limits import (
    _QUOTED_GT,
    MAX_ATTRIBUTES,
    _gt_free_after_lt,
    cut_data_urls,
    many_attributes,
    may_cap,
    may_run_without,
)
from composer.result import Result
from composer.stages.limits import _MENTION_IN_CLASS, _mentions_kept, _tree_may_pass
from composer.stages.limits import count as count_links

#: fragments of tag soup: separators, names, values with and without quotes, stray marks
_SOUP = [
    "<",
    ">",
    "<a",
    "<P",
    "</a>",
    " ",
    "\n",
    "/",
    "x",
    "Ab",
    "=",
    " = ",
    '"',
    "'",
    '"a>b"',
    "'>'",
    '="x\'>"',
    "<!--",
    "-->",
    "&gt;",
    "&#62;",
    "é",
    "\u212a",
    "\U0001f600",
    "<a href=x",
    " b c d",
]
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
soup = st.lists(st.sampled_from(_SOUP), max_size=60).map("".join)


def _naive_run_without(text: str, char: str, size: int) -> bool:
    return any(len(part) >= size for part in text.split(char))


def _naive_gt_free_after_lt(text: str, size: int) -> bool:
    starts = [at for at in range(len(text)) if text[at] == "<"]
    return any(at + size <= len(text) and ">" not in text[at : at + size] for at in starts)


@SETTINGS
@given(text=soup, char=st.sampled_from([">", " ", "<"]), size=st.integers(1, 40))
def test_a_run_without_a_character_is_never_missed(text: str, char: str, size: int) -> None:
    if _naive_run_without(text, char, size):
        assert may_run_without(text, char, size)


@SETTINGS
@given(text=soup, size=st.integers(1, 40))
def test_a_long_tag_start_free_of_gt_is_never_missed(text: str, size: int) -> None:
    assert _gt_free_after_lt(text, size) is _naive_gt_free_after_lt(text, size)


@SETTINGS
@given(text=soup, limit=st.integers(0, 4))
def test_the_attribute_cap_prefilter_never_misses_a_tag(text: str, limit: int) -> None:
    """Small limits, so that generated tags pass them; the default (256) is the same rule."""
    if many_attributes(limit).search(text) is not None:
        assert may_cap(text, limit), text


#: markup for the start-tag pass's long tags: names running over "<", spaces of any kind,
#: quotes holding ">", bare words, "/" between attributes, uppercase names, non-ASCII
_LONG = ["<a", "<B", "<a<b", "<x:y", "</a", "</", "<", ">", " ", "\n", "\u3000", "/", "=", '"', "'", '">"']
_LONG += ["a", "bc", "K", "\u212a", "é", "<!--", "x=1"]


@SETTINGS
@given(parts=st.lists(st.sampled_from(_LONG), max_size=40), limit=st.integers(0, 4))
def test_the_long_tag_fact_never_misses_a_tag_to_cap(parts: list[str], limit: int) -> None:
    """The start-tag pass with a small ``long`` (2 * (limit + 1)): whenever the cap's
    pattern finds a tag, the quoted-">" search or the pass's long-tag mark says maybe."""
    source = "".join(parts)
    lower = lower_kept(source)
    found = marking_starts(2 * (limit + 1)).findall(lower)
    names = frozenset(found).difference(("/", "/b", *DECLARATIONS))
    plain, bare, long_tag = read_marks(names, 2 * (limit + 1))
    assert plain == start_tags(lower)
    if BARE_WORDS.search(lower) is not None:
        assert bare, source
    if many_attributes(limit).search(source) is not None:
        assert _QUOTED_GT.search(source) is not None or long_tag, source


@SETTINGS
@given(
    text=soup, extra=st.sampled_from(["", "<?x>", "<!doctype html>", "<![CDATA[x]]>", "<a<!--", "<!", "<?"])
)
def test_the_declaration_and_quoted_gt_facts_are_exact(text: str, extra: str) -> None:
    """``Scan.declarations`` (read in the start-tag pass) never misses a "<!" or "<?", and
    says so only for one, but where a name ran over a "<"; ``Scan.quoted_gt`` is the search;
    ``start_count`` counts no declaration."""
    source = text + extra
    facts = Scan(source)
    held = "<!" in source or "<?" in source
    names = start_tag_names(facts.lower)
    ran_over = "<" in "".join(names)  # a name read on over a "<": the marks after it unread
    assert facts.declarations is held or (facts.declarations and ran_over)
    assert facts.quoted_gt is (_QUOTED_GT.search(source) is not None)
    assert facts.plain_tags is not (facts.declarations or facts.quoted_gt)
    assert facts.start_count == len([name for name in names if name not in DECLARATIONS])


def test_the_long_tag_fact_is_read_for_the_cap() -> None:
    assert LONG_TAG == 2 * (MAX_ATTRIBUTES + 1)  # the cap's rule, read by the start-tag pass
    many = "<p " + " ".join(f"a{i}" for i in range(300)) + ">"
    assert Scan(many).long_tag and may_cap(many, facts=Scan(many))
    assert Scan("<P/" + "/".join(f"a{i}" for i in range(300)) + ">").long_tag
    assert Scan("<p " + " ".join(f"a{i}" for i in range(300))).long_tag  # cut by the end
    assert Scan("<p>" + "word " * 2000 + "</p>").long_tag is False
    post = '<a href="https://example.org/x?a=1&amp;b=2">link</a> text ' * 100
    assert not Scan(post).long_tag and not may_cap(post, facts=Scan(post))


def test_the_attribute_cap_prefilter_reads_quoted_gt_and_long_tags() -> None:
    many = "<p " + " ".join(f"a{i}" for i in range(300)) + ">"
    assert may_cap(many)
    assert may_cap("<p" + ' a=">"' * 300 + ">")  # no run free of ">", but quoted ones
    assert not may_cap("<p>" + "word " * 2000 + "</p>")  # long text, short tags
    assert not may_cap('<a href="https://example.org/x?a=1&amp;b=2">link</a> text ' * 100)
    assert _QUOTED_GT.search("<a title = 'x > y'>") is not None


def test_the_data_url_prefilter_lets_a_long_data_url_through() -> None:
    post = "<p>see " + '<img src="data:image/png;base64,' + "A" * 5000 + '"> done</p>' + " word" * 800
    assert may_run_without(post, " ", 4000)
    assert cut_data_urls(post) == '<p>see <img src="data:image/png,"> done</p>' + " word" * 800
    assert not may_run_without(" word" * 2000, " ", 4000)


def test_blocks_cover_a_run_at_every_offset() -> None:
    for offset in range(0, 30):
        text = "x " * offset + "y" * 20 + " z" * 30
        assert may_run_without(text, " ", 20), offset
        assert not may_run_without(text.replace("y" * 20, "y y" * 7), " ", 20), offset

    assert may_cap("<P " + "x " * 300 + ">")  # any case


#: markup for the depth scan: opening, closing, void and raw-text tags, comments, any case
_NESTING = ["<div>", "<DIV>", "</div>", "<b>", "</b>", "<p>", "<br>", "<script>", "</script>", "<!--", "-->"]
_NESTING += ["x", "<\u212a>", "<\u0130>", "<a<b>", "<![CDATA[", "]]>", "< div>", "</ b>", "<svg/>"]


@SETTINGS
@given(parts=st.lists(st.sampled_from(_NESTING), max_size=40), limit=st.integers(0, 6))
def test_the_depth_scan_skipped_on_few_start_tags_agrees(parts: list[str], limit: int) -> None:
    source = "".join(parts)
    assert too_deep(source, limit, Scan(source).start_count) is too_deep(source, limit)


#: text for the control and case tests: ASCII, controls, non-characters, a lone surrogate,
#: caseless and cased non-ASCII letters (the final sigma reads its neighbours)
_CHARS = st.sampled_from(
    [
        *("a", "B", " ", "\n", "\t", "\r", "\x00", "\x01", "\x1f", "\x7f", "\x80", "\u00a0", "<", ">"),
        *("é", "É", "ß", "Σ", "σ", "\u0130", "\u212a", "\u01c5", "\U0001f600", "\u200d", "中"),
        *("\ufffe", "\uffff", "\ud800", "\udfff"),
    ]
)
_TEXT = st.lists(_CHARS, max_size=30).map("".join)


@SETTINGS
@given(text=_TEXT)
def test_the_control_prefilter_agrees_with_the_regex(text: str) -> None:
    assert _no_controls(text) is (_CONTROLS.search(text) is None)


@SETTINGS
@given(text=_TEXT)
def test_the_fast_lower_case_copy_is_the_same_copy(text: str) -> None:
    assert lower_kept(text) == lower_in_place(text)


#: markup for the start-tag pass and its marks: end tags with and without a letter, "</br"
#: in any case and ending any way, names running over a "<", the two letters lower-casing
#: makes of non-ASCII characters
_TAGS = ["<p>", "</p>", "</", "</ ", "</>", "</1", "</br>", "</BR ", "</br/", "</bR", "</bra>", "<br>"]
_TAGS += ["<a<b>", "<a</ x>", "<x</br>", "</\u212a>", "</\u0130>", "<\u212a>", "<svg>", "<math/>"]
_TAGS += ["<noscript>", "<image "]
_TAGS += ["<x-card>", "</x-card>", "<o:p>", "<!-- </ -->", "<script></ </script>", "a<b", "<3", "x", " ", ">"]


@SETTINGS
@given(parts=st.lists(st.sampled_from(_TAGS), max_size=25))
def test_the_marks_of_the_start_tag_pass_agree_with_the_full_checks(parts: list[str]) -> None:
    source = "".join(parts)
    facts = Scan(source)
    lower, starts = facts.lower, facts.start_tags
    assert starts == start_tags(lower)
    assert escape_stray_lt(source, lower, starts, facts.bogus_end) == escape_stray_lt(source, lower, starts)
    assert differs(source, lower, starts, facts.br_end) is differs(source, lower, starts)
    if not facts.bogus_end:
        assert re.search("</[^a-zA-Z]", source) is None


#: markup for the limits stage's tree questions: links, embeds, mention classes in any spelling
_LINKS = ['<a href="x">x</a>', '<a href="y">y</a>', '<a class="mention" href="/u/a">@a</a>', "<p>t</p>"]
_LINKS += ['<span class="x mention">m</span>', '<a class="MENTION">n</a>', '<b class="&#109;ention">r</b>']
_LINKS += ['<div class="composer-embed"><a href="z">z</a></div>', '<div class="composer-card"></div>', "<br>"]
_LINKS += ['<a href="javascript:x">j</a>', '<a class="hashtag" href="/t">#t</a>', "<p>mention</p>"]


#: what the sanitizer may keep: the mention class on one tag, on none, on every tag (None)
_KEPT: list[dict[str, frozenset[str]] | None] = [None, {}, {"a": frozenset({"mention"})}]
_KEPT += [{"span": frozenset({"mention", "x"}), "div": frozenset({"composer-embed"})}]


@SETTINGS
@given(
    parts=st.lists(st.sampled_from(_LINKS), max_size=12),
    limit=st.integers(0, 4),
    kept=st.sampled_from(_KEPT),
)
def test_the_limits_questions_never_miss(
    parts: list[str], limit: int, kept: dict[str, frozenset[str]] | None
) -> None:
    html = "".join(parts)
    root = parse_tree(html)
    links, mentions = count_links(root, kept)
    if links > limit:
        assert _tree_may_pass(root, limit)
    if mentions:
        assert _MENTION_IN_CLASS(root)
        assert kept is None or _mentions_kept(kept)
    assert _holds_reference(html) is ("&#" in html)


@SETTINGS
@given(
    text=st.lists(st.sampled_from(["#", "&", "&#", "a", "&amp;", "&#39;", "##"]), max_size=40).map("".join)
)
def test_the_reference_search_by_hash_is_the_substring_search(text: str) -> None:
    assert _holds_reference(text) is ("&#" in text)


def test_the_result_a_run_makes_is_the_dataclass_value() -> None:
    made = Pipeline(policy=Policy(embed_mode="cache_only")).run(
        Submission("<p>a <b>b</b> https://example.org</p>")
    )
    fields = {field.name: getattr(made, field.name) for field in dataclasses.fields(Result)}
    assert made == Result(**fields)
    assert repr(made) == repr(Result(**fields))
    assert pickle.loads(pickle.dumps(made)) == made == copy.deepcopy(made)
    assert dataclasses.replace(made, markdown="x").markdown == "x"
    assert made.text == Result(**fields).text


_CLOSING = ["</xml>", "</xml", "</xmlx>", "</xml/", "</xml ", "x</xml>", "</a</xml>", "<</xml>", "</x-card>"]
_CLOSING += ["</</xml>", " ", ">", "/", "a", "</\u00a0", "</xml\u00a0", "\u2003</x-card\u2003", "<xml>", "</"]


@SETTINGS
@given(
    parts=st.lists(st.sampled_from(_CLOSING), max_size=20),
    names=st.lists(st.sampled_from(["xml", "x-card", "a", "xm"]), max_size=3, unique=True),
)
def test_the_end_tag_search_by_name_is_the_end_tag_scan(parts: list[str], names: list[str]) -> None:
    lower = "".join(parts)
    assert all_closed(lower, names) is (set(names) <= set(re.findall(r"</([a-z][^\s/>]*)", lower)))


def test_an_end_tag_name_running_over_a_lt_hides_the_next() -> None:
    for lower, closed in [("</a</xml>", False), ("</xml>", True), ("x</xml>", True), ("<</xml>", True)]:
        assert all_closed(lower, ["xml"]) is closed, lower
        assert closed is ("xml" in re.findall(r"</([a-z][^\s/>]*)", lower))


@SETTINGS
@given(text=_TEXT)
def test_controls_and_the_lower_case_copy_from_one_encoding(text: str) -> None:
    cleaned, dropped, lower, direction = clean_controls_lowered(text)
    assert (cleaned, dropped) == clean_controls(text)
    assert lower is None or lower == lower_in_place(text)
    assert direction is None or direction is (_DIRECTION.search(cleaned) is not None)


#: the direction controls, their UTF-8 neighbours (same lead byte, next and previous trail
#: bytes), emoji and controls between them
_NEAR_DIRECTION = [*"\u202a\u202e\u2066\u2069\u2029\u202f\u2065\u206a\u2000\u20ac", "\U0001f600", "\x07"]
_NEAR_DIRECTION += ["a", "é", "<", "\ufffe", "\ud800", "\u0130"]


@SETTINGS
@given(text=st.lists(st.sampled_from(_NEAR_DIRECTION), max_size=20).map("".join))
def test_the_direction_controls_read_with_the_controls_are_exact(text: str) -> None:
    cleaned, _, _, direction = clean_controls_lowered(text)
    assert direction is None or direction is (_DIRECTION.search(cleaned) is not None)
    assert Scan(cleaned).direction_controls is (_DIRECTION.search(cleaned) is not None)
    doc = Document(text, "html", Policy())
    parse_module.Parse()(doc)
    if not doc.stopped:
        assert doc.scan.direction_controls is (_DIRECTION.search(doc.content) is not None)


#: every prefilter above, forced to "maybe" (the full pass always runs)
def _full_passes(patch: pytest.MonkeyPatch) -> None:
    maybe = property(lambda self: True)
    patch.setattr(limits_module, "may_cap", lambda source, limit=0, facts=None: True)
    patch.setattr(limits_module, "may_run_without", lambda text, char, size: True)
    patch.setattr(Scan, "bogus_end", maybe)
    patch.setattr(Scan, "br_end", maybe)
    patch.setattr(Scan, "bare_words", maybe)
    patch.setattr(Scan, "long_tag", maybe)
    patch.setattr(Scan, "start_count", property(lambda self: 10**9))
    patch.setattr(facts_module, "lower_kept", lower_in_place)
    patch.setattr(parse_module, "clean_controls_lowered", lambda text: (*clean_controls(text), None, None))
    patch.setattr(stray_module, "all_closed", lambda lower, names: set(names) <= set(_ENDS.findall(lower)))
    patch.setattr(stage_limits, "_mentions_kept", lambda kept: True)
    patch.setattr(stage_limits, "_holds_reference", lambda html: "&#" in html)
    patch.setattr(stage_limits, "_tree_may_pass", lambda root, limit: True)
    patch.setattr(stage_limits, "_MENTION_IN_CLASS", lambda root: True)


_PIPES = [Pipeline(policy=Policy(embed_mode="cache_only")), Pipeline(policy=Policy.preset("new"))]
_SOUP_ALL = (
    _SOUP + _TAGS + _CLOSING + _LINKS + _NESTING + ["\x00", "\x07", "é", "Σ", "\U0001f600", "https://x.org/"]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(st.sampled_from(_SOUP_ALL), max_size=40), pipe=st.sampled_from(_PIPES))
def test_the_skip_paths_and_the_full_passes_give_the_same_result(parts: list[str], pipe: Pipeline) -> None:
    source = "".join(parts)
    fast = pipe.run(Submission(source, "html")).to_dict()
    with pytest.MonkeyPatch.context() as patch:
        _full_passes(patch)
        full = pipe.run(Submission(source, "html")).to_dict()
    assert fast == full
