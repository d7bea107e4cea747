"""The emoji stage's cheap questions give the answers of the slow ones they stand in for.

Each prefilter (a loop of ``str.find``, a set of start-tag names, the Latin-1 encoder's runs)
is checked against the plain definition it replaces, on generated text aimed at its edges:
mixed case, entities, attributes, colons and names, non-ASCII that NFKC folds, runs of other
scripts past the point where the encoder stops noting them, text that a stage joins.
"""

from __future__ import annotations

import random
import re
import sys
import threading
from copy import deepcopy
from itertools import pairwise

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import etree

from composer import Policy
from composer._html import tree
from composer._html.facts import Scan
from composer.document import Document
from composer.stages.emoji import Emoji, stretches
from composer.stages.emoji import counter as _emoji
from composer.stages.emoji.stage import _has_custom, _pieces, _Walk
from composer.stages.parse import Parse
from test_emoji import ALL_SEQUENCES, NAMES, PARTS, reference_spans

# -- shortcodes --------------------------------------------------------------------------------

_LONGEST = max(NAMES, key=len)
_NAMES = [":thumbsup:", ":+1:", ":smile:", ":piñata:", ":Côte_d’Ivoire:", ":keycap_#:", _LONGEST]
_COLON_TEXT = st.lists(
    st.one_of(
        st.sampled_from(_NAMES),
        st.sampled_from(NAMES),
        st.sampled_from([":", "::", " ", "a", "_", "https://x.org/a", '"', "\n", "é", "\uff53mile"]),
        st.sampled_from(["ｓｍｉｌｅ", "pin\u0303ata", "x" * 90, "é" * 90, "😀"]),  # folded by NFKC; long
        st.text(max_size=4),
    ),
    max_size=40,
).map("".join)


def _reference_has_shortcode(text: str) -> bool:
    return any(_emoji._name(m.group()) is not None for m in _emoji.SHORTCODE.finditer(text))


@settings(max_examples=500, deadline=None)
@given(_COLON_TEXT)
def test_has_shortcode_equals_the_pattern(text: str) -> None:
    assert _emoji.has_shortcode(text) == _reference_has_shortcode(text)
    if not _emoji._may_have_shortcode(text):
        assert not _reference_has_shortcode(text)


def test_has_shortcode_edges() -> None:
    assert _emoji.has_shortcode(_LONGEST) and _emoji.has_shortcode("é " + _LONGEST)
    assert _emoji.has_shortcode(":ｓｍｉｌｅ:")  # NFKC folds the full-width letters
    assert _emoji.has_shortcode("a:b " * 40 + ":smile:")  # past the colons read one by one
    assert not _emoji.has_shortcode("a: b " * 40)
    assert not _emoji.has_shortcode(":" + "x" * 200 + ":")


# -- entities ----------------------------------------------------------------------------------

