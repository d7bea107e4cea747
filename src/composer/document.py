"""The one working document a run owns; every stage reads and edits it.

The tree is parsed on first use and serialized once, so a post that no stage needs a tree
for is never parsed at all (most posts: the sanitizer alone handles them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from lxml.html import HtmlElement

from composer._html import tree as _tree
from composer._html.stray import start_tags
from composer._html.urls import lower_in_place, url_starts
from composer.inputs import Format
from composer.messages import MESSAGES
from composer.policy import Policy
from composer.result import Action, Notice, Problem, Result


class Document:
    """State shared by the stages of one run.

    ``source`` is the input in its own format (html, markdown or text), so stages can run
    cheap prefilters on it; the parse stage only takes control characters out and, for
    HTML, brings it to its HTML5 reading (the one the sanitizer and browsers make). ``html``
    is the working HTML; ``tree`` is the same content as an lxml ``<body>`` element, parsed
    when a stage first asks.
    """

    def __init__(
        self,
        source: str,
        format: Format,
        policy: Policy,
        *,
        paste: bool = False,
        plain: bool = False,
        display_as_link: frozenset[str] = frozenset(),
        files: tuple[tuple[str, bytes], ...] = (),
        clipboard_html: str | None = None,
        messages: Mapping[str, str] | None = None,
    ) -> None:
        self.source = source
        self.format = format
        self.policy = policy
        self.paste = paste
        self.plain = plain
        self.display_as_link = display_as_link
        self.files = files
        #: a plain paste made from a clipboard's HTML alone: that HTML, for what it held
        #: that plain text cannot (pasted images are still refused and counted)
        self.clipboard_html = clipboard_html
        #: code -> template for notices and problems: the Pipeline's catalogue (built-ins, the
        #: stages' ``messages``, the policy's translations); by default the built-ins translated
        if messages is None:
            messages = {**MESSAGES, **{code: text for code, text in policy.messages.items() if text}}
        self._messages: Mapping[str, str] = messages
        self.notices: list[Notice] = []
        self.problems: list[Problem] = []
        self.stats: dict[str, Any] = {}
        self.pending: list[str] = []
        #: what stages and the sanitizer took out, by kind ("elements", "attributes", ...) and name
        self.removed: dict[str, Counter[str]] = {}
        #: set by the embed stage when it built iframes the sanitizer should admit
        self.allow_iframes = False
        self.stopped = False
        self._html: str = source
        self._tree: HtmlElement | None = None
        self._lower: tuple[str, str] | None = None
        self._url_starts: tuple[str, list[int]] | None = None
        self._start_tags: tuple[str, frozenset[str]] | None = None

    # -- the content ---------------------------------------------------------------------

    @property
    def lower_source(self) -> str:
        """``source`` lower-cased, computed once per run for the stages' prefilters."""
        cached = self._lower
        if cached is None or cached[0] is not self.source:
            cached = self._lower = (self.source, lower_in_place(self.source))  # positions kept
        return cached[1]

    @property
    def url_starts(self) -> list[int]:
        """Where a URL may start in ``source`` (see :func:`composer._html.urls.url_starts`), found
        once per run for the stages that look for links."""
        lower = self.lower_source
        cached = self._url_starts
        if cached is None or cached[0] is not lower:
            cached = self._url_starts = (lower, sorted(url_starts(lower)))
        return cached[1]

    @property
    def start_tags(self) -> frozenset[str]:
        """The start-tag names in ``source`` (lower-cased), found once per run for the stages'
        prefilters (see :func:`composer._html.stray.start_tags`)."""
        lower = self.lower_source
        cached = self._start_tags
        if cached is None or cached[0] is not lower:
            cached = self._start_tags = (lower, start_tags(lower))
        return cached[1]

    @property
    def html(self) -> str:
        """The working HTML; serializes the tree if a stage parsed it."""
        if self._tree is not None:
            self._html = _tree.serialize(self._tree)
            self._tree = None
        return self._html

    @html.setter
    def html(self, value: str) -> None:
        self._tree = None
        self._html = value

    @property
    def tree(self) -> HtmlElement:
        """The ``<body>`` element of the working tree, parsed from :attr:`html` on first use.

        libxml2 builds it; the parse stage has already brought HTML to its HTML5 reading
        (:mod:`composer._html.html5`), so it holds the elements the sanitizer and browsers see.
        """
        if self._tree is None:
            self._tree = _tree.parse(self._html)
        return self._tree

    @property
    def has_tree(self) -> bool:
        return self._tree is not None

    # -- reporting -----------------------------------------------------------------------

    def notice(
        self, code: str, *, action: str | None = None, target: str | None = None, **params: Any
    ) -> None:
        """Tell the person what a stage did (``action`` names the undo it offers)."""
        messages = self._messages
        act = Action(action, messages[action].format(), target) if action else None
        self.notices.append(Notice(code, messages[code].format(**params), act, params))

    def problem(self, code: str, *, template: str | None = None, stop: bool = False, **params: Any) -> None:
        """Refuse the post for a reason; ``stop`` ends the run (nothing safe can be made)."""
        message = self._messages[template or code].format(**params)
        self.problems.append(Problem(code, message, params))
        if stop:
            self.stopped = True
            self._tree = None
            self._html = ""

    def remove(self, kind: str, name: str, count: int = 1) -> None:
        """Count something taken out of the post, for the ``content_removed`` notice."""
        if count:
            self.removed.setdefault(kind, Counter())[name] += count

    # -- the end -------------------------------------------------------------------------

    def result(self) -> Result:
        """Freeze the document into a :class:`Result`, adding the ``content_removed`` notice."""
        if self.removed and not self.stopped:
            removed = {kind: dict(sorted(names.items())) for kind, names in sorted(self.removed.items())}
            self.notice("content_removed", summary=_summary(removed), removed=removed)
        return Result(
            html=self._html if self._tree is None else self.html,
            notices=tuple(self.notices),
            problems=tuple(self.problems),
            stats=dict(self.stats),
            pending=tuple(self.pending),
        )


