"""The one error of rebake, and how another error is told in its words (a leaf module, so
every other module of the package may raise it)."""

from __future__ import annotations

import sqlalchemy as sa

from composer.errors import ComposerError

__all__ = ["RebakeError", "failure", "why"]


class RebakeError(ComposerError):
    """A rebake could not run: a missing table or column, a database error, workers whose
    pipeline is not the driver's, a Dask cluster lost. Rows that fail to render are not
    errors: they are reported."""


def why(exc: BaseException) -> str:
    """The database's own words (``no such table: posts``), without the SQL and its
    parameters; another error as ``Type: message``."""
    orig = getattr(exc, "orig", None) if isinstance(exc, sa.exc.SQLAlchemyError) else None
    return (
        f"{type(orig).__name__}: {str(orig).strip()}" if orig is not None else f"{type(exc).__name__}: {exc}"
    )


def failure(error: BaseException) -> RebakeError:
    """The :class:`RebakeError` that ends the run for a range's error (a database's in its words)."""
    if isinstance(error, RebakeError):
        return error
    return RebakeError(f"a worker failed: {why(error)}")
