"""The notice catalogue: codes are API, messages are translatable templates.

The default English wording is the one the seed forum's reply box shows. A host application
translates by passing ``Policy(messages={code: template})``; templates use ``str.format``
fields named in the catalogue (``{limit}``, ``{removed}``, ...).

A message with a count is said in the count's form: a code listed in :data:`COUNTED` has
``_one`` templates ("Only 1 image is allowed.") for a count of 1, and a limit's code
``_none`` templates ("Images are not allowed.") for a limit of 0, each one a forum may
translate (:func:`variant` picks the template; a forum's own wins over English).
"""

from __future__ import annotations

import string
from collections.abc import Collection, Mapping
from typing import Any

__all__ = ["COUNTED", "MESSAGES", "PARAMS", "fields", "render", "template_error", "variant"]

_RELOAD = (
    "The reply box and the server did not understand each other. Your text is still here; reload the page."
)
_LATER = "Something went wrong on the server. Your text is still here; try again in a moment."

#: code -> default English template.
MESSAGES: Mapping[str, str] = {
    # notices
    "pasted_as_rich": "Pasted as rich text.",
    "pasted_as_plain": "Pasted as plain text: its formatting could not be kept. {reason}",
    "emoji_trimmed": "{removed} emoji over the limit of {limit} were removed.",
    "emoji_trimmed_one": "{removed} emoji over the limit of {limit} was removed.",
    "link_embedded": "Your link has been automatically embedded.",
    "image_paste_rejected": "You cannot paste images directly. Upload or insert images from URL.",
    "content_restored": "Your previous content has been restored.",
    "restored_as_plain": "It came back as plain text: its formatting could not be kept.",
    "content_removed": "Some content was removed: {summary}.",
    # problems
    "preview_failed": "The preview could not be made. Your text is still in the editor.",
    "formatting_failed": "Reading it failed on the server.",
    "emoji_limit": "Only {limit} emoji are allowed.",
    "emoji_limit_one": "Only {limit} emoji is allowed.",
    "emoji_none": "Emoji are not allowed.",
    "too_large": "The post is too large ({size} bytes; the limit is {limit}).",
    "too_large_one": "The post is too large ({size} byte; the limit is {limit}).",
    "too_long": "The post is too long ({length} characters; the limit is {limit}).",
    "too_long_one": "The post is too long ({length} character; the limit is {limit}).",
    "too_deep": "The post is nested too deeply (more than {limit} levels).",
    "too_deep_one": "The post is nested too deeply (more than {limit} level).",
    "too_complex": (
        "The post has too much formatting to process ({count} formatting characters; the limit is {limit})."
    ),
    "too_complex_one": (
        "The post has too much formatting to process ({count} formatting character; the limit is {limit})."
    ),
    "too_complex_nesting": "The post nests brackets too deeply (more than {limit} levels).",
    "too_complex_nesting_one": "The post nests brackets too deeply (more than {limit} level).",
    "too_complex_elements": "The post has too many elements ({count}; the limit is {limit}).",
    "too_complex_lines": "The post has too many lines ({count}; the limit is {limit}).",
    "too_many_images": "Only {limit} images are allowed.",
    "too_many_images_one": "Only {limit} image is allowed.",
    "too_many_images_guest": "Guests can post only {limit} of the {count} images in this post.",
    "too_many_images_new": "New members can post only {limit} of the {count} images in this post.",
    "too_many_images_none": "Images are not allowed.",
    "too_many_images_none_guest": "Guests cannot post images.",
    "too_many_images_none_new": "New members cannot post images.",
    "too_many_links": "A post can carry at most {limit} links.",
    "too_many_links_guest": "Guests can post at most {limit} links.",
    "too_many_links_new": "New members can post at most {limit} links.",
    "too_many_links_one": "A post can carry at most {limit} link.",
    "too_many_links_one_guest": "Guests can post at most {limit} link.",
    "too_many_links_one_new": "New members can post at most {limit} link.",
    "too_many_links_none": "Links are not allowed.",
    "too_many_links_none_guest": "Guests cannot post links.",
    "too_many_links_none_new": "New members cannot post links.",
    "too_many_mentions": "A post can mention at most {limit} people.",
    "too_many_mentions_guest": "Guests can mention at most {limit} people.",
    "too_many_mentions_new": "New members can mention at most {limit} people.",
    "too_many_mentions_one": "A post can mention at most {limit} person.",
    "too_many_mentions_one_guest": "Guests can mention at most {limit} person.",
    "too_many_mentions_one_new": "New members can mention at most {limit} person.",
    "too_many_mentions_none": "Mentions are not allowed.",
    "too_many_mentions_none_guest": "Guests cannot mention people.",
    "too_many_mentions_none_new": "New members cannot mention people.",
    # the web service's request problems (composer.web), in words for the person at the editor
    "request_bad_json": _RELOAD,
    "request_bad_field": _RELOAD,
    "request_bad_input": (
        "The server could not accept this. Your text is still here; reload the page and try again."
    ),
    "request_sign_in_required": "Sign in to keep drafts of your replies.",
    "request_not_found": _RELOAD,
    "request_method_not_allowed": _RELOAD,
    "request_no_draft": "There is no saved draft.",
    "request_too_large_paste": (
        "What you pasted is too large to send (more than {size}). Try pasting less at a time."
    ),
    "request_too_large_post": (
        "Your post is too large to send (more than {size}). Your text is still here; shorten it."
    ),
    "request_too_large_draft": (
        "Your draft is too large to save (more than {size}). Your text is still here; shorten it."
    ),
    "request_too_many_files": "You pasted too many files at once (more than {limit}). Paste fewer at a time.",
    "request_internal_error": _LATER,
    "request_http_error": _LATER,
    # action labels
    "paste_as_plain": "Paste as plain text instead",
    "display_as_link": "Display as a link instead",
    "clear_editor": "Clear editor",
}


