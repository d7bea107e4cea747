"""Stage ``paste``: Word, Google Docs and web clipboards to tidy rich text, or plain text.

``stage`` holds the stage; ``word`` and ``gdocs`` the clean-up only those clipboards need;
``plain`` the plain-paste undo's reading of a clipboard's HTML when it has no text flavour
(:func:`visible_text`). The undo's lines keep their indentation as every plain text does
(the parse stage's :func:`~composer.stages.parse.text_to_html`).
"""

from composer.stages.paste.plain import visible_text
from composer.stages.paste.stage import Paste

__all__ = ["Paste", "visible_text"]
