"""Turning raw fields into a :class:`Paper` or a :class:`Reject` with a reason."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.records import Paper, Reject

from .ids import arxiv_id_in_url, clean_arxiv_id, clean_doi, doi_in_url, is_arxiv_id, is_doi, normalise_title, paper_id
from .text import MAX_ABSTRACT_CHARS, MAX_TITLE_CHARS, clean_text, clean_title

__all__ = ["RawRecord", "make_paper", "parse_authors", "parse_year", "snippet"]

log = logging.getLogger(__name__)

_YEAR = re.compile(r"(19|20)\d\d")


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One input record as a reader found it: its fields (not yet checked or cleaned) and where it starts.

    Parameters
    ----------
    fields : mapping
        ``title``, ``abstract`` and any of ``id``, ``authors``, ``year``, ``url``,
        ``arxiv_id``, ``doi``, as the input had them.
    line : int
        The physical line (1-based) where the record starts in its file.
    """

    fields: Mapping[str, Any]
    line: int


def snippet(value: object, limit: int = 200) -> str:
    """The first ``limit`` characters of a record, for the rejects report (lone surrogates replaced)."""
    if isinstance(value, str):
        text = value
    else:  # as the input had it: JSON's null and lists, not Python's None and reprs
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (ValueError, RecursionError):
            text = repr(value)
    return text[:limit].encode("utf-8", "replace").decode("utf-8")


def _author_name(author: object) -> str:
    """One author's name: a string, or an object with ``name`` (Semantic Scholar), ``given``/``family`` (CSL)."""
    if isinstance(author, Mapping):
        name = author.get("name") or author.get("full_name") or author.get("fullname")
        if not isinstance(name, str) or not name.strip():
            parts = [author.get(k) for k in ("given", "first", "family", "last")]
            name = " ".join(p for p in parts if isinstance(p, str) and p.strip())
        return clean_title(name)
    return clean_title(author) if isinstance(author, str) else ""  # a number or a list is no name


def parse_authors(value: object) -> tuple[str, ...]:
    """Authors from a list (of names or of objects with a name), or a string joined by " and ", ";" or ",".

    Examples
    --------
    >>> parse_authors([{"authorId": "1", "name": "Ann Lee"}, {"given": "Bo", "family": "Chen"}, "Cy Wu"])
    ('Ann Lee', 'Bo Chen', 'Cy Wu')
    >>> parse_authors("Smith, John and Doe, Jane"), parse_authors({"name": "Ann Lee"}), parse_authors([[1, 2]])
    (('Smith, John', 'Doe, Jane'), ('Ann Lee',), ())
    >>> parse_authors("He, Kaiming"), parse_authors("Ann Lee, Bo Chen")
    (('He, Kaiming',), ('Ann Lee', 'Bo Chen'))
    """
    if value is None:
        return ()
    if isinstance(value, Mapping):  # one author as an object
        value = [value]
    if isinstance(value, list | tuple):
        return tuple(name for name in map(_author_name, value) if name)
    text = str(value)
    parts = re.split(r"\s+and\s+|;", text) if (" and " in text or ";" in text) else text.split(",")
    if len(parts) == 2 and any(len(p.split()) == 1 for p in parts):
        parts = [text]  # one name, last name first: "He, Kaiming" (two would be "Ann Lee, Bo Chen")
    return tuple(clean_title(p) for p in parts if p.strip())


def parse_year(value: object) -> int | None:
    """A four-digit year from an int or any date-like string."""
    if isinstance(value, int) and 1900 <= value <= 2100:
        return value
    match = _YEAR.search(str(value)) if value is not None else None
    return int(match.group(0)) if match else None


