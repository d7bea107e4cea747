"""A ``<`` in HTML source that starts no element is text: escape it before any parser runs.

HTML bodies come from API clients, e-mail-in and imports, where ``I think a<b is true``,
``x<5``, ``<3`` and ``<jo@example.org>`` are prose. An HTML tokenizer reads some of them as
text already (``<`` before a digit, a space, ``-`` or ``=``), but others silently eat what
follows: ``<b is true`` at the end of input is a tag cut by the end (dropped with its
"attributes"), ``</ b`` and ``</>`` are bogus comments, ``<jo@example.org>`` is an unknown
element the sanitizer unwraps. The two backends do not even agree on them.

The rule (:func:`escape_stray_lt`): a ``<`` stays markup only when it starts

- a comment, doctype, CDATA or processing instruction (``<!``, ``<?``) with a ``>`` after
  it, counted by the sanitizer when it removes them;
- a complete tag (it has its ``>``) whose name is a known HTML, SVG or MathML element or a
  prefixed XML name (``o:p``, as Office writes them), or
  that is self-closing (``<o:p/>``), or has an attribute with a value (``a=...``), or whose name also
  appears as the other half (``<x-card>`` ... ``</x-card>``);

Every other ``<`` becomes ``&lt;``: the reader sees exactly what was typed. What such a ``<``
hid (a bogus comment's text to its ``>``, an unknown tag's) is then shown, so a ``<`` in it
that would hide what follows (``<!``, ``<?``, a raw-text element's start) becomes ``&lt;`` too:
``</3 <!-- > I love you`` must not turn into a comment swallowing the rest of the post. Inside comments
and raw-text elements (``script``, ``style``, ``textarea``, ...) nothing is changed. The attribute
rule keeps what a tokenizer reads as markup from turning into other markup once its
``<`` is text (``<x a="<iframe ...">`` must not become an iframe).

What this leaves: a known element's start tag with prose for attributes (``if a<b and c>d``
reads as ``<b and c>``) is markup to every parser; the sanitizer drops the attributes and
reports them (``content_removed``, ``attributes``), so the loss is not silent.
"""

from __future__ import annotations

import re

from composer._html.atomic import run
from composer._html.scan import _COMMENT_END
from composer._html.tokens import ends_at, ends_within, tag_end

__all__ = [
    "BARE_WORDS",
    "BOGUS_END",
    "BR_END",
    "DECLARATIONS",
    "KNOWN_ELEMENTS",
    "LONG_TAG",
    "RAW_TEXT",
    "all_closed",
    "escape_stray_lt",
    "marking_starts",
    "read_marks",
    "start_tag_names",
    "start_tags",
]

#: elements whose content a tokenizer reads as text (as in ``composer._limits``, which this
#: toolkit module cannot import: it sits below the document model)
RAW_TEXT = frozenset("script style textarea title xmp iframe noembed noframes noscript plaintext".split())

#: element names of HTML (current and obsolete), SVG and MathML, lower-cased
KNOWN_ELEMENTS = frozenset(
    (
        # HTML
        "a abbr acronym address applet area article aside audio b base basefont bdi bdo bgsound big "
        "blink blockquote body br button canvas caption center cite code col colgroup data datalist dd "
        "del details dfn dialog dir div dl dt em embed fieldset figcaption figure font footer form "
        "frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe image img input ins "
        "isindex kbd keygen label legend li link listing main map mark marquee menu menuitem meta "
        "meter multicol nav nextid nobr noembed noframes noscript object ol optgroup option output p "
        "param picture plaintext pre progress q rb rp rt rtc ruby s samp script search section select "
        "slot small source spacer span strike strong style sub summary sup table tbody td template "
        "textarea tfoot th thead time title tr track tt u ul var video wbr xmp "
        # SVG
        "svg animate animatemotion animatetransform circle clippath defs desc ellipse feblend "
        "fecolormatrix fecomponenttransfer fecomposite feconvolvematrix fediffuselighting "
        "fedisplacementmap fedistantlight fedropshadow feflood fefunca fefuncb fefuncg fefuncr "
        "fegaussianblur feimage femerge femergenode femorphology feoffset fepointlight "
        "fespecularlighting fespotlight fetile feturbulence filter foreignobject g line "
        "lineargradient marker mask metadata mpath path pattern polygon polyline radialgradient rect "
        "set stop switch symbol text textpath tspan use view "
        # MathML
        "math annotation annotation-xml maction menclose merror mfenced mfrac mglyph mi mlabeledtr "
        "mmultiscripts mn mo mover mpadded mphantom mprescripts mroot mrow ms mspace msqrt mstyle msub "
        "msubsup msup mtable mtd mtext mtr munder munderover none semantics"
    ).split()
)

