"""What the sanitizer took out that a reader would miss, for the ``content_removed`` notice.

Counted from the difference between what went in and what came out (design point 10), so
the notice cannot drift from the sanitizer: elements removed with their content, unwrapped
media, frames and form controls (:data:`MISSED_TAGS`), event handlers, and URLs whose scheme
is off the allowlist. An editor's own markup (classes, styles, ``data-*``, wrappers whose text
stays) is not counted, so most posts need a few regex scans of the source that find nothing
(the attribute scans only after one scan of the reversed source, anchored on ``=``, finds a
handler or a URL value that may be off the allowlist; the scan for tags of bare words only
when the start-tag pass of the shared ``Scan`` saw one, for a source no stage changed), and
the output is scanned only when they find something.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from composer._html.atomic import run
from composer._html.stray import BARE_WORDS
from composer.allowlist import Allowlist
from composer.document import Document
from composer.stages.sanitize.backends import URL_ATTRIBUTES, url_scheme

__all__ = ["MISSED_TAGS", "UNSEEN_ELEMENTS", "Scanner", "removal_scanner", "report_removed", "unchanged"]

#: unwrapped tags whose loss a reader would notice: media, embedded objects, frames and form
#: controls (``form``, ``fieldset`` and ``legend`` the parse stage renames and counts itself).
#: A media element's parts (``picture``, ``source``, ``track``) are not counted on their own:
#: the ``img`` of a ``picture`` stays, and a lost ``video`` is counted once.
MISSED_TAGS = frozenset(
    (
        "img video audio svg canvas math object embed applet frame frameset "
        "input button meter progress output datalist keygen map area"
    ).split()
)
#: elements removed with their content that hold nothing a reader sees or misses
UNSEEN_ELEMENTS = frozenset({"style"})


@dataclass(frozen=True)
class Scanner:
    """The regexes that find, in lower-cased HTML, what a reader would miss if it went.

    Each starts with a literal (``<``, ``on``, ``=``), so the regex engine skips ahead in C,
    and an ordinary post (classes, styles, ``data-*``, wrappers, ``https:`` links) costs
    three quick scans that find nothing.
    """

    #: the start-tag names whose loss is counted
    names: frozenset[str]
    #: start tags named in :attr:`names`
    tags: re.Pattern[str]
    #: start tags whose attributes are bare words: prose a parser read as markup
    #: (``if a<b and c>d`` holds ``<b and c>``)
    bare: re.Pattern[str]
    #: what may be an event-handler attribute (the character before is checked after)
    handlers: re.Pattern[str]
    #: URL attribute values that do not plainly start with an allowed scheme
    values: re.Pattern[str]
    #: such a value, matched where it starts (after ``name =``, which :attr:`values` misses)
    value_at: re.Pattern[str]
    #: in the *reversed* lower-cased HTML, each ``=`` where :attr:`handlers`, :attr:`values`
    #: or a spaced ``name = value`` may match: reversed, the attribute's name follows its
    #: ``=`` and the start of its value precedes it, so one scan anchored on ``=`` (a few dozen
    #: in a post, where ``on`` is in every other word) reads both with fixed-width look-behinds
    attributes: re.Pattern[str]


#: HTML's boolean and valueless attributes: markup when bare, not prose
_BOOLEAN_ATTRIBUTES = frozenset(
    (
        "allowfullscreen async autofocus autoplay checked compact contenteditable controls default "
        "defer disabled draggable formnovalidate hidden inert ismap itemscope loop multiple muted "
        "nomodule noshade novalidate nowrap open playsinline readonly required reversed selected "
        "spellcheck translate"
    ).split()
)
_ATTR_START = frozenset(" \t\n\r\f\"'/")
_NAME_BEFORE = re.compile(r"([^\s\"'/=<>]+)\s*\Z")
_SPACED = re.compile(r"=(?<=\s=)")
_BLANK = r"[\s\x00-\x20]"
_LETTERS = run("[a-z]", "+")


@lru_cache(maxsize=16)
def _scanner(names: frozenset[str], schemes: frozenset[str]) -> Scanner:
    """The scanner for an allowlist; cached by value, so policies with equal lists share it."""
    alternatives = "|".join(sorted(names, key=lambda name: (-len(name), name)))
    plain = "|".join(sorted(re.escape(scheme) for scheme in schemes)) or "(?!)"
    spaces = run(r"\s")  # possessive runs: composer._html.atomic
    allowed = rf"(?!{run(_BLANK)}(?:{plain}):)"
    # one fixed-width look-behind per name keeps "=" the literal the engine skips to
    named = "|".join(rf"(?<=[\s\"'/]{name}=)" for name in sorted(URL_ATTRIBUTES))
    value = rf"{spaces}(?:\"{allowed}([^\"]*)\"|'{allowed}([^']*)'|(?![\"']){allowed}([^\s>]+))"
    # reversed: "=" then the name (possessive letters ending in "no" for a handler), then the
    # character before it; an "=" right after a quoted allowed scheme ("https:) holds no value
    plainly = "".join(
        f"(?<!:{re.escape(scheme[::-1])}{quote}=)" for scheme in sorted(schemes) for quote in "\"'"
    )
    url_names = "|".join(re.escape(n[::-1]) for n in sorted(URL_ATTRIBUTES, key=lambda n: (-len(n), n)))
    attributes = rf"=(?:{spaces}{_LETTERS}(?<=no)|{plainly}{spaces}(?:{url_names}))(?=[\s\"'/])"
    return Scanner(
        names=names,
        tags=re.compile(rf"<({alternatives})(?=[\s/>])"),
        bare=BARE_WORDS,
        handlers=re.compile(rf"on{_LETTERS}(?={spaces}=)"),
        values=re.compile(rf"=(?:{named}){value}"),
        value_at=re.compile(value),
        attributes=re.compile(attributes),
    )


def _odd_attributes(lower: str, scanner: Scanner) -> bool:
    """Whether lower-cased HTML may hold an event handler, or a URL attribute whose value does
    not start with ``"scheme:`` or ``'scheme:`` for an allowed scheme (a relative link, say)."""
    return scanner.attributes.search(lower[::-1]) is not None


