"""Stage ``paste``: Word, Google Docs and web clipboards to tidy rich text, or plain text.

``stage`` holds the stage; ``word`` and ``gdocs`` the clean-up only those clipboards need.
"""

from composer.stages.paste.stage import Paste

__all__ = ["Paste"]
