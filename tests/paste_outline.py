"""A compact outline of a paste's semantics, for the per-clipboard fixture (clipboards.outline).

One line a block, indented by nesting: ``ol type=a start=3`` / ``li: text`` / ``td: text``.
Inline meaning is written in the text: ``**bold**``, ``*em*``, ``_u_``, ``~s~``, ``^sup^``,
``,sub,``, `` `code` ``, ``[text](href)``, `` / `` for a line break; a ``pre`` keeps its lines.
What the outline leaves out (classes, rel, whitespace runs) is not meaning.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement, fragment_fromstring

_BLOCKS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 ul ol li table thead tbody tfoot tr td th pre blockquote hr figure aside".split()
)
_WRAP = {
    "strong": "**", "b": "**", "em": "*", "i": "*", "u": "_", "s": "~", "sup": "^", "sub": ",", "code": "`",
}  # fmt: skip
_SPACES = re.compile(r"\s+")
_SHOWN = ("type", "start", "colspan", "rowspan")


def _inline(el: HtmlElement) -> str:
    parts = [el.text or ""]
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "br":
            parts.append(" / ")
        elif tag == "img":
            parts.append(f"![{child.get('alt') or ''}]({(child.get('src') or '')[:40]})")
        elif tag in _BLOCKS:
            pass  # a block: its own line
        elif tag:
            inner = _inline(child)
            if tag == "a":
                parts.append(f"[{inner}]({child.get('href')})")
            else:
                mark = _WRAP.get(tag, "")
                parts.append(f"{mark}{inner}{mark}")
        parts.append(child.tail or "")
    return "".join(parts)


def _line(el: HtmlElement, depth: int, out: list[str]) -> None:
    tag = str(el.tag)
    attrs = "".join(f" {name}={el.get(name)}" for name in _SHOWN if el.get(name) is not None)
    if tag == "pre":
        out.append("  " * depth + "pre:")
        out.extend("  " * depth + "| " + line for line in el.text_content().split("\n"))
        return
    text = _SPACES.sub(" ", _inline(el)).strip()
    out.append("  " * depth + tag + attrs + (f": {text}" if text else ""))
    for child in el:
        if isinstance(child.tag, str) and child.tag in _BLOCKS:
            _line(child, depth + 1, out)


def outline(html: str) -> str:
    """The outline of an HTML fragment (see the module docstring)."""
    root = fragment_fromstring(html, create_parent="div")
    out: list[str] = []
    text = _SPACES.sub(" ", _inline(root)).strip()
    if text:
        out.append(f"text: {text}")
    for child in root:
        if isinstance(child.tag, str) and child.tag in _BLOCKS:
            _line(child, 0, out)
    return "\n".join(out)