def _missed(
    lower: str, scanner: Scanner, starts: frozenset[str] | None, odd: bool | None = None, bare: bool = True
) -> Counter[tuple[str, str]]:
    """What ``scanner`` finds in lower-cased HTML, by (kind, name).

    ``starts``: the start-tag names in ``lower`` when the caller has them (the document's
    shared scan); a post holding none of :attr:`Scanner.names` is not searched for them.
    ``odd``: :func:`_odd_attributes` of ``lower``, when the caller has it. ``bare`` False: the
    caller proved that no start tag's attributes are bare words (``Scan.bare_words``).
    """
    found: Counter[tuple[str, str]] = Counter()
    if starts is None or not starts.isdisjoint(scanner.names):
        for tag in scanner.tags.findall(lower):
            found["tag", tag] += 1
    if bare:
        for tag, words in scanner.bare.findall(lower):
            found["bare", f"{tag} {' '.join(words.rstrip('/').split())}"] += 1
    if _odd_attributes(lower, scanner) if odd is None else odd:  # most posts: no handler, no odd URL
        _attributes(lower, scanner, found)
    return found


def _attributes(lower: str, scanner: Scanner, found: Counter[tuple[str, str]]) -> None:
    """Count the event handlers and the URL values off the allowlist in ``lower`` into ``found``."""
    handlers = _handlers(lower, scanner.handlers)
    if handlers:
        found["handler", ""] += handlers
    for groups in scanner.values.findall(lower):
        found["url", groups[0] or groups[1] or groups[2]] += 1
    if _SPACED.search(lower) is not None:
        _spaced(lower, scanner, found)


#: where a start tag opens, in text
_TAG_OPEN = re.compile(r"<[a-z]")
#: in a start tag: the quote opening a value, or the tag's end
_TAG_STEP = re.compile("=" + run(r"\s") + r"([\"'])|>")


def _handlers(lower: str, pattern: re.Pattern[str]) -> int:
    """How many event-handler attributes ``lower`` holds: matches of ``pattern`` where an
    attribute name starts in a start tag, never inside a quoted value or text.

    A value may hold ``"onerror=`` (a URL with a quote in it): lxml writes such a value in
    single quotes and nh3 with ``&quot;``, so a scan blind to quoting would count it in the
    source alone and report an event handler that was never there. One forward walk, jumping
    from quote to quote in C, however many candidates there are.
    """
    count, pos, state = 0, 0, ""  # state: "" in text, ">" in a tag, or the open value's quote
    for match in pattern.finditer(lower):
        at = match.start()
        if not at or lower[at - 1] not in _ATTR_START:
            continue
        while pos < at:
            if not state:
                opened = _TAG_OPEN.search(lower, pos, at)
                pos, state = (at, "") if opened is None else (opened.end(), ">")
            elif state == ">":
                step = _TAG_STEP.search(lower, pos, at)
                pos, state = (at, ">") if step is None else (step.end(), step.group(1) or "")
            else:
                end = lower.find(state, pos, at)
                pos, state = (at, state) if end < 0 else (end + 1, ">")
        if state == ">":
            count += 1
    return count


