"""Input limits in one place: the size read, and the pre-parse scans that bound the worst case.

:func:`oversize` checks ``Policy.max_input_bytes`` before anything is decoded.

Every input the default policy accepts must finish within 3 s and 700 MB on a 2-core machine,
or be refused before any parser runs (issue 11.7; the measured table is in
docs/security.md). Each scan here is linear and C-speed (regexes that cannot backtrack):

1. long ``data:`` URLs (a paste's images) are cut, then ``Policy.max_markup_bytes`` caps what
   is parsed (:func:`refuse_oversize`);
2. ``too_long`` when the source alone proves it (:func:`text_floor`);
3. ``too_complex`` past :data:`MAX_ELEMENTS` elements, or for markdown past
   :data:`MAX_MARKDOWN_MARKS` formatting characters, :data:`MAX_MARKDOWN_LINES` lines or
   :data:`MAX_BRACKET_NESTING` nested brackets;
4. each tag keeps its first :data:`MAX_ATTRIBUTES` attributes (:func:`cap_attributes`).

Most posts need none of these: each full scan is preceded by a C-speed question whose "no"
is proof (:func:`may_cap`, :func:`may_run_without`), checked exact by hypothesis tests.
"""

from __future__ import annotations

import re
from itertools import repeat

from composer._html.facts import Scan
from composer._html.flat import HIDDEN_HTML, markup_text
from composer._html.scan import _TAG, QUOTED_GT, utf8_size
from composer.document import Document
from composer.messages import variant
from composer.policy import Policy
from composer.result import Result

#: a ``data:`` URL long enough to be a pasted image (or any file): cut to its scheme and type
#: before the size check, in html and markdown, as the images stage rejects pasted images
#: whatever their payload (4 000 characters: shorter ones are cheap, and may be prose)
_DATA_URL = re.compile(r"(data:[\w.+/-]{0,64})[;,][^\s\"'<>)]{4000,}", re.IGNORECASE)
#: markdown characters markdown-it-py makes a token (or a delimiter) of, each costing ~50 us
#: in the worst shapes: 20 000 of them stay near 1 s
MAX_MARKDOWN_MARKS = 20_000
_MARKS = "*_~`[]()!<>&|\\"
#: link brackets nested deeper than this make markdown-it-py's label scan quadratic
MAX_BRACKET_NESTING = 32
#: elements a post may open: each costs every stage a Python step (~20-40 us in all), and a
#: 100 000-character post has a few thousand; more is ``too_complex``
MAX_ELEMENTS = 40_000
_START_TAG = re.compile(r"<[a-zA-Z]")
#: markdown lines: markdown-it-py's block rules cost per line
MAX_MARKDOWN_LINES = 10_000
#: attributes one tag may carry; more are cut (counted): libxml2 and nh3 are quadratic here
MAX_ATTRIBUTES = 256


def many_attributes(limit: int) -> re.Pattern[str]:
    """The pattern of a tag with more than ``limit`` attributes (see :data:`_MANY_ATTRIBUTES`)."""
    return re.compile(
        r"<[a-zA-Z][^\s/<>]*(?:(?=([\s/]+[^\s/>=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]*))?))\1)"
        + f"{{{limit + 1}}}"
    )


#: a tag with more than MAX_ATTRIBUTES attributes; "(?=(...))\1" takes each attribute whole
#: (an atomic group), as spaces around "=" would otherwise give each one two readings and a
#: failing match 2^n retries
#: a tag with more than MAX_ATTRIBUTES attributes; the name stops at "<" so that a run of
#: "a<a<a<..." is not rescanned to its end from every "<" (that was quadratic: 16 KB took 8 s);
#: a tag whose name holds a "<" is still found, from that inner "<"
_MANY_ATTRIBUTES = many_attributes(MAX_ATTRIBUTES)
_ATTRIBUTE = re.compile(r"""[^\s/>=][^\s/>=]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?""")
#: a quoted attribute value holding ">": the one place a ">" may stand inside a tag
_QUOTED_GT = QUOTED_GT
#: the fewest characters a long ``data:`` URL (:data:`_DATA_URL`) runs without a blank
_DATA_RUN = 4000


def oversize(body: str | bytes, policy: Policy) -> Result | None:
    """A ``too_large`` result when ``body`` exceeds ``max_input_bytes``, else None."""
    limit = policy.max_input_bytes
    if isinstance(body, str) and len(body) * 4 <= limit:
        return None
    size = utf8_size(body)
    if size <= limit:
        return None
    doc = Document("", "text", policy)
    doc.problem("too_large", stop=True, size=size, limit=limit)
    return doc.result()


