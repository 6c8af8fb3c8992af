"""Ingest: read papers from the formats people have, deduplicate, report rejects.

Formats, chosen by file extension or by name:

==========  ===========================  =========================================
name        extensions                   shape
==========  ===========================  =========================================
pagedump    ``.txt``                     title line, abstract line, page chrome
jsonl       ``.jsonl``, ``.ndjson``      one ``{"id","title","abstract",...}`` a line
json        ``.json``                    a list of such objects, ``{"papers": [...]}``
                                         (or ``data``, ``results``, ``items``)
csv         ``.csv``, ``.tsv``           header row with title and abstract columns
arxiv       ``.xml``, ``.atom``          arXiv API Atom feed (other Atom feeds: title ids)
bibtex      ``.bib``                     entries with title and abstract fields (LaTeX
                                         becomes Unicode text, :mod:`kg.ingest.latex`)
==========  ===========================  =========================================

Readers parse (:class:`~kg.ingest.records.RawRecord`: fields and the line the
record starts on); :func:`~kg.ingest.records.make_paper` checks and cleans, for
``kg build`` and ``kg extract`` alike. Records of one paper are merged by the
rules of :mod:`kg.ingest.dedup` (shared arXiv id or DOI, title, title and abstract).

A broken record never stops a build: it becomes a :class:`~kg.records.Reject`
with its file, line and reason. File-level problems (missing, binary, a CSV
without the needed columns, unsafe XML) raise :class:`~kg.errors.InputError`.
An empty file yields nothing and logs a warning.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError
from kg.records import Paper, Reject

from .arxiv import read_arxiv
from .bibtex import read_bibtex
from .csvfile import is_wos_header, read_csv
from .dedup import Deduplicator
from .ids import normalise_title, paper_id
from .jsonl import read_json, read_jsonl
from .pagedump import read_pagedump
from .records import RawRecord, make_paper
from .text import source_name

__all__ = [
    "FORMATS",
    "IngestResult",
    "detect_format",
    "iter_raw_records",
    "iter_records",
    "normalise_title",
    "paper_id",
    "read_papers",
    "unique_inputs",
]

log = logging.getLogger(__name__)

#: A reader parses one format: the fields of each record, or a Reject for what it cannot parse.
Reader = Callable[[Path], Iterator[RawRecord | Reject]]

#: Reader of each input format.
FORMATS: dict[str, Reader] = {
    "pagedump": read_pagedump,
    "jsonl": read_jsonl,
    "json": read_json,
    "csv": read_csv,
    "arxiv": read_arxiv,
    "bibtex": read_bibtex,
}
_EXTENSIONS = {
    ".txt": "pagedump",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "csv",
    ".xml": "arxiv",
    ".atom": "arxiv",
    ".bib": "bibtex",
}


@dataclass(frozen=True, slots=True)
class IngestResult:
    """Deduplicated papers, rejected records and the counts that tie them together.

    ``records_read == len(papers) + merged + len(rejects)`` always holds.
    """

    papers: tuple[Paper, ...]
    rejects: tuple[Reject, ...]
    records_read: int
    merged: int


def _first_line(path: Path) -> str | None:
    """The first line of ``path`` as text (its first 64 KB), or ``None`` when it cannot be read."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except OSError:
        return None
    return head.split(b"\n", 1)[0].decode("utf-8", errors="replace")


def detect_format(path: Path, format: str | None = None) -> str:
    """The format name for ``path`` (explicit ``format`` wins).

    Raises
    ------
    InputError
        Unknown format name or extension.
    """
    if format is not None:
        if format not in FORMATS:
            raise InputError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
        return format
    name = _EXTENSIONS.get(path.suffix.lower())
    if name == "pagedump" and is_wos_header(_first_line(path) or ""):
        return "csv"  # Web of Science saves its tab-delimited export as savedrecs.txt
    if name is None:
        raise InputError(
            f"{path}: cannot tell the format from extension {path.suffix or '(none)'!r}; "
            f"pass --format ({', '.join(FORMATS)})"
        )
    return name


def iter_raw_records(path: str | Path, format: str | None = None) -> Iterator[RawRecord | Reject]:
    """Stream the records of one file as their reader parsed them: fields not yet checked or cleaned.

    A Reject names its file as :func:`~kg.ingest.text.source_name` writes it (a name that
    is not UTF-8 or holds a control character, with U+FFFD in their place).

    Raises
    ------
    InputError
        A directory, an unknown format, or a file its reader cannot read at all.
    """
    path = Path(path)
    if str(path) == "-" and not path.exists():
        raise InputError("reading standard input ('-') is not supported; save the records to a file and give its path")
    if path.is_dir():
        raise InputError(f"{path}: is a directory; pass the files inside it (e.g. {path}/*.jsonl)")
    reader = FORMATS[detect_format(path, format)]
    where = source_name(path)
    renamed = where != str(path)
    count = 0
    for item in reader(path):
        count += 1
        yield dataclasses.replace(item, source=where) if renamed and isinstance(item, Reject) else item
    if count == 0:
        log.warning("%s: no records found (empty file?)", path)


def iter_records(path: str | Path, format: str | None = None, *, keep_empty: bool = False) -> Iterator[Paper | Reject]:
    """Stream the records of one file: a Paper or a Reject per input record.

    ``kg build`` and ``kg extract`` both read through here. With ``keep_empty`` a record
    with a missing or empty title or abstract is a Paper with that field ``""``
    (see :func:`~kg.ingest.records.make_paper`).
    """
    where = source_name(path)  # the name as outputs can hold it
    for item in iter_raw_records(path, format):
        yield item if isinstance(item, Reject) else make_paper(item.fields, where, item.line, keep_empty=keep_empty)


def unique_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """``paths`` in order, each file once: another spelling of one given before ("../x/a.jsonl",
    a symlink) is left out with a warning, so no record is read (and counted) twice."""
    seen: set[str] = set()
    unique: list[Path] = []
    for p in map(Path, paths):
        real = os.path.realpath(p)
        if real in seen:
            log.warning("%s: given twice (or under another name); read once", p)
            continue
        seen.add(real)
        unique.append(p)
    return unique


def read_papers(paths: Iterable[str | Path], format: str | None = None, *, progress: bool = False) -> IngestResult:
    """Read and deduplicate the papers of several files.

    Parameters
    ----------
    paths : iterable of path
        Each file is read once, however often (and under whatever names) it is given.
    format : str, optional
        Force one format for all files (see :data:`FORMATS`).
    progress : bool
        Show a progress bar of the records read (with their rate).

    Returns
    -------
    IngestResult
    """
    from tqdm import tqdm

    dedup = Deduplicator()
    rejects: list[Reject] = []
    read = 0
    with tqdm(desc="ingest", unit=" records", disable=not progress, dynamic_ncols=True, delay=1.0) as bar:
        for path in unique_inputs(paths):
            for item in iter_records(path, format):
                read += 1
                bar.update(1)
                if isinstance(item, Reject):
                    rejects.append(item)
                else:
                    dedup.add(item)
    return IngestResult(dedup.papers(), tuple(rejects), read, dedup.merged)
