"""What the editor sends: a submitted post, or the flavours of one paste."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from composer import _checks
from composer.errors import InputError

Format = Literal["html", "markdown", "text"]
FORMATS: tuple[Format, ...] = ("html", "markdown", "text")


def as_text(value: str | bytes, what: str) -> str:
    """Accept ``str``, or ``bytes`` that must be UTF-8; anything else is an :class:`InputError`."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{what} is not valid UTF-8 (byte {exc.start}: {bytes(value)[exc.start : exc.start + 1]!r})"
            ) from None
    raise InputError(f"{what} must be str or UTF-8 bytes, not {type(value).__name__}")


_TEXT_TYPES = (str, bytes, bytearray, memoryview)


def _text_field(field: str, value: object, *, optional: bool) -> None:
    """``str`` or bytes-like (decoded, as UTF-8, when the post is run); None only if optional."""
    if isinstance(value, _TEXT_TYPES) or (optional and value is None):
        return
    if value is None:
        raise InputError(f"{field} must be str or UTF-8 bytes, got None; pass '' for an empty post")
    raise InputError(
        f"{field} must be str or UTF-8 bytes, got {_checks.got(value)}; pass the text, e.g. str(value)"
    )


@dataclass(frozen=True)
class Submission:
    """A post as the editor submits it (or asks to preview it).

    ``body`` is ``str``, or bytes that must be UTF-8 (checked when the post is run).
    ``format`` is ``"html"`` (default), ``"markdown"`` or ``"text"``. ``display_as_link``
    holds URLs the person chose to keep as plain links (the undo of ``link_embedded``): a
    list, tuple, set or frozenset of ``str``, stored as a ``frozenset``.

    Raises :class:`~composer.InputError` when built with a field of the wrong type or value.
    """

    body: str | bytes
    format: Format = "html"
    display_as_link: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        _text_field("Submission.body", self.body, optional=False)
        _checks.choice("Submission.format", self.format, FORMATS, InputError)
        links = _checks.str_set(
            "Submission.display_as_link", self.display_as_link, InputError, example="https://example.com/"
        )
        object.__setattr__(self, "display_as_link", links)


@dataclass(frozen=True)
class Clipboard:
    """The flavours of one paste: ``text/html``, ``text/plain`` and any files.

    ``html`` and ``text`` are ``str``, UTF-8 bytes or None. ``files`` are ``(mime_type,
    data)`` pairs, as the browser's ``DataTransfer.files`` gives them: any sequence of
    2-item sequences of ``str`` and bytes, stored as a tuple of tuples.

    Raises :class:`~composer.InputError` when built with a field of the wrong type.
    """

    html: str | bytes | None = None
    text: str | bytes | None = None
    files: tuple[tuple[str, bytes], ...] = ()

    def __post_init__(self) -> None:
        _text_field("Clipboard.html", self.html, optional=True)
        _text_field("Clipboard.text", self.text, optional=True)
        object.__setattr__(self, "files", _files(self.files))


def _files(value: object) -> tuple[tuple[str, bytes], ...]:
    hint = "write files=(('image/png', data),)"
    if isinstance(value, (str, bytes, bytearray, memoryview)) or not isinstance(value, Iterable):
        raise InputError(
            f"Clipboard.files must be (mime_type, bytes) pairs, got {_checks.got(value)}; {hint}"
        )
    items = list(value)
    if len(items) == 2 and isinstance(items[0], str) and isinstance(items[1], (bytes, bytearray, memoryview)):
        raise InputError(f"Clipboard.files is one pair, not a sequence of pairs; {hint}")
    pairs: list[tuple[str, bytes]] = []
    for item in items:
        pair = tuple(item) if isinstance(item, (tuple, list)) else None
        if (
            pair is None
            or len(pair) != 2
            or not isinstance(pair[0], str)
            or not isinstance(pair[1], (bytes, bytearray, memoryview))
        ):
            raise InputError(
                f"Clipboard.files must be (mime_type, bytes) pairs, got {_checks.got(item)} in it; {hint}"
            )
        pairs.append((pair[0], bytes(pair[1])))
    return tuple(pairs)
