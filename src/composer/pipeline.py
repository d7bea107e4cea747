"""The pipeline: a named, ordered chain of stages over one working document.

Like markdown-it's core ruler, running it is a loop that hands each stage the same
:class:`~composer.document.Document`. A chain is immutable; ``insert_before``,
``insert_after``, ``replace`` and ``remove`` return a new pipeline, so one instance can be
built per process and shared between threads.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Iterable
from functools import cached_property

from composer import _bind, _checks, _fingerprint, _limits
from composer._html.markdown import html_to_markdown
from composer._html.urls import INVISIBLE
from composer.document import CLIPBOARD_HTML, Document, Stage, prefetcher, sanitizes
from composer.drafts import Draft
from composer.errors import ComposerError, ConfigError, InputError, StageError
from composer.inputs import Clipboard, Submission, as_text
from composer.policy import Policy
from composer.result import Result
from composer.stages import default_stages
from composer.stages.parse import html_read_as_text
from composer.stages.paste import visible_text

#: a character a reader sees: not white space and not one of THE invisible characters
_SEEN = re.compile(rf"[^\s{INVISIBLE}]")


def _has_words(text: str | None) -> bool:
    """Whether a plain flavour has anything to paste: a character a reader sees (a flavour of
    white space, control or format characters alone would paste an empty post in place of
    the HTML's words)."""
    return text is not None and _SEEN.search(text) is not None


def _chain(stages: Iterable[Stage] | None) -> tuple[Stage, ...]:
    """The stages as a tuple, each with a str ``name`` (unique) and a ``__call__``."""
    if stages is None:
        return tuple(default_stages())
    if isinstance(stages, (str, bytes)) or not isinstance(stages, Iterable) or callable(stages):
        raise ConfigError(
            f"Pipeline stages must be a list of stages, got {_checks.got(stages)}; "
            "write stages=[Parse(), ..., Sanitize()] or leave it out for the default chain"
        )
    chain = tuple(stages)
    names: set[str] = set()
    for stage in chain:
        name = getattr(stage, "name", None)
        if not isinstance(name, str) or not name or not callable(stage):
            raise ConfigError(f"{stage!r} is not a stage: it needs a str `name` and a __call__(doc)")
        if name in names:
            raise ConfigError(f"two stages are named {name!r}")
        names.add(name)
    return chain


#: what ``paste(target=...)`` can produce for the editor
_TARGETS = ("html", "markdown")


class Pipeline:
    """Turns a submission or a paste into safe HTML and editor notices.

    >>> from composer import Pipeline, Submission
    >>> Pipeline().run(Submission("Hi <b>there</b><script>x()</script>")).html
    'Hi <b>there</b>'
    """

    def __init__(self, stages: Iterable[Stage] | None = None, policy: Policy | None = None) -> None:
        """Check and freeze the chain, and bind it to ``policy`` once.

        ``stages``: an iterable of stages (default :func:`default_stages`); ``policy``: a
        :class:`Policy` (default ``Policy()``). The stages' ``messages`` join the notice
        catalogue and their ``allows`` the policy's allowlist; each stage's optional
        ``bind(policy)`` or ``check(policy)`` runs here (the sanitizer builds its backend), then
        the words the stages read (their ``words``, e.g. ``@name``) go to each stage with
        ``keep_words`` (markdown keeps them as typed), and the prepared stages are what runs.
        Raises :class:`~composer.ConfigError` when a stage is malformed, two share a name, the
        last is not a sanitizer, two stages declare one message code with different templates
        or read one sigil's ``words`` with different patterns, ``Policy.messages`` has a code
        no one declares, a stage's ``allows`` is not an ``Allowlist.of(...)`` the policy can
        take, or a stage cannot work with the policy (an allowlist the backend refuses, a
        missing extra): here, never at the first post.
        """
        if policy is not None and not isinstance(policy, Policy):
            raise ConfigError(
                f"Pipeline policy must be a Policy, got {_checks.got(policy)}; write policy=Policy(...)"
            )
        self._policy = policy if policy is not None else Policy()
        chain = _chain(stages)
        if not chain or not sanitizes(chain[-1]):
            last = chain[-1].name if chain else "nothing"
            raise ConfigError(f"the last stage must be a sanitizer, not {last!r}")
        self._messages = _bind.catalogue(chain, self._policy)
        self._bound = _bind.bound_policy(chain, self._policy)
        self._stages: tuple[Stage, ...] = _bind.keep_words(_bind.bind_stages(chain, self._bound))

    # -- the chain -----------------------------------------------------------------------

    @property
    def stages(self) -> tuple[str, ...]:
        """The stage names, in the order they run."""
        return tuple(stage.name for stage in self._stages)

    @property
    def policy(self) -> Policy:
        """The policy as given (the documents carry it with the stages' ``allows`` added)."""
        return self._policy

    @property
    def messages(self) -> dict[str, str]:
        """The notice catalogue this chain renders from: code -> template (a copy), built-in
        codes and the stages' own, translations from ``Policy.messages`` applied."""
        return dict(self._messages)

    @cached_property
    def fingerprint(self) -> str:
        """16 hex digits naming everything this pipeline's output depends on, stable across
        processes, machines and ``PYTHONHASHSEED``: composer's and its rendering libraries'
        versions (emoji data included), the policy (every field, the stages' ``allows``
        merged), and each stage's name, class and settings (its ``settings()``, else its
        dataclass fields; the embed stage's name the site table and provider registry). A
        stored post whose fingerprint differs may render differently now: rebake it (see
        ``docs/rebake.md``). Computed on first access. Raises :class:`~composer.ConfigError`
        when a stage holds a setting with no stable description and declares no
        ``settings()``.
        """
        return _fingerprint.fingerprint(self._stages, self._bound)

    def stage(self, name: str) -> Stage:
        """The stage called ``name``."""
        return self._stages[self._index(name)]

    def insert_before(self, name: str, stage: Stage) -> Pipeline:
        return self._with(self._index(name), 0, stage)

    def insert_after(self, name: str, stage: Stage) -> Pipeline:
        return self._with(self._index(name) + 1, 0, stage)

    def replace(self, name: str, stage: Stage) -> Pipeline:
        return self._with(self._index(name), 1, stage)

    def remove(self, name: str) -> Pipeline:
        return self._with(self._index(name), 1, None)

    def with_policy(self, policy: Policy) -> Pipeline:
        return Pipeline(self._stages, policy)

    def _index(self, name: str) -> int:
        for i, stage in enumerate(self._stages):
            if stage.name == name:
                return i
        raise ConfigError(f"no stage named {name!r}; the chain is {', '.join(self.stages)}")

    def _with(self, at: int, drop: int, stage: Stage | None) -> Pipeline:
        chain: list[Stage] = list(self._stages)
        chain[at : at + drop] = [stage] if stage is not None else []
        return Pipeline(chain, self._policy)

    # -- running -------------------------------------------------------------------------

    def run(self, submission: Submission) -> Result:
        """Render a submitted post (or a preview of it)."""
        if not isinstance(submission, Submission):
            raise InputError(f"run() takes a Submission, not {type(submission).__name__}")
        too_big = _limits.oversize(submission.body, self._policy)
        if too_big:
            return too_big
        doc = Document(
            as_text(submission.body, "body"),
            submission.format,
            self._bound,
            display_as_link=submission.display_as_link,
            messages=self._messages,
        )
        return self._run(doc)

    def paste(self, clipboard: Clipboard, *, plain: bool = False, target: str = "html") -> Result:
        """Render one paste into the fragment the editor inserts.

        Rich when the clipboard has HTML (with the ``pasted_as_rich`` notice and its
        ``paste_as_plain`` undo); ``plain=True`` is that undo: the text flavour, or text
        derived from the HTML, with paragraphs, line breaks and links but no markup.
        A rich flavour refused whole (``too_deep``, ``too_large``, ``too_complex``: nothing of
        it could be made) is answered with the plain paste of the same clipboard, the text
        flavour or else the words of the HTML read without parsing, led by the
        ``pasted_as_plain`` notice whose ``reason`` is the refusal's message: nothing of the
        clipboard is lost. When that plain paste is refused too, the rich refusal stands.
        ``target`` is what the editor edits: ``"html"`` (default; ``Result.markdown`` is
        None) or ``"markdown"``: the same chain and notices, and ``Result.markdown`` holds
        the safe HTML as markdown source (``""`` when a problem stopped the run).
        Raises :class:`~composer.InputError` when ``plain`` is not a bool (``"false"`` is
        not a way to say False) or ``target`` is not ``"html"`` or ``"markdown"``, and
        :class:`~composer.StageError` (stage ``"markdown"``) when a policy's ``max_depth``
        let through nesting too deep to convert.
        """
        if not isinstance(clipboard, Clipboard):
            raise InputError(f"paste() takes a Clipboard, not {type(clipboard).__name__}")
        _checks.flag("paste(plain=...)", plain, InputError)
        if not isinstance(target, str) or target not in _TARGETS:
            raise InputError(f"paste(target=...) must be 'html' or 'markdown', got {_checks.got(target)}")
        result = self._paste(clipboard, plain)
        if target == "markdown":
            try:
                markdown = html_to_markdown(result.html)
            except RecursionError as exc:  # nesting a policy's max_depth let through
                raise StageError("markdown", "input too complex (RecursionError)") from exc
            return dataclasses.replace(result, markdown=markdown)
        return result

    def _paste(self, clipboard: Clipboard, plain: bool) -> Result:
        text_big = _limits.oversize(clipboard.text, self._policy) if clipboard.text is not None else None
        if text_big:
            return text_big
        text = as_text(clipboard.text, "clipboard text") if clipboard.text is not None else None
        html_big = _limits.oversize(clipboard.html, self._policy) if clipboard.html is not None else None
        if html_big:  # over the hard cap on what is read: its text flavour alone, if any
            return (
                html_big if plain or not _has_words(text) else self._fallback(html_big, None, text, clipboard)
            )
        html = as_text(clipboard.html, "clipboard html") if clipboard.html is not None else None
        if html is None or not html.strip() or plain:
            return self._plain(html, text, clipboard.files)
        doc = Document(html, "html", self._bound, paste=True, files=clipboard.files, messages=self._messages)
        rich = self._run(doc)
        if not doc.stopped:
            return rich
        # refused whole (too deep, too large, too complex): its words, by a reading that parses nothing
        return self._fallback(
            rich, html, text if _has_words(text) else _limits.markup_words(html, self._bound), clipboard
        )

    def _fallback(self, refusal: Result, html: str | None, text: str | None, clipboard: Clipboard) -> Result:
        """The plain paste of a clipboard whose rich flavour ``refusal`` refused whole, led by
        ``pasted_as_plain`` (its ``reason``: the refusal's message; ``problem``: its code), or
        ``refusal`` itself when the plain paste is refused too or has no words to give."""
        if not _has_words(text):
            return refusal
        why = refusal.problems[-1]
        notice = Document("", "text", self._bound, messages=self._messages)
        notice.notice("pasted_as_plain", reason=why.message, problem=why.code)
        plain = self._plain(html, text, clipboard.files)
        if plain.problems:  # refused too (a too_long found once its text is read keeps its html)
            return refusal
        return dataclasses.replace(plain, notices=(*notice.notices, *plain.notices))

    def _plain(self, html: str | None, text: str | None, files: tuple[tuple[str, bytes], ...]) -> Result:
        """The plain paste: the text flavour, or text read from the HTML (lines, links, no markup)."""
        scratch: Document | None = None
        if text is None and html is not None:
            # the parse stage's pre-parse limits, before the parse visible_text needs
            doc = Document("", "html", self._bound, messages=self._messages)
            read = html_read_as_text(doc, html)
            if read is None:
                return doc.result()
            scratch = Document(read[1], "html", self._bound, paste=True, messages=self._messages)
            html, text = read[0], visible_text(scratch)
        doc = Document(
            text or "",
            "text",
            self._bound,
            paste=True,
            plain=True,
            files=files,
            env={CLIPBOARD_HTML: html} if html else None,  # its images are refused all the same
            messages=self._messages,
        )
        if scratch is not None:  # what the clean-up of the HTML took out, counted
            for kind, names in scratch.removed.items():
                for name, count in names.items():
                    doc.remove(kind, name, count)
        return self._run(doc)

    # -- async: the same runs in a worker thread -------------------------------------------

    async def arun(self, submission: Submission) -> Result:
        """:meth:`run` for async code: the same result, with the event loop free meanwhile.

        The run goes to a worker thread (``asyncio.to_thread``: the loop's default executor,
        context variables copied), so its CPU work and its embed waits (up to
        ``Policy.embed_deadline``) never block the loop. This is safe because a pipeline is
        immutable after construction and each run owns its document: one instance serves
        any number of concurrent calls. Raises what :meth:`run` raises. A cancelled await
        stops waiting, but the thread finishes its run (at most the embed deadline later).
        """
        return await asyncio.to_thread(self.run, submission)

    async def apaste(self, clipboard: Clipboard, *, plain: bool = False, target: str = "html") -> Result:
        """:meth:`paste` for async code, in a worker thread as :meth:`arun` is; same result,
        same errors."""
        return await asyncio.to_thread(self.paste, clipboard, plain=plain, target=target)

    def restore(self, draft: Draft) -> Result:
        """Render a saved :class:`~composer.Draft` for the editor, as :meth:`run` renders a post.

        The draft goes through the whole chain (sanitizer last: drafts are stored raw), its
        ``display_as_link`` choices kept as links as :meth:`run` keeps a submission's, and the
        result leads with the ``content_restored`` notice and its ``clear_editor`` action, both
        translatable through ``Policy.messages``. However the run ends (a limit refusing the
        draft before any stage, ``too_large``, ``too_long``, ``too_complex``, ``too_deep``), the
        notice leads: a problem refuses the post, never the draft, which the editor gets back
        as typed (``docs/drafts.md`` says how a rich editor shows an HTML draft that has no
        safe HTML). Raises :class:`~composer.InputError` when ``draft`` is not a ``Draft``.
        """
        if not isinstance(draft, Draft):
            raise InputError(f"restore() takes a Draft, not {type(draft).__name__}")
        doc = Document(
            draft.body,
            draft.format,
            self._bound,
            display_as_link=draft.display_as_link,
            messages=self._messages,
        )
        doc.notice("content_restored", action="clear_editor")
        too_big = _limits.oversize(draft.body, self._policy)
        if too_big:
            return dataclasses.replace(too_big, notices=(*doc.notices, *too_big.notices))
        return self._run(doc)

    def prefetch(self, urls: Iterable[str]) -> None:
        """Resolve ``urls`` into the embed cache, for a background worker.

        After a ``cache_only`` run, pass it ``Result.pending``; the next run embeds what was
        found. Every stage with a ``prefetch(urls, policy)`` method (the embed stage) is asked;
        failures are cached as failures, never raised.
        """
        todo = list(urls)
        for stage in self._stages:
            fill = prefetcher(stage)
            if todo and fill is not None:
                fill(todo, self._bound)

    def close(self) -> None:
        """Release what the stages hold (the embed stage's threads, its cache's connections).

        Every stage with a ``close()`` is asked; the pipeline stays usable and its stages
        reopen what they need. ``with Pipeline(...) as pipe:`` closes on leaving the block.
        """
        for stage in self._stages:
            close = getattr(stage, "close", None)
            if callable(close):
                close()

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _run(self, doc: Document) -> Result:
        for stage in self._stages:
            if doc.stopped:
                break
            try:
                stage(doc)
            except ComposerError:
                raise
            except (RecursionError, MemoryError) as exc:
                raise StageError(stage.name, f"input too complex ({type(exc).__name__})") from exc
            except BaseException as exc:
                if not _bind.is_error(exc):
                    raise
                raise StageError(stage.name, f"{type(exc).__name__}: {exc}") from exc
        return doc.result()
