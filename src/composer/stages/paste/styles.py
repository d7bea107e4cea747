"""A clipboard's ``<style>`` block, read for the two things it decides: class rules and list formats.

Excel and Sheets say "bold" in a class rule (``.xl65 {font-weight:700}``, ``<font class=font6>``)
rather than inline; Word says how a list counts (``@list l0:level2 {mso-level-number-format:
alpha-lower}``) only there. Only simple rules are read (``.name``, ``tag.name``), and only the
properties the paste stage maps to meaning; the cascade is approximated by putting the class
rules before the element's own inline declarations (the later one wins when read).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml.html import HtmlElement

from composer.stages.paste.css import declarations
from composer.stages.paste.lists import ListFormat

__all__ = ["ListFormat", "apply_class_rules", "class_rules", "list_formats", "style_text"]

#: the properties a class rule may lend an element: what the stage reads, nothing else
_READ = frozenset(
    {
        "font-weight", "font-style", "text-decoration", "text-decoration-line", "vertical-align",
        "font-family", "white-space", "display", "visibility", "mso-hide", "margin-left",
    }
)  # fmt: skip
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.I | re.S)
_COMMENTS = re.compile(r"/\*.*?\*/", re.S)
_RULE = re.compile(r"([^{}@]+)\{([^{}]*)\}")
_CLASS_SELECTOR = re.compile(r"^[a-z0-9]*\.([A-Za-z_][\w-]*)$")
_LIST_RULE = re.compile(r"@list\s+(l\d+):level(\d+)\s*\{([^{}]*)\}", re.I)
_FORMATS = {
    "bullet": ("ul", None), "image": ("ul", None), "none": ("ul", None),
    "alpha-lower": ("ol", "a"), "alpha-upper": ("ol", "A"),
    "roman-lower": ("ol", "i"), "roman-upper": ("ol", "I"),
}  # fmt: skip


def style_text(source: str) -> str:
    """The text of every ``<style>`` element of an HTML ``source`` (the parse keeps only the body)."""
    return "\n".join(_STYLE.findall(source))


def class_rules(sheet: str) -> dict[str, str]:
    """``{class name: "prop:value;..."}`` for simple class selectors; later rules win."""
    rules: dict[str, dict[str, str]] = {}
    for selectors, body in _RULE.findall(_COMMENTS.sub("", sheet.replace("<!--", "").replace("-->", ""))):
        props = {k: v for k, v in declarations(body).items() if k in _READ}
        if not props:
            continue
        for selector in selectors.split(","):
            match = _CLASS_SELECTOR.match(selector.strip())
            if match:
                rules.setdefault(match.group(1), {}).update(props)
    return {name: ";".join(f"{k}:{v}" for k, v in props.items()) for name, props in rules.items()}


def apply_class_rules(elements: Iterable[HtmlElement], rules: dict[str, str]) -> None:
    """Put the rules of each element's classes before its inline ``style`` (inline wins)."""
    if not rules:
        return
    for el in elements:
        names = el.get("class")
        if not names:
            continue
        lent = [rules[name] for name in names.split() if name in rules]
        if lent:
            own = el.get("style")
            el.set("style", ";".join([*lent, own] if own else lent))


def list_formats(sheet: str) -> dict[tuple[str, int], ListFormat]:
    """Word's list definitions: ``{(list id, level): (kind, ol type, start)}``."""
    out: dict[tuple[str, int], ListFormat] = {}
    for list_id, level, body in _LIST_RULE.findall(sheet):
        props = declarations(body)
        kind, type_ = _FORMATS.get(props.get("mso-level-number-format", "").lower(), ("ol", "1"))
        start = props.get("mso-level-start-at", "1")
        out[(list_id.lower(), int(level))] = (kind, type_, int(start) if start.isdigit() else 1)
    return out