def may_run_without(text: str, char: str, size: int) -> bool:
    """Whether ``text`` may hold ``size`` characters in a row none of which is ``char``
    (False is proof). Such a run covers a whole aligned block of ``size // 2`` characters,
    so one ``str.find`` a block (memchr, C speed) answers: a few for a 5 KB post."""
    return -1 in _block_finds(text, char, max(size // 2, 1))


def _block_finds(text: str, char: str, step: int) -> map[int]:
    """``text.find(char)`` in each whole block of ``step`` characters, in order."""
    size = len(text)
    return map(text.find, repeat(char), range(0, size - step + 1, step), range(step, size + 1, step))


def _gt_free_after_lt(text: str, size: int) -> bool:
    """Whether a ``<`` may start ``size`` characters in a row with no ``>`` (False is proof):
    each block :func:`may_run_without` finds free of ``>`` is widened to its run, and the run
    must hold a ``<`` at least ``size`` characters before its end."""
    step = max(size // 2, 1)
    size_of = len(text)
    free = list(_block_finds(text, ">", step))
    if -1 not in free:
        return False
    block = 0
    while True:
        try:
            block = free.index(-1, block)
        except ValueError:
            return False
        before = text.rfind(">", 0, block * step)
        after = text.find(">", (block + 1) * step)
        end = size_of if after < 0 else after
        last = end - size  # the last index a "<" may stand at
        if last > before and text.find("<", before + 1, last + 1) >= 0:
            return True
        block = end // step + 1  # the block holding ``end`` holds a ">": the run is done


def may_cap(source: str, limit: int = MAX_ATTRIBUTES, facts: Scan | None = None) -> bool:
    """Whether :func:`cap_attributes` may have a tag to cut, one with more than ``limit``
    attributes (False is proof, from a regex anchored on "=" and a few
    ``str.find``). Such a tag spans at least ``2 + 2 * (limit + 1)`` characters from its
    ``<`` (a letter, and a separator and a character for each attribute) and holds a ``>``
    only inside a quoted value: so either the source has such a value (:data:`_QUOTED_GT`),
    or a ``<`` starts that many characters free of ``>``. ``facts``: the shared scan of
    ``source``, which answers the first question (``Scan.quoted_gt``) and, in its start-tag pass,
    the second (``Scan.long_tag``)."""
    at_least = 2 + 2 * (limit + 1)
    if len(source) < at_least:
        return False
    if facts is not None and facts.text is source:
        if facts.quoted_gt:  # searched once a run (Scan.quoted_gt)
            return True
        if limit == MAX_ATTRIBUTES:
            return facts.long_tag  # the start-tag pass read this question (stray.LONG_TAG)
    elif _QUOTED_GT.search(source) is not None:
        return True
    return _gt_free_after_lt(source, at_least)


def cut_data_urls(source: str) -> str:
    """``source`` with every long ``data:`` URL cut to ``data:<type>,`` (linear)."""
    if not may_run_without(source, " ", _DATA_RUN):
        return source  # the URL's payload is a run of non-blank characters
    if "ata:" not in source and "ATA:" not in source:
        return source  # a mixed-case "dAtA:" is only not cut: the size cap still holds
    return _DATA_URL.sub(r"\1,", source)


def fence_free(markdown: str) -> str:
    """``markdown`` without its fenced code blocks (markdown-it does no inline work there)."""
    if "```" not in markdown and "~~~" not in markdown:
        return markdown
    return _FENCED.sub("", markdown)


#: the lookaheads pin each fence to its whole run: a regex that may retry shorter runs of a
#: 20 000-backtick line scans the rest of the post once per length (48 s)
_FENCED = re.compile(
    r"^[ \t]{0,3}(?:(`{3,})(?!`)[^`\n]*|(~{3,})(?!~)[^\n]*)\n.*?(?:^[ \t]{0,3}(?:\1|\2)|\Z)",
    re.MULTILINE | re.DOTALL,
)


def markdown_marks(markdown: str) -> int:
    """Formatting characters outside fenced code: what markdown-it-py makes tokens of."""
    text = fence_free(markdown)
    return sum(text.count(mark) for mark in _MARKS)


def bracket_nesting(markdown: str, limit: int) -> bool:
    """Whether ``[`` nest deeper than ``limit`` (unmatched ``]`` ignored); O(brackets)."""
    if markdown.count("[") <= limit:
        return False
    depth = 0
    for found in re.finditer(r"\\.|[\[\]]", markdown):
        mark = found.group()
        if mark == "[":
            depth += 1
            if depth > limit:
                return True
        elif mark == "]" and depth:
            depth -= 1
    return False


def cap_attributes(source: str, facts: Scan | None = None) -> tuple[str, int]:
    """``source`` with tags cut to their first :data:`MAX_ATTRIBUTES` attributes; how many went.

    An HTML parser keeps the first of duplicate attributes, so the ones cut are the ones no
    parser would have preferred; tags within the cap are left byte for byte. ``facts``: the
    shared scan of ``source``, when the caller has it (see :func:`may_cap`).
    """
    if not may_cap(source, MAX_ATTRIBUTES, facts) or _MANY_ATTRIBUTES.search(source) is None:
        return source, 0
    out: list[str] = []
    cut = 0
    pos = 0
    last_gt = source.rfind(">")
    for found in _MANY_ATTRIBUTES.finditer(source):
        if found.start() > last_gt:
            break  # no ">" after it: this tag and every later one are cut by the end of input
        if found.start() < pos:
            continue  # inside a tag already cut
        tag = _TAG.match(source, found.start())
        if tag is None or not tag.group(3):
            continue  # a tag the end of input cuts
        name_end = found.start() + 1 + len(tag.group(2))
        attributes = _ATTRIBUTE.findall(source, name_end, tag.end() - (1 if tag.group(3) else 0))
        cut += len(attributes) - MAX_ATTRIBUTES
        out.append(source[pos:name_end])
        out.append(" " + " ".join(attributes[:MAX_ATTRIBUTES]) + tag.group(3))
        pos = tag.end()
    out.append(source[pos:])
    return "".join(out), cut


# -- a floor under the visible text -------------------------------------------------------

#: content no reader sees (the toolkit's pattern, shared with the parse-free text reading)
_HIDDEN_HTML = HIDDEN_HTML
#: character references: the four that are always one visible character, and any other
_VISIBLE_REFERENCE = re.compile(r"&(?:amp|lt|gt|quot);", re.IGNORECASE)
_REFERENCE = re.compile(r"&#?\w+;?")
#: what an emoji stage may trim, or an invisible character: never counted
_MAYBE_EMOJI = re.compile(
    "[0-9#*]\ufe0f?\u20e3|:[\\w+-]+:|[\u00a9\u00ae\u2000-\u33ff\ufe00-\ufe0f\ufeff\U0001f000-\U0001faff"
    "\U000e0000-\U000e007f\ud800-\udfff]"
)
#: a URL-ish token; anchored at the token's start, so a long run without one is read once
_URL_TOKEN = re.compile(r"(?<!\S)\S*?(?:://|www\.)\S*", re.IGNORECASE)
#: markdown syntax that hides text: link destinations and titles, reference labels and
#: definitions, image descriptions, fence info strings, line-start markers
_HIDDEN_MARKDOWN = re.compile(
    r"!\[[^\[\]]*\](?:\((?:[^()]|\([^()]*\))*\))?|\]\((?:[^()]|\([^()]*\))*\)|\]\[[^\[\]]*\]"
    r"|^[ \t]*(?:(?:>|[-+*]|\d{1,9}[.)])[ \t]*)*(?:\[[^\]\n]*\]:|`{3,}|~{3,}).*$"
    r"|^[ \t]*(?:(?:>|[-+*]|\d{1,9}[.)]|#{1,6})[ \t]*)+|#+[ \t]*$|^[ \t]*=+[ \t]*$",
    re.MULTILINE,
)
#: styles that hide an element (the paste stage removes such elements with their text): the
#: floor cannot tell how much they hide, so a source holding one gets no early verdict
_HIDING_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|mso-hide", re.IGNORECASE)
_MARKDOWN_INVISIBLE = str.maketrans("", "", _MARKS)


def text_floor(source: str, fmt: str, max_embeds: int) -> int:
    """A floor under the visible text ``source`` can make: a source whose floor is over
    ``max_length`` is ``too_long`` before any parser runs.

    Errs low wherever a stage or the sanitizer might remove text: whitespace, hidden and
    removed elements (and any HTML with a hiding style: no floor then), markup, emoji and
    shortcodes (trim mode), character references other than ``&amp; &lt; &gt; &quot;``,
    markdown syntax (setext underlines included) and link destinations, and the
    ``max_embeds`` longest URLs (an embed may replace its URL). Linear, by C-speed regexes.
    """
    text = source
    if fmt == "html":
        if _HIDING_STYLE.search(text):
            return 0
        text = _HIDDEN_HTML.sub("", text)
        text = _TAG.sub("", text)
        text = _REFERENCE.sub("", _VISIBLE_REFERENCE.sub("&", text))
    elif fmt == "markdown":
        text = _HIDDEN_MARKDOWN.sub("", text)
        text = _REFERENCE.sub("", _VISIBLE_REFERENCE.sub("&", text))
    text = _MAYBE_EMOJI.sub("", text)
    if fmt == "markdown":
        text = text.translate(_MARKDOWN_INVISIBLE)
    urls = sorted((len(url) for url in _URL_TOKEN.findall(text)), reverse=True)
    return len("".join(text.split())) - sum(urls[:max_embeds])


def refuse_oversize(doc: Document, source: str) -> str | None:
    """``source`` with its long ``data:`` URLs cut (html and markdown), or None when what is
    left is over ``Policy.max_markup_bytes`` (problem ``too_large``). First of all, so that not
    even the control-character pass reads a source that will not be parsed."""
    if doc.format != "text":
        source = cut_data_urls(source)
    limit = doc.policy.max_markup_bytes
    if len(source) * 4 <= limit:  # UTF-8 takes at most 4 bytes a character: nothing to encode
        return source
    size = utf8_size(source)
    if size > limit:
        doc.problem("too_large", stop=True, size=size, limit=limit)
        return None
    return source


def refuse_early(doc: Document, source: str, facts: Scan | None = None) -> str | None:
    """Apply the other pre-parse limits to ``source`` (size checked, controls out); return the
    source to parse (attributes capped), or None when the run is refused: ``too_long`` when
    :func:`text_floor` proves it, ``too_complex`` past :data:`MAX_ELEMENTS`, or for markdown
    past :data:`MAX_MARKDOWN_MARKS`, :data:`MAX_MARKDOWN_LINES` or :data:`MAX_BRACKET_NESTING`.
    ``facts``: the shared scan of ``source``, when the caller has it (:func:`may_cap`)."""
    policy = doc.policy
    if len(source) > policy.max_length:
        floor = text_floor(source, doc.format, policy.max_embeds)
        if floor > policy.max_length:
            doc.problem("too_long", stop=True, length=floor, limit=policy.max_length)
            return None
    if doc.format == "markdown":
        marks = markdown_marks(source) if len(source) > MAX_MARKDOWN_MARKS else 0
        if marks > MAX_MARKDOWN_MARKS:
            doc.problem("too_complex", stop=True, count=marks, limit=MAX_MARKDOWN_MARKS)
            return None
        if bracket_nesting(source, MAX_BRACKET_NESTING):
            key = variant("too_complex_nesting", doc.policy.messages, params={"limit": MAX_BRACKET_NESTING})
            doc.problem("too_complex", template=key, stop=True, limit=MAX_BRACKET_NESTING)
            return None
        lines = source.count("\n")
        if lines > MAX_MARKDOWN_LINES:
            doc.problem(
                "too_complex", template="too_complex_lines", stop=True, count=lines, limit=MAX_MARKDOWN_LINES
            )
            return None
    elif doc.format == "html":
        if too_many_elements(doc, source):
            return None
        source, cut = cap_attributes(source, facts)
        if cut:
            doc.remove("attributes", f"past {MAX_ATTRIBUTES} on one tag", cut)
    return source


def too_many_elements(doc: Document, markup: str) -> bool:
    """Refuse (``too_complex``) markup opening more than :data:`MAX_ELEMENTS` elements."""
    if len(markup) <= MAX_ELEMENTS or markup.count("<") <= MAX_ELEMENTS:
        return False
    count = len(_START_TAG.findall(markup))
    if count <= MAX_ELEMENTS:
        return False
    doc.problem("too_complex", template="too_complex_elements", stop=True, count=count, limit=MAX_ELEMENTS)
    return True


def markup_words(markup: str, policy: Policy) -> str | None:
    """The words of HTML a limit refused to parse (:func:`composer._html.flat.markup_text`),
    its pasted images' ``data:`` URLs cut first; None when the rest is over
    ``Policy.max_markup_bytes``: the reading is linear but not cheap (about 0.8 s a MB of
    dense tags), so no more is read than a parse would have read."""
    cut = cut_data_urls(markup)
    if len(cut) * 4 > policy.max_markup_bytes and utf8_size(cut) > policy.max_markup_bytes:
        return None
    return markup_text(cut)
