"""What a pipeline's output depends on, as one short stable string (``Pipeline.fingerprint``).

A stored post rendered by a pipeline with the same fingerprint need not be rendered again;
one with another fingerprint (or none) is stale. The fingerprint is 16 hex digits of a
SHA-256 over a canonical JSON document of:

1. the versions of composer and of the libraries that shape its output (nh3, lxml and its
   libxml2, markupever, markdown-it-py, emoji: a newer ``emoji`` release is new emoji data),
   and of Python's Unicode database (``unicodedata.unidata_version``: character categories);
   bleach's too when it is the sanitizer;
2. the policy the documents carry (every field, the stages' ``allows`` merged in), except
   ``embed_mode`` and ``embed_deadline``: they choose when the network is asked, like the
   embed cache's contents (which are not part of it either), so a post rendered by the web
   app in ``sync`` mode and one a rebake renders in ``cache_only`` mode share a fingerprint;
3. each stage, in chain order: its name, its class's qualified name, and its settings.

A stage's settings are what its ``settings()`` returns (an optional member of the
:class:`~composer.document.Stage` protocol: a JSON-able mapping of whatever can change its
output, data tables included); a stage without it is described by its dataclass fields (those
taking part in comparison), or, for another class, by the public entries of its ``__dict__``.
A value that has no canonical form (an arbitrary object, a lambda) is refused with a
:class:`~composer.ConfigError` naming the stage: the stage writer declares ``settings()``.

Canonical means the same bytes in every process and machine: sets are sorted, mappings sorted
by key, floats written by ``repr``, functions by their qualified name; nothing depends on
``PYTHONHASHSEED``, addresses or the clock.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import re
import types
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from importlib import metadata
from typing import Any

from composer.__about__ import __version__
from composer.document import Stage
from composer.errors import ConfigError
from composer.policy import Policy

__all__ = ["canonical", "fingerprint"]

#: hex digits kept of the SHA-256: 64 bits, collisions out of reach for any forum's rebakes
LENGTH = 16

#: policy fields that choose when the network is asked, not what a post becomes: like the embed
#: cache's contents, they stay out, so the web app (``sync``) and a rebake (``cache_only``) agree
_RUNTIME_FIELDS = ("embed_mode", "embed_deadline")

#: distributions whose releases can change the bytes composer writes
_LIBRARIES = ("nh3", "lxml", "markupever", "markdown-it-py", "linkify-it-py", "emoji")


class _Unfit(Exception):
    """A value with no canonical form; ``where`` is its path inside the settings."""

    def __init__(self, where: str, value: object) -> None:
        super().__init__(where)
        self.where = where
        self.value = value


def canonical(value: object, where: str = "") -> Any:
    """``value`` as plain JSON data whose ``json.dumps(sort_keys=True)`` is the same everywhere.

    None, bool, int, str as they are; float as its ``repr``; bytes as hex; lists and tuples as
    lists; sets sorted by their members' canonical JSON; mappings with str keys; enums by value;
    dataclass instances as their class's qualified name and compared fields (a field hidden
    from ``repr``, such as a key, as a SHA-256 of itself); compiled regexes as pattern and
    flags; named functions and classes by qualified name, a bound method with its object
    (which must have a canonical form too). Raises ``_Unfit`` for anything else.
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, bytes):
        return {"bytes": value.hex()}
    if isinstance(value, enum.Enum):
        return canonical(value.value, where)
    if isinstance(value, (list, tuple)):
        return [canonical(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, AbstractSet):
        items = [canonical(item, f"{where}{{}}") for item in value]
        return {"set": sorted(items, key=_dump)}
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _Unfit(f"{where}[{key!r}]", key)
            out[key] = canonical(item, f"{where}[{key!r}]")
        return {"map": out}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"type": _qualified(type(value)), "fields": _fields(value, where)}
    if isinstance(value, re.Pattern):
        return {"regex": value.pattern, "flags": int(value.flags)}
    if isinstance(value, type) or _named_function(value):
        bound = getattr(value, "__self__", None)
        if bound is None or isinstance(bound, (type, types.ModuleType)):
            return {"callable": _qualified(value)}
        # a bound method answers with its object's state: the object is part of what it is
        return {"callable": _qualified(value), "self": canonical(bound, f"{where}.__self__")}
    raise _Unfit(where or "the value", value)


