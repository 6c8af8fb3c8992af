"""Readers for JSON Lines and JSON files of paper records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.records import Reject

from .records import RawRecord, snippet
from .text import iter_lines, read_text

__all__ = ["read_json", "read_jsonl"]

_ALIASES = {"summary": "abstract", "name": "title", "author": "authors", "arxiv": "arxiv_id", "eprint": "arxiv_id"}


def _fields(obj: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in obj.items():
        k = str(key).strip().lower()
        out.setdefault(_ALIASES.get(k, k), value)
    external = out.get("externalids")  # Semantic Scholar: {"ArXiv": "2010.11929", "DOI": "10.1/vit"}
    if isinstance(external, dict):
        ids = {str(k).lower(): v for k, v in external.items() if isinstance(v, str)}
        out.setdefault("arxiv_id", ids.get("arxiv"))
        out.setdefault("doi", ids.get("doi"))
    return out


def read_jsonl(path: Path) -> Iterator[RawRecord | Reject]:
    """Yield the fields (a RawRecord) or a Reject of each non-blank line of a JSONL file (streamed: any size)."""
    for lineno, line in enumerate(iter_lines(path), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            yield Reject(str(path), lineno, f"not valid JSON ({err.msg})", snippet(line))
            continue
        if not isinstance(obj, dict):
            yield Reject(str(path), lineno, "JSON value is not an object", snippet(line))
            continue
        yield RawRecord(_fields(obj), lineno)


def read_json(path: Path) -> Iterator[RawRecord | Reject]:
    """Yield the records of a JSON file: a list of objects or ``{"papers": [...]}``.

    Records are numbered from 1 in the ``line`` field of rejects.
    """
    text = read_text(path)
    if not text.strip():
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(
            f"{path}:{err.lineno}: not valid JSON ({err.msg}); for one record per line use .jsonl"
        ) from err
    if isinstance(data, dict):
        data = data.get("papers", data.get("records", [data]))
    if not isinstance(data, list):
        raise InputError(f'{path}: expected a list of paper objects or {{"papers": [...]}}')
    for i, obj in enumerate(data, 1):
        if isinstance(obj, dict):
            yield RawRecord(_fields(obj), i)
        else:
            yield Reject(str(path), i, "record is not an object", snippet(obj))
