"""Blocks the allowlist would flatten, renamed before any parser so no two words merge.

The sanitizer unwraps an element it does not allow: for an inline one the text reads as
before, but for a block the line break between two blocks goes too (``<h5>five</h5><h6>six
</h6>`` read ``fivesix``). So, in every format and entry point, before any tree is built:

- headings follow one rule (:data:`HEADINGS`): ``h1`` becomes ``h2`` (a post lives under the
  topic's title, the page's ``h1``), ``h5`` and ``h6`` become ``h4``;
- a block element the allowlist does not keep becomes a ``div`` (``section``, ``article``,
  ``dl``/``dt``/``dd``, ``details``, ``center``, ...): its text keeps its own line. Such
  wrappers are not reported (design point 10); ``form``, ``fieldset`` and ``legend`` are,
  as ``tags``. A form tag HTML5 ignores (a form in a form, an end with no form open) is
  taken out, not renamed: a div would nest where no form does;
- table parts outside any table (``<td>a</td><td>b</td>``), which a parser ignores, become
  ``div`` too, closed where libxml2 closes those parts (``<td>a<td>b`` is two divs, not one
  in the other).

Only tags are renamed, where an HTML tokenizer reads them (:func:`composer._html.tokens.rename_tags`,
one C-speed pass): a name written inside an attribute value, a comment or raw text
(``<p title="<h5>">``, ``<!-- <form> -->``, ``<textarea><dl></textarea>``) stays as typed.
"""

from __future__ import annotations

import re
from functools import lru_cache

from composer._html.tokens import before_cut, find_tags, rename_tags

__all__ = ["COUNTED", "HEADINGS", "shift_headings", "unflatten"]

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
#: where a CDATA section hides what it holds to its "]]>" (:func:`composer._html.tokens.find_tags`)
_FOREIGN_ROOTS = frozenset({"svg", "math"})
#: table parts a loose one's start closes, as libxml2 closes them (composer._html.depth's
#: table); libxml2 nests the others (``thead``, ``caption``), and so do the divs
_LOOSE_CLOSES = {
    "td": frozenset({"td", "th"}),
    "th": frozenset({"td", "th"}),
    "tr": frozenset({"tr", "td", "th"}),
    "tbody": frozenset({"tbody", "thead", "tfoot", "tr", "td", "th"}),
    "tfoot": frozenset({"tbody", "thead", "tr", "td", "th"}),
}
#: renamed like the rest, but the person is told they went (design point 10: forms)
COUNTED = frozenset({"form", "fieldset", "legend"})


def _to_level(match: re.Match[str]) -> str:
    return f"<{match.group(1)}{HEADINGS['h' + match.group(2)]}"


def shift_headings(markup: str) -> str:
    """``markup`` with ``h1`` as ``h2`` and ``h5``/``h6`` as ``h4`` (start and end tags).

    For markdown-it's output, which writes ``<`` only where a tag starts (text and attribute
    values escaped); HTML source goes through :func:`unflatten`, which reads tags as a
    tokenizer does."""
    return _HEADING_TAG.sub(_to_level, markup)


@lru_cache(maxsize=16)
def _renamed(tags: frozenset[str]) -> frozenset[str]:
    return frozenset() if "div" not in tags else _BLOCKS - tags - {"hr"}