def _fields(value: object, where: str) -> dict[str, Any]:
    """The compared fields; one hidden from ``repr`` (a key) only as a digest of itself."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(value):  # type: ignore[arg-type]  # checked by the caller
        if not f.compare:
            continue
        data = canonical(getattr(value, f.name), f"{where}.{f.name}")
        out[f.name] = data if f.repr else {"digest": hashlib.sha256(_dump(data).encode()).hexdigest()}
    return out


def _named_function(value: object) -> bool:
    name = getattr(value, "__qualname__", "")
    return callable(value) and isinstance(name, str) and bool(name) and "<" not in name


def _qualified(value: Any) -> str:
    return f"{value.__module__}.{value.__qualname__}"


def _dump(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=True, separators=(",", ":"))


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def libraries() -> dict[str, str | None]:
    """composer's version and those of the libraries that shape its output (libxml2 too)."""
    from lxml import etree  # lxml is a dependency; imported here to keep this module light

    found: dict[str, str | None] = {"composer": __version__}
    found.update((name, _version(name)) for name in _LIBRARIES)
    found["libxml2"] = ".".join(str(part) for part in etree.LIBXML_VERSION)
    # Python's Unicode database: character categories decide word, URL and emoji boundaries
    found["unicode"] = unicodedata.unidata_version
    return found


def stage_settings(stage: Stage) -> Any:
    """What ``stage`` contributes: its ``settings()``, else its fields; see the module docstring."""
    declared: Callable[[], object] | None = getattr(stage, "settings", None)
    kind = _qualified(type(stage))
    try:
        if callable(declared):
            settings = declared()
            if not isinstance(settings, Mapping):
                raise ConfigError(
                    f"stage {stage.name!r}: settings() returned {type(settings).__name__}; "
                    "it must return a mapping of str to JSON-able values"
                )
            return {"type": kind, "settings": canonical(settings, "settings()")}
        if dataclasses.is_dataclass(stage):
            return {"type": kind, "settings": _fields(stage, "")}
        public = {k: v for k, v in vars(stage).items() if not k.startswith("_")}
        return {"type": kind, "settings": canonical(public, "")}
    except _Unfit as exc:
        raise ConfigError(
            f"stage {stage.name!r} ({kind}) cannot be fingerprinted: its setting "
            f"{exc.where.lstrip('.') or '?'} is a {type(exc.value).__name__}, which has no stable "
            "description; give the stage a settings() method returning a JSON-able mapping of "
            "what can change its output (see 'Writing a stage' in docs/api.md)"
        ) from None


def document(stages: Iterable[Stage], policy: Policy) -> dict[str, Any]:
    """The canonical JSON document the fingerprint hashes (for debugging a mismatch)."""
    try:
        policy_data = canonical(policy, "Policy")
        for name in _RUNTIME_FIELDS:
            del policy_data["fields"][name]
    except _Unfit as exc:
        raise ConfigError(
            f"the policy cannot be fingerprinted: {exc.where} is a {type(exc.value).__name__}; "
            "use a named function or a dataclass (e.g. CamoProxy) for Policy.image_proxy"
        ) from None
    chain = list(stages)
    found = libraries()
    if _uses_bleach(chain, policy):
        found["bleach"] = _version("bleach")
    return {
        "libraries": found,
        "policy": policy_data,
        "stages": [{"name": stage.name, **stage_settings(stage)} for stage in chain],
    }


def _uses_bleach(stages: list[Stage], policy: Policy) -> bool:
    """Whether bleach sanitizes (the policy's choice, or a stage's ``backend``): only then do
    its releases change the output, so an nh3 forum does not rebake for a bleach upgrade."""
    chosen = [
        getattr(stage, "backend", None) or policy.sanitizer for stage in stages if hasattr(stage, "backend")
    ]
    return "bleach" in chosen if chosen else policy.sanitizer == "bleach"


def fingerprint(stages: Iterable[Stage], policy: Policy) -> str:
    """16 hex digits of the SHA-256 of :func:`document`'s canonical JSON."""
    data = _dump(document(stages, policy)).encode("ascii")
    return hashlib.sha256(data).hexdigest()[:LENGTH]
