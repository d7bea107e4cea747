"""The plain-paste undo ("Paste as plain text instead") made from a clipboard's HTML alone.

With no text flavour, the undo's text is read from the HTML, and it must be the text the rich
paste shows, as a person would type it: the same clean-up runs first (Word's list paragraphs
rebuilt into nested lists, hidden content out, clipboard junk out), then the plain-text
projection (:func:`composer._html.text.element_text`: markers, nesting by indent, tab-split
cells, code as it stands). What the clean-up takes out is counted on the document given, as
for the rich paste.
"""

from __future__ import annotations

from composer._html.text import element_text
from composer.document import Document
from composer.stages.paste.stage import clean

__all__ = ["visible_text"]


def visible_text(clipboard: Document) -> str:
    """The text of ``clipboard`` (a :class:`~composer.Document` of the clipboard's HTML as the
    parse stage reads it, ``format="html"``, depth already checked) after the rich paste's
    clean-up; its removals are counted on ``clipboard`` (copy them to the document that runs)."""
    body = clipboard.tree
    clean(clipboard, body, paste=True)
    return element_text(body)
