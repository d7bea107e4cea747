"""The emoji stage's reading of raw HTML: the count, and the shortcodes, of a post not parsed.

A post whose emoji all stand in plain visible text is counted on its HTML string; the walk of
the tree is the reference, and the string is trusted only where it reads text as the tree
does. Where it may not, the answer is "ask the tree" (None, or True for shortcodes), never a
guess. The places a reading of ``<`` and ``>`` alone misreads what is text, each sent to the
tree, each found at C speed or only around what it would misplace:

1. a ``>`` that ends no tag: in a quoted attribute value, in a comment, CDATA, declaration
   or processing instruction (``Scan.plain_tags``, whose answers the parse stage already
   asked of most posts); an end tag that is no tag, inside another (``<b </code>``);
2. raw-text elements (``script``, ``textarea``, ``xmp``, ...), whose content holds no tags;
3. end tags that close nothing: one of an element not open (``</pre>`` in ``code``), or one
   libxml2 does not let close past a block (``<code><div></code>``: see :data:`_BLOCKERS`);
4. an emoji's parts on both sides of a tag (``\u2764</i>\ufe0f``, ``\U0001f1eb</i>\U0001f1f7``):
   libxml2 drops a stray end tag and joins the texts;
5. a shortcode spelled with character references (``&#58;smile:``, ``:pi&ntilde;ata:``),
   which only the parser decodes (:func:`has_split_shortcode`).

Left to the parser: a shortcode whose halves a stray end tag separates (``:smi</b>le:``,
joined by libxml2's repair of the markup) is converted only when a tree is walked.
"""

from __future__ import annotations

import html as htmllib
import re
from functools import cache
from itertools import repeat

from composer._html.facts import Scan
from composer._html.stray import RAW_TEXT
from composer.stages.emoji import counter as _emoji

__all__ = ["count_in_raw_text", "has_split_shortcode", "joins_across"]

#: at most this many emoji are placed in the raw HTML one by one; more go to the tree walk
_RAW_LIMIT = 40
_TOKEN_ENDS = (" ", "\n", "\t", "\r", "\f")
_TOKEN_ENDS_TEXT = "".join(_TOKEN_ENDS)
#: how far back an emoji's tag and word context is looked for before the tree decides
_LOOK_BACK = 512
#: start tags of the elements libxml2 ranks above inline ones when an end tag is misplaced
#: (its "end priority": div, the table parts, head, body, html): an end tag of an element
#: opened before one of them, met while it is open, is ignored (``<code><div></code>``)
_BLOCKERS = re.compile(r"<(?:div|table|thead|tbody|tfoot|tr|td|th|head|body|html)[\s/>]")
#: characters that make an emoji of what stands before them (the selectors, the keycap),
#: found by ``str.find``: a text-default character (``\u2764``, ``1``) is no emoji alone
_SELECTORS = ("\ufe0f", "\u20e3", "\ufe0e")
#: what may stand between an emoji's parts: joiners and selectors
_JOINING = "\u200d\ufe0f\ufe0e\u20e3"
_AFTER_TAG = ">" + _JOINING
_ZWJ = "\u200d"
#: emoji that join the one before them: regional indicators, skin tones (and the symbols
#: between the two ranges, erring towards the tree)
_MODIFIERS_FIRST = "\U0001f1e6"
_MODIFIERS_LAST = "\U0001f3ff"


def joins_across(raw: str) -> bool:
    """Whether a selector or the keycap (:data:`_SELECTORS`) in ``raw`` stands right after a
    ``>``: libxml2 drops a stray end tag and joins the texts around it, and the walk may then
    count an emoji the raw text does not hold (``\u2764</i>\ufe0f``). An emoji that starts
    right after a tag is looked at where it is placed (:func:`count_in_raw_text`)."""
    for char in _SELECTORS:
        at = raw.find(char)
        while at >= 0:
            if at and raw[at - 1] == ">":
                return True
            at = raw.find(char, at + 1)
    return False