def unflatten(markup: str, starts: frozenset[str], kept: frozenset[str]) -> tuple[str, dict[str, int]]:
    """``markup`` with its headings shifted and the blocks the allowlist drops renamed ``div``;
    and how many of the :data:`COUNTED` ones there were.

    ``starts``: the start-tag names in ``markup`` (:func:`composer._html.stray.start_tags`), so a
    post with nothing to do costs a few set operations. Returns ``markup`` itself then.
    """
    if "colgroup" in starts:
        markup = _without_column_groups(markup, not starts.isdisjoint(_FOREIGN_ROOTS))
    renamed = _renamed(kept)
    loose_parts = "div" in kept and "table" not in starts
    if (
        starts.isdisjoint(HEADINGS)
        and starts.isdisjoint(renamed)
        and not (loose_parts and not starts.isdisjoint(_TABLE_PARTS))
    ):
        return markup, {}  # the common post: three set questions, no set built
    names = starts & renamed
    if loose_parts:
        names |= starts.intersection(_TABLE_PARTS)
    renames = {name: "div" for name in names}
    if not starts.isdisjoint(HEADINGS):
        renames.update(HEADINGS)  # their end tags too, wherever they stand, as shift_headings does
    foreign = not starts.isdisjoint(_FOREIGN_ROOTS)
    loose = names.intersection(_TABLE_PARTS) if loose_parts else frozenset()
    if "form" in renames or loose:
        return _renamed_in_order(markup, renames, foreign, loose)
    markup, starts_renamed = rename_tags(markup, renames, foreign=foreign)
    return markup, {name: count for name, count in starts_renamed.items() if name in COUNTED}


def _without_column_groups(markup: str, foreign: bool) -> str:
    """``markup`` without its ``colgroup`` tags. A column group holds no text (HTML5 ignores
    one outside a table and ends one at anything but a ``col``, whose text it puts before the
    table), but libxml2 drops the text that follows one, silently: ``a<colgroup>b<span>c``
    kept "a". The allowlist keeps no ``colgroup``; a ``col`` builds its own in a table."""
    pieces: list[str] = []
    last = 0
    for tag in find_tags(markup, ("colgroup",), foreign=foreign):
        pieces.append(before_cut(markup[last : tag.start]))
        last = tag.end
    if not pieces:
        return markup
    pieces.append(markup[last:])
    return "".join(pieces)


def _renamed_in_order(
    markup: str, renames: dict[str, str], foreign: bool, loose: frozenset[str]
) -> tuple[str, dict[str, int]]:
    """:func:`unflatten`'s renaming where a tag's fate depends on those before it, so that no
    div nests where neither parser nests an element (the depth scan reads the renamed source,
    and refused ``"<form>" * 3000`` or ``"<td>" * 150``, which both parsers build flat):

    - HTML5 ignores a ``<form>`` while another is open (its "form element pointer") and a
      ``</form>`` when none is (libxml2 closes an innermost form too): such a tag is taken out;
    - table parts outside any table (``loose``), which HTML5 ignores, become divs that close
      as libxml2 closes those parts (:data:`_LOOSE_CLOSES`: a ``<td>`` the open ``td``); an
      end tag with none of its name open is taken out.

    Every form, fieldset and legend start tag is counted."""
    pieces: list[str] = []
    counted: dict[str, int] = {}
    last = 0
    form_open = False
    parts: list[str] = []  # the loose table parts open, innermost last
    for tag in find_tags(markup, renames.keys(), foreign=foreign):
        name = tag.name
        pieces.append(markup[last : tag.start])
        last = tag.name_end
        if not tag.closing and name in COUNTED:
            counted[name] = counted.get(name, 0) + 1
        if name == "form":
            if form_open != tag.closing:  # ignored by HTML5
                pieces[-1] = before_cut(pieces[-1])
                last = tag.end
                continue
            form_open = not tag.closing
        elif name in loose:
            if tag.closing:
                if name not in parts:
                    pieces[-1] = before_cut(pieces[-1])
                    last = tag.end
                    continue
                closed = len(parts) - parts[::-1].index(name) - 1
                pieces.append("</div>" * (len(parts) - closed - 1))
                del parts[closed:]
            else:
                closes = _LOOSE_CLOSES.get(name, frozenset())
                while parts and parts[-1] in closes:
                    parts.pop()
                    pieces.append("</div>")
                parts.append(name)
        pieces += ("</" if tag.closing else "<", renames[name])
    pieces.append(markup[last:])
    return "".join(pieces), counted