#: code -> the params the stages send with it, with an example value of each. A translated
#: template may use these fields and no others (checked when the :class:`~composer.Policy` is built).
PARAMS: Mapping[str, Mapping[str, Any]] = {
    "pasted_as_rich": {},
    "pasted_as_plain": {
        "reason": "The post is nested too deeply (more than 100 levels).",
        "problem": "too_deep",
    },
    "emoji_trimmed": {"removed": 5, "limit": 75},
    "emoji_trimmed_one": {"removed": 1, "limit": 75},
    "link_embedded": {"url": "https://example.com/watch?v=1"},
    "image_paste_rejected": {},
    "content_restored": {},
    "restored_as_plain": {},
    "content_removed": {"summary": "1 element (script)", "removed": {"elements": {"script": 1}}},
    "preview_failed": {},
    "formatting_failed": {},
    "emoji_limit": {"limit": 75},
    "emoji_limit_one": {"limit": 1},
    "emoji_none": {"limit": 0},
    "too_large": {"size": 40_000_000, "limit": 33_554_432},
    "too_large_one": {"size": 1, "limit": 0},
    "too_long": {"length": 100_001, "limit": 100_000},
    "too_long_one": {"length": 1, "limit": 0},
    "too_deep": {"limit": 100},
    "too_deep_one": {"limit": 1},
    "too_complex": {"count": 20_001, "limit": 20_000},
    "too_complex_one": {"count": 1, "limit": 0},
    "too_complex_nesting": {"limit": 32},
    "too_complex_nesting_one": {"limit": 1},
    "too_complex_elements": {"count": 40_001, "limit": 40_000},
    "too_complex_lines": {"count": 10_001, "limit": 10_000},
    "too_many_images": {"limit": 50, "count": 51, "role": "member"},
    "too_many_images_one": {"limit": 1, "count": 2, "role": "member"},
    "too_many_images_guest": {"limit": 2, "count": 3, "role": "guest"},
    "too_many_images_new": {"limit": 1, "count": 2, "role": "new"},
    "too_many_images_none": {"limit": 0, "count": 1, "role": "member"},
    "too_many_images_none_guest": {"limit": 0, "count": 1, "role": "guest"},
    "too_many_images_none_new": {"limit": 0, "count": 1, "role": "new"},
    "too_many_links": {"limit": 1000, "count": 1001, "role": "member"},
    "too_many_links_guest": {"limit": 2, "count": 3, "role": "guest"},
    "too_many_links_new": {"limit": 2, "count": 3, "role": "new"},
    "too_many_links_one": {"limit": 1, "count": 2, "role": "member"},
    "too_many_links_one_guest": {"limit": 1, "count": 2, "role": "guest"},
    "too_many_links_one_new": {"limit": 1, "count": 2, "role": "new"},
    "too_many_links_none": {"limit": 0, "count": 1, "role": "member"},
    "too_many_links_none_guest": {"limit": 0, "count": 1, "role": "guest"},
    "too_many_links_none_new": {"limit": 0, "count": 1, "role": "new"},
    "too_many_mentions": {"limit": 10, "count": 11, "role": "member"},
    "too_many_mentions_guest": {"limit": 2, "count": 3, "role": "guest"},
    "too_many_mentions_new": {"limit": 2, "count": 3, "role": "new"},
    "too_many_mentions_one": {"limit": 1, "count": 2, "role": "member"},
    "too_many_mentions_one_guest": {"limit": 1, "count": 2, "role": "guest"},
    "too_many_mentions_one_new": {"limit": 1, "count": 2, "role": "new"},
    "too_many_mentions_none": {"limit": 0, "count": 1, "role": "member"},
    "too_many_mentions_none_guest": {"limit": 0, "count": 1, "role": "guest"},
    "too_many_mentions_none_new": {"limit": 0, "count": 1, "role": "new"},
    "request_bad_json": {},
    "request_bad_field": {"field": "format"},
    "request_bad_input": {},
    "request_sign_in_required": {},
    "request_not_found": {},
    "request_method_not_allowed": {"allowed": ["GET"]},
    "request_no_draft": {},
    "request_too_large_paste": {"limit": 33_554_432, "size": "32 MB"},
    "request_too_large_post": {"limit": 33_554_432, "size": "32 MB"},
    "request_too_large_draft": {"limit": 33_554_432, "size": "32 MB"},
    "request_too_many_files": {"field": "files", "limit": 1000},
    "request_internal_error": {},
    "request_http_error": {},
    "paste_as_plain": {},
    "display_as_link": {},
    "clear_editor": {},
}