def _joins_before(raw: str, start: int, gt: int, lt: int) -> bool:
    """Whether the emoji at ``start`` (``gt``, ``lt``: the last ``>`` and ``<`` before it)
    may be joined to what stands before the tags right before it, if libxml2 drops them: it
    follows a joiner or a selector, or it is a flag's half or a skin tone, or a joiner ends
    the text before the tags; and a character outside Latin-1 stands there. (Two emoji that
    join nothing count two, on one text or on two.)"""
    first = start
    while first > 0 and raw[first - 1] in _JOINING:
        first -= 1
    if gt != first - 1 or lt < 0:
        return False
    while lt > 0 and raw[lt - 1] == ">":  # a run of tags: what stands before the first
        lt = raw.rfind("<", 0, lt - 1)
    if lt <= 0 or raw[lt - 1] <= "\xff":
        return False
    char = raw[start]
    return first < start or raw[lt - 1] == _ZWJ or _MODIFIERS_FIRST <= char <= _MODIFIERS_LAST


def count_in_raw_text(
    raw: str, found: list[tuple[int, int]], facts: Scan, uncounted: frozenset[str]
) -> int | None:
    """The count when every emoji in the raw HTML (``found``: :func:`counter.groups`, emoji
    with nothing but characters outside Latin-1 between them; ``facts``: the scan of ``raw``;
    ``uncounted``: the elements whose text does not count) stands in plain visible text,
    else None: the tree decides.

    Each group is placed by looking back a short way from its first emoji with C-speed
    ``rfind``: not inside a tag, not inside a URL; and one pass over the tags of uncounted
    elements tells whether any is open around it. The emoji after the first share its place:
    no tag, space or URL can start between them. Trusted only where ``<`` and ``>`` alone tell
    tags from text (the module docstring lists where they do not).
    """
    total = sum(count for _, count in found)
    if total > _RAW_LIMIT:
        return None
    starts = facts.start_tags
    if not facts.plain_tags or not starts.isdisjoint(RAW_TEXT) or joins_across(raw):
        return None
    lower = facts.lower
    # only the elements the post opens: an end tag with no start tag closes nothing
    names = uncounted & starts
    # the tags before the last emoji are enough: a name ends before the emoji that follows it
    tags = _tag_pattern(names).finditer(lower, 0, found[-1][0]) if names else ()
    events = [(m.start(), m.group(1) == "/", m.group(2)) for m in tags]
    n_events = len(events)
    # each name's open elements, as libxml2 counts them: an end tag closes one of its own
    # name if any is open, else nothing (it may close more; then the count errs high: tree)
    open_by_name: dict[str, int] = {}
    depth = seen = opened_at = 0
    for start, _ in found:
        while seen < n_events and events[seen][0] < start:
            at, end, name = events[seen]
            seen += 1
            if not end:
                if not depth:
                    opened_at = at
                depth += 1
                open_by_name[name] = open_by_name.get(name, 0) + 1
            elif open_by_name.get(name):
                if raw.find("<", raw.rfind(">", 0, at) + 1, at) >= 0:
                    return None  # inside another tag (or a value): not an end tag
                open_by_name[name] -= 1
                depth -= 1
                if not depth and _BLOCKERS.search(lower, opened_at, at):
                    return None  # an end tag in there may have closed nothing
        if depth:
            return None  # in an element whose text does not count
        low = start - _LOOK_BACK if start > _LOOK_BACK else 0  # searched in place (no copy)
        lt, gt = raw.rfind("<", low, start), raw.rfind(">", low, start)
        if lt > gt or (gt < 0 and start > _LOOK_BACK):
            return None  # in a tag (an attribute value), or too far to tell
        if start and raw[start - 1] in _AFTER_TAG and _joins_before(raw, start, gt, lt):
            return None  # perhaps the end of an emoji before the tag, if libxml2 drops it
        if start and raw[start - 1] in _TOKEN_ENDS_TEXT:
            continue  # the first character of a word: no URL before it
        # back to the last white space of the text, across tags (one inside a tag is none):
        # a parser may merge the text around a stray end tag, so an emoji after "</b>" may
        # still end a URL
        space = _last_space(raw, low, start)
        # a space inside a tag is none: asked only when a tag ends between it and the emoji
        while (
            space >= 0
            and raw.find(">", space, start) >= 0
            and raw.rfind("<", low, space) > raw.rfind(">", low, space)
        ):
            space = _last_space(raw, low, raw.rfind("<", low, space))
        if space < 0 and start > _LOOK_BACK:
            return None
        token = lower[space + 1 if space >= 0 else low : start]
        if "://" in token or "www." in token:
            return None  # perhaps part of a URL: the tree knows
    return total


