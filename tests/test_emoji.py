"""The emoji counter (composer.stages.emoji.counter) and the emoji stage (composer.stages.emoji).

The counter is checked against Unicode's emoji-test.txt line by line, against a slow
brute-force reference on random text, and against ``emoji.emoji_list`` where that library is
exact; the stage through ``Pipeline.run`` and ``Pipeline.paste`` in every format.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import emoji
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composer import Clipboard, Pipeline, Policy, Submission
from composer.cli import main as cli_main
from composer.document import Document
from composer.stages.emoji import Emoji
from composer.stages.emoji import counter as _emoji
from composer.stages.emoji.stage import _Walk
from composer.stages.parse import Parse
from composer.stages.sanitize import Sanitize
from corpus_paths import CORPORA
from fixture_files import read_cases

CORPUS = CORPORA / "emoji"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
UNQUALIFIED = emoji.STATUS["unqualified"]


# -- the Unicode test files ------------------------------------------------------------------


def _test_file(name: str) -> list[tuple[str, str, str]]:
    """``(sequence, status, comment)`` for every data line of an emoji-test file."""
    rows = []
    for line in (CORPUS / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        points, rest = line.split(";", 1)
        status, comment = rest.split("#", 1)
        rows.append(("".join(chr(int(p, 16)) for p in points.split()), status.strip(), comment.strip()))
    return rows


def _expected(seq: str, status: str) -> int:
    """One, except a lone unqualified (text-default) character: that is text."""
    return 0 if status == "unqualified" and len(seq) == 1 else 1


MAIN = _test_file("emoji-test.txt") if (CORPUS / "emoji-test.txt").exists() else []
QUALIFIED = [(seq, status, comment) for seq, status, comment in MAIN if status.endswith("-qualified")]


def test_main_file_is_the_full_release() -> None:
    assert len(MAIN) == 5225, "tests/corpora/emoji/emoji-test.txt (17.0) is missing or changed"
    assert len(QUALIFIED) == 3944 + 1029


@pytest.mark.parametrize(("seq", "status", "name"), QUALIFIED, ids=[c for _, _, c in QUALIFIED])
def test_every_qualified_sequence_counts_once(seq: str, status: str, name: str) -> None:
    assert _emoji.count(seq) == 1
    assert _emoji.count(f"a {seq} b") == 1
    assert _emoji.spans(f"ab{seq}c") == [(2, 2 + len(seq))]


@pytest.mark.parametrize("name", ["emoji-test-16.0.txt", "emoji-test.txt", "emoji-test-18.0-draft.txt"])
def test_whole_file_components_and_unqualified_too(name: str) -> None:
    rows = _test_file(name)
    wrong = [(c, status) for seq, status, c in rows if _emoji.count(f"x{seq}x") != _expected(seq, status)]
    assert wrong == []
    # all lines back to back, separated by a space: the counts add up
    assert _emoji.count(" ".join(seq for seq, _, _ in rows)) == sum(_expected(s, st_) for s, st_, _ in rows)


def test_draft_18_is_known_to_the_emoji_package() -> None:
    """The 18.0 draft's new emoji (U+1FAEB, ...) count because emoji>=2.16 already lists them."""
    draft = _test_file("emoji-test-18.0-draft.txt")
    new = [seq for seq, status, comment in draft if "E18.0" in comment and status == "fully-qualified"]
    assert len(new) >= 19
    assert all(_emoji.count(seq) == 1 for seq in new)


# -- the rules, as fixtures ------------------------------------------------------------------


def _fixtures(path: Path) -> list[tuple[str, str, str]]:
    """markdown-it style cases (tests/fixture_files.py)."""
    return [(t, a, b) for t, a, b in read_cases(path)]


def _unescape(text: str) -> str:
    return re.sub(r"\\u\{([0-9A-Fa-f]+)\}", lambda m: chr(int(m.group(1), 16)), text)


RULES = _fixtures(FIXTURES / "emoji.txt")


@pytest.mark.parametrize(("title", "text", "expected"), RULES, ids=[t for t, _, _ in RULES])
def test_rules(title: str, text: str, expected: str) -> None:
    text = _unescape(text)
    assert _emoji.count(text) == int(expected)
    assert len(_emoji.spans(text)) == int(expected)
    assert _emoji.count(text) == reference_count(text)


def test_fixture_file_is_read() -> None:
    assert len(RULES) >= 30


