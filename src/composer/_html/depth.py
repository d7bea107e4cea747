"""The depth scan: how deep a post nests, read from its tags before any parser builds it.

Why before: lxml silently drops content nested deeper than ~2 000 levels (2 046 with the
``huge_tree`` parser of :mod:`composer._html.tree`) and nh3's cost grows with the square of
the depth, so the depth is measured by a linear scan of the tags first, emulating the two
tree builders a post meets (libxml2's and HTML5's) as far as depth goes. The tables below are
what each of them does; :func:`too_deep` says which reading counts where they differ.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

from composer._html.scan import _COMMENT_END, _RAW, _TAG, _VOID

__all__ = ["too_deep"]

#: where the tokenizer leaves the data state: a comment, CDATA, a tag, or a bogus comment
#: (``<!x``, ``<?``, ``</`` and no letter: to the next ``>``, whatever it holds, ``<!--`` too)
_MARKUP = re.compile(r"<(?:!--|!\[CDATA\[|/?[a-zA-Z]|[!?/])")

#: HTML inside SVG and MathML (HTML5's integration points): special, and a scope boundary
_ISLANDS = "foreignobject desc title mi mo mn ms mtext annotation-xml"
#: an end tag of an inline element does not close past these (HTML's "special" elements)
_SPECIAL = frozenset(
    (
        "address applet article aside blockquote body button caption center dd details dir div dl "
        "dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup html li main "
        "marquee menu nav object ol p pre section select summary table tbody td tfoot th thead tr "
        "ul listing xmp plaintext iframe noembed noframes noscript script style template textarea "
        f"frameset frame search colgroup isindex basefont bgsound svg math {_ISLANDS}"
    ).split()
)
#: no end tag closes past these (HTML5's scope boundaries; html5ever keeps a select's content in it)
_SCOPE = frozenset(
    f"applet caption html table td th marquee object select template svg math {_ISLANDS}".split()
)
#: libxml2's end priorities: an end tag does not close past an open element of a higher one
#: (``<div><tr></div>`` leaves both open), whatever HTML5 does; the rest are 100
_END_PRIORITY = {
    "div": 150,
    "td": 160,
    "th": 160,
    "tr": 170,
    "thead": 180,
    "tbody": 180,
    "tfoot": 180,
    "table": 190,
}
#: start tag -> elements it closes when they are the current (innermost) element, in both
#: parsers: libxml2 closes only the innermost, and only where its own table says so (it nests
#: ``<dd>x<dd>``, ``<thead>x<thead>``, and a ``<section>`` in a ``<p>``, which HTML5 does not),
#: so these are the rules both follow (checked in tests/test_depth.py)
_IMPLIED: dict[str, frozenset[str]] = {
    **{
        tag: frozenset({"p"})
        for tag in ("address blockquote div dl fieldset h1 h2 h3 h4 h5 h6 hr menu ol p pre table ul").split()
    },
    "a": frozenset({"a"}),
    "form": frozenset({"p"}),
    "li": frozenset({"li", "p"}),
    "dt": frozenset({"dd", "p"}),
    "dd": frozenset({"dt", "p"}),
    "tr": frozenset({"tr", "td", "th", "p"}),
    "td": frozenset({"td", "th", "p"}),
    "th": frozenset({"td", "th", "p"}),
    "option": frozenset({"option"}),
    "colgroup": frozenset({"caption"}),
    "tbody": frozenset({"tbody", "thead", "tfoot", "tr", "td", "th", "p"}),
    "tfoot": frozenset({"tbody", "thead", "tr", "td", "th", "p"}),
}
#: (innermost table part, start tag) -> the elements HTML5 opens between them: a row and a
#: body section a table part needs (``<table><td>`` is table > tbody > tr > td). What stands
#: above the table part (``<table><a><td>``: HTML5 moves the ``a`` out) is left counted.
_WRAPPERS: dict[tuple[str, str], tuple[str, ...]] = {
    **{("table", cell): ("tbody", "tr") for cell in ("td", "th")},
    ("table", "tr"): ("tbody",),
    # a cell or row in a caption closes the caption and goes in the table: counted in it
    **{("caption", cell): ("tbody", "tr") for cell in ("td", "th")},
    ("caption", "tr"): ("tbody",),
    **{(section, cell): ("tr",) for section in ("tbody", "thead", "tfoot") for cell in ("td", "th")},
}
#: HTML5's formatting elements: closed by another element's end tag, they are opened again
#: around the text that follows (``<div><b></div>x`` is ``<div><b></b></div><b>x</b>``)
_FORMATTING = frozenset("a b big code em font i nobr s small strike strong tt u".split())
#: how many alike (same name and attributes) HTML5 keeps to open again ("Noah's ark")
_NOAHS_ARK = 3
#: start tags HTML5 opens no formatting element again for (it does inside them, at the text)
_BLOCK_STARTS = frozenset(
    (
        "address article aside blockquote center details dialog dir div dl fieldset figcaption figure "
        "footer header hgroup main menu nav ol p search section summary ul h1 h2 h3 h4 h5 h6 pre "
        "listing form li dd dt plaintext table caption colgroup tbody thead tfoot tr td th"
    ).split()
)
_TABLE_ROWS = frozenset({"tr", "td", "th"})
_LISTS = frozenset({"ul", "ol"})
_TABLE_PARTS = frozenset({"table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption"})
_TABLE_START = re.compile(r"<table", re.IGNORECASE)
#: end tags that close nothing past a special element, as an inline element's end does
_STOPPED_AT_BLOCKS = frozenset({"p", "svg", "math"})
_FOREIGN_ROOTS = frozenset({"svg", "math"})
#: HTML5's start tags that break out of SVG and MathML: "</svg>" and "</math>" close nothing
#: past them (the foreign element was closed when they opened, and HTML ignores its end)
_BREAKOUT = frozenset(
    (
        "b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i "
        "img li listing menu meta nobr ol p pre ruby s small span strong strike sub sup table tt "
        "u ul var font"
    ).split()
)
#: marks a stack entry one parser has closed (or never opened) and the other keeps open: a
#: self-closed ``<div/>`` (HTML5 ignores the "/", libxml2 2.14 closes it at once), a table a
#: ``<table>`` started in it (HTML5 closes the first, libxml2 nests the second), the
#: ``tbody``/``tr`` HTML5 adds around a bare cell (libxml2 adds none). It counts while open;
#: its end tag removes it alone, so what came after it stays open (the deeper reading)
_HALF_OPEN = "\1"
#: where a ``<table>`` start makes HTML5 close the open table (its "in table" modes)
_IN_TABLE = frozenset({"table", "tbody", "thead", "tfoot", "tr"})
#: elements whose "/>" the scan does not model (raw text, tables, forms: their own rules)
_NOT_HALF_OPEN = _RAW | _TABLE_PARTS | {"form", "select", "option"}
#: start tags that are never a level of a post (merged into the page's own, or ignored)
_NO_LEVEL = frozenset({"html", "head", "body"})


def too_deep(
    source: str, limit: int, starts: int | None = None, tags: AbstractSet[str] | None = None
) -> bool:
    """Whether elements in ``source`` nest deeper than ``limit``.

    The depth counted is the deeper of the two trees a post meets: libxml2's (the working
    tree, which drops content past ~2 000 levels) and HTML5's (nh3 and the browser, whose
    cost grows with the square of the depth). One linear pass over the tags that errs on the
    deep side wherever they differ:

    - a non-void ``<div/>`` counts as open (as an HTML5 parser reads it);
    - a start tag closes the innermost element only where both parsers do (:data:`_IMPLIED`:
      ``<a>x<a>y``, ``<li>``, ``<p>``, ``<option>`` runs are flat, ``<dd>x<dd>y`` nests as
      libxml2 builds it); ``html``, ``head``, ``body`` and a form in a form are no level;
    - the ``tbody`` and ``tr`` HTML5 adds around a bare table cell count;
    - formatting elements an end tag closed from outside (``<div><b></div>x``) count again
      at the next text, as HTML5 reopens them, at most three alike ("Noah's ark");
    - an end tag closes nothing past an HTML5 scope boundary or an element libxml2 ranks
      higher (``</div>`` past a ``tr``), an inline one or ``</p>`` nothing past a block,
      ``</li>`` nothing past a list; a table part's end outside a table and ``</form>`` with
      something open in the form close nothing; a ``</p>`` with no ``p`` to close is an
      empty ``p``; end tags inside comments, CDATA and raw-text elements are ignored;
    - a comment ends as HTML5 (and libxml2 2.14) ends it (``-->``, ``--!>``, and ``<!-->``,
      ``<!--->`` at once), a bogus one (``<!x``, ``<?``, ``</`` and no letter) at its first
      ``>``, whatever it holds; in a raw-text element ``<!--`` is text, so its end tag ends it;
    - HTML inside SVG and MathML (``desc``, ``title``, ``foreignObject``, ``mi``, ``mtext``, ...)
      is a scope no end tag closes past (``<svg><desc><b></svg>`` leaves all open), and
      ``</svg>``, ``</math>`` close nothing past an element that broke out of them
      (a block, or ``b``, ``span``, ``ruby``, ... : HTML5's list);
    - a CDATA section hides end tags up to its ``]]>`` (none past it);
    - a self-closed ``<div/>`` is open to HTML5 and closed at once to libxml2, a table a
      ``<table>`` starts in is closed by HTML5 and kept by libxml2: such an element counts
      while open, and its end tag closes it alone, leaving what came after it open
      (``<div/><span></div>`` nests the spans in libxml2).

    The stack never grows far past ``limit``, so each tag costs at most O(limit). Checked
    against both parsers by the properties of ``tests/test_depth.py``.

    ``starts``: at least the number of ``<`` + letter in ``source`` (``Scan.start_count``),
    when the caller has it: no more elements can be open at once. ``tags``: the names of the
    start tags in ``source`` (``Scan.start_tags``), when the caller has them: without
    ``table`` no implied table level needs counting.
    """
    tables = None if tags is None else "table" in tags
    if starts is not None and _fits(source, starts, limit, tables):
        return False
    if _fits(source, source.count("<") - source.count("</"), limit, tables):
        return False
    lower = source.lower()
    stack: list[str] = []
    #: formatting elements closed by another element's end, which HTML5 opens again
    pending: list[str] = []
    raw_end = ""  # inside a raw-text element or CDATA: the text that ends it
    cdata_end = 0  # where the CDATA section raw_end "]]>" stands for ends
    pos = 0
    while True:
        found = _MARKUP.search(source, pos)
        at = len(source) if found is None else found.start()
        if raw_end == "]]>" and at >= cdata_end:  # "]]>" is no markup: the section ended before
            raw_end = ""
        if pending and at > pos and not raw_end:  # text: HTML5 reopens them around it
            stack.extend(pending)
            pending.clear()
            if len(stack) > limit:
                return True
        if found is None:
            return False
        if raw_end and lower.startswith(raw_end, at):
            raw_end = ""
            if stack and stack[-1] in _RAW:
                stack.pop()
        if raw_end and not _TAG.match(source, at):  # a comment or CDATA start in raw text is text
            pos = found.end()
            continue
        if source.startswith("<!--", at) and not raw_end:
            comment = _COMMENT_END.match(source, at + 4)
            if comment is None:
                return False  # a comment to the end of the post
            pos = comment.end()
            continue
        if source.startswith("<![CDATA[", at):
            if not raw_end:  # its end tags hidden to its "]]>" (in SVG or MathML), or to its ">"
                raw_end = "]]>"
                found_end = source.find("]]>", at + 9)
                cdata_end = len(source) if found_end < 0 else found_end + 3
            pos = at + 9
            continue
        if found.end() - at == 2 and not source[at + 1].isalpha():  # a bogus comment
            end = source.find(">", at + 2)
            if end < 0:
                return False
            pos = end + 1
            continue
        match = _TAG.match(source, at)
        assert match is not None  # _MARKUP found "<" + letter, which _TAG always matches
        closing, name, closed = match.groups()
        pos = match.end()
        if not closed:
            return False  # a tag cut by the end of input: nothing after it is markup
        tag = name.lower()
        if closing:
            if not raw_end and not _close(stack, tag, pending) and tag == "p" and len(stack) >= limit:
                return True  # "</p>" with no p open: both parsers make an empty p there
            continue
        if tag in _VOID or tag in _NO_LEVEL:
            continue
        implied = _IMPLIED.get(tag, ())
        if tag == "form" and "form" in stack:
            # HTML5 ignores a form in a form; libxml2 closes an innermost one, else nests it
            if stack[-1] == "form":
                continue
            implied = ()
        while stack and _name(stack[-1]) in implied:
            stack.pop()
        if pending and tag not in _BLOCK_STARTS:
            stack.extend(pending)
            pending.clear()
        if tag in _TABLE_ROWS:  # the parts HTML5 adds are no elements to libxml2
            stack.extend(_HALF_OPEN + part for part in _WRAPPERS.get((_table_context(stack), tag), ()))
        elif tag == "table" and _table_context(stack) in _IN_TABLE:
            _half_close(stack, "table")
        if tag in _FORMATTING:
            attributes = source[match.start(2) + len(name) : match.end() - 1].strip(" \t\n\r\f/")
            entry = f"{tag}\0{attributes}" if attributes else tag
        else:
            entry = tag
        if source[pos - 2] == "/" and tag not in _NOT_HALF_OPEN:
            entry = _HALF_OPEN + entry  # open to HTML5, closed at once by libxml2
        stack.append(entry)
        if len(stack) > limit:
            return True
        if tag in _RAW and not raw_end:
            raw_end = "</" + tag


def _remember(pending: list[str], entry: str) -> None:
    """Add ``entry`` to ``pending``, dropping the oldest alike past :data:`_NOAHS_ARK`."""
    if pending.count(entry) >= _NOAHS_ARK:
        pending.remove(entry)
    pending.append(entry)


def _half_close(stack: list[str], tag: str) -> None:
    """Mark the innermost open ``tag`` :data:`_HALF_OPEN`."""
    for i in range(len(stack) - 1, -1, -1):
        if stack[i] == tag:
            stack[i] = _HALF_OPEN + tag
            return


def _table_context(stack: list[str]) -> str:
    """The innermost open table part, "" for none."""
    return next((name for name in map(_name, reversed(stack)) if name in _TABLE_PARTS), "")


def _fits(source: str, tags: int, limit: int, tables: bool | None) -> bool:
    """Whether ``source`` with at most ``tags`` start tags cannot nest past ``limit``: a level
    per start tag, one for a ``</p>`` with no p open (both parsers make an empty p), and the
    implied table levels (:data:`_WRAPPERS`: at most two open per open table). ``tables``:
    whether ``source`` may hold a table, None when not known."""
    if tags + 1 > limit:
        return False
    if tables is False or (tables is None and "<t" not in source and "<T" not in source):
        return True
    return tags + 1 + 2 * len(_TABLE_START.findall(source)) <= limit


def _name(entry: str) -> str:
    """The tag name of a stack entry (a formatting element's carries its attributes, a
    self-closed one starts with :data:`_HALF_OPEN`)."""
    if entry[0] == _HALF_OPEN:
        entry = entry[1:]
    return entry.partition("\0")[0] if "\0" in entry else entry


def _close(stack: list[str], tag: str, pending: list[str]) -> bool:
    """Pop up to the innermost open ``tag``, unless a boundary stands in the way; whether
    it was closed. Formatting elements popped above it go to ``pending`` (HTML5 opens them
    again at the next text), at most :data:`_NOAHS_ARK` alike, as HTML5 keeps them."""
    if tag in _TABLE_PARTS and tag != "table" and "table" not in stack:
        return False  # HTML5 ignored its start outside a table, and ignores its end
    if tag == "form" and stack and stack[-1] != "form":
        return False  # HTML5 takes the form off the stack alone: what it holds stays open in it
    # "</p>" stops at a block too: HTML5 closed the p when the block opened (or made the
    # block a boundary), where libxml2 nests some (a section) and closes them with the p
    # "</svg>", "</math>" stop there too: a block start (<p>, <pre>, <dl>, ...) broke out of
    # the foreign element, and HTML5 reads its end tag as HTML's "any other end tag"
    inline = tag not in _SPECIAL or tag in _STOPPED_AT_BLOCKS
    priority = _END_PRIORITY.get(tag, 100)
    for i in range(len(stack) - 1, -1, -1):
        entry = stack[i]
        open_tag = _name(entry)
        if open_tag == tag and entry[0] == _HALF_OPEN:
            # one parser closed it long ago, so what came after it stays open there: keep
            # that, the deeper reading
            del stack[i]
            return True
        if open_tag == tag:
            for above in stack[i + 1 :]:
                if _name(above) in _FORMATTING:
                    _remember(pending, above)
            del stack[i:]
            return True
        if (
            open_tag in _SCOPE
            or (inline and open_tag in _SPECIAL)
            or (tag in _FOREIGN_ROOTS and open_tag in _BREAKOUT)
            or _END_PRIORITY.get(open_tag, 100) > priority
            or (tag == "li" and open_tag in _LISTS)  # HTML5's list item scope
        ):
            return False
    return False
