"""What ``GET /api/drafts/{key}`` answers: the draft as it was typed, and as it is restored.

An editor loads a draft back as the person wrote it (their markdown, their HTML), never the
rendering of it: a restored rendering has links added, embeds built, emoji trimmed, and is
empty when the chain refuses the post, so loading it back would change or lose what was
typed. The answer is the restored :class:`~composer.Result` (the preview and its notices,
``content_restored`` first, however the run ended) with the saved draft beside it::

    {...Result.to_dict(),
     "draft": {"body", "format", "saved_at", "display_as_link", "editor_html", "editor_text"}}

``editor_html`` is for a rich (contenteditable) editor, which must not be handed raw HTML
from a store: an ``html`` body through the pipeline's own sanitizer and nothing else (no
stage links, embeds or trims, and no ``max_length``), so it is what was typed less what could
run. When the policy refuses even that (nested too deeply to parse, too many elements) or it
fails, ``editor_html`` is None and ``editor_text`` holds the draft's text, read by a linear
scan that parses nothing (:func:`composer._limits.markup_words`): the editor takes
it as a ``text`` draft, and the notice ``restored_as_plain`` follows ``content_restored``.
A body with more markup than ``Policy.max_markup_bytes`` is not read (it would cost seconds):
both are None. When nothing of a non-blank HTML draft goes back to the box (unread, or all of
it taken out by the sanitizer), the answer has no ``content_restored``: it was not restored.
Both are None for ``markdown`` and ``text`` drafts (their body goes back as text).

A stage that fails on the restore (a bug, logged) does not keep the draft from the person:
the answer is then ``content_restored`` with the problem ``preview_failed``.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from composer._limits import markup_words
from composer.document import Document
from composer.drafts import Draft
from composer.errors import StageError
from composer.inputs import Submission
from composer.pipeline import Pipeline
from composer.result import Result
from composer.stages import Parse

__all__ = ["DraftAnswers", "iso"]

log = logging.getLogger("composer.web")

#: the notices that say the draft is back in the box
_RESTORED = ("content_restored", "restored_as_plain")


def iso(draft: Draft) -> str:
    """``saved_at`` as ISO 8601 in UTC with ``Z``, as ``PUT`` answers it."""
    return draft.saved_at.isoformat().replace("+00:00", "Z")


class DraftAnswers:
    """The answers for one pipeline: its restore, and its sanitizer alone for ``editor_html``."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipe = pipeline
        # the chain's last stage is its sanitizer (the Pipeline guarantees it); the length of
        # a post is the chain's business, not the editor's: no text is longer than its source
        sanitizer = pipeline.stage(pipeline.stages[-1])
        policy = dataclasses.replace(pipeline.policy, max_length=pipeline.policy.max_input_bytes)
        self.source = Pipeline([Parse(), sanitizer], policy)

    def answer(self, draft: Draft) -> dict[str, Any]:
        """The JSON-ready answer for ``draft`` (computed in a worker thread: it runs the chain)."""
        answer = self.restored(draft).to_dict()
        editor_html = self.editor_html(draft)
        editor_text = None
        if draft.format == "html" and editor_html is None:
            editor_text = markup_words(draft.body, self.pipe.policy)  # None: too much markup to read
            if editor_text is not None:
                answer["notices"].insert(1, self._notice("restored_as_plain"))
        if draft.format == "html" and draft.body.strip() and not (editor_html or editor_text or "").strip():
            # nothing of it goes back to the box (unread, or all of it taken out): not restored
            answer["notices"] = [n for n in answer["notices"] if n["code"] not in _RESTORED]
        answer["draft"] = {
            "body": draft.body,
            "format": draft.format,
            "saved_at": iso(draft),
            "display_as_link": sorted(draft.display_as_link),
            "editor_html": editor_html,
            "editor_text": editor_text,
        }
        return answer

    def restored(self, draft: Draft) -> Result:
        """``Pipeline.restore``, or, when a stage fails on it, ``content_restored`` with the
        problem ``preview_failed`` (the failure logged): the draft still goes back."""
        try:
            return self.pipe.restore(draft)
        except StageError as exc:
            log.error("composer.web: restoring a draft: %s", exc, exc_info=exc)
            doc = self._document()
            doc.notice("content_restored", action="clear_editor")
            doc.problem("preview_failed", stop=True)
            return doc.result()

    def editor_html(self, draft: Draft) -> str | None:
        if draft.format != "html":
            return None
        try:
            safe = self.source.run(Submission(draft.body, "html"))
        except StageError as exc:
            log.error("composer.web: a draft's editor_html: %s", exc, exc_info=exc)
            return None
        if not safe.html and safe.problems:  # refused before any stage ran
            return None
        return safe.html

    def _document(self) -> Document:
        """An empty document speaking this pipeline's catalogue (its translations)."""
        return Document("", "text", self.pipe.policy, messages=self.pipe.messages)

    def _notice(self, code: str) -> dict[str, Any]:
        doc = self._document()
        doc.notice(code)
        notice: dict[str, Any] = doc.result().to_dict()["notices"][0]
        return notice
