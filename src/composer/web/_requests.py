"""Reading a request: the body under a byte cap, then its JSON fields, checked one by one.

Every check fails with a :class:`RequestProblem` that names the field and the fix, before
anything is run or stored. Objects are strict: a field the endpoint does not know is refused
(a typo such as ``display_as_links`` would otherwise be ignored silently).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

import anyio.to_thread
from starlette.requests import ClientDisconnect, Request

from composer.inputs import FORMATS, Clipboard, Format, Submission
from composer.web._problems import RequestProblem, size_words

__all__ = ["MAX_FILES", "DraftFields", "Paste", "clipboard", "draft", "read_body", "read_json", "submission"]

#: a JSON body this size or larger is parsed and checked in a worker thread, not on the loop
THREAD_PARSE_BYTES = 64 * 1024


#: what a request carries, for the words of its 413: ``request_too_large_{what}``
What = Literal["paste", "post", "draft"]


def too_large(limit: int, what: What) -> RequestProblem:
    return RequestProblem(
        413,
        "too_large",
        f"the request body is over the limit of {limit} bytes; send less (nothing was stored)",
        say=f"request_too_large_{what}",
        words={"size": size_words(limit)},
        limit=limit,
    )


async def read_body(request: Request, limit: int, what: What) -> bytes:
    """The body, read chunk by chunk and refused (413) as soon as it passes ``limit`` bytes,
    so no more than ``limit`` plus one chunk is ever held; a ``Content-Length`` over the
    limit is refused before reading. ``what`` the body carries words the 413."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise RequestProblem(400, "bad_json", f"Content-Length {declared!r} is not a number of bytes")
        if int(declared) > limit:
            raise too_large(limit, what)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large(limit, what)
            chunks.append(chunk)
    except ClientDisconnect:  # no one is left to answer; not a server error to log
        raise RequestProblem(400, "bad_json", "the client went away before sending the whole body") from None
    return b"".join(chunks)


def parse_json(raw: bytes) -> dict[str, Any]:
    """A JSON object from UTF-8 bytes, or a ``bad_json`` problem saying what is wrong."""
    hint = 'send a JSON object such as {"body": "Hello", "format": "text"}'
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestProblem(400, "bad_json", f"the body is not UTF-8 (byte {exc.start}); {hint}") from None
    if not text.strip():
        raise RequestProblem(400, "bad_json", f"the body is empty; {hint}")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RequestProblem(
            400,
            "bad_json",
            f"the body is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); {hint}",
        ) from None
    except RecursionError:
        raise RequestProblem(400, "bad_json", f"the body nests too deeply to read; {hint}") from None
    if not isinstance(value, dict):
        raise RequestProblem(400, "bad_json", f"the body is a JSON {_kind(value)}, not an object; {hint}")
    return value


T = TypeVar("T")


async def read_json(
    request: Request, limit: int, fields: Callable[[dict[str, Any]], T], what: What = "post"
) -> T:
    """The request's JSON object read under ``limit`` bytes, then checked by ``fields`` (e.g.
    :func:`submission`). A body of :data:`THREAD_PARSE_BYTES` or more is parsed and checked
    in a worker thread: a large body costs the event loop nothing but its bytes."""
    raw = await read_body(request, limit, what)
    if len(raw) >= THREAD_PARSE_BYTES:
        return await anyio.to_thread.run_sync(lambda: fields(parse_json(raw)))
    return fields(parse_json(raw))


# -- fields -----------------------------------------------------------------------------------


def _kind(value: object) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _bad(field: str, message: str) -> RequestProblem:
    return RequestProblem(400, "bad_field", f'"{field}" {message}', field=field)


def _only(payload: Mapping[str, Any], known: tuple[str, ...], where: str = "") -> None:
    for name in payload:
        if name not in known:
            allowed = ", ".join(f'"{k}"' for k in known)
            raise _bad(where + name, f"is not a field of this request; the fields are {allowed}")


def _text(payload: Mapping[str, Any], field: str, *, required: bool, example: str) -> str | None:
    if field not in payload or payload[field] is None:
        if required:
            raise _bad(field, f'is missing; send it as a string, e.g. "{field}": {example}')
        return None
    value = payload[field]
    if not isinstance(value, str):
        raise _bad(field, f'must be a string, got a {_kind(value)}; send e.g. "{field}": {example}')
    return value


def _choice(payload: Mapping[str, Any], field: str, choices: tuple[str, ...], default: str | None) -> str:
    value = payload.get(field, default)
    if value is None:
        listed = ", ".join(f'"{c}"' for c in choices)
        raise _bad(field, f"is missing; send one of {listed}")
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(f'"{c}"' for c in choices)
        got = json.dumps(value) if isinstance(value, str) else f"a {_kind(value)}"
        raise _bad(field, f"must be one of {listed}, got {got}")
    return value


