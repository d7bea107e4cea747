"""Stage ``emoji``: count emoji as a reader sees them (graphemes) and apply the limit.

``stage`` holds the stage; ``counter`` the grapheme-exact counting; ``stretches`` finds where
in a text emoji may be.
"""

from composer.stages.emoji.stage import Emoji

__all__ = ["Emoji"]
