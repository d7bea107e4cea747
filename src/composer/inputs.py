"""What the editor sends: a submitted post, or the flavours of one paste."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

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


@dataclass(frozen=True)
class Submission:
    """A post as the editor submits it (or asks to preview it).

    ``display_as_link`` holds URLs the person chose to keep as plain links (the undo of
    ``link_embedded``). ``body`` may be ``bytes``; they must be UTF-8.
    """

    body: str | bytes
    format: Format = "html"
    display_as_link: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise InputError(f"format must be one of {', '.join(FORMATS)}, not {self.format!r}")
        if not isinstance(self.display_as_link, frozenset):
            links: Iterable[str] = self.display_as_link
            object.__setattr__(self, "display_as_link", frozenset(links))


@dataclass(frozen=True)
class Clipboard:
    """The flavours of one paste: ``text/html``, ``text/plain`` and any files.

    ``files`` are ``(mime_type, data)`` pairs, as the browser's ``DataTransfer.files`` gives them.
    """

    html: str | bytes | None = None
    text: str | bytes | None = None
    files: tuple[tuple[str, bytes], ...] = ()

    def __post_init__(self) -> None:
        files = tuple(self.files)
        for item in files:
            if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)):
                raise InputError("Clipboard.files must be (mime_type, bytes) pairs")
        object.__setattr__(self, "files", files)
