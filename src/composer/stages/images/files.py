"""What a clipboard's files are: pictures (refused with the image notice) or other files (reported).

A browser's ``DataTransfer.files`` does not always say ``image/png``: a file from a file
manager or a chat app may come as ``application/octet-stream`` (sometimes with the file's
``name=`` as a parameter) or with no type at all. Such a file is a picture when its name ends
in an image extension or its first bytes are an image format's signature (the WHATWG MIME
Sniffing standard's image patterns: PNG, JPEG, GIF, WebP, BMP, ICO/CUR; and the ISO-BMFF
brands of AVIF and HEIC). Any other file is not a picture but is not pasted either: it is
reported, by its type, so nothing goes silently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

__all__ = ["GENERIC_TYPES", "classify", "is_image_file"]

#: types that say nothing about the content
GENERIC_TYPES = frozenset(
    {"", "application/octet-stream", "binary/octet-stream", "application/unknown", "application/binary"}
)
#: (offset, signature) of image formats
_SIGNATURES = (
    (0, b"\x89PNG\r\n\x1a\n"),
    (0, b"\xff\xd8\xff"),
    (0, b"GIF87a"),
    (0, b"GIF89a"),
    (0, b"BM"),
    (0, b"\x00\x00\x01\x00"),
    (0, b"\x00\x00\x02\x00"),
    (0, b"II*\x00"),
    (0, b"MM\x00*"),
)
_WEBP = (b"RIFF", b"WEBPVP")
_BMFF_BRANDS = frozenset({b"avif", b"avis", b"heic", b"heix", b"hevc", b"mif1", b"msf1"})
_EXTENSIONS = frozenset(
    "png jpg jpeg jpe jfif gif webp bmp ico cur tif tiff svg svgz heic heif avif apng".split()
)


def _sniffed(data: bytes) -> bool:
    if any(data[at : at + len(sig)] == sig for at, sig in _SIGNATURES):
        return True
    if data[:4] == _WEBP[0] and data[8:14] == _WEBP[1]:
        return True
    return data[4:8] == b"ftyp" and data[8:12] in _BMFF_BRANDS


def _named_image(params: list[str]) -> bool:
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() in ("name", "filename"):
            name = value.strip().strip("\"'").lower()
            return name.rpartition(".")[2] in _EXTENSIONS and "." in name
    return False


def is_image_file(mime: str, data: bytes) -> bool:
    """Whether a clipboard file is a picture: an ``image/*`` type, or a generic type (see
    :data:`GENERIC_TYPES`) with an image file name or image bytes."""
    kind, *params = mime.split(";")
    kind = kind.strip().lower()
    if kind.startswith("image/"):
        return True
    return kind in GENERIC_TYPES and (_named_image(params) or _sniffed(data))


def classify(files: Iterable[tuple[str, bytes]]) -> tuple[int, Counter[str]]:
    """How many of ``files`` are pictures, and the others counted by type (``"unknown type"``
    when the type is empty)."""
    images = 0
    others: Counter[str] = Counter()
    for mime, data in files:
        if is_image_file(mime, data):
            images += 1
        else:
            others[mime.split(";")[0].strip().lower() or "unknown type"] += 1
    return images, others