def _last_space(raw: str, low: int, end: int) -> int:
    """The last white space in ``raw[low:end]``, or -1; each kind is looked for only after
    the last one found, so the window is read about once."""
    space = -1
    for end_char in _TOKEN_ENDS:
        last = raw.rfind(end_char, space + 1 if space >= 0 else low, end)
        if last >= 0:
            space = last
    return space


@cache
def _tag_pattern(names: frozenset[str]) -> re.Pattern[str]:
    alternatives = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
    return re.compile(r"<(/?)(" + alternatives + r")(?=[\s/>])")


# -- shortcodes the parser decodes ---------------------------------------------------------

#: a character reference to a colon (numeric ones need no ";" before a non-digit)
_COLON_REFERENCE = re.compile(r"&(?:#0*58(?![0-9])|#[xX]0*3[aA](?![0-9a-fA-F])|colon;)")
#: what ends a word: no shortcode spans a space or a tag's edge
_WORD_ENDS = (" ", "\n", "\t", "\r", "\f", "<", ">")
#: references that decode to no character a name holds (the no-break space: NFKC folds it
#: to a space); the commonest in posts
_NO_NAME = ("&quot;", "&nbsp;", "&lt;", "&gt;")


def has_split_shortcode(markup: str) -> bool:
    """Whether a text of the tree parsed from ``markup`` (HTML, or markdown, whose inline
    text markdown-it decodes too) may hold a shortcode that :func:`counter.has_shortcode`
    does not find in ``markup``: one spelled with character references, as its colons
    (``&#58;smile:``) or in its name (``:smi&#108;e:``, ``:Trinidad_&amp;_Tobago:``), or one
    a reference lets the pattern align on (``:&#108;:Trinidad_:smile:`` reads
    ``:l:Trinidad_:smile:``, whose first pair is no name).

    Each ``&`` is looked at in place. A colon spelled as a reference is rare: the whole
    markup is then decoded and read. Else the word around each other reference that may
    spell a name's character (no space, no ``<`` or ``>``: no shortcode spans one) is decoded
    and read as the walk reads a text, every pair of colons in it, when it holds a colon.
    ``&amp;`` is read so too: the "&" it decodes to is a name character, so even where no
    name holds one it moves the pairs (``:&amp;:_Tobago:smile:`` reads ``:&:``, then
    ``:smile:``). True errs towards the walk (a word inside an attribute value)."""
    at = markup.find("&")
    checked = -1  # the end of the last word read
    while at >= 0:
        if at < checked or markup.startswith(_NO_NAME, at):
            pass
        elif markup.startswith(("&#", "&colon;"), at) and _COLON_REFERENCE.match(markup, at) is not None:
            return _emoji.has_shortcode_in_joined(htmllib.unescape(markup))
        else:
            start = max(map(markup.rfind, _WORD_ENDS, repeat(0), repeat(at))) + 1
            ends = [end for end in map(markup.find, _WORD_ENDS, repeat(at)) if end >= 0]
            checked = min(ends) if ends else len(markup)
            word = markup[start:checked]
            # a colon may be spelled later in the word ("&&#58;a&#58;"): that "&" is passed
            if (":" in word or "&#" in word or "&colon;" in word) and _emoji.has_shortcode_in_joined(
                htmllib.unescape(word)
            ):
                return True
        at = markup.find("&", at + 1)
    return False
