"""The notice catalogue: codes are API, messages are translatable templates.

The default English wording is the one the seed forum's reply box shows. A host application
translates by passing ``Policy(messages={code: template})``; templates use ``str.format``
fields named in the catalogue (``{limit}``, ``{removed}``, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: code -> default English template.
MESSAGES: Mapping[str, str] = {
    # notices
    "pasted_as_rich": "Pasted as rich text.",
    "emoji_trimmed": "{removed} emoji over the limit of {limit} were removed.",
    "link_embedded": "Your link has been automatically embedded.",
    "image_paste_rejected": "You cannot paste images directly. Upload or insert images from URL.",
    "content_restored": "Your previous content has been restored.",
    "content_removed": "Some content was removed: {summary}.",
    # problems
    "emoji_limit": "Only {limit} emoji are allowed.",
    "emoji_none": "Emoji are not allowed.",
    "too_large": "The post is too large ({size} bytes; the limit is {limit}).",
    "too_long": "The post is too long ({length} characters; the limit is {limit}).",
    "too_deep": "The post is nested too deeply (more than {limit} levels).",
    "too_complex": (
        "The post has too much formatting to process ({count} formatting characters; the limit is {limit})."
    ),
    "too_complex_nesting": "The post nests brackets too deeply (more than {limit} levels).",
    "too_complex_elements": "The post has too many elements ({count}; the limit is {limit}).",
    "too_complex_lines": "The post has too many lines ({count}; the limit is {limit}).",
    "too_many_images": "Only {limit} images are allowed.",
    # action labels
    "paste_as_plain": "Paste as plain text instead",
    "display_as_link": "Display as a link instead",
    "clear_editor": "Clear editor",
}


def render(code: str, params: Mapping[str, Any], overrides: Mapping[str, str] | None = None) -> str:
    """Fill the template for ``code``; an override (a translation) wins over the default."""
    template = (overrides or {}).get(code) or MESSAGES[code]
    return template.format(**params)
