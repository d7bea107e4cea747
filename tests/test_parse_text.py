"""Text posts (``format="text"``): each line keeps its indentation as the plain paste does
(cases in tests/fixtures/parse-text.txt; these are the properties)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from composer import Clipboard, Pipeline, Policy, Submission

PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))

_LINE = st.tuples(st.text(alphabet=" \t", max_size=6), st.text(alphabet="abc-*#1./", min_size=1, max_size=8))
#: what separates two lines: a line break, or blank lines (some holding spaces and tabs)
_BREAK = st.sampled_from(["\n", "\n\n", "\n \n", "\n\t\n\n", "\n\n  \n"])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(_LINE, _BREAK), min_size=1, max_size=8))
def test_a_text_post_keeps_each_lines_indentation(lines: list[tuple[tuple[str, str], str]]) -> None:
    """Every line's leading spaces and tabs (a tab: four) show in the HTML as no-break spaces
    and come back in ``Result.text``; the post renders as the plain paste of the same text."""
    source = "".join(indent + word + brk for (indent, word), brk in lines)
    result = PIPE.run(Submission(source, "text"))
    assert result.html == PIPE.paste(Clipboard(text=source)).html
    want = [(indent.replace("\t", "    ") + word).rstrip() for (indent, word), _ in lines]
    assert [line for line in result.text.split("\n") if line] == want
    for (indent, _), _ in lines:
        if indent:
            assert "&nbsp;" * len(indent.replace("\t", "    ")) in result.html


def test_a_plain_paste_keeps_the_indentation_of_a_line_holding_only_a_url() -> None:
    """A plain paste embeds nothing, so such a line is indented like any other; in a post it
    keeps plain spaces, to stay alone on its line for the embed stage."""
    source = "x\n  https://www.youtube.com/watch?v=dQw4w9WgXcQ\n  https://a.example/"
    pasted = PIPE.paste(Clipboard(text=source)).html
    assert pasted.count("<br>\n&nbsp;&nbsp;<a href=") == 2, pasted
    posted = PIPE.run(Submission(source, "text")).html
    assert "<figure" in posted and "&nbsp;&nbsp;<a" not in posted, posted
