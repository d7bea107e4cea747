"""The plain-paste undo ("Paste as plain text instead"), whichever flavours the clipboard has.

With a text flavour the undo pastes that text; without one, text read from the HTML. Either
way: the clipboard's pictures are refused with the image notice, what it hid stays hidden and
counted, and lines keep their indentation (shown, in ``Result.html``; as spaces, in
``Result.text``). Fixture cases for the HTML-only shapes are in ``fixtures/paste/text.txt``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composer import Clipboard, Pipeline, Result
from corpus_cases import paste_clipboards
from corpus_paths import CORPORA

PIPE = Pipeline()
IMAGE_HTML = '<p>look <img src="data:image/png;base64,iVBORw0KGgo="> here</p>'
#: the flavours a clipboard may have besides the HTML: none, or the browser's text
FLAVOURS = {"html only": None, "html and text": "look here"}


def _codes(result: Result) -> list[str]:
    return [notice.code for notice in result.notices]


def _removed(result: Result) -> dict[str, dict[str, int]]:
    found = [n for n in result.notices if n.code == "content_removed"]
    return found[0].params["removed"] if found else {}


@pytest.mark.parametrize("target", ["html", "markdown"])
@pytest.mark.parametrize("text", FLAVOURS.values(), ids=list(FLAVOURS))
def test_pictures_in_the_html_are_refused_whatever_the_flavours(text: str | None, target: str) -> None:
    result = PIPE.paste(Clipboard(html=IMAGE_HTML, text=text), plain=True, target=target)
    assert "image_paste_rejected" in _codes(result)
    assert _removed(result)["images"] == {"data:": 1}
    assert "<img" not in result.html


@pytest.mark.parametrize("text", [None, "", "words"], ids=["no text", "empty text", "text"])
def test_clipboard_image_files_are_refused_in_the_undo(text: str | None) -> None:
    clip = Clipboard(html="<p>words</p>", text=text, files=(("image/png", b"\x89PNG\r\n\x1a\n"),))
    result = PIPE.paste(clip, plain=True)
    assert "image_paste_rejected" in _codes(result)


@pytest.mark.parametrize(
    "hidden",
    [
        '<span style="display:none">HIDDEN</span>',
        '<span style="visibility: hidden">HIDDEN</span>',
        "<span style='mso-hide:all'>HIDDEN</span>",
        '<style>.x{display:none}</style><span class="x">HIDDEN</span>',
        '<p style="DISPLAY: NONE !important">HIDDEN</p>',
    ],
)
def test_hidden_text_stays_out_of_the_undo_and_is_counted(hidden: str) -> None:
    result = PIPE.paste(Clipboard(html=f"<p>seen</p>{hidden}<p>too</p>"), plain=True)
    assert "HIDDEN" not in result.html and "HIDDEN" not in result.text
    assert "seen" in result.text and "too" in result.text
    assert _removed(result)["elements"] == {"hidden text": 1}


def test_the_rich_paste_and_its_undo_agree_on_what_was_hidden() -> None:
    source = '<p>a</p><p style="display:none">b</p><p>c</p>'
    rich, plain = PIPE.paste(Clipboard(html=source)), PIPE.paste(Clipboard(html=source), plain=True)
    assert rich.text == plain.text == "a\n\nc"
    assert _removed(rich) == _removed(plain)


_LINE = st.tuples(st.text(alphabet=" \t", max_size=6), st.text(alphabet="abc-*#1.", min_size=1, max_size=8))


@settings(max_examples=60, deadline=None)
@given(st.lists(_LINE, min_size=1, max_size=8))
def test_a_text_flavours_indentation_survives_the_undo(lines: list[tuple[str, str]]) -> None:
    """Every line's leading spaces and tabs (a tab: four) come back in ``Result.text``, and
    show in the HTML as no-break spaces."""
    source = "\n".join(indent + word for indent, word in lines)
    result = PIPE.paste(Clipboard(html="<p>x</p>", text=source), plain=True)
    want = [(indent.replace("\t", "    ") + word).rstrip() for indent, word in lines]
    assert result.text.split("\n") == want
    for indent, _ in lines:
        if indent:
            assert "&nbsp;" * len(indent.replace("\t", "    ")) in result.html


def _lines(text: str) -> list[str]:
    """Lines as HTML can show them: indentation kept, other runs of spaces and tabs one space
    (a tab between cells shows as a space), blank lines between blocks one."""
    out: list[str] = []
    for line in text.split("\n"):
        body = " ".join(line.split())
        if body or (out and out[-1]):
            out.append(line[: len(line) - len(line.lstrip(" "))] + body if body else "")
    return out[:-1] if out and not out[-1] else out


def _name(path: Path) -> str:
    return path.relative_to(CORPORA / "paste").as_posix()


@pytest.mark.parametrize("path", paste_clipboards(), ids=_name)
def test_the_undo_of_every_clipboard_reads_as_the_rich_paste(path: Path) -> None:
    """With no text flavour, the undo's text is the rich paste's ``Result.text`` (lists nested
    and numbered, code as it stands; in HTML a tab between cells shows as a space), and it
    counts the same removals."""
    source = path.read_text(encoding="utf-8")
    rich, plain = PIPE.paste(Clipboard(html=source)), PIPE.paste(Clipboard(html=source), plain=True)
    assert _lines(plain.text) == _lines(rich.text)
    assert {k: v for k, v in _removed(plain).items() if k != "images"} == {
        k: v for k, v in _removed(rich).items() if k != "images"
    }