def _spaced(lower: str, scanner: Scanner, found: Counter[tuple[str, str]]) -> None:
    """Attributes written ``name = value``, which the ``=``-anchored patterns cannot see."""
    for match in _SPACED.finditer(lower):
        at = match.start()
        name = _NAME_BEFORE.search(lower, max(0, at - 48), at)
        if name is None or name.start() == 0 or lower[name.start() - 1] not in _ATTR_START:
            continue
        if name.group(1) not in URL_ATTRIBUTES:
            continue
        value = scanner.value_at.match(lower, at + 1)
        if value is not None:
            found["url", value.group(1) or value.group(2) or value.group(3)] += 1


#: the only characters ``str.lower`` turns into an ASCII letter: İ (U+0130) and the Kelvin sign
_LOWER_TO_ASCII = ("\u0130", "\u212a")


def _scan_lower(source: str) -> tuple[str, bool]:
    """``source`` lower-cased for the scans, and whether exactly as ``str.lower`` does it.

    ``str.lower`` reads non-ASCII text at ~7 ns a character (25-35 µs for 5 KB holding an
    emoji); lower-casing only the ASCII letters, on the UTF-8 bytes, costs a third. The scans
    match only ASCII letters and literals, and only the characters of
    :data:`_LOWER_TO_ASCII` lower to one, so elsewhere both give the same matches: only what
    a match captures (a bare word, a URL) may differ, and a caller whose scans find something
    lower-cases in full before it counts.
    """
    if source.isascii() or any(char in source for char in _LOWER_TO_ASCII):
        return source.lower(), True
    return source.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass"), False


def unchanged(source: str, out: str, rel: str) -> bool:
    """Whether nh3 returned ``source`` as it was, but for the ``rel`` it puts on links.

    Editor output and re-rendered posts are often already clean; when the scans of the source
    find something, one C-speed comparison then spares the scans of the output.
    """
    if rel and len(out) != len(source):
        out = out.replace(f' rel="{rel}"', "")
    return out == source


def removal_scanner(allow: Allowlist) -> Scanner:
    """The scans for what ``allow`` removes that a reader would miss (the sanitize stage
    builds it once, when it is bound to a policy)."""
    tags = (allow.clean_content_tags - UNSEEN_ELEMENTS) | (MISSED_TAGS - allow.tags)
    return _scanner(frozenset(tags), allow.url_schemes)


def report_removed(
    doc: Document, source: str, out: str, allow: Allowlist, scanner: Scanner | None = None
) -> bool:
    """Count what the sanitizer took out that a reader would miss (design point 10).

    Elements removed with their content, unwrapped media, frames and form controls
    (:data:`MISSED_TAGS`), event handlers and URLs whose scheme is off the allowlist: the
    difference between what went in and what came out, so it cannot drift from the sanitizer.
    Presentational attributes (``class``, ``style``, ``id``, ``data-*``, ...), wrappers whose
    text stays (``span``, ``font``, ``div``, ``cite``, unknown tags) and comments are an
    editor's markup, not the person's content, and are not counted. In most posts the scans of
    ``source`` find nothing, and then ``out`` is not scanned at all. ``scanner``:
    :func:`removal_scanner` of ``allow``, when the caller built it already.

    Returns whether ``source`` may hold an event handler or a URL value that does not plainly
    start with an allowed scheme (a relative link, say). When it does not, a link the
    sanitizer kept is relative only if its ``href`` was written with no value (``<a href>``).
    """
    if scanner is None:
        scanner = removal_scanner(allow)
    # the lower-cased source the stages' prefilters made, when no stage has changed the post
    # the start tags the person wrote (the shared scan of the source) decide whether the tag
    # pattern runs: stages add only markup they answer for (the embed stage's players); the
    # same pass says whether a tag of bare words may stand there, for that source alone
    shared = source is doc.content
    lower, exact = (doc.scan.lower, True) if shared else _scan_lower(source)
    odd = _odd_attributes(lower, scanner)
    starts = doc.scan.start_tags if doc.format == "html" else None
    found_in = _missed(lower, scanner, starts, odd, not shared or doc.scan.bare_words)
    if not found_in or unchanged(source, out, doc.policy.link_rel):
        return odd
    if not exact:
        found_in = _missed(source.lower(), scanner, starts, odd)
    found_out = _missed(out.lower(), scanner, None)
    for (kind, name), count in sorted((found_in - found_out).items()):
        if kind == "tag":
            doc.remove("elements" if name in allow.clean_content_tags else "tags", name, count)
        elif kind == "bare":
            tag, _, words = name.partition(" ")
            kept = allow.allowed_attributes(tag) | _BOOLEAN_ATTRIBUTES
            for word in words.split():
                if word not in kept:
                    doc.remove("attributes", word, count)
        elif kind == "handler":
            doc.remove("attributes", "event handler", count)
        else:
            scheme = url_scheme(name)
            if scheme is not None and scheme not in allow.url_schemes:
                doc.remove("links", f"{scheme}:", count)
    return odd
