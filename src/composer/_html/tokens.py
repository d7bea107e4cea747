"""Where an HTML tokenizer sees tags in source text: the one grammar of the source rewriters.

A rewrite of HTML source before any parser runs (a tag renamed, an end tag taken out) must
touch only what an HTML5 tokenizer reads as a tag. A name written anywhere else is text or
data and must stay as typed: inside an attribute value (``<p title="<text>">``), a comment
(``<!-- <form> -->``), a bogus comment (``<?x <h5>>``, ``</ <h1>>``, ``<![CDATA[ <h5>``
outside SVG and MathML), or the content of a raw-text element (``<script>``, ``<style>``,
``<textarea>``, ``<title>``, ``<xmp>``, ``<plaintext>``, ``<iframe>``, ``<noembed>``,
``<noframes>``, ``<noscript>``); a ``<`` that starts no tag is text too.

:func:`find_tags` reads the source as the tokenizer does (HTML5, 13.2.5; libxml2 2.14 reads
comments and raw text the same way):

- a comment ends at ``-->`` or ``--!>``, ``<!-->`` and ``<!--->`` where they start, or at the
  end of the input;
- ``<!`` (a doctype, CDATA in HTML), ``<?`` and ``</`` with no letter after it start a bogus
  comment, which ends at the first ``>``, whatever it holds;
- a tag's name runs to white space, ``/`` or ``>``; its attribute values, quoted or not, may
  hold ``<`` and (quoted) ``>``; a tag with no ``>`` runs to the end of the input;
- after a raw-text element's start tag, everything is text up to ``</`` and its name followed
  by white space, ``/`` or ``>`` (``<plaintext>``: to the end); in a script, not inside
  ``<!-- <script>`` ... ``</script>`` (HTML5's script data escapes).

What the tokenizer reads differently inside SVG and MathML, the scan follows only in part:
with ``foreign`` (the post opens ``svg`` or ``math``) a CDATA section hides what it holds up to
its ``]]>``, wherever it stands; an element named like a raw-text one is read as HTML's
there (its content as text), where HTML5 reads markup inside ``<svg><style>``. Both err on the
side of leaving a name as it was typed.

Cost: one C-speed regex pass over the source (each match is the stretch of other tokens
before a tag sought, consumed whole, and that tag); a Python step per tag found.
:func:`start_tags_and_comments` walks every start tag and comment by the same rules (a
Python step per ``<``), for the scans that read attribute values in the source.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from functools import lru_cache
from typing import NamedTuple

from composer._html.atomic import compile_atomic, possessive, run

__all__ = [
    "COMMENT",
    "RAW_TEXT",
    "Tag",
    "before_cut",
    "ends_at",
    "ends_within",
    "find_tags",
    "rename_tags",
    "start_tags_and_comments",
    "tag_end",
]

#: elements whose content the tokenizer reads as text (``noscript``: with scripting on, as
#: nh3 and browsers read it)
RAW_TEXT = frozenset("script style textarea title xmp iframe noembed noframes noscript plaintext".split())


def _any_case(name: str) -> str:
    """``name`` as a pattern of any case (a case-blind pattern is slower by a sixth)."""
    return "".join(f"[{c}{c.upper()}]" if c.isalpha() else re.escape(c) for c in name.lower())


_SPACE = r"[\t\n\f\r ]"
_NOT_NAME = r"\t\n\f\r />"
_NAME_CHAR = rf"[^{_NOT_NAME}]"
_GAP = r"[\t\n\f\r /]"  # between attributes
_UNQUOTED = r"[^\t\n\f\r >]"
_DQ, _SQ = r'[^"]', r"[^']"
#: a tag's attributes, as the tokenizer reads them up to its ">": every part optional and
#: possessive (:mod:`composer._html.atomic`), so a match never backtracks
_ATTRIBUTE = (
    rf"{run(_GAP, '+')}|{_NAME_CHAR}{run(f'[^{_NOT_NAME}=]')}"
    rf"(?:{run(_SPACE)}={run(_SPACE)}(?:\"{run(_DQ)}\"?|'{run(_SQ)}'?|{run(_UNQUOTED)}))?"
)
_ATTRIBUTES = possessive(_ATTRIBUTE)
_D = rf"[{_NOT_NAME}]"  # what ends a tag name
_S = _any_case("script")
#: a script's content (HTML5's script data states): text to ``</script``, where ``<!--``
#: escapes it to ``-->``; there ``<script`` escapes it twice, to ``</script`` (back) or ``-->``
#: (out): ``</script>`` inside ``<!-- <script> ... -->`` does not end the script
_SCRIPT_DATA = possessive(rf"{run('[^<]', '+')}|<(?!/{_S}{_D}|!--)")
_ESCAPED_TEXT = possessive(rf"{run('[^<-]', '+')}|-(?!->)|<(?!/?{_S}{_D})")
_DOUBLE = rf"<{_S}{_D}" + possessive(rf"{run('[^<-]', '+')}|-(?!->)|<(?!/{_S}{_D})")
_ESCAPED = (
    rf"(?:{run('-')}>|{possessive(f'{_ESCAPED_TEXT}{_DOUBLE}</{_S}{_D}')}"
    rf"{_ESCAPED_TEXT}(?:-->|{_DOUBLE}(?:-->)?)?)"
)
_SCRIPT_CONTENT = _SCRIPT_DATA + possessive(f"<!--{_ESCAPED}{_SCRIPT_DATA}")
_SCRIPT = rf"{_S}(?={_D}){_ATTRIBUTES}(?:>{_SCRIPT_CONTENT})?"
#: the other raw-text elements: text to their end tag (an alternative a name: a backreference
#: to the name inside the possessive loop of :func:`_finder` trips CPython 3.11's ``re``,
#: "The span of capturing group is wrong")
_RAW_ELEMENTS = "".join(
    rf"|{_any_case(name)}(?={_D}){_ATTRIBUTES}(?:>[\s\S]*?(?=</{_any_case(name)}{_D}|\Z))?"
    for name in sorted(RAW_TEXT - {"plaintext", "script"})
)
#: one markup token before a tag sought, consumed whole (after its "<"): any other tag, a
#: comment, a bogus comment, a raw-text element with its content, nothing (a "<" that starts
#: no tag); text is a possessive run of ``[^<]``
_TAG_TEXT = r"[^>\"'=]"  # the rest of a tag that holds no quote and no value
_RAW_START = rf"(?:{'|'.join(map(_any_case, sorted(RAW_TEXT)))}){_D}"
_ANY = r"[\s\S]"
_OTHER = (
    rf"(?:/|(?!{_RAW_START}))[a-zA-Z]{run(_NAME_CHAR)}(?:{run(_TAG_TEXT)}>|{_ATTRIBUTES}>?)"
    rf"|!--(?:>|->|{_ANY}*?--!?>|{run(_ANY)})"
    rf"|(?:!|\?|/(?![a-zA-Z])){run('[^>]')}>?"
    rf"|{_any_case('plaintext')}(?={_D}){run(_ANY)}|{_SCRIPT}{_RAW_ELEMENTS}"
    r"|(?![a-zA-Z!?/])"
)
#: a CDATA section in SVG or MathML: to its "]]>" (tried before :data:`_OTHER`)
_CDATA = r"!\[CDATA\[[\s\S]*?(?:\]\]>|\Z)|"


class Tag(NamedTuple):
    """A start or end tag the tokenizer reads: ``source[start:name_end]`` is ``<`` or ``</``
    and its name as typed, ``source[start:end]`` the whole tag (to its ``>`` or the end of
    the input)."""

    start: int
    name_end: int
    end: int
    name: str
    """lower-cased"""
    closing: bool


@lru_cache(maxsize=64)
def _finder(names: frozenset[str], foreign: bool) -> re.Pattern[str]:
    """Each match: the tokens before the next tag named in ``names`` (or the end of the
    input), then that tag (group ``tag``)."""
    if not names.isdisjoint(RAW_TEXT):
        raise ValueError(f"find_tags reads no raw-text element's tags: {sorted(names & RAW_TEXT)}")
    named = "|".join(map(_any_case, sorted(names)))
    sought = rf"</?(?:{named})(?=[{_NOT_NAME}])"
    other = (_CDATA if foreign else "") + _OTHER
    return compile_atomic(
        possessive(rf"{run('[^<]', '+')}|(?!{sought})<(?:{other})")
        + rf"(?:(?P<tag><(?P<slash>/?)(?P<name>{named})(?=[{_NOT_NAME}]){_ATTRIBUTES}>?)|\Z)",
    )


def find_tags(source: str, names: Collection[str], *, foreign: bool = False) -> Iterator[Tag]:
    """The start and end tags in ``source`` whose names are ``names`` (lower-case, any case
    in ``source``; none of :data:`RAW_TEXT`, whose content the scan must skip), in order, as
    an HTML tokenizer reads them. ``foreign``: ``source`` opens ``svg`` or ``math``, where a
    CDATA section hides what it holds to its ``]]>``."""
    if not names:
        return
    for match in _finder(frozenset(names), foreign).finditer(source):
        name = match.group("name")
        if name is None:
            return  # the end of the input
        yield Tag(
            match.start("tag"), match.end("name"), match.end("tag"), name.lower(), bool(match.group("slash"))
        )


def before_cut(piece: str) -> str:
    """``piece``, the source up to a tag a rewriter takes out, with its last ``<`` written
    ``&lt;``: a tag starts right after it, so it is text (``a<<form>b``), and once the tag is
    out it must not start one with what followed (``a<b``, which hid "b")."""
    return piece[:-1] + "&lt;" if piece.endswith("<") else piece


def rename_tags(
    source: str, renames: Mapping[str, str], *, foreign: bool = False
) -> tuple[str, dict[str, int]]:
    """``source`` with each start and end tag named in ``renames`` (lower-case keys) given
    its new name, only where a tokenizer reads a tag (:func:`find_tags`); and how many start
    tags of each name were renamed. ``source`` itself when none was."""
    pieces: list[str] = []
    counts: dict[str, int] = {}
    last = 0
    for tag in find_tags(source, renames.keys(), foreign=foreign):
        pieces += (source[last : tag.start], "</" if tag.closing else "<", renames[tag.name])
        last = tag.name_end
        if not tag.closing:
            counts[tag.name] = counts.get(tag.name, 0) + 1
    if not pieces:
        return source, counts
    pieces.append(source[last:])
    return "".join(pieces), counts


#: what :func:`start_tags_and_comments` gives for a comment, in place of a tag name
COMMENT = "!--"
#: where the tokenizer leaves the data state: a comment, a bogus comment (``<!x``, ``<?``,
#: ``</`` and no letter, ``</`` at the end), a start or end tag
_MARKUP = re.compile(r"<(?:!--|[!?]|/(?![a-zA-Z])|/?[a-zA-Z])")
#: what ends a comment, matched right after its ``<!--``
_COMMENT_END = re.compile(r">|->|[\s\S]*?(--!?>)")
#: one tag from its "<": end mark, name, ">" or nothing (the attributes, which may hold a
#: 20 MB pasted image, are no group: a group's text would be copied; only ">?", which
#: cannot fail, follows their loop, so it needs no atomic group before 3.11)
_TAG = re.compile(rf"<(/?)([a-zA-Z]{run(_NAME_CHAR)}){possessive(_ATTRIBUTE, final=True)}(>?)")


def tag_end(source: str, at: int) -> int:
    """Where the start or end tag at ``source[at]`` (``<`` or ``</`` and a letter) ends as the
    tokenizer reads it: after its ``>`` (a quoted value may hold one), or at the end of the
    input."""
    return _TAG.match(source, at).end()  # type: ignore[union-attr]  # "<" and a letter: a tag


def ends_within(source: str, at: int, stop: int) -> bool:
    """Whether the start or end tag at ``source[at]`` (``<`` or ``</`` and a letter) ends with
    a ``>`` before ``stop``, as the tokenizer reads it. Reads no further than ``stop``."""
    tag = _TAG.match(source, at, stop)
    return tag is not None and tag.group(3) == ">"


def ends_at(source: str, at: int, gt: int) -> bool:
    """Whether the start or end tag at ``source[at]`` (``<`` or ``</`` and a letter) ends
    with the ``>`` at ``source[gt]``, the first after ``at``, as the tokenizer reads it: not
    when a quoted attribute value holds that ``>`` (the tag runs on past it). Reads no
    further than ``gt``."""
    tag = _TAG.match(source, at, gt + 1)
    return tag is not None and tag.end() == gt + 1 and tag.group(3) == ">"


#: a raw-text element's content, matched right after its start tag
_RAW_CONTENT = {
    **{
        name: re.compile(rf"[\s\S]*?(?=</{_any_case(name)}{_D}|\Z)")
        for name in RAW_TEXT - {"plaintext", "script"}
    },
    "script": compile_atomic(_SCRIPT_CONTENT),
    "plaintext": re.compile(run(_ANY)),
}


@lru_cache(maxsize=8)
def _passing(rest: str) -> re.Pattern[str]:
    """Text and the tags whose part after the name matches ``rest`` (other than a raw-text
    element's start): one C-speed step over what :func:`start_tags_and_comments` passes by."""
    tag = rf"</?(?!{_RAW_START})[a-zA-Z]{run(_NAME_CHAR)}(?:{rest})>"
    return compile_atomic(possessive(rf"{run('[^<]', '+')}|{tag}"))


def start_tags_and_comments(source: str, passed: str = "/?") -> Iterator[tuple[str, int, int]]:
    """``(name, start, end)`` of each start tag an HTML tokenizer reads in ``source``, in
    order: its lower-cased name, where its attributes start (right after the name) and its
    end (after its ">"); and ``(COMMENT, start, end)`` of each comment's text. The rules of
    :func:`find_tags`: what a bogus comment or a raw-text element holds is no tag, a tag cut
    by the end of the input is none either (a tokenizer drops it).

    ``passed``: a pattern of what stands between a tag's name and its ``>`` in the tags the
    caller has no use for (default: nothing or ``/``, ``<b>``, ``<br/>``); those are passed
    by in C, a raw-text element's start excepted: 30 MB of ``<b>`` is not ten million Python
    steps. Such a pattern must not read past a ``>`` the tokenizer ends the tag at."""
    pos = 0
    size = len(source)
    skip = _passing(passed)
    while True:
        pos = skip.match(source, pos).end()  # type: ignore[union-attr]  # always matches
        found = _MARKUP.search(source, pos)
        if found is None:
            return
        at = found.start()
        if found.end() - at == 4:  # "<!--"
            end = _COMMENT_END.match(source, at + 4)
            if end is None:  # to the end of the input
                yield COMMENT, at + 4, size
                return
            yield COMMENT, at + 4, end.start(1) if end.group(1) else at + 4
            pos = end.end()
            continue
        if found.end() - at == 2 and not source[at + 1].isalpha():  # a bogus comment, to its ">"
            gt = source.find(">", at + 2)
            if gt < 0:
                return
            pos = gt + 1
            continue
        tag = _TAG.match(source, at)
        assert tag is not None  # _MARKUP found "<" or "</" and a letter
        closing, name, closed = tag.groups()
        if not closed:
            return
        pos = tag.end()
        if closing:
            continue
        name = name.lower()
        yield name, tag.end(2), pos
        raw = _RAW_CONTENT.get(name)
        if raw is not None:
            pos = raw.match(source, pos).end()  # type: ignore[union-attr]  # always matches
