"""The facts the stages' prefilters share about one text, each found once and only if asked.

A post that no stage needs a tree for must cost little more than the sanitizer, so each
stage first asks cheap questions of the source (does it hold a tag that can carry an image,
a URL, a character outside ASCII?). Asked of a :class:`Scan`, each question is answered by
one C-speed pass the first time and remembered for the run: one lower-cased copy, one scan
of the start tags, one scan of the URL starts, whatever the number of stages asking.
"""

from __future__ import annotations

from composer._html.scan import QUOTED_GT, direction_controls, lower_kept
from composer._html.stray import BOGUS_END, BR_END, DECLARATIONS, read_marks, start_tag_names
from composer._html.urls import url_starts

__all__ = ["Scan"]


class Scan:
    """Lazily computed facts about ``text`` (a post in its input format).

    Every property is computed on first access and kept: a ``Scan`` belongs to one text and
    is replaced, never updated, when the text changes (see ``Document.scan``).
    """

    __slots__ = (
        "_ascii",
        "_bare",
        "_bogus",
        "_br",
        "_declarations",
        "_direction",
        "_long",
        "_lower",
        "_quoted_gt",
        "_starts",
        "_tags",
        "_urls",
        "text",
    )

    def __init__(self, text: str, lower: str | None = None, direction: bool | None = None) -> None:
        """``lower``: ``text`` lower-cased as :attr:`lower` is, and ``direction``:
        :attr:`direction_controls`, when the caller has them."""
        self.text = text
        self._lower = lower
        self._direction = direction
        self._ascii: bool | None = None
        self._tags: frozenset[str] | None = None
        self._starts = 0
        self._bogus = self._br = self._bare = self._long = self._declarations = True
        self._urls: list[int] | None = None
        self._quoted_gt: bool | None = None

    @property
    def lower(self) -> str:
        """``text`` lower-cased with every character at its index (one copy per text)."""
        if self._lower is None:
            self._lower = lower_kept(self.text)
        return self._lower

    @property
    def ascii(self) -> bool:
        """Whether ``text`` is all ASCII (emoji, invisible characters and ``İ`` are not)."""
        if self._ascii is None:
            self._ascii = self.text.isascii()
        return self._ascii

    @property
    def start_tags(self) -> frozenset[str]:
        """The lower-cased names of the start tags in ``text`` (``<p``, ``<img``, ``<o:p``).

        Found by :func:`composer._html.stray.start_tag_names`: a name is listed wherever ``<``
        and a letter start one, even inside a comment or an attribute value, so a prefilter
        that finds no name can skip; one that finds a name still checks.
        """
        if self._tags is None:
            self._read_tags()
        assert self._tags is not None
        return self._tags

    def _read_tags(self) -> None:
        found = start_tag_names(self.lower) if "<" in self.text else []
        names = frozenset(found)
        self._starts = len(found)
        self._bogus = BOGUS_END in names
        self._br = BR_END in names
        self._declarations = not names.isdisjoint(DECLARATIONS)
        if self._declarations:
            self._starts -= sum(map(found.count, DECLARATIONS))
        if self._bogus or self._br or self._declarations:
            names = names.difference((BOGUS_END, BR_END, *DECLARATIONS))
        names, self._bare, self._long = read_marks(names)
        if "<" in "".join(names):  # a name ran over a "<": the marks after it were not read
            self._bogus = self._br = self._declarations = True
        elif not self._bogus and not self.ascii and ("\u0130" in self.text or "\u212a" in self.text):
            self._bogus = True  # "</K" (Kelvin) is a bogus end; lower-cased, it reads "</k"
        self._tags = names

    # -- read in the same pass as start_tags -----------------------------------------------

    @property
    def start_count(self) -> int:
        """How many start tags ``text`` opens at most: each ``<`` and a letter in :attr:`lower`,
        counted in the pass that finds :attr:`start_tags` (no more elements can nest)."""
        if self._tags is None:
            self._read_tags()
        return self._starts

    @property
    def bogus_end(self) -> bool:
        """Whether ``text`` may hold "</" followed by no ASCII letter, which a tokenizer reads
        as a bogus comment (False is proof; :func:`composer._html.stray.escape_stray_lt`)."""
        if self._tags is None:
            self._read_tags()
        return self._bogus

    @property
    def br_end(self) -> bool:
        """Whether ``text`` may hold "</br" (any case) ending a tag, which HTML5 reads as
        ``<br>`` (False is proof; :func:`composer._html.html5.differs`)."""
        if self._tags is None:
            self._read_tags()
        return self._br

    @property
    def declarations(self) -> bool:
        """Whether ``text`` may hold "<!" or "<?": a comment, CDATA, a doctype or a
        processing instruction (False is proof: :data:`composer._html.stray.DECLARATIONS`)."""
        if self._tags is None:
            self._read_tags()
        return self._declarations

    @property
    def bare_words(self) -> bool:
        """Whether ``text`` may hold a start tag whose attributes are bare words, as
        :data:`composer._html.stray.BARE_WORDS` finds them in :attr:`lower` (False is proof:
        the removal report's scan of the source, ``composer.stages.sanitize.removed``)."""
        if self._tags is None:
            self._read_tags()
        return self._bare

    @property
    def long_tag(self) -> bool:
        """Whether a start tag in ``text`` may run :data:`composer._html.stray.LONG_TAG`
        characters past its name with no ``>`` (False is proof: the attribute cap's
        prefilter, :func:`composer._limits.may_cap`, needs no search for such a tag)."""
        if self._tags is None:
            self._read_tags()
        return self._long

    # -- other passes ----------------------------------------------------------------------

    @property
    def direction_controls(self) -> bool:
        """Whether ``text`` holds a bidi embedding, override or isolate (U+202A-U+202E,
        U+2066-U+2069: :func:`composer._html.scan.direction_controls`). The parse stage
        reads it on the non-ASCII bytes of its control-character pass, for nothing more."""
        if self._direction is None:
            self._direction = direction_controls(self.text)
        return self._direction

    @property
    def url_starts(self) -> list[int]:
        """Sorted indexes where an ``http://``, ``https://`` or ``www.`` URL may start
        (:func:`composer._html.urls.url_starts`); the callers judge the context."""
        if self._urls is None:
            self._urls = sorted(url_starts(self.lower))
        return self._urls

    @property
    def quoted_gt(self) -> bool:
        """Whether a quoted attribute value in ``text`` may hold ">" (False is proof: one
        C-speed search, :data:`composer._html.scan.QUOTED_GT`). Shared by the attribute cap's
        prefilter (``composer._limits.may_cap``), which asks it of most posts, and
        :attr:`plain_tags`."""
        if self._quoted_gt is None:
            self._quoted_gt = QUOTED_GT.search(self.text) is not None
        return self._quoted_gt

    @property
    def plain_tags(self) -> bool:
        """Whether ``<`` and ``>`` tell the tags from the text of ``text`` but for a ``<``
        inside a tag (``<b </i>``), which the caller checks where it matters: no comment,
        CDATA, declaration or processing instruction (:attr:`declarations`) and no quoted
        value holding ">" (:attr:`quoted_gt`). True is proof: a reading of the raw HTML
        without a parser (the emoji count) relies on it."""
        return not self.declarations and not self.quoted_gt

    @property
    def entities(self) -> bool:
        """Whether ``text`` may hold a character reference (it holds ``&``)."""
        return "&" in self.text
