"""Exceptions raised by kg.

Every error kg raises on purpose derives from :class:`KgError`, so callers can
catch one class. Messages name the file, the record and what to do about it.
"""

from __future__ import annotations

__all__ = [
    "ArgumentError",
    "ExportError",
    "ExtractError",
    "InputError",
    "KgError",
    "NotFoundError",
    "QueryError",
    "ResultLimitError",
    "ServeError",
]


class KgError(Exception):
    """Base class of every error kg raises on purpose."""


class InputError(KgError):
    """An input file or record cannot be read (wrong format, bad encoding, missing field)."""


class ExtractError(KgError):
    """The extraction pipeline cannot be built or run (missing model, bad config)."""


class ExportError(KgError):
    """An output cannot be written or an existing build cannot be read back."""


class ArgumentError(KgError, ValueError):
    """An argument of the Python API is out of its range (an unknown entity type, a negative ``k``).

    A :class:`ValueError` too, as the docstrings that raise it say.
    """


class NotFoundError(KgError, KeyError):
    """No paper or entity of a build matches the name or id given."""

    def __str__(self) -> str:  # KeyError quotes its message; we want it plain
        return str(self.args[0]) if self.args else ""


class QueryError(KgError):
    """A SPARQL query is malformed, refused (updates) or exceeded its limits."""


class ResultLimitError(QueryError):
    """A query's answer has more rows or triples than the endpoint serves (``--max-results``)."""


class ServeError(KgError):
    """The SPARQL endpoint cannot start (the port is taken, the address cannot be bound)."""
