"""The plain-paste undo ("Paste as plain text instead"): what it reads, and how its lines stand.

Two things the rich paste knows must hold for the undo too:

- Made from a clipboard's HTML alone (no text flavour), the text is what the reader saw:
  content the clipboard hid (``display:none``, ``visibility:hidden``, ``mso-hide:all``,
  inline or by a class rule of its ``<style>``) stays out, and is counted as ``hidden text``
  (:func:`visible_text`).
- Lines keep their indentation (code, nested list markers, an indented quote): plain text
  becomes paragraphs with ``<br>`` line breaks, where a browser would collapse the spaces
  that start a line, so they become no-break spaces, a tab four of them
  (:func:`keep_indentation`). ``Result.text`` reads them back as spaces.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from composer._html.text import element_text
from composer._html.tree import parse
from composer.stages.paste.hidden import take_hidden
from composer.stages.paste.styles import apply_class_rules, class_rules, style_text

__all__ = ["TAB", "is_indented", "keep_indentation", "visible_text"]

#: no-break spaces standing for a tab at a line's start
TAB = 4
_INDENTED = re.compile(r"(?:^|\n)[ \t]")
_LEAD = re.compile(r"^(\n?)([ \t]+)")


def visible_text(markup: str) -> tuple[str, int]:
    """The text a reader of the HTML ``markup`` saw, and how many hidden elements holding
    text were left out. ``markup`` is the parse stage's reading (depth already checked)."""
    body = parse(markup)
    sheet = style_text(markup) if "<style" in markup.lower() else ""
    if sheet:
        apply_class_rules(body.iter(), class_rules(sheet))
    hidden = take_hidden(body)
    return element_text(body), hidden


def _nbsp(match: re.Match[str]) -> str:
    return match.group(1) + "".join("\xa0" * TAB if ch == "\t" else "\xa0" for ch in match.group(2))


def is_indented(text: str) -> bool:
    """Whether a line of plain ``text`` starts with a space or a tab (the tree is needed)."""
    return _INDENTED.search(text) is not None


def keep_indentation(body: HtmlElement) -> None:
    """Make the spaces and tabs that start a line of plain text (paragraphs with ``<br>``,
    as the parse stage writes it) no-break spaces in ``body``, so they show."""
    for p in body.iter("p"):
        if p.text:
            p.text = _LEAD.sub(_nbsp, p.text)
        for br in p.iter("br"):
            if br.tail:
                br.tail = _LEAD.sub(_nbsp, br.tail)