def _flag(payload: Mapping[str, Any], field: str) -> bool:
    value = payload.get(field, False)
    if not isinstance(value, bool):
        raise _bad(field, f'must be true or false, got a {_kind(value)}; send e.g. "{field}": true')
    return value


def _links(payload: Mapping[str, Any]) -> frozenset[str]:
    """``display_as_link``: an array of URL strings (missing or null: none)."""
    links = payload.get("display_as_link")
    if links is None:
        return frozenset()
    example = '"display_as_link": ["https://example.com/"]'
    if not isinstance(links, list):
        raise _bad(
            "display_as_link", f"must be an array of URL strings, got a {_kind(links)}; send e.g. {example}"
        )
    for i, url in enumerate(links):
        if not isinstance(url, str):
            raise _bad(
                "display_as_link",
                f"must be an array of URL strings, but item {i} is a {_kind(url)}; send e.g. {example}",
            )
    return frozenset(links)


def submission(payload: Mapping[str, Any]) -> Submission:
    """``POST /api/render``: ``{body, format, display_as_link?}``."""
    _only(payload, ("body", "format", "display_as_link"))
    body = cast(str, _text(payload, "body", required=True, example='"<p>Hello</p>"'))
    fmt = cast(Format, _choice(payload, "format", FORMATS, None))
    return Submission(body, fmt, _links(payload))


@dataclass(frozen=True)
class Paste:
    """``POST /api/paste``: the clipboard, and the ``plain`` and ``target`` options."""

    clipboard: Clipboard
    plain: bool
    target: str


_FILE_FIELDS = ("type", "name", "size")
#: the most files one paste may describe: a clipboard holds a few; a million descriptions
#: (23 MB of JSON, within the body limit) kept a worker busy for seconds for one refusal
MAX_FILES = 1000


def _files(payload: Mapping[str, Any]) -> tuple[tuple[str, bytes], ...]:
    """The clipboard's files as ``(type, b"")``: the browser sends what each file is, never
    its bytes (the images stage refuses pasted image files by type alone)."""
    files = payload.get("files", [])
    if files is None:
        return ()
    example = '"files": [{"name": "shot.png", "type": "image/png"}]'
    if not isinstance(files, list):
        raise _bad(
            "files", f"must be an array of {{name, type}} objects, got a {_kind(files)}; send {example}"
        )
    if len(files) > MAX_FILES:
        raise RequestProblem(
            400,
            "bad_field",
            f'"files" must hold at most {MAX_FILES} files, got {len(files)}; send what the clipboard holds',
            say="request_too_many_files",
            field="files",
            limit=MAX_FILES,
        )
    pairs: list[tuple[str, bytes]] = []
    for i, item in enumerate(files):
        where = f"files[{i}]"
        if not isinstance(item, dict):
            raise _bad(where, f"must be an object {{name, type}}, got a {_kind(item)}; send {example}")
        _only(item, _FILE_FIELDS, where + ".")
        kind = item.get("type")
        if not isinstance(kind, str):
            raise _bad(where + ".type", f"must be the file's MIME type as a string; send {example}")
        if not isinstance(item.get("name", ""), str):
            raise _bad(where + ".name", "must be a string (the file's name)")
        size = item.get("size", 0)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise _bad(where + ".size", "must be a whole number of bytes")
        pairs.append((kind, b""))
    return tuple(pairs)


def clipboard(payload: Mapping[str, Any]) -> Paste:
    """``POST /api/paste``: ``{html?, text?, plain?, files?, target?}``."""
    _only(payload, ("html", "text", "plain", "files", "target"))
    html = _text(payload, "html", required=False, example='"<b>Hi</b>"')
    text = _text(payload, "text", required=False, example='"Hi"')
    plain = _flag(payload, "plain")
    target = _choice(payload, "target", ("html", "markdown"), "html")
    return Paste(Clipboard(html=html, text=text, files=_files(payload)), plain, target)


@dataclass(frozen=True)
class DraftFields:
    """``PUT /api/drafts/{key}``: what to keep."""

    body: str
    format: Format
    display_as_link: frozenset[str]


def draft(payload: Mapping[str, Any]) -> DraftFields:
    """``PUT /api/drafts/{key}``: ``{body, format, display_as_link?}``."""
    _only(payload, ("body", "format", "display_as_link"))
    body = cast(str, _text(payload, "body", required=True, example='"<p>Half a reply</p>"'))
    fmt = cast(Format, _choice(payload, "format", FORMATS, None))
    return DraftFields(body, fmt, _links(payload))