# -- references --------------------------------------------------------------------------------


def _is_ri(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"


def reference_spans(text: str) -> list[tuple[int, int]]:
    """The slow exact method: at every position, the longest sequence the emoji package lists.

    Regional indicators pair as grapheme clusters do; a lone text-default character is text.
    """
    data = emoji.EMOJI_DATA
    longest = max(len(k) for k in data)
    found = []
    i = 0
    while i < len(text):
        if _is_ri(text[i]):
            end = i + 2 if i + 1 < len(text) and _is_ri(text[i + 1]) else i + 1
            found.append((i, end))
            i = end
            continue
        for size in range(min(longest, len(text) - i), 0, -1):
            key = text[i : i + size]
            if key in data and not (size == 1 and data[key]["status"] == UNQUALIFIED):
                found.append((i, i + size))
                i += size
                break
        else:
            i += 1
    return found


def reference_count(text: str) -> int:
    return len(reference_spans(text))


def emoji_list_count(text: str) -> int:
    """``emoji.emoji_list`` with the presentation rule (a lone text-default character is text)."""
    return sum(
        1
        for m in emoji.emoji_list(text)
        if not (len(m["emoji"]) == 1 and emoji.EMOJI_DATA[m["emoji"]]["status"] == UNQUALIFIED)
    )


ALL_SEQUENCES = [seq for seq, _, _ in MAIN]
#: pieces emoji are built of, alone: a random mix of them hits every edge of the grammar
PARTS = list(
    "\u200d\ufe0f\ufe0e\u20e3\U0001f3fb\U0001f3ff\U0001f9b0\U000e0067\U000e0062\U000e007f\U000e0020"
    "\U0001f3f4\U0001f1e6\U0001f1fa\U0001f1f8\U0001f468\U0001f469\U0001f467\U0001f600\U0001f44d"
    "\U0001f9d1\U0001f48b\U0001f3f3\U0001f308\U0001faeb\U0001f7f1\u00a9\u2764\u261d\u26f9\u2642"
    "1#*a \u00e9\u2014\u3042"
)
random_text = st.lists(
    st.one_of(st.sampled_from(PARTS), st.sampled_from(ALL_SEQUENCES), st.text(max_size=3)), max_size=40
).map("".join)


@settings(max_examples=400, deadline=None)
@given(random_text)
def test_fast_counter_equals_the_slow_reference_on_random_text(text: str) -> None:
    assert _emoji.spans(text) == reference_spans(text)
    assert _emoji.count(text) == reference_count(text)


#: long stretches the pre-scan skips (ASCII, cp1252), with the characters that may start a
#: sequence across a chunk boundary
_PADDING = st.text(alphabet=st.sampled_from(list("ab 1#*\u00a9\u00ae\u2122\u00e9\u2019\u2014")), max_size=300)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_PADDING, random_text), max_size=6))
def test_fast_counter_equals_the_reference_across_chunks(parts: list[tuple[str, str]]) -> None:
    text = "".join(pad + bit for pad, bit in parts)
    assert _emoji.spans(text) == reference_spans(text)


@pytest.mark.parametrize("pad", ["a", "\u2019", "\u00a9"])
@pytest.mark.parametrize(
    "seq", ["\u00a9\ufe0f", "1\ufe0f\u20e3", "#\u20e3", "\U0001f44d\U0001f3fd", "\U0001f1eb\U0001f1f7"]
)
def test_sequences_across_every_chunk_boundary(seq: str, pad: str) -> None:
    for at in range(250, 262):
        text = pad * at + seq + pad * 300
        assert _emoji.spans(text) == reference_spans(text) == [(at, at + len(seq))]


def test_fast_counter_equals_the_reference_on_the_whole_file_glued_together() -> None:
    glued = "".join(ALL_SEQUENCES)  # no separators: sequences run into each other
    assert _emoji.count(glued) == reference_count(glued)
    assert _emoji.spans(glued) == reference_spans(glued)


#: plain text that cannot join to an emoji: emoji.emoji_list is exact on such mixes
_SEPARATORS = st.text(alphabet=st.sampled_from(list("ab 1,.!\u00e9\u2014\u3042\n")), min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_SEPARATORS, st.sampled_from(ALL_SEQUENCES)), max_size=20))
def test_fast_counter_equals_emoji_list_on_sequences_in_text(parts: list[tuple[str, str]]) -> None:
    text = "".join(sep + seq for sep, seq in parts)
    assert _emoji.count(text) == emoji_list_count(text)