#: a "<" no tokenizer reads as markup, or one that starts a bogus comment out of typed text
#: (with what the bogus comment held, up to its ">": see :func:`_shown`)
_ALWAYS_TEXT = re.compile(r"<(?![a-zA-Z!?/])|</(?![a-zA-Z])[^>]*")
#: the elements whose content a reader does not see once they start: the raw-text ones,
#: select and template (the allowlist drops them with their content), svg and math (foreign
#: content, which the sanitizer drops)
_CONTENT_HIDDEN = RAW_TEXT | {"select", "template", "svg", "math"}
#: in text a tokenizer hid (a bogus comment's, an unknown tag's), the "<" that would hide
#: what follows once that text is shown: a comment, a declaration, a processing instruction,
#: the start of one of :data:`_CONTENT_HIDDEN`
_HIDING = re.compile(rf"<(?=[!?]|(?:{'|'.join(sorted(_CONTENT_HIDDEN))})(?![^\s/>]))", re.IGNORECASE)
#: "</" + no letter: a bogus comment (or nothing) to a tokenizer, hiding what was typed; the
#: other "<" of :data:`_ALWAYS_TEXT` every parser already keeps as text
_BOGUS_END = re.compile(r"</[^a-zA-Z]")
#: a "<" that starts a tag
_TAG_START = re.compile(r"</?[a-zA-Z]")
#: start-tag and end-tag names in lower-cased HTML
_STARTS = re.compile(r"<([a-z][^\s/>]*)")
#: the marks :func:`start_tag_names` lists among the names, where "</" is followed by no
#: letter (a bogus end, :data:`_BOGUS_END`) and where "</br" ends a tag (HTML5 reads it as
#: ``<br>``, :mod:`composer._html.html5`); a name never starts with "/"
BOGUS_END = "/"
BR_END = "/b"
#: the marks it lists where "<!" (a comment, CDATA, a doctype) or "<?" (a processing
#: instruction: a bogus comment to HTML5) stands
DECLARATIONS = ("!", "?")
#: the fewest characters a tag with more than 256 attributes (``composer._limits``) runs past
#: its name: a separator and a character for each attribute
LONG_TAG = 2 * 257
#: possessive runs (composer._html.atomic): a name, the space after it, bare words
_NAME_RUN, _SPACES, _WORDS = run(r"[^\s/>]"), run(r"\s", "+"), run(r"[^<>=\"']")


def marking_starts(long: int) -> re.Pattern[str]:
    """:data:`_STARTS`, and the marks, which take no "<" a name could start at; a name is
    followed by the rest of its tag when that is bare words (:data:`BARE_WORDS`), or by the
    one space or "/" after it when ``long`` characters free of ">" follow it. A name alone
    never holds ">" nor ends in a space or "/": a listed name that does marks such a tag."""
    return re.compile(
        rf"<([a-z]{_NAME_RUN}(?:{_SPACES}[^\s<>=\"'/]{_WORDS}>|(?=[^>]{{{long}}})[\s/])?|/(?=[^a-z])|/b(?=r[\s/>])|[!?])"
    )


_STARTS_MARKED = marking_starts(LONG_TAG)
#: the name in a name listed with what follows it
_NAME_PART = re.compile(r"[^\s/>]*")
#: a start tag whose attributes are bare words (``if a<b and c>d`` holds ``<b and c>``): the
#: removal report's scan (``composer.stages.sanitize.removed``); wherever it matches,
#: :func:`start_tag_names` lists a name holding ">" (checked by tests/test_sanitize_prefilters.py)
BARE_WORDS = re.compile(rf"<([a-z]{run('[a-z0-9-]')}){_SPACES}([^\s<>=\"'/]{_WORDS})>")
_ENDS = re.compile(r"</([a-z][^\s/>]*)")
_NAME = re.compile(r"</?([a-zA-Z][^\s/<>]*)")
#: a prefixed XML name, as Office writes them (``o:p``, ``v:shape``, ``st1:place``): markup
_NAMESPACED = re.compile(r"[a-z][a-z0-9]*:[a-z]")
#: an attribute with a value, its name free of "<" (``<x a="1">``, not ``<x <=y``)
_ATTRIBUTE = re.compile(r"[\s/][^\s<>\"'=/&]+\s*=")


