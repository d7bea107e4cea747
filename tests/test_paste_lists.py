"""Properties of Word list rebuilding: continuation paragraphs and numbering, on generated shapes.

The fixture cases (``tests/fixtures/paste/lists.txt``) hold one case a shape; these properties
guard the kinds over random outlines of items and continuation paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml.html import HtmlElement, fragment_fromstring

from composer import Clipboard, Pipeline, Submission

PIPE = Pipeline()
#: Word's default indent a level (pt): the text of a level-n item starts at n * 36pt
STEP = 36.0

#: ("item", level) or ("more", level): an outline where a level is at most one deeper than the
#: item before it, and a continuation ("more") names a level of an item that is still open
Shape = list[tuple[str, int]]


@st.composite
def _shapes(draw: st.DrawFn) -> Shape:
    shape: Shape = [("item", 1)]
    depth = 1
    for _ in range(draw(st.integers(1, 14))):
        if draw(st.booleans()):
            depth = draw(st.integers(1, min(depth + 1, 4)))
            shape.append(("item", depth))
        else:
            depth = draw(st.integers(1, depth))  # deeper items are closed by it
            shape.append(("more", depth))
    return shape


def _word(shape: Shape, unit: str) -> str:
    """The shape as Word writes it, every indent stated in ``unit`` (pt, in or px)."""
    scale = {"pt": 1.0, "in": 1 / 72, "px": 4 / 3}[unit]
    out = []
    for n, (what, level) in enumerate(shape):
        margin = f"margin-left:{level * STEP * scale:g}{unit}"
        if what == "item":
            style = f"{margin};text-indent:-18pt;mso-list:l0 level{level} lfo1"
            out.append(
                f"<p class=MsoListParagraphCxSpMiddle style='{style}'>"
                f"<span style='mso-list:Ignore'>·</span>i{n}</p>"
            )
        else:
            out.append(f"<p class=MsoListParagraphCxSpMiddle style='{margin}'>m{n}</p>")
    return "\n".join(out)


def _expected_owner(shape: Shape, n: int) -> str:
    """The text of the item continuation ``n`` belongs to: the last item at its level before it."""
    level = shape[n][1]
    for k in range(n - 1, -1, -1):
        what, at = shape[k]
        if what == "item" and at <= level:
            return f"i{k}"
    raise AssertionError("a continuation before any item")


def _owner(p: HtmlElement) -> tuple[str, int]:
    li = next(p.iterancestors("li"))
    return (li.text or "").strip(), sum(1 for _ in p.iterancestors("ul", "ol"))


@settings(max_examples=60, deadline=None)
@given(_shapes(), st.sampled_from(["pt", "in", "px"]), st.booleans())
def test_a_continuation_joins_the_item_its_indent_names(shape: Shape, unit: str, paste: bool) -> None:
    source = _word(shape, unit)
    result = PIPE.paste(Clipboard(html=source)) if paste else PIPE.run(Submission(source, "html"))
    root = fragment_fromstring(result.html, create_parent="div")
    paragraphs = {(p.text or "").strip(): p for p in root.iter("p")}
    for n, (what, _) in enumerate(shape):
        if what != "more":
            continue
        owner, depth = _owner(paragraphs[f"m{n}"])
        want = _expected_owner(shape, n)
        assert owner == want, f"m{n} under {owner}, not {want}"
        assert depth == shape[int(want[1:])][1]
    # nothing lost, in the source's order
    assert "".join(result.text.split()).replace("-", "") == "".join(
        f"{'i' if what == 'item' else 'm'}{n}" for n, (what, _) in enumerate(shape)
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=12), st.sampled_from(["1", "a", "A", "i", "I"]))
def test_hidden_items_keep_their_numbers(hidden: list[bool], kind: str) -> None:
    """Whatever Word hides, each item left shows the number its marker stated, in the plain text
    too (the number's form follows the list type: ``c.``, ``III.``)."""
    romans = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"]
    marks: dict[str, Callable[[int], str]] = {
        "1": str,
        "a": lambda n: chr(96 + n),
        "A": lambda n: chr(64 + n),
        "i": lambda n: romans[n - 1],
        "I": lambda n: romans[n - 1].upper(),
    }
    out = []
    for n, hide in enumerate(hidden, 1):
        style = "mso-list:l0 level1 lfo1" + (";display:none" if hide else "")
        out.append(f"<p style='{style}'><span style='mso-list:Ignore'>{marks[kind](n)}.</span>t{n}</p>")
    result = PIPE.paste(Clipboard(html="\n".join(out)))
    shown = [line.split() for line in result.text.split("\n") if line]
    want = [[f"{marks[kind](n)}.", f"t{n}"] for n, hide in enumerate(hidden, 1) if not hide]
    assert shown == want


_VALUES = st.one_of(
    st.sampled_from(
        ["1", "a", "A", "i", "I", "disc", "", " a", "0", "-1", "1e3", "0x10", "999999999", "1000000000"]
    ),
    st.text(alphabet="0123456789 aAiI-+.x\u0663\uff13", max_size=14),
)


@settings(max_examples=80, deadline=None)
@given(_VALUES, _VALUES, st.sampled_from(["run", "paste", "run styled"]))
def test_ol_type_and_start_are_valid_or_gone(type_: str, start: str, entry: str) -> None:
    """Whatever a post or clipboard says, an ``ol`` leaves with a type HTML defines (or none)
    and a start that is a whole number 0..999999999 in plain digits (or none)."""
    item = '<span style="font-weight:700">x</span>' if entry == "run styled" else "x"
    source = f'<ol type="{type_}" start="{start}"><li>{item}</li></ol>'
    result = PIPE.paste(Clipboard(html=source)) if entry == "paste" else PIPE.run(Submission(source, "html"))
    (ol,) = fragment_fromstring(result.html, create_parent="div").iter("ol")
    assert ol.get("type") in (None, "1", "a", "A", "i", "I")
    kept = ol.get("start")
    assert kept is None or (
        kept.isascii() and kept.isdigit() and str(int(kept)) == kept and int(kept) <= 999_999_999
    )
    if kept is not None:
        assert int(kept) == int(start)


# -- lists rebuilt from HTML (misnested, or indented by margin or aria-level): no text lost --

_LOOSE = st.sampled_from(["", "", " ", "\n", "t", " loose words ", "<b>bold</b> x", "<!--c-->y"])


@st.composite
def _html_lists(draw: st.DrawFn) -> str:
    """A run of lists as editors and people write them: flat items indented by margin or
    aria-level, lists written right after a list as its sub-list (``<ul><ul>``), stray blocks
    in a list, and text anywhere between them (each piece of text a distinct word)."""
    words = iter(f"w{n}" for n in range(1000))
    out = []
    for _ in range(draw(st.integers(1, 4))):
        tag = draw(st.sampled_from(["ul", "ol"]))
        kind = draw(st.sampled_from(["margin", "aria", "nested", "stray"]))
        parts = [draw(_LOOSE).replace("t", next(words), 1)]
        for _ in range(draw(st.integers(1, 4))):
            level = draw(st.integers(1, 3))
            if kind == "margin":
                parts.append(f'<li style="margin-left:{level * 20}px">{next(words)}</li>')
            elif kind == "aria":
                parts.append(f'<li aria-level="{level}">{next(words)}</li>')
            elif kind == "nested":
                parts.append(f"<{tag}><li>{next(words)}</li></{tag}>")
            else:
                parts.append(f"<p>{next(words)}</p>")
            parts.append(draw(_LOOSE).replace("t", next(words), 1))
        out.append(f"<{tag}>{''.join(parts)}</{tag}>")
        out.append(draw(_LOOSE).replace("t", next(words), 1))
    return "".join(out)


def _words(html: str) -> list[str]:
    """The words of ``html`` in order, every tag (and comment) a word break."""
    return re.sub(r"<[^>]*>", " ", html).split()


@settings(max_examples=300, deadline=None)
@given(_html_lists())
def test_rebuilt_lists_keep_every_word(source: str) -> None:
    """Every word typed in or around a list is still there, in order, after the list is
    rebuilt (a post and a rich paste); found by the fuzz grammar: text after a run of
    ``<ul><ul>`` lists joined to the one before, and text between margin-indented items."""
    for result in (PIPE.run(Submission(source, "html")), PIPE.paste(Clipboard(html=source))):
        assert _words(result.html) == _words(source), (source, result.html)
