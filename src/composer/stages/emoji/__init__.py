"""Stage ``emoji``: count emoji as a reader sees them (graphemes) and apply the limit.

``stage`` holds the stage; ``counter`` the grapheme-exact counting.
"""

from composer.stages.emoji.stage import Emoji

__all__ = ["Emoji"]