def start_tag_names(lower: str) -> list[str]:
    """The name of each start tag in lower-cased HTML, in order, with :data:`BOGUS_END` and
    :data:`BR_END` where such end tags stand, and :data:`DECLARATIONS` where "<!" or "<?"
    does (one C-speed scan: ``composer._html.facts``).
    A name is followed by the rest of its tag (whitespace, words, ">") where the tag's
    attributes are bare words, by a space or "/" where the tag is long (:func:`read_marks`).

    The marks are exact where no name holds a "<" (a name runs over one, ``<a<b``) and, for
    :data:`BOGUS_END`, where ``lower`` came from text without "İ" or "K" (U+212A), the two
    characters lower-casing makes ASCII letters of.
    """
    return _STARTS_MARKED.findall(lower)


def read_marks(names: frozenset[str], long: int = LONG_TAG) -> tuple[frozenset[str], bool, bool]:
    """The distinct names :func:`start_tag_names` listed (its two end marks taken out) as
    names; whether a tag of bare words may stand in the text; whether a start tag may run
    ``long`` characters past its name with no ">" (:func:`marking_starts`, the same ``long``).
    """
    joined = "".join(names)
    if ">" not in joined and "/" not in joined and " " not in joined and joined.isprintable():
        return names, False, False  # no name holds ">", "/" or a space: none is marked
    bare = long_tag = False
    plain: set[str] = set()
    for name in names:
        last = name[-1]
        if last == ">":
            bare = True
            long_tag = long_tag or len(name) > long
        elif last == "/" or last.isspace():
            long_tag = True
        plain.add(_NAME_PART.match(name).group())  # type: ignore[union-attr]
    return frozenset(plain), bare, long_tag


def start_tags(lower: str) -> frozenset[str]:
    """The names of the start tags in lower-cased HTML (one C-speed scan; shared by callers)."""
    return frozenset(_STARTS.findall(lower)) if "<" in lower else frozenset()


def escape_stray_lt(
    source: str, lower: str | None = None, starts: frozenset[str] | None = None, bogus_end: bool = True
) -> str:
    """``source`` with each ``<`` that starts no element written as ``&lt;``.

    ``lower``: ``source.lower()`` and ``starts``: :func:`start_tags` of it, when the caller has
    them; ``bogus_end`` False: the caller proved that no "</" is followed by a non-letter
    (``Scan.bogus_end``). Returns ``source`` itself (the same object) when every ``<`` is
    markup, which a few C-speed scans decide for an ordinary post. Linear in the length of
    ``source``. Inside a quoted attribute value a needless ``&lt;`` is harmless: the parser
    decodes it back to ``<``.
    """
    if "<" not in source:
        return source
    lower = source.lower() if lower is None else lower
    starts = start_tags(lower) if starts is None else starts
    # a tag with no ">" after it is cut by the end of input: only the last "<" can be one
    if source.rfind(">") > source.rfind("<") and not (bogus_end and _BOGUS_END.search(source)):
        if starts <= KNOWN_ELEMENTS:
            return source
        unknown = [name for name in starts - KNOWN_ELEMENTS if not _NAMESPACED.match(name)]
        if not unknown or all_closed(lower, unknown):
            return source
    if _ALWAYS_TEXT.search(source):  # in C first: inside comments and raw text it changes nothing seen
        source = _ALWAYS_TEXT.sub(_shown, source)
        lower = source.lower()
    return _escape(source, lower, set(starts), set(_ENDS.findall(lower)))


def _shown(found: re.Match[str]) -> str:
    """A ``<`` of :data:`_ALWAYS_TEXT` as text; for a bogus comment (``</ x``), also each
    ``<`` in what it held that would hide what follows once shown: ``</3 <!-- > I love you``
    must not become a comment swallowing the rest of the post, nor ``</ <a title="> y">`` a
    tag whose quoted value hides the " y" the bogus comment's ``>`` showed (then every ``<``
    it held is text). A tag that ends at that ``>`` stays markup (``</ <b>y``)."""
    held = found.group(0)[1:]
    source, gt = found.string, found.end()
    if ("'" in held or '"' in held) and gt < len(source):  # a quoted value may run on
        tag = _TAG_START.search(source, found.start() + 2, gt)
        if tag is not None and not ends_at(source, tag.start(), gt):
            cut = tag.start() - found.start() - 1
            return "&lt;" + _HIDING.sub("&lt;", held[:cut]) + held[cut:].replace("<", "&lt;")
    return "&lt;" + _HIDING.sub("&lt;", held)


def all_closed(lower: str, names: list[str]) -> bool:
    """Whether each of ``names`` (distinct) is also an end tag's name in ``lower``, as
    :data:`_ENDS` reads them: a ``str.find`` a name for one or two (an Office paste's
    ``<xml>``), the whole scan for more or when unsure."""
    if len(names) <= 2:
        found = [_end_tag(lower, name) for name in names]
        if None not in found:
            return all(found)
    return set(names) <= set(_ENDS.findall(lower))


