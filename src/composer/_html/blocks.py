"""Blocks the allowlist would flatten, renamed before any parser so no two words merge.

The sanitizer unwraps an element it does not allow: for an inline one the text reads as
before, but for a block the line break between two blocks goes too (``<h5>five</h5><h6>six
</h6>`` read ``fivesix``). So, in every format and entry point, before any tree is built:

- headings follow one rule (:data:`HEADINGS`): ``h1`` becomes ``h2`` (a post lives under the
  topic's title, the page's ``h1``), ``h5`` and ``h6`` become ``h4``;
- a block element the allowlist does not keep becomes a ``div`` (``section``, ``article``,
  ``dl``/``dt``/``dd``, ``details``, ``center``, ...): its text keeps its own line. Such
  wrappers are not reported (design point 10); ``form``, ``fieldset`` and ``legend`` are,
  as ``tags``;
- table parts outside any table (``<td>a</td><td>b</td>``), which a parser ignores, become
  ``div`` too.

The rewrite is of tag names in the source (a C-speed regex), so it also touches a tag name
written inside an attribute value, a comment or a script; the latter two are removed anyway.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["COUNTED", "HEADINGS", "shift_headings", "tag_renamer", "unflatten"]

#: the one heading rule, for every format and entry point
HEADINGS = {"h1": "h2", "h5": "h4", "h6": "h4"}
_HEADING_TAG = re.compile(r"<(/?)[hH]([156])(?=[\s/>])")

#: HTML elements a browser lays out as blocks, besides those of tables
_BLOCKS = frozenset(
    (
        "address article aside blockquote center details dialog dir div dl dt dd fieldset figcaption "
        "figure footer form h2 h3 h4 header hgroup hr legend li listing main menu nav ol p pre "
        "search section summary ul"
    ).split()
)
_TABLE_PARTS = ("td", "th", "tr", "caption", "tbody", "thead", "tfoot")
#: renamed like the rest, but the person is told they went (design point 10: forms)
COUNTED = frozenset({"form", "fieldset", "legend"})


def _to_level(match: re.Match[str]) -> str:
    return f"<{match.group(1)}{HEADINGS['h' + match.group(2)]}"


def shift_headings(markup: str) -> str:
    """``markup`` with ``h1`` as ``h2`` and ``h5``/``h6`` as ``h4`` (start and end tags)."""
    return _HEADING_TAG.sub(_to_level, markup)


@lru_cache(maxsize=16)
def _renamed(tags: frozenset[str]) -> frozenset[str]:
    return frozenset() if "div" not in tags else _BLOCKS - tags - {"hr"}


@lru_cache(maxsize=64)
def tag_renamer(names: frozenset[str]) -> re.Pattern[str]:
    """The start and end tags of ``names``, any case: group 1 is the "/" of an end tag,
    group 2 the name as written (what :func:`unflatten` and
    :func:`composer._html.foreign.rename_foreign` rewrite)."""
    return re.compile(r"<(/?)(" + "|".join(sorted(map(re.escape, names))) + r")(?=[\s/>])", re.IGNORECASE)


def unflatten(markup: str, starts: frozenset[str], kept: frozenset[str]) -> tuple[str, dict[str, int]]:
    """``markup`` with its headings shifted and the blocks the allowlist drops renamed ``div``;
    and how many of the :data:`COUNTED` ones there were.

    ``starts``: the start-tag names in ``markup`` (:func:`composer._html.stray.start_tags`), so a
    post with nothing to do costs two set operations. Returns ``markup`` itself then.
    """
    if not starts.isdisjoint(HEADINGS):
        markup = shift_headings(markup)
    renamed = _renamed(kept)
    loose_parts = "div" in kept and "table" not in starts
    if starts.isdisjoint(renamed) and not (loose_parts and not starts.isdisjoint(_TABLE_PARTS)):
        return markup, {}  # the common post: two set questions, no set built
    names = starts & renamed
    if loose_parts:
        names |= starts.intersection(_TABLE_PARTS)
    if not names:
        return markup, {}
    counted: dict[str, int] = {}

    def rename(match: re.Match[str]) -> str:
        name = match.group(2).lower()
        if name in COUNTED and not match.group(1):
            counted[name] = counted.get(name, 0) + 1
        return f"<{match.group(1)}div"

    return tag_renamer(frozenset(names)).sub(rename, markup), counted
