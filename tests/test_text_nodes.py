"""The public helpers for stage writers: ``visible_text`` and ``splice`` (issue 13.4).

Fixture-driven (``tests/fixtures/text-nodes.txt``: each ``@word`` a reader sees becomes
``<m>@word</m>``), with a property guarding the kind: no character is lost or added, and
every visible match, and only those, is spliced.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml.html import Element, HtmlElement

from composer import splice, visible_text
from composer._html.tree import parse, serialize
from fixture_files import FIXTURES, read_cases

WORD = re.compile(r"(?<![\w@])@\w+")


def _mark(match: re.Match[str]) -> HtmlElement:
    m = Element("m")
    m.text = match.group(0)
    return m


def _splice_all(html: str) -> tuple[str, int]:
    root = parse(html)
    made = sum(splice(node, WORD, _mark) for node in visible_text(root))
    return serialize(root), made


NODES = read_cases(FIXTURES / "text-nodes.txt")


@pytest.mark.parametrize(("title", "source", "expected"), NODES, ids=[c[0][:50] for c in NODES])
def test_visible_text_and_splice(title: str, source: str, expected: str) -> None:
    assert _splice_all(source)[0] == expected


def test_foreign_content_is_left_alone() -> None:
    source = "<p><svg><text>@ann</text></svg><math><mi>@bob</mi></math>@cy</p>"
    assert _splice_all(source) == (source.replace("@cy", "<m>@cy</m>"), 1)


SEGMENT = st.one_of(
    st.text(st.sampled_from("ab @.é ")).map(lambda t: ("text", t)),
    st.from_regex(r"@[a-z]{1,6}", fullmatch=True).map(lambda t: ("text", t + " ")),
    st.from_regex(r"@[a-z]{1,6}", fullmatch=True).map(lambda t: ("code", t)),
    st.from_regex(r"@[a-z]{1,6}", fullmatch=True).map(lambda t: ("b", t + " ")),
)


@settings(max_examples=200, deadline=None)
@given(segments=st.lists(SEGMENT, max_size=12))
def test_splicing_keeps_every_character_and_finds_every_visible_match(
    segments: list[tuple[str, str]],
) -> None:
    html = "".join(f"<{tag}>{text}</{tag}>" if tag != "text" else text for tag, text in segments)
    html = f"<p>{html.replace('<code>', ' <code>')}</p>"
    before = parse(html)
    out, made = _splice_all(html)
    after = parse(out)
    assert after.text_content() == before.text_content()  # nothing lost, nothing added
    expected = sum(len(WORD.findall(node.text)) for node in visible_text(before))
    assert made == expected == len(after.findall(".//m"))
    assert all(m.getparent() is not None and m.getparent().tag != "code" for m in after.iter("m"))


def test_a_built_element_already_in_a_tree_is_refused() -> None:
    root = parse("<p>@a</p><i>x</i>")
    used = root.find("i")
    assert used is not None
    with pytest.raises(ValueError, match="already in a tree"):
        splice(visible_text(root)[0], WORD, lambda m: used)