_AMP_TEXT = st.lists(
    st.sampled_from(
        [
            *("&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;", "&", "&am", "&#128512;", "&#x1f600;"),
            *("&hearts;", "&copy", "&COPY;", "&ampx", "&amp", "a", " ", "<p>", "é"),
        ]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(_AMP_TEXT)
def test_has_entity_equals_the_pattern(text: str) -> None:
    assert _emoji.has_entity(text) == (_emoji._tables().entity.search(text) is not None)


# -- custom emoji images -----------------------------------------------------------------------

_IMG_WITH_CLASS = re.compile(r"<img\b[^>]*\bclass\s*=", re.IGNORECASE)
_IMG_TEXT = st.lists(
    st.sampled_from(
        [
            *(
                "<img",
                "<IMG",
                "<İmg",
                "<ımg",
                "<Img",
                "<b",
                "<b<img",
                "<imgx",
                '<img"',
                " class=",
                " CLASS =",
            ),
            *("emoji", '"emoji"', ">", "<p>", "a", " ", "é", "<!-- <img class=emoji -->", "<x a='>'"),
        ]
    ),
    max_size=20,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(_IMG_TEXT, st.sampled_from(["emoji", "smiley", ""]))
def test_custom_image_prefilter_equals_the_pattern(source: str, css_class: str) -> None:
    expected = bool(css_class) and css_class in source and _IMG_WITH_CLASS.search(source) is not None
    assert _has_custom(Scan(source), css_class) == expected


# -- the stretches the Latin-1 encoder finds ---------------------------------------------------

#: characters outside Latin-1 that no emoji is made of: each makes a run the handler notes
_OTHER = list("\u2019\u201c\u2014\u0416\u3042\u20ac")
_MANY_RUNS = st.lists(
    st.one_of(
        st.sampled_from(_OTHER),
        st.sampled_from(PARTS),
        st.sampled_from(ALL_SEQUENCES),
        st.sampled_from([" ", "a", "é", "©", "#", "1", "\u00a0"]),
    ),
    min_size=20,
    max_size=120,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(_MANY_RUNS)
def test_spans_past_the_noted_runs_equal_the_reference(text: str) -> None:
    assert _emoji.spans(text) == reference_spans(text)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(_MANY_RUNS, st.lists(st.sampled_from([*PARTS, "<b>", " ", "\u2019"]), max_size=40).map("".join))
)
def test_groups_hold_the_spans_with_nothing_latin1_between(text: str) -> None:
    spans = _emoji.spans(text)
    groups = _emoji.groups(text)
    assert sum(count for _, count in groups) == len(spans) == _emoji.count(text)
    at = 0
    for start, count in groups:
        members = spans[at : at + count]
        assert members[0][0] == start
        for (_, end), (following, _) in pairwise(members):
            assert all(ord(ch) > 0xFF for ch in text[end:following])
        at += count


def test_sequences_right_after_the_last_noted_run() -> None:
    """The chunk pre-scan takes over where the encoder stopped: nothing is found twice or lost."""
    runs = stretches.RUNS_AT_MOST
    for seq in ["\u00a9\ufe0f", "1\ufe0f\u20e3", "\U0001f44d\U0001f3fd", "\U0001f1eb\U0001f1f7", "\u2764"]:
        for pad in ["", " ", "a" * 130]:
            text = "a\u2019" * (runs - 1) + "a\U0001f600" + pad + seq + " \u2019" * 5
            assert _emoji.spans(text) == reference_spans(text)


# -- a source with none of the characters emoji are made of -----------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PARTS + _OTHER + list("©®™#1 <>")), max_size=30), st.randoms())
def test_no_emoji_character_means_no_emoji_in_any_order(chars: list[str], rnd: random.Random) -> None:
    text = "".join(chars)
    if _emoji.may_hold_emoji(text):
        return
    for _ in range(5):
        rnd.shuffle(chars)
        assert _emoji.count("".join(chars)) == 0


# -- a tree an earlier stage parsed (and joined text in) ---------------------------------------

_TREE_PIECES = st.sampled_from(
    [
        *("😀", "\u2764", "\ufe0f", "\u00a9", "1", "\u20e3", "a", " ", "\u2019", "é", "&#xfe0f;", "&copy;"),
        *("&amp;", "<span>", "</span>", "<b>\u2764</b>", "<code>😀</code>", '<img alt="😀">', ":smile:"),
        *("<p>", "</p>", ":ab", ":", "smi", "le:", "ｓｍｉｌｅ", "<script>:x</script>", "<!--:-->", "&#58;"),
        *("\U0001f1eb", "\U0001f1f7", "\U0001f3fb", "\u200d", "http://x.org/", "<pre>\u2764</pre>", "<img>"),
        *("<script>\U0001f600</script>", "<!--\U0001f600-->", "<br>", "<textarea>\U0001f600</textarea>"),
    ]
)


_TREE_POLICIES = [
    Policy(),
    Policy(convert_shortcodes=False),
    Policy(convert_shortcodes=False, count_emoji_in_code=True),
    Policy(emoji_over_limit="trim", max_emoji=2),
]


@settings(max_examples=400, deadline=None)
@given(st.lists(_TREE_PIECES, max_size=25).map("".join), st.booleans(), st.sampled_from(_TREE_POLICIES))
@example("\u2764<span></span>\ufe0f", True, Policy())
@example("1<span>\u20e3</span>", True, Policy())
@example("\u00a9<span>&#xfe0f;</span>", True, Policy())
@example(":ab<span>:smile:</span>", True, Policy())
@example(":smi<span>le:</span>", True, Policy())
@example("<!--:-->smile:", False, Policy())
@example("\U0001f1eb<b>\U0001f1f7</b>\U0001f1eb", False, Policy(convert_shortcodes=False))
@example("\u2764<b>\ufe0f</b>", False, Policy(convert_shortcodes=False))
def test_a_parsed_tree_is_counted_as_the_walk_counts(source: str, join: bool, policy: Policy) -> None:
    """The walk is skipped only when it would change nothing: same count, same tree."""
    doc = Document(source, "html", policy)
    if join:  # as the paste stage does: unwrapped spans join the text around them
        for span in list(doc.tree.iter("span")):
            span.drop_tag()
    reference = _Walk(doc.policy, trim=policy.emoji_over_limit == "trim")
    walked = deepcopy(doc.tree)
    reference.element(walked, code=False)
    for img in reference.drop:
        img.drop_tree()
    Emoji()(doc)
    assert doc.stats["emoji"] == reference.count - reference.removed
    assert etree.tostring(doc.tree) == etree.tostring(walked)


@settings(max_examples=500, deadline=None)
@given(_COLON_TEXT, _COLON_TEXT, _COLON_TEXT)
def test_a_shortcode_in_a_text_is_found_in_any_join_of_it(before: str, text: str, after: str) -> None:
    if _emoji.has_shortcode(text):
        assert _emoji.has_shortcode_in_joined(before + text + after)


def _reference_text(walk: _Walk, text: str, code: bool) -> str:
    """The walk's text step without its shortcut: split at URLs, convert, count each piece."""
    counted = walk.in_code or not code
    if not counted and not (walk.convert and not code):
        return text
    out = []
    for piece, is_url in _pieces(text):
        if not is_url:
            if walk.convert and not code and ":" in piece:
                piece = _emoji.emojize(piece)
            if counted and not piece.isascii():
                piece = walk.piece(piece)
        out.append(piece)
    return "".join(out)


_WALK_TEXT = st.lists(
    st.one_of(
        _TREE_PIECES.filter(lambda piece: "<" not in piece and "&" not in piece),
        st.sampled_from(["https://x.org/a", "www.x.org", "http://x.org/a:smile:", "(http://x.org/a)"]),
        st.sampled_from(["/", ".", "\u2019", "é"]),
        st.sampled_from(_NAMES),
    ),
    max_size=20,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(_WALK_TEXT, st.booleans(), st.booleans(), st.booleans(), st.integers(0, 3))
@example("(http://x.org/a):smile: b", False, True, False, 3)  # the URL's colon pairs with the first
def test_the_walk_passes_over_text_only_where_nothing_changes(
    text: str, code: bool, convert: bool, in_code: bool, keep: int
) -> None:
    policy = Policy(convert_shortcodes=convert, count_emoji_in_code=in_code, max_emoji=keep)
    for trim in (False, True):
        walk, reference = _Walk(policy, trim), _Walk(policy, trim)
        assert walk.text(text, code) == _reference_text(reference, text, code)
        assert (walk.count, walk.removed) == (reference.count, reference.removed)


# -- what the raw HTML reading may take for text ----------------------------------------------


_DEFAULT = Policy()


def _stage_and_walk(source: str, policy: Policy = _DEFAULT) -> tuple[tuple[int, str], tuple[int, str]]:
    """(count, tree HTML) of the stage after the parse stage, and of the walk of that tree."""
    doc = Document(source, "html", policy)
    Parse()(doc)
    Emoji()(doc)
    reference = Document(source, "html", policy)
    Parse()(reference)
    walk = _Walk(reference.policy, trim=False)
    walk.element(reference.tree, code=False)
    html = doc.html if doc.has_tree else tree.serialize(tree.parse(doc.html))
    return (doc.stats["emoji"], html), (walk.count, reference.html)


@pytest.mark.parametrize(
    "source",
    [
        '<p><a title="a>b \U0001f600">x</a></p>',  # a ">" in a quoted value ends no tag
        '<p><code><a title="</code>">x</a> \U0001f600</code></p>',  # nor does "</code" there
        "<p>&#58;smile:</p>",  # a colon spelled as a reference
        "<p>&colon;smile&#x3A; :smi&#108;e: :pi&ntilde;ata:</p>",  # names and colons as references
        "<p><!-- a > b \U0001f600 --></p>",  # a comment
        "<code><!-- </code> -->\U0001f600</code>",
        "<code><?x </code>\U0001f600</code>",  # a processing instruction: a bogus comment
        "<code><b </code>\U0001f600</code>",  # "</code" inside a tag
        "<code><script></code></script>\U0001f600</code>",  # raw text
        "<code><div></code>\U0001f600</div></code>",  # libxml2 keeps code open past the div
        "<code><td></code>\U0001f600</code>",
        "<pre>a</pre><code></pre>\U0001f600</code>",  # an end tag of another element
        "\U0001f1eb</i>\U0001f1f7 \U0001f44d</b>\U0001f3fd",  # joined across a stray end tag
        "\u2764</i>\ufe0f 1</b>\u20e3 \U0001f468\u200d</i>\U0001f469 \U0001f468</i>\u200d\U0001f469",
        "\u2764</i>&#xfe0f;",
        "\u20e31</table>\u20e3",  # a keycap right after a tag, and one at the very start
        "<p>:Trinidad_&amp;_Tobago: &amp; a:b&amp;c</p>",
        "<p>:&#108;:Trinidad_:smile:</p>",  # a reference moves where the pattern's pairs fall
        'https://x.co/</b x=a"b>\U0001f600',  # a space inside a stray end tag: still the URL
    ],
)
def test_the_raw_reading_agrees_with_the_walk(source: str) -> None:
    """Each of these once counted (or converted) on the raw HTML what the walk does not."""
    got, expected = _stage_and_walk(source)
    assert got == expected


@pytest.mark.xfail(strict=True, reason="known: libxml2 joins texts across a stray end tag")
def test_a_shortcode_a_stray_end_tag_splits_is_left_to_the_parser() -> None:
    """``smile:</b>smile:`` reads ``smile:smile:`` once libxml2 has dropped the stray end
    tag; looking for such pairs across every end tag would cost each post tens of µs."""
    got, expected = _stage_and_walk("<p>smile:</blockquote>smile:</p>")
    assert got == expected


_MARKUP_PIECES = [
    *("\U0001f600", "a", " ", "<b>", "</b>", "<code>", "</code>", "<pre>", "</pre>", "<div>", "</div>"),
    *("<p>", "</p>", "<td>", "<table>", "</table>", "<tr>", "<li>", "<ul>", "</ul>", "<span>", "</i>"),
    *('<a title="a>b">', '<a title="</code>">', "<a title='<code>'>", "</a>", "<b </code>", "<b <code>"),
    *("<!-- > -->", "<!-- </code> -->", "<!-- <code> -->", "<?x </code>", "<![CDATA[ > ]]>", "</br>"),
    *("<script>", "</script>", "<textarea>", "</textarea>", "<xmp>", "</xmp>", "<select>", "</select>"),
    *("<template>", "</template>", "<title>", "</title>", "<blockquote>", "</blockquote>", "<svg>"),
    *("&#x1f600;", "&amp;", "&#xfe0f;", "https://x.co/", '</b title=">">', '</b x=a"b>', "</b <x>"),
    *("\u2764", "\ufe0f", "1", "\u20e3", "\u200d", "\U0001f468", "\U0001f1eb", "\U0001f1f7", "\U0001f3fd"),
]
_NO_SHORTCODES = Policy(convert_shortcodes=False)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_MARKUP_PIECES), max_size=10).map("".join))
def test_the_count_on_any_markup_agrees_with_the_walk(source: str) -> None:
    """Counting without a tree, when allowed to, gives what the walk gives: quoted values,
    comments, raw text, tags in tags, end tags out of order, emoji joined across tags."""
    got, expected = _stage_and_walk(source, _NO_SHORTCODES)
    assert got == expected


#: shortcodes spelled with references, between tags the parser keeps (no stray end tag)
_SHORTCODE_PIECES = [
    *(":smile:", ":", "smile:", "smi", "le", "&#58;", "&#x3a;", "&colon;", "&#108;", "&amp;", "&ntilde;"),
    *(
        ":Trinidad_",
        "_Tobago:",
        ":pi",
        "ata:",
        "&",
        "&lt;",
        " ",
        "a",
        "<b>",
        "<b>:</b>",
        "<code>:smile:</code>",
    ),
    *('<a title=":smile:">x</a>', '<a title="&#58;">', "<!-- : -->", "\U0001f600", "https://x.co/"),
]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_SHORTCODE_PIECES), max_size=10).map("".join))
@example(":&amp;:_Tobago:smile:")  # "&amp;" where no name holds "&" still moves the pairs (CI found it)
@example("&&#58;a&#58;")  # a colon spelled later in the word of an "&" read first
def test_shortcodes_on_any_markup_agree_with_the_walk(source: str) -> None:
    """Converting without a tree, when allowed to, gives what the walk gives: a colon or a
    name's character spelled as a character reference is found."""
    got, expected = _stage_and_walk(source)
    assert got == expected


def test_threads_do_not_share_the_runs_the_encoder_notes() -> None:
    """The encoding error handler notes runs in a per-thread list."""
    texts = [("a\u2019 \U0001f600" * (i + 3) + " \u2764\ufe0f") * (i + 1) for i in range(4)]
    expected = [_emoji.spans(text) for text in texts]
    failures: list[int] = []

    def work(i: int) -> None:
        for _ in range(300):
            if _emoji.spans(texts[i]) != expected[i]:
                failures.append(i)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not failures