def _kind(value: object) -> str:
    """The JSON name of a value's type, for reject reasons."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return type(value).__name__


def _shown(abstract: object, fields: Mapping[str, Any]) -> object:
    """What a reject shows of a record without a usable title: its abstract, else its keys."""
    if isinstance(abstract, str) and abstract:
        return abstract
    return "{" + ", ".join(f'"{k}": …' for k in fields) + "}"


def _opt(fields: Mapping[str, Any], key: str) -> str | None:
    value = fields.get(key)
    if value is None:
        return None
    text = clean_title(str(value))
    return text or None


#: What some exports put where a paper has no abstract.
_PLACEHOLDER = re.compile(r"\[?\s*(?:no abstract(?: available)?|abstract not available|n/?a)\s*\]?\.?", re.I)
#: arXiv's DOIs: 10.48550/arXiv.2106.09685 (DOIs are lower-cased by clean_doi).
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(.+)")


def _checked(value: str, field: str, valid: Callable[[str], bool], where: str, line: int) -> str | None:
    """``value`` if ``valid`` says it is one, else ``None`` and a warning: the paper is kept without it
    (a malformed id would become the paper's id and IRI, and a dead arXiv or doi.org link)."""
    if not value or valid(value):
        return value or None
    kind = "an arXiv identifier (like 2401.01234)" if field == "arxiv_id" else "a DOI (like 10.1000/xyz)"
    log.warning("%s:%d: %s %r is not %s; the paper is kept without it", where, line, field, snippet(value), kind)
    return None


def _if_valid(value: str | None, valid: Callable[[str], bool]) -> str | None:
    return value if value and valid(value) else None


def make_paper(fields: Mapping[str, Any], source: str | Path, line: int, *, keep_empty: bool = False) -> Paper | Reject:
    """Build a Paper from raw fields, or a Reject saying what is wrong.

    ``fields`` may hold ``title``, ``abstract``, ``id``, ``authors``, ``year``,
    ``url``, ``arxiv_id`` and ``doi``. An arXiv abs/pdf URL or a doi.org URL in
    ``url`` gives the arXiv id or DOI when no field does.

    With ``keep_empty`` (``kg extract``: one output line per input record) a missing
    or empty title or abstract is kept as ``""`` instead of rejected; a field of the
    wrong type is still rejected.
    """
    raw_title = fields.get("title")
    raw_abstract = fields.get("abstract")
    where = str(source)
    shown = snippet(raw_title if isinstance(raw_title, str) and raw_title else _shown(raw_abstract, fields))
    if raw_title is not None and (isinstance(raw_title, bool) or not isinstance(raw_title, str | int | float)):
        return Reject(where, line, f"title is not a string (a JSON {_kind(raw_title)})", shown)
    if raw_abstract is not None and not isinstance(raw_abstract, str):
        return Reject(where, line, f"abstract is not a string (a JSON {_kind(raw_abstract)})", shown)
    if raw_title is None and raw_abstract is None and not keep_empty:
        keys = ", ".join(str(k) for k in fields) or "none"
        return Reject(where, line, f"no title or abstract field (fields: {keys})", shown)
    if raw_title is None and not keep_empty:
        return Reject(where, line, "missing title", shown)
    title = clean_title(str(raw_title)) if raw_title is not None else ""
    if (not title or not normalise_title(title)) and not keep_empty:
        return Reject(where, line, "empty title (nothing left after cleaning)", shown)
    if len(title) > MAX_TITLE_CHARS:
        return Reject(where, line, f"title too long ({len(title)} chars, limit {MAX_TITLE_CHARS})", shown)
    if raw_abstract is None and not keep_empty:
        return Reject(where, line, "missing abstract", shown)
    abstract = clean_text(raw_abstract) if raw_abstract is not None else ""
    if not abstract and not keep_empty:
        return Reject(where, line, "empty abstract", shown)
    if _PLACEHOLDER.fullmatch(abstract) and not keep_empty:  # Scopus: "[No abstract available]"
        return Reject(where, line, f"no abstract (the placeholder {abstract!r})", shown)
    if len(abstract) > MAX_ABSTRACT_CHARS:
        return Reject(where, line, f"abstract too long ({len(abstract)} chars, limit {MAX_ABSTRACT_CHARS})", shown)
    url = _opt(fields, "url")
    raw_arxiv = _opt(fields, "arxiv_id")
    raw_doi = _opt(fields, "doi")
    # An arXiv abs/pdf or doi.org URL is the record's id when no id field says otherwise.
    arxiv = _checked(clean_arxiv_id(raw_arxiv), "arxiv_id", is_arxiv_id, where, line) if raw_arxiv else None
    doi = _checked(clean_doi(raw_doi), "doi", is_doi, where, line) if raw_doi else None
    if url:  # an arXiv or doi.org URL whose id is none is only a link
        arxiv = arxiv or _if_valid(arxiv_id_in_url(url), is_arxiv_id)
        doi = doi or _if_valid(doi_in_url(url), is_doi)
    if doi and not arxiv and (minted := _ARXIV_DOI.fullmatch(doi)):
        # arXiv's own DOI for a preprint (OpenAlex, Crossref, Zotero): the paper is that arXiv id
        arxiv = _if_valid(clean_arxiv_id(minted.group(1)), is_arxiv_id)
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
