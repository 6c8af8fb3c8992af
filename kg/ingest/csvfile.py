"""Reader for CSV/TSV files with a header row."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from pathlib import Path

from kg.errors import InputError
from kg.records import Reject

from .records import RawRecord, snippet
from .text import iter_lines

__all__ = ["read_csv"]

_COLUMNS = {
    "title": ("title", "paper_title", "name"),
    "abstract": ("abstract", "summary", "paper_abstract", "description"),
    "id": ("id", "paper_id", "key"),
    "authors": ("authors", "author"),
    "year": ("year", "date", "published"),
    "url": ("url", "link"),
    "arxiv_id": ("arxiv_id", "arxiv", "eprint"),
    "doi": ("doi",),
}


def _header_names(line: str, delimiter: str) -> set[str]:
    try:
        cells = next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:  # e.g. a lone carriage return inside the line: no header of this delimiter
        return set()
    return {c.strip().lower().lstrip("\ufeff") for c in cells}


def _delimiter(head: list[str]) -> str:
    """The delimiter that splits the header into title and abstract columns, else csv's guess, else a comma.

    The header decides: sniffing data rows is fooled by a tab or semicolon inside a quoted title.
    """
    for delimiter in (",", ";", "\t"):
        names = _header_names(head[0] if head else "", delimiter)
        if names & set(_COLUMNS["title"]) and names & set(_COLUMNS["abstract"]):
            return delimiter
    try:
        return csv.Sniffer().sniff("".join(head)[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def read_csv(path: Path) -> Iterator[RawRecord | Reject]:
    """Yield the fields (a RawRecord) or a Reject of each data row (streamed); column names match in any case.

    Raises
    ------
    InputError
        When the header lacks a title or an abstract column.
    """
    lines = (line + "\n" for line in iter_lines(path))  # streamed: csv needs the line ends back
    head = list(itertools.islice(lines, 64))
    if len(head) < 64 and not any(line.strip() for line in head):
        return  # an empty file
    delimiter = "\t" if path.suffix.lower() == ".tsv" else _delimiter(head)
    csv.field_size_limit(16 * 1024 * 1024)
    reader = csv.reader(itertools.chain(head, lines), delimiter=delimiter)
    try:
        header = [h.strip().lower().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        return
    except csv.Error as err:
        raise InputError(f"{path}: the CSV header line cannot be parsed ({err}); fix or re-save the file") from err
    index = {field: next((header.index(c) for c in names if c in header), None) for field, names in _COLUMNS.items()}
    missing = [f for f in ("title", "abstract") if index[f] is None]
    if missing:
        raise InputError(
            f"{path}: CSV header has no {' or '.join(missing)} column (found: {', '.join(header) or 'nothing'}); "
            "need 'title' and 'abstract' (or 'summary')"
        )
    while True:
        line = reader.line_num + 1  # where the next record starts (a quoted field may span lines)
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:  # one bad row (e.g. a field over the size limit); the next rows still count
            yield Reject(str(path), line, f"malformed CSV ({err})", "")
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header) and len(row) <= max(i for i in index.values() if i is not None):
            yield Reject(
                str(path), line, f"row has {len(row)} columns, header has {len(header)}", snippet(",".join(row))
            )
            continue
        fields = {f: row[i] for f, i in index.items() if i is not None and i < len(row) and row[i].strip()}
        yield RawRecord(fields, line)