def test_emoji_list_loses_a_flag_before_a_broken_tag_sequence() -> None:
    """Why the reference is our own: emoji_list does not fall back to the shorter match."""
    text = "\U0001f3f4\U000e0067 x"  # black flag, then one tag character and no CANCEL TAG
    assert emoji_list_count(text) == 0
    assert _emoji.count(text) == reference_count(text) == 1


# -- shortcodes ------------------------------------------------------------------------------

NAMES = sorted(
    {info["en"] for info in emoji.EMOJI_DATA.values()}
    | {a for info in emoji.EMOJI_DATA.values() for a in info.get("alias", ())}
)
shortcode_text = st.lists(
    st.one_of(st.sampled_from(NAMES), st.sampled_from([":", "::", " ", "a", "1", ":x", "é", "_"])),
    max_size=12,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(shortcode_text)
def test_shortcodes_convert_as_emoji_emojize_does(text: str) -> None:
    assert _emoji.emojize(text) == emoji.emojize(text, language="alias")


def test_shortcode_examples() -> None:
    assert _emoji.emojize(":smile: :thumbsup: :+1: :red_heart: :nope:") == "😄 👍 👍 ❤️ :nope:"
    assert _emoji.has_shortcode("see :tada:")
    assert not _emoji.has_shortcode("at 10:30:45, ratio 1:2: no")


def test_entities_are_noticed() -> None:
    assert _emoji.has_entity("&#128512;") and _emoji.has_entity("&hearts;")
    assert not _emoji.has_entity("Tom &amp; Jerry")


# -- the stage -------------------------------------------------------------------------------


def run(body: str, fmt: str = "html", **policy: object) -> tuple[bool, str, int, list[str], list[str]]:
    result = Pipeline(policy=Policy(**policy)).run(Submission(body, format=fmt))  # type: ignore[arg-type]
    return (
        result.ok,
        result.html,
        result.stats["emoji"],
        [p.message for p in result.problems],
        [n.message for n in result.notices if n.code == "emoji_trimmed"],
    )


def test_counts_visible_text_in_every_format() -> None:
    assert run("Hi 😀 <b>👍🏻</b>")[2] == 2
    assert run("Hi 😀 **👍🏻**", "markdown")[2] == 2
    assert run("Hi 😀 *👍🏻*", "text")[2] == 2


def test_attributes_urls_and_code_do_not_count() -> None:
    html = (
        '<img src="a.png" alt="😀" title="😀"> <a href="https://x.org/😀">https://x.org/😀</a> '
        "see https://y.org/😀 <code>😀</code><pre>😀</pre><script>'😀'</script><textarea>😀</textarea>"
    )
    assert run(html)[2] == 0
    assert run("`😀` and https://x.org/😀\n\n```\n😀\n```", "markdown")[2] == 0
    assert run("https://x.org/😀", "text")[2] == 0


def test_link_text_that_is_not_a_url_counts() -> None:
    assert run('<a href="https://x.org/">party 🎉</a>')[2] == 1
    assert run("[🎉](https://x.org/)", "markdown")[2] == 1


def test_code_counts_when_the_policy_says_so() -> None:
    assert run("<code>😀</code> 😀", count_emoji_in_code=True)[2] == 2
    assert run("`😀` 😀", "markdown", count_emoji_in_code=True)[2] == 2


def test_entities_count() -> None:
    assert run("&#128512; &#x1F44D;&#x1F3FD; &hearts;&#xFE0F; &copy;")[2] == 3


def test_shortcodes_are_converted_and_counted() -> None:
    _, html, count, _, _ = run("I :heart: it :smile:", "markdown")
    assert (html, count) == ("<p>I ❤️ it 😄</p>\n", 2)
    assert run("`:smile:`", "markdown")[1] == "<p><code>:smile:</code></p>\n"
    assert run("https://x.org/:smile:/a", "text")[1].count(":smile:") == 2  # href and text kept
    _, html, count, _, _ = run("I :heart: it", "markdown", convert_shortcodes=False)
    assert (":heart:" in html, count) == (True, 0)


def test_custom_emoji_images_count() -> None:
    body = '<img class="emoji" src="/e/parrot.gif" alt=":parrot:"> <img class="big emoji" src="/e/b.gif"> 😀'
    assert run(body)[2] == 3
    assert run(body, custom_emoji_class="forum-emoji")[2] == 1
    assert run('<img class="emojis" src="/e/x.gif">')[2] == 0


def test_reject_over_the_limit() -> None:
    ok, _, count, problems, _ = run("😀" * 76)
    assert (ok, count, problems) == (False, 76, ["Only 75 emoji are allowed."])
    assert run("😀" * 75)[0] is True
    ok, _, count, problems, _ = run("😀😀😀", max_emoji=2)
    assert (ok, problems) == (False, ["Only 2 emoji are allowed."])
    result = Pipeline(policy=Policy(max_emoji=2)).run(Submission("😀😀😀"))
    assert result.problems[0].code == "emoji_limit" and result.problems[0].params == {"limit": 2}
    assert result.to_dict()["stats"]["emoji"] == 3


def test_max_emoji_zero_has_its_own_message() -> None:
    result = Pipeline(policy=Policy(max_emoji=0)).run(Submission("hi :wave:", format="markdown"))
    assert [(p.code, p.message) for p in result.problems] == [("emoji_limit", "Emoji are not allowed.")]
    assert run("no emoji here ©", max_emoji=0)[0] is True


def test_trim_keeps_the_first_and_says_how_many_went() -> None:
    body = 'a😀b👨\u200d🦰\u200d🐶c:smile:<img class="emoji" src="/x.gif">d<code>😀</code> 🎉'
    ok, html, count, problems, trimmed = run(body, max_emoji=2, emoji_over_limit="trim")
    assert ok and not problems
    assert html == "a😀b👨\u200d🦰cd<code>😀</code> "
    assert count == 2
    assert trimmed == ["4 emoji over the limit of 2 were removed."]
    result = Pipeline(policy=Policy(max_emoji=2, emoji_over_limit="trim")).run(Submission("😀😀😀"))
    notice = next(n for n in result.notices if n.code == "emoji_trimmed")
    assert notice.params == {"removed": 1, "limit": 2}


def test_trim_to_zero_removes_all() -> None:
    ok, html, count, _, trimmed = run("x 😀\ufe0f y 🎉", "text", max_emoji=0, emoji_over_limit="trim")
    assert (ok, html, count, trimmed) == (
        True,
        "<p>x  y </p>",
        0,
        ["2 emoji over the limit of 0 were removed."],
    )


def test_trim_under_the_limit_changes_nothing() -> None:
    _, html, count, _, trimmed = run("<p>😀 <b>x</b></p>", emoji_over_limit="trim")
    assert (html, count, trimmed) == ("<p>😀 <b>x</b></p>", 1, [])


def test_paste_applies_the_limit() -> None:
    pipe = Pipeline(policy=Policy(max_emoji=1))
    rich = pipe.paste(Clipboard(html="<p>😀 <i>🎉</i></p>", text="😀 🎉"))
    assert not rich.ok and rich.stats["emoji"] == 2 and rich.problems[0].code == "emoji_limit"
    plain = pipe.paste(Clipboard(html="<p>😀 <i>🎉</i></p>", text="😀 🎉"), plain=True)
    assert not plain.ok and plain.stats["emoji"] == 2
    trim = Pipeline(policy=Policy(max_emoji=1, emoji_over_limit="trim")).paste(Clipboard(text="😀 🎉 :tada:"))
    assert trim.ok and trim.stats["emoji"] == 1 and "🎉" not in trim.html


def test_cli_refuses_too_many(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = tmp_path / "post.md"
    post.write_text(":smile: " * 80, encoding="utf-8")
    assert cli_main(["render", str(post), "--from", "markdown", "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["stats"]["emoji"] == 80
    assert out["problems"][0]["message"] == "Only 75 emoji are allowed."


# -- the fast path -----------------------------------------------------------------------------


def _stage_on(source: str, fmt: str = "html", **policy: object) -> Document:
    doc = Document(source, fmt, Policy(**policy))  # type: ignore[arg-type]
    Emoji()(doc)
    return doc


@pytest.mark.parametrize(
    "source",
    [
        "Plain ASCII post with a link https://example.com/x and a time 10:30:45.",
        "Non-ASCII without emoji: café, “quotes” — and © 2024 ™.",
    ],
)
def test_posts_without_emoji_are_not_parsed(source: str) -> None:
    doc = _stage_on(source)
    assert doc.stats["emoji"] == 0
    assert not doc.has_tree


def test_plain_text_is_counted_without_a_tree() -> None:
    doc = _stage_on("ok 😀 https://x.org/🎉 👍🏽", "text")
    assert doc.stats["emoji"] == 2 and not doc.has_tree


_TEXT_POSTS = st.lists(
    st.one_of(
        st.sampled_from(ALL_SEQUENCES),
        st.sampled_from(PARTS),
        st.sampled_from([" https://x.org/", "www.a.example/", "\n", "\n\n", " ", ".", "<", "&#128512;"]),
        st.text(max_size=3),
    ),
    max_size=30,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(_TEXT_POSTS)
def test_plain_text_count_without_a_tree_equals_the_walk(text: str) -> None:
    pipe = Pipeline(policy=Policy(convert_shortcodes=False))
    fast = pipe.run(Submission(text, format="text")).stats["emoji"]
    tree = Pipeline([Parse(), _TreeFirst(), Emoji(), Sanitize()], pipe.policy).run(
        Submission(text, format="text")
    )
    assert fast == tree.stats["emoji"]


@dataclass(frozen=True)
class _TreeFirst:
    """Parses the tree, so the emoji stage must walk it."""

    name: str = "tree_first"

    def __call__(self, doc: Document) -> None:
        assert doc.tree is not None


def test_emoji_in_plain_visible_text_are_counted_without_a_tree() -> None:
    doc = _stage_on("<p>ok 😀 and <b>👍🏽</b></p>")
    assert doc.stats["emoji"] == 2 and not doc.has_tree


@pytest.mark.parametrize(
    "source",
    [
        '<img alt="😀" src="https://x.co/a.png"> 😀',  # in an attribute
        "<code>😀</code> 😀",  # in code
        "<pre>a\n😀</pre>😀",
        '<a href="https://x.co/😀">https://x.co/😀</a> 😀',  # in a URL
        "see https://x.co/😀 😀",
        "<script>'😀'</script>😀",
        "<textarea>😀</textarea>😀",
    ],
)
def test_emoji_outside_plain_text_send_the_count_to_the_tree(source: str) -> None:
    doc = _stage_on(source)
    assert doc.stats["emoji"] == 1 and doc.has_tree


def test_ascii_entity_is_not_skipped() -> None:
    assert _stage_on("&#128512;").stats["emoji"] == 1
    assert _stage_on("&#128512;", "text").stats["emoji"] == 0  # text is literal: no entities


#: well-formed pieces: a stray end tag is dropped by libxml2 and may glue text (":a</b>:"
#: reads ":a:"), which is the parsers' business, not the counting's
_RAW_PIECES = st.sampled_from(
    [
        "😀",
        "👨‍👩‍👧",
        "🇫🇷",
        "a",
        " ",
        "\n",
        "<b>😀</b>",
        "<b>a</b>",
        "<code>😀</code>",
        "<pre>a😀</pre>",
        '<a href="https://x.co/😀">😀</a>',
        '<a href="https://x.co/😀">https://x.co/😀</a>',
        "https://y.co/👍",
        '<img alt="😀">',
        "<p>😀 a</p>",
        "<script>😀</script>",
        "&amp;",
        "é",
        ":",
        "<!-- 😀 -->",
        "www.z.co",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_RAW_PIECES, max_size=30).map("".join))
def test_raw_count_equals_the_tree_walk(source: str) -> None:
    """Counting on the raw HTML, when it is allowed to, agrees with the tree walk."""
    fast = _stage_on(source)
    doc = Document(source, "html", Policy())
    walk = _Walk(doc.policy, trim=False)
    walk.element(doc.tree, code=False)
    assert fast.stats["emoji"] == walk.count


def test_a_translated_limit_also_covers_none() -> None:
    """Found by review: with max_emoji=0 a forum that translated emoji_limit got English."""
    translated = Policy(max_emoji=0, messages={"emoji_limit": "Nur {limit} Emoji."})
    assert Pipeline(policy=translated).run(Submission("😀")).problems[0].message == "Nur 0 Emoji."
    both = Policy(max_emoji=0, messages={"emoji_limit": "Nur {limit}.", "emoji_none": "Keine Emoji."})
    assert Pipeline(policy=both).run(Submission("😀")).problems[0].message == "Keine Emoji."
    assert (
        Pipeline(policy=Policy(max_emoji=0)).run(Submission("😀")).problems[0].message
        == "Emoji are not allowed."
    )
