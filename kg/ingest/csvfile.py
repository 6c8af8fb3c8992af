"""Reader for CSV/TSV files with a header row."""

from __future__ import annotations

import collections
import csv
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.records import Reject

from .records import RawRecord, snippet
from .text import iter_lines

__all__ = ["read_csv"]

_COLUMNS = {
    "title": ("title", "paper_title", "name"),
    "abstract": ("abstract", "summary", "paper_abstract", "description", "abstract_note"),  # Zotero: Abstract Note
    "id": ("id", "paper_id", "key"),
    "authors": ("authors", "author"),
    "year": ("year", "date", "published", "publication_year"),
    "url": ("url", "link"),
    "arxiv_id": ("arxiv_id", "arxiv", "eprint"),
    "doi": ("doi",),
}


# Web of Science's tab-delimited export names its columns by field tag: TI title, AB abstract, PY year,
# DI DOI, AF/AU authors, UT its accession number (its "ID" column is Keywords Plus, not an id).
_WOS_COLUMNS = {
    "title": ("ti",),
    "abstract": ("ab",),
    "id": ("ut",),
    "authors": ("af", "au"),
    "year": ("py",),
    "url": (),
    "arxiv_id": (),
    "doi": ("di",),
}
_WOS_TAGS = frozenset({"pt", "ti", "ab", "ut"})


def is_wos_header(line: str) -> bool:
    """Whether ``line`` is the header of a Web of Science tab-delimited export ("PT\tAU\t…\tTI\t…\tAB\t…\tUT")."""
    return {c.strip().lstrip("\ufeff").lower() for c in line.split("\t")} >= _WOS_TAGS


_EXCEL_SEP = re.compile(r"\ufeff?sep=(.)\s*")


def _header_names(line: str, delimiter: str) -> set[str]:
    try:
        cells = next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:  # e.g. a lone carriage return inside the line: no header of this delimiter
        return set()
    return {_column_name(c) for c in cells}


def _column_name(cell: str) -> str:
    """A header cell as a column name: any case, spaces and hyphens as underscores ("Paper Title")."""
    return re.sub(r"[\s\-]+", "_", cell.lstrip("\ufeff").strip().lower())


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
    # Excel's "sep=;" first line names the delimiter
    excel = _EXCEL_SEP.fullmatch(head[0].rstrip("\r\n")) if head else None
    skipped = 1 if excel else 0
    head = head[skipped:]
    wos = bool(head) and not excel and is_wos_header(head[0])
    tabbed = path.suffix.lower() == ".tsv" or wos
    delimiter = excel.group(1) if excel else "\t" if tabbed else _delimiter(head)
    csv.field_size_limit(16 * 1024 * 1024)
    taken = _Taken(itertools.chain(head, lines))
    reader = csv.reader(iter(taken), delimiter=delimiter)
    try:
        header = [_column_name(h) for h in next(reader)]
    except StopIteration:
        return
    except csv.Error as err:
        raise InputError(f"{path}: the CSV header line cannot be parsed ({err}); fix or re-save the file") from err
    columns = _WOS_COLUMNS if wos else _COLUMNS
    # each field's columns present, in the order of its names: a row's first non-empty one is read
    # (Web of Science fills AU where it has no AF; an "abstract" column may be empty beside "summary")
    present = {field: [header.index(c) for c in names if c in header] for field, names in columns.items()}
    index = {field: found[0] if found else None for field, found in present.items()}
    missing = [f for f in ("title", "abstract") if index[f] is None]
    if missing:
        raise InputError(
            f"{path}: CSV header has no {' or '.join(missing)} column (found: {', '.join(header) or 'nothing'}); "
            "need 'title' and 'abstract' (or 'summary')"
        )
    yield from _rows(path, reader, taken, header, present, delimiter, skipped)


class _Taken:
    """The lines a csv reader takes from an iterator, kept since the last :meth:`clear`."""

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines
        self.kept: list[str] = []
        self.pending: collections.deque[str] = collections.deque()
        #: Whether the reader asked past the last line (as it does only inside a field left open).
        self.exhausted = False

    def __iter__(self) -> Iterator[str]:
        while True:
            line = self.pending.popleft() if self.pending else next(self.lines, None)
            if line is None:
                self.exhausted = True
                return
            self.kept.append(line)
            yield line

    def read_again(self, lines: list[str]) -> Iterator[str]:
        """A fresh iterator for a new csv reader: ``lines`` first, then the lines not yet taken."""
        self.pending.extendleft(reversed(lines))
        self.exhausted = False
        return iter(self)

    def clear(self) -> list[str]:
        kept, self.kept = self.kept, []
        return kept


def _well_quoted(raw: list[str], delimiter: str) -> bool:
    """Whether the lines of one row parse as CSV with strict quoting (a closing quote before a delimiter)."""
    try:
        list(csv.reader(iter(raw), delimiter=delimiter, strict=True))
    except csv.Error:
        return False
    return True


def _rows(
    path: Path,
    reader: Any,
    taken: _Taken,
    header: list[str],
    present: dict[str, list[int]],
    delimiter: str,
    first_line: int = 0,
) -> Iterator[RawRecord | Reject]:
    """The records of ``reader``'s rows (each field from the first of its ``present`` columns with a
    value); ``first_line``: the file line before the reader's first."""
    columns = max(found[0] for found in present.values() if found)  # the last column a record needs
    while True:
        line = first_line + reader.line_num + 1  # where the next record starts (a quoted field may span lines)
        taken.clear()
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:  # one bad row (e.g. a field over the size limit); the next rows still count
            yield Reject(str(path), line, f"malformed CSV ({err})", "")
            continue
        raw = taken.clear()
        if taken.exhausted and len(raw) > 1 and row and row[-1].endswith("\n") and "".join(raw).count('"') % 2:
            # A quote that never closes: csv read every later line into this field. Reject the row
            # and read the rest again without it, so the rows it swallowed are not lost.
            reason = (
                f"unclosed quote: the field opened on line {line} never closes; the rows after it are read without it"
            )
            yield Reject(str(path), line, reason, snippet(raw[0].rstrip("\n")))
            reader, first_line = csv.reader(taken.read_again(raw[1:]), delimiter=delimiter), line
            continue
        if len(raw) > 1 and not _well_quoted(raw, delimiter):
            # A stray quote that a later quote happened to close ('"Title,abstract' ... 'x,"y'): the
            # row swallowed the lines between. Reject its first line and read on from the second.
            reason = (
                f"stray quote: the field opened on line {line} closes only on a later row; the rows after it are read"
            )
            yield Reject(str(path), line, reason, snippet(raw[0].rstrip("\n")))
            reader, first_line = csv.reader(taken.read_again(raw[1:]), delimiter=delimiter), line
            continue
        if not any(cell.strip() for cell in row):
            continue
        short = len(row) < len(header) and len(row) <= columns
        if short or any(cell.strip() for cell in row[len(header) :]):  # a cell past the header: fields shifted
            reason = f"row has {len(row)} columns, header has {len(header)}"
            if not short:
                reason += " (an unquoted delimiter in a field? quote fields that hold one)"
            yield Reject(str(path), line, reason, snippet(delimiter.join(row)))
            continue
        fields = {}
        for field, found in present.items():
            cell = next((row[i] for i in found if i < len(row) and row[i].strip()), None)
            if cell is not None:
                fields[field] = cell
        yield RawRecord(fields, line)