def fields(template: str) -> list[str]:
    """The names of the fields ``template`` fills (``{limit}``, ``{limit:d}`` -> ``limit``).

    Raises ValueError for a template ``str.format`` cannot read.
    """
    return [
        name.split(".", 1)[0].split("[", 1)[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name is not None
    ]


def template_error(code: str, template: object, names: Collection[str] | None = None) -> str | None:
    """Why ``template`` cannot stand for ``code``'s message, or None when it can.

    A template is a ``str.format`` string whose fields are among ``PARAMS[code]``: no
    positional fields, no unknown names, no format spec or conversion the example values
    refuse. ``names``: for a code a stage declares (no example values), the fields its
    default template uses; a translation may use those and no others.
    """
    if not isinstance(template, str):
        return f"must be a str template, got {type(template).__name__} {template!r}"
    params: Mapping[str, Any] = PARAMS.get(code, {}) if names is None else dict.fromkeys(names)
    try:
        used = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        return f"is not a valid template ({exc}); write literal braces as {{{{ and }}}}"
    known = ", ".join(f"{{{name}}}" for name in params) or "no fields"
    for name in used:
        if name.split(".", 1)[0].split("[", 1)[0] not in params:
            shown = "{" + name + "}"
            return f"uses {shown}, which {code!r} does not have; it has {known}"
    if names is not None:
        return None
    try:
        template.format(**params)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        return f"cannot be filled ({type(exc).__name__}: {exc}); its fields are {known}"
    return None


#: code -> the param whose number the default English wording agrees with ("1 image",
#: "2 images"): when it is 1, the message is said with the code's ``_one`` template
COUNTED: Mapping[str, str] = {
    "emoji_trimmed": "removed",
    "emoji_limit": "limit",
    "too_large": "size",
    "too_long": "length",
    "too_deep": "limit",
    "too_complex": "count",
    "too_complex_nesting": "limit",
    "too_many_images": "limit",
    "too_many_links": "limit",
    "too_many_mentions": "limit",
}


def variant(
    code: str,
    overrides: Mapping[str, str],
    *,
    role: str | None = None,
    none: bool = False,
    params: Mapping[str, Any] | None = None,
) -> str:
    """The template a message ``code`` is said with, for a policy of ``role`` whose limit is
    zero (``none``) or not, filled from ``params``: ``too_many_links_new``,
    ``too_many_images_none_guest``, ``too_many_links_one_guest``.

    The candidates, most specific first, are ``{code}_none_{role}``, ``{code}_none`` (when
    ``none``), ``{code}_one_{role}`` (when the param :data:`COUNTED` names for ``code`` is 1 in
    ``params``), ``{code}_{role}``, ``{code}_one`` (that count again) and ``code``, those the
    catalogue has: a role's own wording comes before the plain singular ("New members can
    post only 1 of the 2 images" needs none). The most specific one the forum translated
    (``overrides``) wins, else the most specific English one: a forum that translates only
    the plain ``code`` gets its translation for every role and count, never English.
    """
    counted = COUNTED.get(code)
    one = counted is not None and params is not None and params.get(counted) == 1
    roles = [f"_{role}"] if role else []
    keys = [*(f"{code}_none{r}" for r in roles), f"{code}_none"] if none else []
    if one:
        keys += [f"{code}_one{r}" for r in roles]
    keys += [f"{code}{r}" for r in roles]
    if one:
        keys.append(f"{code}_one")
    keys.append(code)
    found = [key for key in keys if key in MESSAGES] or [code]
    return next((key for key in found if key in overrides), found[0])


def render(code: str, params: Mapping[str, Any], overrides: Mapping[str, str] | None = None) -> str:
    """Fill the template for ``code`` in the form its count takes (:func:`variant`); an
    override (a translation) wins over the default."""
    overrides = overrides or {}
    key = variant(code, overrides, params=params)
    template = overrides.get(key) or MESSAGES[key]
    return template.format(**params)
