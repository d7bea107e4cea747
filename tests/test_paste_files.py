"""Clipboard files are never dropped silently: pictures get the image notice, others are reported.

A browser may hand a picture over as ``application/octet-stream`` (with its ``name=``) or with
no type at all; a file that is no picture (a PDF) is not pasted either. Every entry point
that takes files: the rich paste, the plain undo, with and without a text flavour.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composer import Clipboard, Pipeline, Result
from composer.stages.images.files import is_image_file

PIPE = Pipeline()
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
#: (what a browser may say, the bytes): each a picture
PICTURES = {
    "octet-stream, PNG bytes": ("application/octet-stream", PNG),
    "no type, JPEG bytes": ("", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
    "no type, GIF bytes": ("", b"GIF89a\x01\x00"),
    "no type, WebP bytes": ("", b"RIFF\x24\x00\x00\x00WEBPVP8 "),
    "no type, AVIF bytes": ("", b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00"),
    "octet-stream named .JPG": ('application/octet-stream; name="Holiday 1.JPG"', b"not sniffable"),
    "upper-case image type": ("IMAGE/HEIC", b""),
}
#: files that are not pictures: reported by type
OTHERS = {
    "a PDF": ("application/pdf", b"%PDF-1.7", "application/pdf"),
    "no type, text bytes": ("", b"hello", "unknown type"),
    "octet-stream named .txt": (
        "application/octet-stream; name=notes.txt",
        b"hello",
        "application/octet-stream",
    ),
}
#: entry points: (plain, text flavour)
ENTRIES = {"rich": (False, None), "plain": (True, None), "plain with text": (True, "words")}


def _removed(result: Result) -> dict[str, dict[str, int]]:
    found = [n for n in result.notices if n.code == "content_removed"]
    return found[0].params["removed"] if found else {}


def _paste(entry: str, files: tuple[tuple[str, bytes], ...]) -> Result:
    plain, text = ENTRIES[entry]
    return PIPE.paste(Clipboard(html="<p>words</p>", text=text, files=files), plain=plain)


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize(("mime", "data"), PICTURES.values(), ids=list(PICTURES))
def test_a_picture_by_any_type_gets_the_image_notice(mime: str, data: bytes, entry: str) -> None:
    result = _paste(entry, ((mime, data),))
    assert [n.code for n in result.notices].count("image_paste_rejected") == 1
    assert _removed(result)["images"] == {"clipboard": 1}


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize(("mime", "data", "kind"), OTHERS.values(), ids=list(OTHERS))
def test_another_file_is_reported_by_its_type(mime: str, data: bytes, kind: str, entry: str) -> None:
    result = _paste(entry, ((mime, data),))
    assert "image_paste_rejected" not in [n.code for n in result.notices]
    assert _removed(result)["files"] == {kind: 1}


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                ["", "application/octet-stream", "image/png", "text/plain", "application/pdf; x=1"]
            ),
            st.one_of(st.binary(max_size=20), st.sampled_from([PNG, b"GIF87a", b"BM\x00\x00"])),
        ),
        min_size=1,
        max_size=5,
    ),
    st.sampled_from(list(ENTRIES)),
)
def test_no_file_goes_silently(files: list[tuple[str, bytes]], entry: str) -> None:
    result = _paste(entry, tuple(files))
    removed = _removed(result)
    pictures = sum(is_image_file(mime, data) for mime, data in files)
    assert removed.get("images", {}).get("clipboard", 0) == pictures
    assert sum(removed.get("files", {}).values()) == len(files) - pictures
    assert ("image_paste_rejected" in [n.code for n in result.notices]) == bool(pictures)