def _end_tag(lower: str, name: str) -> bool | None:
    """Whether "</" + ``name`` ends a name where it stands in ``lower`` (as :data:`_ENDS`
    reads it), or None when unsure: a run of name characters before it may be an end tag's
    name that reads on over the "<" (``</a</x>``), which :data:`_ENDS` never restarts in."""
    needle = "</" + name
    at = lower.find(needle)
    while at >= 0:
        after = at + len(needle)
        if after == len(lower) or lower[after] in "/>" or lower[after].isspace():
            before = lower[at - 1] if at else " "
            return True if before in "/>" or before.isspace() else None
        at = lower.find(needle, at + 1)
    return False


def _escape(source: str, lower: str, starts: set[str], ends: set[str]) -> str:
    out: list[str] = []
    last = 0
    size = len(source)
    gt = -1  # the first ">" after the current "<"
    shown = -1  # the end of a tag made text here: what it held hides nothing (see _shown)
    inner = -1  # the end of a tag in that text that ends in it: the "<" before it are its own
    text_to = -1  # in that text, where a tag in it ran on past its end: all of it is text
    at = source.find("<")
    while at >= 0:
        nxt = source.find("<", at + 1)
        if gt < at:
            found = source.find(">", at + 1)
            if found < 0:  # no ">" from here on: no tag, comment or declaration can end
                out.append(source[last:at])
                out.append(source[at:].replace("<", "&lt;"))
                return "".join(out)
            gt = found
        if at < shown and (at < text_to or _HIDING.match(source, at) or _runs_on(source, at, inner, shown)):
            if at >= text_to and not _HIDING.match(source, at) and at >= inner:
                text_to = shown  # a tag there ran on past the shown text: all of it is text
            out.append(source[last:at])
            out.append("&lt;")
            last = at + 1
            at = nxt
            continue
        if at < shown and at >= inner and _TAG_START.match(source, at):
            inner = tag_end(source, at)  # it ends in the shown text (_runs_on said so)
        if source.startswith(("<!", "<?"), at):
            resume = _skip_declaration(source, at)
            at = source.find("<", resume) if resume < size else -1
            continue
        match = _NAME.match(source, at)
        name = match.group(1).lower() if match is not None else ""
        end = gt if nxt < 0 else min(gt, nxt)  # bounds each look: linear in all
        # no name: "<3" is text to every tokenizer, "</ x>" a bogus comment that hides text
        if not name or not _is_markup(source, at, end, name, starts, ends):
            out.append(source[last:at])
            out.append("&lt;")
            last = at + 1
            if name:  # shown to its end as a tokenizer reads it (a quoted value may hold ">"),
                # read once a stretch: a tag inside one already shown is not read again
                shown = max(shown, gt if at < shown else tag_end(source, at))
        elif source[at + 1] != "/" and name in RAW_TEXT:
            raw_end = lower.find("</" + name, gt)
            nxt = -1 if raw_end < 0 else raw_end
        at = nxt
    out.append(source[last:])
    return "".join(out)


def _runs_on(source: str, at: int, inner: int, shown: int) -> bool:
    """Whether the tag at ``at``, in text shown up to ``shown`` (not inside a tag there that
    ends before ``inner``), runs on past it as the tokenizer reads it: a quoted value would
    hide what the shown tag's ">" showed. Reads no further than ``shown``."""
    if at < inner or _TAG_START.match(source, at) is None:
        return False
    return not ends_within(source, at, shown)


def _skip_declaration(source: str, at: int) -> int:
    """Where scanning resumes after ``<!...>``, ``<!--...-->`` or ``<?...>`` at ``at``."""
    if source.startswith("<!--", at):  # it ends as HTML5 ends it: "<!-->" at once, "--!>" too
        comment = _COMMENT_END.match(source, at + 4)
        return len(source) if comment is None else comment.end()
    end = source.find(">", at + 2)
    return len(source) if end < 0 else end + 1


def _is_markup(source: str, at: int, end: int, name: str, starts: set[str], ends: set[str]) -> bool:
    """Whether the tag starting at ``at`` is markup; ``end``: its first ">" or the next "<"."""
    if name in KNOWN_ELEMENTS or _NAMESPACED.match(name):
        return True
    if source[at + 1] == "/":
        return name in starts
    # an attribute value means markup: escaping it would turn what the value hides into tags
    if name in ends or (source[end] == ">" and source[end - 1] == "/"):
        return True
    return _ATTRIBUTE.search(source, at + 1 + len(name), end) is not None
