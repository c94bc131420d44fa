"""The exception hierarchy.

Every error modelfolio raises derives from :class:`ModelfolioError`; each specific
error also subclasses the builtin it resembles, so callers that already catch
``ValueError`` or ``LookupError`` keep working.
"""

from __future__ import annotations

__all__ = [
    "CatalogError",
    "MissingDependencyError",
    "ModelfolioError",
    "UnknownIdError",
    "ValidationError",
]


class ModelfolioError(Exception):
    """The root of every error raised by modelfolio."""


class ValidationError(ModelfolioError, ValueError):
    """A value was rejected at construction; the message names the field and the value."""


class CatalogError(ValidationError):
    """A model, price, deployment or catalog was built from bad values."""


class UnknownIdError(ModelfolioError, KeyError):
    """An id was looked up that the collection does not hold."""

    def __str__(self) -> str:
        # KeyError.__str__ quotes its argument; a sentence reads better.
        return str(self.args[0]) if self.args else ""


class MissingDependencyError(ModelfolioError, ImportError):
    """An optional extra is needed and not installed; the message says what to install."""
