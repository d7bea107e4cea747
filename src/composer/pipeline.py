"""The pipeline: a named, ordered chain of stages over one working document.

Like markdown-it's core ruler, running it is a loop that hands each stage the same
:class:`~composer.document.Document`. A chain is immutable; ``insert_before``,
``insert_after``, ``replace`` and ``remove`` return a new pipeline, so one instance can be
built per process and shared between threads.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from composer import _limits
from composer._stray import escape_stray_lt
from composer._text import html_to_text
from composer.document import Document
from composer.errors import ComposerError, ConfigError, InputError, StageError
from composer.inputs import Clipboard, Submission, as_text
from composer.policy import Policy
from composer.result import Result


@runtime_checkable
class Stage(Protocol):
    """A step of the chain: a ``name`` and a call that edits the document in place.

    Stages are frozen dataclasses whose fields are their settings; they do no I/O of their
    own (the embed stage reaches the network only through the resolver it is given). The
    last stage must be a sanitizer: an object whose ``sanitizes`` attribute is True.
    """

    @property
    def name(self) -> str: ...

    def __call__(self, doc: Document) -> None: ...


def default_stages() -> list[Stage]:
    """The standard chain: parse, paste, images, emoji, links, embed, sanitize."""
    from composer.stages import default_stages as stages

    return stages()


class Pipeline:
    """Turns a submission or a paste into safe HTML and editor notices.

    >>> from composer import Pipeline, Submission
    >>> Pipeline().run(Submission("Hi <b>there</b><script>x()</script>")).html
    'Hi <b>there</b>'
    """

    def __init__(self, stages: Iterable[Stage] | None = None, policy: Policy | None = None) -> None:
        chain = tuple(default_stages() if stages is None else stages)
        if policy is not None and not isinstance(policy, Policy):
            raise ConfigError(f"policy must be a Policy, not {type(policy).__name__}")
        self._policy = policy or Policy()
        names: set[str] = set()
        for stage in chain:
            name = getattr(stage, "name", None)
            if not isinstance(name, str) or not name or not callable(stage):
                raise ConfigError(f"{stage!r} is not a stage: it needs a str `name` and a __call__(doc)")
            if name in names:
                raise ConfigError(f"two stages are named {name!r}")
            names.add(name)
        if not chain or getattr(chain[-1], "sanitizes", False) is not True:
            last = chain[-1].name if chain else "nothing"
            raise ConfigError(f"the last stage must be a sanitizer, not {last!r}")
        self._stages: tuple[Stage, ...] = chain

    # -- the chain -----------------------------------------------------------------------

    @property
    def stages(self) -> tuple[str, ...]:
        """The stage names, in the order they run."""
        return tuple(stage.name for stage in self._stages)

    @property
    def policy(self) -> Policy:
        return self._policy

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
            self._policy,
            display_as_link=submission.display_as_link,
        )
        return self._run(doc)

    def paste(self, clipboard: Clipboard, *, plain: bool = False) -> Result:
        """Render one paste into the fragment the editor inserts.

        Rich when the clipboard has HTML (with the ``pasted_as_rich`` notice and its
        ``paste_as_plain`` undo); ``plain=True`` is that undo: the text flavour, or text
        derived from the HTML, with paragraphs, line breaks and links but no markup.
        """
        if not isinstance(clipboard, Clipboard):
            raise InputError(f"paste() takes a Clipboard, not {type(clipboard).__name__}")
        for flavour in (clipboard.html, clipboard.text):
            too_big = _limits.oversize(flavour, self._policy) if flavour is not None else None
            if too_big:
                return too_big
        html = as_text(clipboard.html, "clipboard html") if clipboard.html is not None else None
        text = as_text(clipboard.text, "clipboard text") if clipboard.text is not None else None
        if html is not None and html.strip() and not plain:
            doc = Document(html, "html", self._policy, paste=True, files=clipboard.files)
        else:
            if text is None and html is not None:
                html = _limits.clean_controls(html)[0]
                if _limits.too_deep(html, self._policy.max_depth):
                    doc = Document("", "text", self._policy)
                    doc.problem("too_deep", stop=True, limit=self._policy.max_depth)
                    return doc.result()
                text = html_to_text(escape_stray_lt(html))  # "a<b is true" is text
            doc = Document(
                text or "",
                "text",
                self._policy,
                paste=True,
                plain=True,
                files=clipboard.files,
                clipboard_html=html if clipboard.text is None else None,
            )
        return self._run(doc)

    def prefetch(self, urls: Iterable[str]) -> None:
        """Resolve ``urls`` into the embed cache, for a background worker.

        After a ``cache_only`` run, pass it ``Result.pending``; the next run embeds what was
        found. Every stage with a ``prefetch(urls, policy)`` method (the embed stage) is asked;
        failures are cached as failures, never raised.
        """
        todo = list(urls)
        for stage in self._stages:
            fill = getattr(stage, "prefetch", None)
            if todo and callable(fill):
                fill(todo, self._policy)

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
            except Exception as exc:
                raise StageError(stage.name, f"{type(exc).__name__}: {exc}") from exc
        return doc.result()
