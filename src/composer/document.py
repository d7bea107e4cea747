"""The one working document a run owns; every stage reads and edits it.

The tree is parsed on first use and serialized once, so a post that no stage needs a tree
for is never parsed at all (most posts: the sanitizer alone handles them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from lxml.html import HtmlElement

from composer._html import tree as _tree
from composer._html.facts import Scan
from composer.inputs import Format
from composer.messages import MESSAGES, variant
from composer.policy import Policy
from composer.result import Action, Notice, Problem, Result, _with_text

#: ``env`` key: the clipboard's HTML of a plain paste made from it alone (str)
CLIPBOARD_HTML = "clipboard_html"
#: ``env`` key: the player iframes the embed stage built (list of elements)
EMBED_IFRAMES = "embed.iframes"
#: ``env`` key: the attribute (`` name="value"``, the value random per run) that the player
#: iframes the embed stage spliced into the HTML string carry; the sanitizer admits those
#: and takes the attribute off (str)
EMBED_SPLICED = "embed.spliced"
#: ``stats`` key: the host callbacks that failed in this run, by what they were for
#: (``"mentions"``, ``"own_cards"``): a tuple of str; the run went on without their answers
LOOKUP_FAILED = "lookup_failed"
#: ``env`` key: set (True) when the paste stage cleaned the tree. It may then have dropped
#: pasted pictures uncounted (``style`` and ``background`` values, VML, hidden elements), which
#: only the source still shows; the images stage scans the source for them only then (bool)
PASTE_CLEANED = "paste.cleaned"


class Document:
    """State shared by the stages of one run, in four parts.

    **Input** (read-only, never reassigned): ``source`` as submitted, ``format`` (html,
    markdown or text), ``policy``, and the person's choices ``paste``, ``plain``,
    ``display_as_link`` and ``files`` (a clipboard's ``(mime_type, bytes)`` pairs).

    **Content**: ``content`` is the post in its input format as the parse stage prepared it
    (control characters out and, for HTML, brought to its HTML5 reading, the one the
    sanitizer and browsers make); ``scan`` holds the facts about it the stages' prefilters
    share (:class:`composer._html.facts.Scan`). ``html`` is the working HTML and ``tree`` the
    same content as an lxml ``<body>`` element, parsed when a stage first asks; reading
    ``html`` serializes the tree without dropping it, ``set_html`` replaces both.

    **Report**: ``notices``, ``problems``, ``stats``, ``removed``, ``pending`` (URLs left
    for a background prefetch) and ``mentions`` (names, for notifications), filled through
    :meth:`notice`, :meth:`problem`, :meth:`remove` and by stages directly; ``stopped`` once
    a problem ended the run.

    **env**: a dict for what a stage keeps for later, like markdown-it's ``state.env``.
    Keys are namespaced by their writer; the ones composer's own stages use:

    - ``"clipboard_html"`` (str, set by ``Pipeline.paste``): a plain paste made from a
      clipboard's HTML alone keeps that HTML here, for what it held that plain text cannot
      (the images stage still refuses and counts its pictures);
    - ``"embed.iframes"`` (list of elements, set by the embed stage): the player iframes it
      built; the sanitizer admits these and removes every other iframe;
    - ``"embed.spliced"`` (str, set by the embed stage): the mark on the player iframes it
      wrote into the HTML string when no tree was needed; the sanitizer admits those too.
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
        env: dict[str, Any] | None = None,
        messages: Mapping[str, str] | None = None,
    ) -> None:
        self._source = source
        self._format: Format = format
        self._policy = policy
        self._paste = paste
        self._plain = plain
        self._display_as_link = display_as_link
        self._files = files
        self._notices: list[Notice] = []
        self._problems: list[Problem] = []
        self._stats: dict[str, Any] = {}
        self._pending: list[str] = []
        self._mentions: list[str] = []
        self._removed: dict[str, Counter[str]] = {}
        self._env: dict[str, Any] = {} if env is None else env
        self._stopped = False
        self._content = source
        self._scan: Scan | None = None
        #: code -> template for notices and problems: the Pipeline's catalogue (built-ins, the
        #: stages' ``messages``, the policy's translations); by default the built-ins translated
        if messages is None:
            messages = {**MESSAGES, **{code: text for code, text in policy.messages.items() if text}}
        self._messages: Mapping[str, str] = messages
        self._html: str = source
        self._tree: HtmlElement | None = None
        #: (html, its plain-text projection) when a stage computed that text (see keep_text)
        self._text: tuple[str, str] | None = None

    # -- the input -----------------------------------------------------------------------

    @property
    def source(self) -> str:
        """The post as submitted (or the clipboard's flavour a paste reads), never changed."""
        return self._source

    @property
    def format(self) -> Format:
        """``"html"``, ``"markdown"`` or ``"text"``: the format of ``source``."""
        return self._format

    @property
    def policy(self) -> Policy:
        return self._policy

    @property
    def paste(self) -> bool:
        """True for a paste event (``Pipeline.paste``), False for a post."""
        return self._paste

    @property
    def plain(self) -> bool:
        """True for "paste as plain text": the result carries no formatting."""
        return self._plain

    @property
    def display_as_link(self) -> frozenset[str]:
        """URLs the person chose to keep as links rather than embeds."""
        return self._display_as_link

    @property
    def files(self) -> tuple[tuple[str, bytes], ...]:
        """A clipboard's files as ``(mime_type, bytes)`` pairs; empty for a post."""
        return self._files

    @property
    def env(self) -> dict[str, Any]:
        """Stage-private data for this run (see the class docstring for the keys in use)."""
        return self._env

    # -- the content ---------------------------------------------------------------------

    @property
    def content(self) -> str:
        """The post in its input format as the parse stage prepared it (``source`` before)."""
        return self._content

    def set_content(self, value: str, scan: Scan | None = None) -> None:
        """Replace :attr:`content` (the parse stage's job). Its :attr:`scan` starts afresh,
        unless ``scan`` is given: facts the caller already gathered about ``value`` (also
        taken for the same content when no scan was made of it yet)."""
        if value is not self._content:
            self._content = value
            self._scan = scan if scan is not None and scan.text is value else None
        elif self._scan is None and scan is not None and scan.text is value:
            self._scan = scan

    @property
    def scan(self) -> Scan:
        """Facts about :attr:`content` for the prefilters, each found once and on demand."""
        if self._scan is None:
            self._scan = Scan(self._content)
        return self._scan

    @property
    def html(self) -> str:
        """The working HTML; serializes the tree if a stage parsed it (the tree is kept)."""
        if self._tree is not None:
            return _tree.serialize(self._tree)
        return self._html

    def set_html(self, value: str) -> None:
        """Replace the working HTML; a tree parsed before is dropped."""
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
        """Whether a stage parsed the tree (reading :attr:`html` then serializes it)."""
        return self._tree is not None

    # -- the report ----------------------------------------------------------------------

    @property
    def notices(self) -> list[Notice]:
        return self._notices

    @property
    def problems(self) -> list[Problem]:
        return self._problems

    @property
    def stats(self) -> dict[str, Any]:
        """Counts for ``Result.stats`` (``"emoji"``, ``"images"``, ``"embeds"``, ...)."""
        return self._stats

    @property
    def pending(self) -> list[str]:
        """URLs an embed could not resolve in time, for ``Result.pending``."""
        return self._pending

    @property
    def mentions(self) -> list[str]:
        """The names of the people the post mentions, each once, for ``Result.mentions``
        (filled by a mention stage: :class:`composer.stages.Mentions`)."""
        return self._mentions

    @property
    def removed(self) -> dict[str, Counter[str]]:
        """What stages and the sanitizer took out, by kind (``"elements"``, ...) and name."""
        return self._removed

    @property
    def stopped(self) -> bool:
        """Whether a problem ended the run (see :meth:`problem`)."""
        return self._stopped

    def notice(
        self, code: str, *, action: str | None = None, target: str | None = None, **params: Any
    ) -> None:
        """Tell the person what a stage did (``action`` names the undo it offers). The message
        is said in the form its count takes (``_one`` for 1: :func:`~composer.messages.variant`)."""
        messages = self._messages
        act = Action(action, messages[action].format(), target) if action else None
        key = variant(code, self._policy.messages, params=params)
        self._notices.append(Notice(code, messages[key].format(**params), act, params))

    def problem(self, code: str, *, template: str | None = None, stop: bool = False, **params: Any) -> None:
        """Refuse the post for a reason; ``stop`` ends the run (nothing safe can be made).
        ``template``: the catalogue key to say it with; by default ``code`` in the form its
        count takes (``_one`` for 1: :func:`~composer.messages.variant`)."""
        key = template or variant(code, self._policy.messages, params=params)
        message = self._messages[key].format(**params)
        self._problems.append(Problem(code, message, params))
        if stop:
            self._stopped = True
            self._tree = None
            self._html = ""

    def keep_text(self, html: str, text: str) -> None:
        """Keep ``text``, the plain-text projection of ``html`` (``html_to_text``) a stage had
        to compute anyway: when ``html`` is the final HTML, ``Result.text`` is this text and
        costs no second parse."""
        self._text = (html, text)

    def remove(self, kind: str, name: str, count: int = 1) -> None:
        """Count something taken out of the post, for the ``content_removed`` notice."""
        if count:
            self._removed.setdefault(kind, Counter())[name] += count

    # -- the end -------------------------------------------------------------------------

    def result(self) -> Result:
        """Freeze the document into a :class:`Result`, adding the ``content_removed`` notice."""
        if self._removed and not self._stopped:
            removed = {kind: dict(sorted(names.items())) for kind, names in sorted(self._removed.items())}
            self.notice("content_removed", summary=_summary(removed), removed=removed)
        html = self._html if self._tree is None else self.html
        result = Result(
            html,
            tuple(self._notices),
            tuple(self._problems),
            dict(self._stats),
            tuple(self._pending),
            mentions=tuple(dict.fromkeys(self._mentions)) if self._mentions else (),
        )
        if self._text is not None and self._text[0] is html:
            return _with_text(result, self._text[1])
        return result


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
    they are listed here, not below; :func:`sanitizes` and :func:`prefetcher` read the
    two the chain itself needs, with their defaults):

    - ``sanitizes: bool``: True on the sanitizer; the last stage of a chain must be one.
    - ``messages: Mapping[str, str]``: the stage's own notice codes with their default English
      templates (``{"mention_linked": "{count} people were mentioned."}``); merged into the
      catalogue, so ``doc.notice("mention_linked", count=2)`` renders and
      ``Policy.messages`` may translate it (with the fields the default uses). A code another
      stage or the built-in catalogue declares with a different template is a ConfigError.
    - ``allows: Allowlist``: what the sanitizer must keep for the stage's output, built with
      ``Allowlist.of(tags=..., attributes=..., classes=...)``; added to the policy's
      allowlist, so what the stage made is neither removed nor reported as removed.
    - ``words: Mapping[str, re.Pattern[str]]``: the words the stage reads in the text, by
      sigil: ``{"@": pattern}``, the pattern matching a word at its sigil (lookbehind
      included), as :class:`~composer.stages.Mentions` declares ``@name``. A sigil is one of the
      characters markdown stops at (``@``, ``#``, ``$``, ``!``, ...). The chain's words are
      merged (one sigil read with two patterns is a ConfigError) and given to every stage
      with ``keep_words``.
    - ``keep_words(words) -> Stage``: a stage that interprets typed syntax returns itself
      prepared to leave ``words`` (sorted ``(sigil, pattern)`` pairs, every word the chain
      reads; empty when none) as typed: the parse stage's markdown then reads ``@_ann_`` as
      the name ``_ann_``, not ``@`` and emphasis. Called whenever a pipeline is built, after
      ``bind``; it must accept a stage it returned before.
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
    - ``settings() -> Mapping[str, object]``: what can change the stage's output, as JSON-able
      values, for :attr:`~composer.Pipeline.fingerprint`; without it a dataclass stage is
      described by its compared fields, another by the public entries of its ``__dict__``
      (see "Writing a stage" in ``docs/api.md``).
    """

    @property
    def name(self) -> str: ...

    def __call__(self, doc: Document) -> None: ...


#: a stage's ``prefetch``: resolve URLs into a cache under a policy's deadlines
Prefetch = Callable[[list[str], Policy], None]


def sanitizes(stage: Stage) -> bool:
    """Whether ``stage`` declares itself a sanitizer (``sanitizes`` is True; default False)."""
    return getattr(stage, "sanitizes", False) is True


def prefetcher(stage: Stage) -> Prefetch | None:
    """``stage.prefetch`` when the stage has one (default: None, nothing to prefetch)."""
    fill = getattr(stage, "prefetch", None)
    return fill if callable(fill) else None
