"""What ``GET /api/drafts/{key}`` answers: the draft as it was typed, and as it is restored.

An editor loads a draft back as the person wrote it (their markdown, their HTML), never the
rendering of it: a restored rendering has links added, embeds built, emoji trimmed, and is
empty when the chain refuses the post, so loading it back would change or lose what was
typed. The answer is the restored :class:`~composer.Result` (the preview and its notices,
``content_restored`` first) with the saved draft beside it::

    {...Result.to_dict(),
     "draft": {"body", "format", "saved_at", "display_as_link", "editor_html"}}

``editor_html`` is for a rich (contenteditable) editor, which must not be handed raw HTML
from a store: an ``html`` body through the pipeline's own sanitizer and nothing else (no
stage links, embeds or trims, and no ``max_length``), so it is what was typed less what could run. It is
None for ``markdown`` and ``text`` (their body goes back as text) and when the policy
refuses the body before any stage runs (``too_deep``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from composer.drafts import Draft
from composer.inputs import Submission
from composer.pipeline import Pipeline
from composer.stages import Parse

__all__ = ["DraftAnswers", "iso"]


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
        answer = self.pipe.restore(draft).to_dict()
        answer["draft"] = {
            "body": draft.body,
            "format": draft.format,
            "saved_at": iso(draft),
            "display_as_link": sorted(draft.display_as_link),
            "editor_html": self.editor_html(draft),
        }
        return answer

    def editor_html(self, draft: Draft) -> str | None:
        if draft.format != "html":
            return None
        safe = self.source.run(Submission(draft.body, "html"))
        if not safe.html and safe.problems:  # refused before any stage ran
            return None
        return safe.html
