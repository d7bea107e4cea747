"""The exceptions composer raises.

A bad post is not an exception: it comes back as a :class:`~composer.Problem` in the
:class:`~composer.Result`. Exceptions are for the caller's mistakes and for bugs::

    ComposerError             base of everything composer raises
    ├── ConfigError           a Pipeline, Policy or DraftStore was built wrong (at construction)
    ├── InputError            a Submission, Clipboard, Draft or Card was built wrong, bytes are
    │                         not UTF-8, or a DraftStore refused a key or a draft (too large)
    └── StageError            a stage crashed; names the stage, chains the original error
"""

from __future__ import annotations


class ComposerError(Exception):
    """Base class of every exception composer raises."""


class ConfigError(ComposerError, ValueError):
    """A pipeline or policy is misconfigured; raised when it is built, never per post."""


class InputError(ComposerError, ValueError):
    """The input is unusable: a Submission/Clipboard/Draft/Card field of the wrong type or value
    (raised when it is built), bytes that are not UTF-8 (raised when the post is run), or a
    draft key or body a :class:`~composer.DraftStore` refuses (raised by the call, nothing
    stored)."""


class StageError(ComposerError):
    """A stage raised an unexpected exception; ``stage`` names it, ``__cause__`` holds it."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(f"stage {stage!r} failed: {message}")
        self.stage = stage
