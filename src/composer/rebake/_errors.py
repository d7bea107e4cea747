"""The one error of rebake (a leaf module, so every other module of the package may raise it)."""

from __future__ import annotations

from composer.errors import ComposerError

__all__ = ["RebakeError"]


class RebakeError(ComposerError):
    """A rebake could not run: a missing table or column, a database error, workers whose
    pipeline is not the driver's. Rows that fail to render are not errors: they are reported."""
