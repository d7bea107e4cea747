"""The stages of the standard chain, one file each, in the order they run."""

from __future__ import annotations

from composer.document import Stage
from composer.stages.embed import Embeds
from composer.stages.emoji import Emoji
from composer.stages.images import Images
from composer.stages.limits import Limits
from composer.stages.links import Links
from composer.stages.mentions import Hashtags, Mentions
from composer.stages.parse import Parse
from composer.stages.paste import Paste
from composer.stages.sanitize import Sanitize

__all__ = [
    "Embeds",
    "Emoji",
    "Hashtags",
    "Images",
    "Limits",
    "Links",
    "Mentions",
    "Parse",
    "Paste",
    "Sanitize",
    "default_stages",
]


def default_stages() -> list[Stage]:
    """A fresh list of the standard chain's stages."""
    return [Parse(), Paste(), Images(), Emoji(), Links(), Embeds(), Limits(), Sanitize()]
