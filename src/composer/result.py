"""What a run returns: the safe HTML, and what the editor should tell the person.

Everything here is a frozen value, so a result can be cached, compared and sent across
threads. :meth:`Result.to_dict` is the wire format (the CLI's ``--format json`` prints it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from composer._html.text import html_to_text


@dataclass(frozen=True)
class Action:
    """An undo the editor can offer next to a notice (e.g. "Paste as plain text instead").

    ``target`` names what the action applies to, e.g. the URL for ``display_as_link``; the
    editor sends it back (``Submission(display_as_link={target})``).
    """

    code: str
    label: str
    target: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "target": self.target}


@dataclass(frozen=True)
class Notice:
    """Something a stage did that the person should know about; it does not block the post."""

    code: str
    message: str
    action: Action | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "action": self.action.to_dict() if self.action else None,
            "params": dict(self.params),
        }


@dataclass(frozen=True)
class Problem:
    """A reason the post cannot be accepted as it is. The caller still has the body."""

    code: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "params": dict(self.params)}


@dataclass(frozen=True)
class Result:
    """The outcome of one run or paste.

    ``html`` is safe to store and show whether or not the result is ``ok``; when a problem
    stopped the run before sanitizing (too large, too deep), ``html`` is empty.
    ``pending`` lists URLs the embed stage left as links for a background prefetch.
    ``markdown`` is the same content as markdown source for a markdown editor, set by
    ``paste(..., target="markdown")`` and None otherwise. ``mentions`` names the people the
    post mentions (``@name`` links a mention stage made), each once, in order: the forum
    notifies them.
    """

    html: str
    notices: tuple[Notice, ...] = ()
    problems: tuple[Problem, ...] = ()
    stats: Mapping[str, Any] = field(default_factory=dict)
    pending: tuple[str, ...] = ()
    markdown: str | None = None
    mentions: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing blocks the post."""
        return not self.problems

    @cached_property
    def text(self) -> str:
        """The plain-text projection (for notifications, search, e-mail), computed on first use
        (with no parse when the run already computed it from the final HTML)."""
        return html_to_text(self.html)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ok, html, text, notices, problems, stats, pending, mentions,
        markdown (see docs/api.md)."""
        return {
            "ok": self.ok,
            "html": self.html,
            "text": self.text,
            "notices": [n.to_dict() for n in self.notices],
            "problems": [p.to_dict() for p in self.problems],
            "stats": dict(self.stats),
            "pending": list(self.pending),
            "mentions": list(self.mentions),
            "markdown": self.markdown,
        }


def _with_text(result: Result, text: str) -> Result:
    """``result`` with :attr:`Result.text` already known: ``text`` must be
    ``html_to_text(result.html)``, computed by the run (the sanitizer's length check), so the
    first read parses nothing. Internal: the one place the cached value is set from outside."""
    result.__dict__["text"] = text  # where cached_property keeps it; the dataclass stays frozen
    return result
