"""Checks the public values run when they are built, so a mistake fails at construction.

Each helper takes the qualified field name (``"Policy.own_hosts"``) and the error class to
raise (:class:`~composer.ConfigError` for configuration, :class:`~composer.InputError` for
what the editor sent), and returns the value normalised: set-like fields accept a list, tuple,
set or frozenset and come back as a ``frozenset``. Every message names the field, what it got
and how to write it.
"""

from __future__ import annotations

import difflib
import inspect
import math
from collections.abc import Callable, Collection, Iterable, Mapping
from urllib.parse import urlsplit

from composer.errors import ComposerError

__all__ = [
    "choice",
    "count",
    "flag",
    "got",
    "host_set",
    "not_async",
    "positive_number",
    "str_set",
    "suggest",
]

Error = type[ComposerError]


def _name(value: object) -> str:
    return str(getattr(value, "__qualname__", None) or type(value).__qualname__)


def not_async(value: object, field: str, error: Error) -> None:
    """Refuse an ``async def`` function (or an object whose ``__call__`` is one) for a callback
    a run calls synchronously: called, it returns a coroutine that is never awaited, and every
    run would fail the same way, silently. The message says to pass a plain function (a run in
    ``arun`` is already on a worker thread, where blocking I/O is fine)."""
    if inspect.iscoroutinefunction(value) or inspect.iscoroutinefunction(type(value).__call__):
        raise error(
            f"{field} must be a plain function, not the async function {_name(value)}; runs call it "
            "synchronously (arun and apaste run them in a worker thread, where a blocking "
            "database query is fine): write it with def, or wrap it, e.g. "
            "lambda names: asyncio.run_coroutine_threadsafe(find(names), loop).result()"
        )


def got(value: object) -> str:
    """``str 'forum.example'``: the type and a short repr, for messages."""
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{type(value).__name__} {shown}"


def suggest(word: str, known: Iterable[str]) -> str:
    """``" (did you mean 'emoji_limit'?)"``, or nothing when no known word is close."""
    close = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def count(field: str, value: object, error: Error, *, minimum: int = 0) -> int:
    """A whole number ``>= minimum`` (``bool`` is refused: ``True`` is not a count)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
        return value
    whole = _as_whole(value)
    hint = f"; write {field.rsplit('.', 1)[-1]}={whole}" if whole is not None and whole >= minimum else ""
    raise error(f"{field} must be an int >= {minimum}, got {got(value)}{hint}")


def _as_whole(value: object) -> int | None:
    """``75`` for ``"75"`` or ``75.0``: what was probably meant, for the hint."""
    if isinstance(value, str) and value.strip().isdecimal():  # int() reads these, not "²"
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def positive_number(field: str, value: object, error: Error) -> float:
    """A finite number of seconds (or other unit) ``> 0``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0:
        return float(value)
    raise error(f"{field} must be a finite number > 0, got {got(value)}")


def flag(field: str, value: object, error: Error) -> bool:
    """``True`` or ``False`` only: a string such as ``"no"`` is a mistake, not a truthy value."""
    if isinstance(value, bool):
        return value
    raise error(f"{field} must be True or False, got {got(value)}")


def choice(field: str, value: object, options: Collection[str], error: Error) -> str:
    """One of ``options``; a near miss is named in the message."""
    if isinstance(value, str) and value in options:
        return value
    listed = " or ".join(repr(option) for option in options)
    near = suggest(value, options) if isinstance(value, str) else ""
    raise error(f"{field} must be {listed}, got {got(value)}{near}")


def str_set(
    field: str,
    value: object,
    error: Error,
    *,
    example: str,
    item: Callable[[str], str | None] | None = None,
) -> frozenset[str]:
    """A set of strings from a list, tuple, set or frozenset (a lone ``str`` is refused).

    ``item`` may normalise each string, or return None to refuse it (the message then says
    which element was wrong). ``example`` is one element as it should be written.
    """
    name = field.rsplit(".", 1)[-1]
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        words = value.split() if isinstance(value, str) and value.split() else [example]
        shown = ", ".join(repr(word) for word in dict.fromkeys(words))
        raise error(f"{field} must be a set of {_plural(field)}, got {got(value)}; write {name}={{{shown}}}")
    out: set[str] = set()
    for element in value:
        if not isinstance(element, str):
            raise error(f"{field} must hold only strings, got {got(element)} in it")
        normal = item(element) if item is not None else element
        if normal is None:
            raise error(
                f"{field} holds {element!r}, which is not a {_singular(field)}; write e.g. {example!r}"
            )
        out.add(normal)
    return frozenset(out)


def host_set(field: str, value: object, error: Error, *, example: str = "forum.example") -> frozenset[str]:
    """Host names, lower-cased, without a trailing dot; URLs, ports and paths are refused."""

    def host(text: str) -> str | None:
        name = text.strip().lower().rstrip(".")
        if not name or name.startswith(".") or any(c in name for c in "/:@?#[]\\ \t\n"):
            return None
        return name

    if isinstance(value, str):
        written = _host_of(value) or value.strip().lower()
        name = field.rsplit(".", 1)[-1]
        raise error(f"{field} must be a set of host names, got {got(value)}; write {name}={{{written!r}}}")
    if isinstance(value, Iterable) and not isinstance(value, (bytes, Mapping)):
        value = list(value)
        urls = [_host_of(e) for e in value if isinstance(e, str) and host(e) is None]
        example = next((h for h in urls if h and host(h)), example)
    return str_set(field, value, error, example=example, item=host)


def _host_of(text: str) -> str | None:
    """The host in what was written where a host name belongs (``https://forum.example/``)."""
    try:
        return urlsplit(text.strip() if "//" in text else "//" + text.strip()).hostname
    except ValueError:
        return None


def _plural(field: str) -> str:
    return {"own_hosts": "host names", "display_as_link": "URLs"}.get(field.rsplit(".", 1)[-1], "strings")


def _singular(field: str) -> str:
    return {"own_hosts": "host name (no scheme, port or path)", "display_as_link": "URL"}.get(
        field.rsplit(".", 1)[-1], "valid entry"
    )
