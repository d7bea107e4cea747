"""An oracle for dangerous constructs in output HTML, parsed the way a browser parses it."""

from __future__ import annotations

import re

import html5lib

#: elements that can run script, load active content, or restyle/redirect the page
DANGEROUS_TAGS = frozenset(
    [
        "script",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "base",
        "meta",
        "link",
        "style",
        "form",
        "input",
        "button",
        "textarea",
        "select",
        "option",
        "math",
        "template",
        "portal",
        "svg",
        "animate",
        "set",
        "handler",
        "listener",
    ]
)
URL_ATTRIBUTES = frozenset(
    [
        "href",
        "src",
        "action",
        "formaction",
        "xlink:href",
        "srcset",
        "poster",
        "background",
        "data",
        "cite",
        "lowsrc",
        "dynsrc",
        "ping",
        "manifest",
        "codebase",
        "archive",
        "longdesc",
        "usemap",
        "icon",
        "profile",
    ]
)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]+")
_BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|data|livescript|mocha):", re.IGNORECASE)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def dangers(source: str, allow_iframes: bool = False) -> list[str]:
    """Every dangerous construct in ``source``: script-capable elements, event handlers,
    style attributes, and javascript:/vbscript:/data: URLs (after entity decoding and
    stripping whitespace, control and format characters)."""
    found: list[str] = []
    fragment = html5lib.parseFragment(source, treebuilder="etree", namespaceHTMLElements=False)
    for el in fragment.iter():
        if not isinstance(el.tag, str):
            continue
        tag = _local(el.tag)
        if tag in DANGEROUS_TAGS and not (allow_iframes and tag == "iframe"):
            found.append(f"<{tag}>")
        for raw_name, value in el.attrib.items():
            name = _local(raw_name) if not raw_name.endswith("}href") else "xlink:href"
            if name.startswith("on"):
                found.append(f"<{tag} {name}>")
            elif name == "style":
                found.append(f"<{tag} style>")
            elif name in URL_ATTRIBUTES or name.endswith("href"):
                for candidate in value.split(",") if name == "srcset" else (value,):
                    cleaned = _INVISIBLE.sub("", candidate)
                    if _BAD_SCHEME.match(cleaned):
                        found.append(f"<{tag} {name}={cleaned[:20]!r}>")
    return found


def element_tags(source: str) -> list[str]:
    """The tag names in ``source``, in document order (for structure assertions)."""
    fragment = html5lib.parseFragment(source, treebuilder="etree", namespaceHTMLElements=False)
    return [_local(el.tag) for el in fragment.iter() if isinstance(el.tag, str)][1:]


__all__ = ["dangers", "element_tags"]
