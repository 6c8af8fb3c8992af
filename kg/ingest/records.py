"""Turning raw fields into a :class:`Paper` or a :class:`Reject` with a reason."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kg.records import Paper, Reject

from .ids import arxiv_id_in_url, clean_arxiv_id, clean_doi, doi_in_url, normalise_title, paper_id
from .text import MAX_ABSTRACT_CHARS, MAX_TITLE_CHARS, clean_text, clean_title

__all__ = ["make_paper", "parse_authors", "parse_year", "snippet"]

_YEAR = re.compile(r"(19|20)\d\d")


def snippet(value: object, limit: int = 200) -> str:
    """The first ``limit`` characters of a record, for the rejects report (lone surrogates replaced)."""
    text = value if isinstance(value, str) else repr(value)
    return text[:limit].encode("utf-8", "replace").decode("utf-8")


def parse_authors(value: object) -> tuple[str, ...]:
    """Authors from a list, or a string joined by " and ", ";" or ","."""
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(clean_title(str(a)) for a in value if str(a).strip())
    text = str(value)
    parts = re.split(r"\s+and\s+|;", text) if (" and " in text or ";" in text) else text.split(",")
    return tuple(clean_title(p) for p in parts if p.strip())


def parse_year(value: object) -> int | None:
    """A four-digit year from an int or any date-like string."""
    if isinstance(value, int) and 1900 <= value <= 2100:
        return value
    match = _YEAR.search(str(value)) if value is not None else None
    return int(match.group(0)) if match else None


def _opt(fields: Mapping[str, Any], key: str) -> str | None:
    value = fields.get(key)
    if value is None:
        return None
    text = clean_title(str(value))
    return text or None


def make_paper(fields: Mapping[str, Any], source: Path, line: int) -> Paper | Reject:
    """Build a Paper from raw fields, or a Reject saying what is wrong.

    ``fields`` may hold ``title``, ``abstract``, ``id``, ``authors``, ``year``,
    ``url``, ``arxiv_id`` and ``doi``.
    """
    raw_title = fields.get("title")
    raw_abstract = fields.get("abstract")
    where = str(source)
    shown = snippet(raw_title if raw_title else raw_abstract or dict(fields))
    if raw_title is None or not isinstance(raw_title, str | int | float):
        return Reject(where, line, "missing title", shown)
    title = clean_title(str(raw_title))
    if not title or not normalise_title(title):
        return Reject(where, line, "empty title (nothing left after cleaning)", shown)
    if len(title) > MAX_TITLE_CHARS:
        return Reject(where, line, f"title too long ({len(title)} chars, limit {MAX_TITLE_CHARS})", shown)
    if raw_abstract is None or not isinstance(raw_abstract, str):
        return Reject(where, line, "missing abstract", shown)
    abstract = clean_text(raw_abstract)
    if not abstract:
        return Reject(where, line, "empty abstract", shown)
    if len(abstract) > MAX_ABSTRACT_CHARS:
        return Reject(where, line, f"abstract too long ({len(abstract)} chars, limit {MAX_ABSTRACT_CHARS})", shown)
    url = _opt(fields, "url")
    raw_arxiv = _opt(fields, "arxiv_id")
    raw_doi = _opt(fields, "doi")
    # An arXiv abs/pdf or doi.org URL is the record's id when no id field says otherwise.
    arxiv = (clean_arxiv_id(raw_arxiv) if raw_arxiv else None) or (arxiv_id_in_url(url) if url else None)
    doi = (clean_doi(raw_doi) if raw_doi else None) or (doi_in_url(url) if url else None)
    record_id = _opt(fields, "id")
    return Paper(
        id=paper_id(title, arxiv, doi),
        title=title,
        abstract=abstract,
        authors=parse_authors(fields.get("authors")),
        year=parse_year(fields.get("year")),
        url=url,
        arxiv_id=arxiv or None,
        doi=doi or None,
        sources=(f"{where}:{line}",),
        record_id=record_id,
    )
