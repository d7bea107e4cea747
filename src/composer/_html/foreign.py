"""SVG and MathML element names outside ``svg`` and ``math``: unknown tags, renamed ``span``.

Outside foreign content, ``<text>``, ``<g>``, ``<set>`` or ``<mi>`` is an unknown HTML element
to HTML5 and to browsers, which show its text like a ``span``'s. The sanitizer (ammonia,
through nh3) removes an HTML element named like an SVG or MathML one *with its content*: it
takes the name for a namespace switch (its guard against mXSS through foreign content). So
``I like <text>this</text>`` lost "this", silently. Renamed ``span`` before any parser, such
an element reads as before (HTML5 builds both as "any other start tag"), and the sanitizer
unwraps it like any wrapper the allowlist does not keep.

Only in a post that opens no ``svg`` or ``math``: inside those the names are foreign elements,
which the parse stage gives to HTML5 (:mod:`composer._html.html5`) and the sanitizer drops
as foreign content; that HTML5 reading renames ``span`` the ones outside ``svg`` and ``math``
(``<svg></svg><text>x</text>``). Whether a post opens one is asked of the tokenizer: an
``<svg`` in a comment, an attribute value, a script or cut by the end of the input opens none.
Only tags are renamed, where an HTML tokenizer reads them
(:func:`composer._html.tokens.rename_tags`, one C-speed pass, as in
:func:`composer._html.blocks.unflatten`): ``<p title="<text>">``, ``<!-- <g> -->`` and
``<script>`` content stay as typed.
"""

from __future__ import annotations

from composer._html.tokens import find_tags, rename_tags

__all__ = ["FOREIGN_ONLY", "rename_foreign"]

#: the lower-case SVG and MathML element names no HTML element has, which nh3 removes with
#: their content in HTML (tests/test_sanitize_output.py checks the list against nh3)
FOREIGN_ONLY = frozenset(
    (
        # SVG
        "animate circle defs desc discard ellipse filter g line marker mask metadata mpath path "
        "pattern polygon polyline rect set stop switch symbol text tspan use view "
        # MathML
        "annotation annotation-xml maction maligngroup malignmark menclose merror mfenced mfrac "
        "mglyph mi mlabeledtr mlongdiv mmultiscripts mn mo mover mpadded mphantom mprescripts "
        "mroot mrow ms mscarries mscarry msgroup msline mspace msqrt msrow mstack mstyle msub "
        "msubsup msup mtable mtd mtext mtr munder munderover none semantics"
    ).split()
)
_FOREIGN_ROOTS = frozenset({"svg", "math"})


def rename_foreign(markup: str, starts: frozenset[str]) -> str:
    """``markup`` with each start and end tag named in :data:`FOREIGN_ONLY` renamed ``span``,
    unless it opens ``svg`` or ``math`` (as a tokenizer reads it). ``starts``: its start-tag names
    (``Scan.start_tags``): a post with none of those names costs one set question, and
    ``markup`` itself is returned."""
    if starts.isdisjoint(FOREIGN_ONLY):
        return markup
    if not starts.isdisjoint(_FOREIGN_ROOTS) and _opens_foreign(markup):
        return markup
    return rename_tags(markup, dict.fromkeys(starts & FOREIGN_ONLY, "span"))[0]


def _opens_foreign(markup: str) -> bool:
    """Whether a tokenizer reads an ``svg`` or ``math`` start tag in ``markup`` (the start-tag
    prefilter also sees one in a comment, an attribute value, a script or cut by the end)."""
    return any(not tag.closing for tag in find_tags(markup, _FOREIGN_ROOTS))
