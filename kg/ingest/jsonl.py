"""Readers for JSON Lines and JSON files of paper records."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.records import Reject

from .records import RawRecord, snippet
from .text import iter_lines, read_text

log = logging.getLogger(__name__)

__all__ = ["read_json", "read_jsonl"]

_ALIASES = {
    "summary": "abstract",
    "name": "title",
    "display_name": "title",  # OpenAlex
    "author": "authors",
    "arxiv": "arxiv_id",
    "eprint": "arxiv_id",
    "publication_year": "year",  # OpenAlex
    "publication_date": "year",
    "publicationdate": "year",  # Semantic Scholar
    "date": "year",  # Papers with Code
    "url_abs": "url",  # Papers with Code
    "paper_url": "url",
}


def _fields(obj: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    aliased: list[tuple[str, Any]] = []
    for key, value in obj.items():
        k = str(key).strip().lower()
        if k in _ALIASES:
            aliased.append((_ALIASES[k], value))
        else:
            out.setdefault(k, value)
    for k, value in aliased:  # an alias only fills a field the record does not name (or leaves null)
        if out.get(k) is None:
            out[k] = value
    if out.get("abstract") is None and isinstance(out.get("abstract_inverted_index"), dict):
        out["abstract"] = inverted_abstract(out["abstract_inverted_index"])  # OpenAlex
    if "submitter" in out and "versions" in out:  # arXiv's metadata snapshot: its "id" is the arXiv id
        out.setdefault("arxiv_id", out.get("id"))
        versions = out["versions"]
        first = versions[0] if isinstance(versions, list) and versions and isinstance(versions[0], dict) else {}
        if out.get("year") is None:  # the first version's date ("Mon, 2 Apr 2007 19:18:42 GMT")
            out["year"] = first.get("created") or out.get("update_date")
    authorships = out.get("authorships")  # OpenAlex: [{"author": {"display_name": ...}}, ...]
    if out.get("authors") is None and isinstance(authorships, list):
        out["authors"] = [
            a["author"]["display_name"]
            for a in authorships
            if isinstance(a, dict) and isinstance(a.get("author"), dict) and a["author"].get("display_name")
        ]
    external = out.get("externalids")  # Semantic Scholar: {"ArXiv": "2010.11929", "DOI": "10.1/vit"}
    if isinstance(external, dict):
        ids = {str(k).lower(): v for k, v in external.items() if isinstance(v, str)}
        out.setdefault("arxiv_id", ids.get("arxiv"))
        out.setdefault("doi", ids.get("doi"))
    return out


def inverted_abstract(index: dict[str, Any]) -> str | None:
    """The text of an abstract given as an inverted index (OpenAlex: each word with its positions).

    ``None`` when it is not one (a position that is not a whole number): the record is then
    rejected as having no abstract, as it has none to read.

    Examples
    --------
    >>> inverted_abstract({"Deep": [0], "nets": [1, 4], "are": [2], "deep": [3]})
    'Deep nets are deep nets'
    """
    words: dict[int, str] = {}
    for word, positions in index.items():
        if not isinstance(positions, list):
            return None
        for p in positions:
            if isinstance(p, bool) or not isinstance(p, int) or p < 0:
                return None
            words.setdefault(p, str(word))
    return " ".join(words[p] for p in sorted(words)) or None


def read_jsonl(path: Path) -> Iterator[RawRecord | Reject]:
    """Yield the fields (a RawRecord) or a Reject of each non-blank line of a JSONL file (streamed: any size).

    A file that is one JSON array instead (``[`` first, on one line or pretty-printed over
    many) is read as :func:`read_json` reads it, with a warning, rather than rejected line by line.
    """
    if _starts_an_array(path):
        try:
            records = list(read_json(path))
        except InputError:  # not one document after all ("[1, 2]" then objects): line by line
            records = None
        if records is not None:
            log.warning("%s: one JSON array, not a JSON object per line; read as a .json file", path)
            yield from records
            return
    for lineno, line in enumerate(iter_lines(path), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line, strict=False)  # a raw tab or NUL inside a string: kept, then cleaned
        except json.JSONDecodeError as err:
            yield Reject(str(path), lineno, f"not valid JSON ({err.msg})", snippet(line))
            continue
        except (ValueError, RecursionError) as err:  # valid JSON that Python will not hold
            yield Reject(str(path), lineno, _too_much(err), snippet(line))
            continue
        if not isinstance(obj, dict):
            yield Reject(str(path), lineno, "JSON value is not an object", snippet(line))
            continue
        yield RawRecord(_fields(obj), lineno)


def _starts_an_array(path: Path) -> bool:
    """Whether the first non-blank line of ``path`` starts with ``[``."""
    return next((line.lstrip().startswith("[") for line in iter_lines(path) if line.strip()), False)


#: Keys under which a JSON object holds its list of papers (kg's own, and common API responses').
_CONTAINERS = ("papers", "records", "data", "results", "items")


def _one_object_per_line(text: str) -> bool:
    """Whether the first line of ``text`` is a whole JSON object and another line follows (JSON Lines)."""
    first, newline, rest = text.lstrip().partition("\n")
    if not newline or not rest.strip():
        return False
    try:
        return isinstance(json.loads(first), dict)
    except (ValueError, RecursionError):
        return False


def read_json(path: Path) -> Iterator[RawRecord | Reject]:
    """Yield the records of a JSON file: a list of objects, or an object holding lists under
    ``papers``, ``records``, ``data``, ``results`` or ``items`` (each of them, in that order), or a
    single paper object.

    ``line`` is the physical line where each record starts.
    """
    text = read_text(path)
    if not text.strip():
        return
    last: list[list[tuple[str, Any]]] = [[]]

    def keep_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        last[0] = pairs  # the top-level object is the last one to close: its keys, a repeated one too
        return dict(pairs)

    try:
        data = json.loads(text, object_pairs_hook=keep_pairs)
    except json.JSONDecodeError as err:
        if err.msg == "Extra data" and _one_object_per_line(text):
            # JSON Lines saved as .json (the arXiv metadata snapshot is arxiv-metadata-oai-snapshot.json)
            log.warning("%s: one JSON object per line, not one document; read as a .jsonl file", path)
            yield from read_jsonl(path)
            return
        raise InputError(
            f"{path}:{err.lineno}: not valid JSON ({err.msg}); for one record per line use .jsonl"
        ) from err
    except (ValueError, RecursionError) as err:
        raise InputError(f"{path}: {_too_much(err)}; for one record per line use .jsonl") from err
    # (container key, which of its occurrences, the list): every list under a container key, a key
    # given twice too (json.loads keeps only the last), in _CONTAINERS order
    lists: list[tuple[str | None, int, list[Any]]]
    if isinstance(data, dict):
        lists = [
            (key, n, value)
            for key in _CONTAINERS
            for n, value in enumerate(v for k, v in last[0] if k == key)
            if isinstance(value, list)
        ]
        # An object with an abstract of its own is one paper (with a list under "data"), and so is
        # one with a title, unless its lists hold papers: then it is an export with a name
        # ({"title": "Search results", "papers": [...]})
        own = set(_fields(data))
        if "abstract" in own or ("title" in own and not any(_holds_papers(v) for _, _, v in lists)):
            lists = []
        lists = lists or [(None, 0, [data])]
    elif isinstance(data, list):
        lists = [(None, 0, data)]
    else:
        raise InputError(f'{path}: expected a list of paper objects or {{"papers": [...]}}')
    for container, occurrence, items in lists:
        whole = container is None and not text.lstrip().startswith("[")  # a single paper object
        lines = [1] if whole else _item_lines(text, container, occurrence)
        if lines is None or len(lines) != len(items):
            lines = list(range(1, len(items) + 1))  # cannot happen for valid JSON; numbered instead
        for line, obj in zip(lines, items, strict=True):
            if isinstance(obj, dict):
                yield RawRecord(_fields(obj), line)
            else:
                yield Reject(str(path), line, "record is not an object", snippet(obj))


def _too_much(err: ValueError | RecursionError) -> str:
    """Why valid JSON could not be read: nested too deeply, or a number too long for Python."""
    if isinstance(err, RecursionError):
        return "JSON nested too deeply to read"
    return f"JSON value cannot be read ({err})"


def _skip(text: str, i: int) -> int:
    """The index of the first non-whitespace character at or after ``i`` (JSON's whitespace)."""
    while i < len(text) and text[i] in " \t\n\r":
        i += 1
    return i


def _holds_papers(items: list[Any]) -> bool:
    """Whether a list holds paper objects (with a title or an abstract)."""
    return any(isinstance(obj, dict) and {"title", "abstract"} & set(_fields(obj)) for obj in items)


def _item_lines(text: str, container: str | None, occurrence: int = 0) -> list[int] | None:
    """The line where each element of the top-level array (or of the array under the top-level
    key ``container``, at its ``occurrence``-th appearance) starts."""
    decoder = json.JSONDecoder()
    try:
        i = _skip(text, 0)
        if container is not None:
            if text[i] != "{":
                return None
            i += 1
            seen = 0
            while True:
                key, i = decoder.raw_decode(text, _skip(text, i))
                i = _skip(text, _skip(text, i) + 1)  # past the colon
                if key == container:
                    if seen == occurrence:
                        break
                    seen += 1
                _, i = decoder.raw_decode(text, i)
                i = _skip(text, i) + 1  # past the comma
        if text[i] != "[":
            return None
        i += 1
        lines: list[int] = []
        line, counted = 1, 0
        while True:
            i = _skip(text, i)
            if text[i] == "]":
                return lines
            line += text.count("\n", counted, i)
            counted = i
            lines.append(line)
            _, i = decoder.raw_decode(text, i)
            i = _skip(text, i)
            if text[i] == ",":
                i += 1
    except (ValueError, IndexError, RecursionError):
        return None