def _summary(removed: dict[str, dict[str, int]]) -> str:
    parts = []
    for kind, names in removed.items():
        total = sum(names.values())
        label = kind if total != 1 else kind.rstrip("s")
        parts.append(f"{total} {label} ({', '.join(names)})")
    return "; ".join(parts)


@runtime_checkable
class Stage(Protocol):
    """A step of the chain: a ``name`` and a call that edits the document in place.

    Stages are frozen dataclasses whose fields are their settings; they do no I/O of their
    own (the embed stage reaches the network only through the resolver it is given). Only
    ``name`` and ``__call__`` are required; the :class:`~composer.Pipeline` looks for these
    optional members once, when it is built (a protocol cannot declare optional members, so
    they are listed here, not below):

    - ``sanitizes: bool``: True on the sanitizer; the last stage of a chain must be one.
    - ``messages: Mapping[str, str]``: the stage's own notice codes with their default English
      templates (``{"mention_linked": "{count} people were mentioned."}``); merged into the
      catalogue, so ``doc.notice("mention_linked", count=2)`` renders and
      ``Policy.messages`` may translate it (with the fields the default uses). A code another
      stage or the built-in catalogue declares with a different template is a ConfigError.
    - ``allows: Allowlist``: what the sanitizer must keep for the stage's output, built with
      ``Allowlist.of(tags=..., attributes=..., classes=...)``; added to the policy's
      allowlist, so what the stage made is neither removed nor reported as removed.
    - ``check(policy) -> None``: refuse a policy the stage cannot work with by raising
      :class:`~composer.ConfigError` (any other error is turned into one naming the stage).
    - ``bind(policy) -> Stage | None``: the stage prepared for ``policy`` (compiled tables,
      a sanitizer backend), returned as a new instance with the same name that the chain
      runs instead; None keeps the stage as it is. It may raise as ``check`` does. The
      policy passed to both carries the merged allowlist. Bound state is built once and
      only read afterwards: a Pipeline is shared between threads. A pipeline derived with
      ``insert_*``, ``replace``, ``remove`` or ``with_policy`` binds what it was given
      anew, so ``bind`` must also accept a stage it returned before. ``check`` runs only
      for a stage without ``bind``.
    - ``prefetch(urls, policy) -> None`` and ``close() -> None``: see
      :meth:`~composer.Pipeline.prefetch` and :meth:`~composer.Pipeline.close`.
    """

    @property
    def name(self) -> str: ...

    def __call__(self, doc: Document) -> None: ...
