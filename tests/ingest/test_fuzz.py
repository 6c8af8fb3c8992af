"""Structured fuzzing of every reader: random records written in each format, whole or cut short.

test_bad_input.py feeds every reader random *text*; here the files are real
JSONL, JSON, CSV, BibTeX, Atom and page dumps whose fields are random hostile
text, so the parsers' inner paths run. A well-formed file gives exactly one
Paper or Reject per record; a file cut at a random byte never crashes a reader
(only JSON and XML, parsed whole, may refuse it with an InputError); every paper
that comes out has clean, bounded text.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kg.errors import InputError
from kg.ingest import FORMATS, iter_records
from kg.ingest.text import MAX_ABSTRACT_CHARS, MAX_TITLE_CHARS
from kg.records import Paper, Reject

Record = dict[str, str]
HOSTILE_PIECES = ["$φ$", "$D^3$", "\\phi", '"', ",", ";", "\n", "\r\n", "\t", "\x00", "\u2028", "🚀", "שלום", "...",
                  "{", "}", "@", "<b>", "&amp;", "]]>", "\ufeff", " "]  # fmt: skip
text = st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=12)), max_size=12).map("".join)
records = st.lists(st.fixed_dictionaries({"title": text, "abstract": text}), min_size=1, max_size=6)
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_BIB_BAD = re.compile(r"[{}\\@]")


def _jsonl(rows: list[Record]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def _json(rows: list[Record]) -> str:
    return json.dumps({"papers": rows}, ensure_ascii=False)


def _csv(rows: list[Record]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["title", "abstract"])
    writer.writerows([r["title"], r["abstract"]] for r in rows)
    return buffer.getvalue()


def _bibtex(rows: list[Record]) -> str:
    clean = [{k: _BIB_BAD.sub("", v) for k, v in r.items()} for r in rows]  # BibTeX cannot quote a lone brace
    return "".join(f"@article{{key{i},\n  title = {{{r['title']}}},\n  abstract = {{{r['abstract']}}}\n}}\n"
                   for i, r in enumerate(clean))  # fmt: skip


def _atom(rows: list[Record]) -> str:
    entries = "".join(
        f"<entry><id>http://arxiv.org/abs/2401.{i:05d}</id><title>{escape(_XML_BAD.sub('', r['title']))}</title>"
        f"<summary>{escape(_XML_BAD.sub('', r['abstract']))}</summary></entry>"
        for i, r in enumerate(rows)
    )
    return f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">{entries}</feed>'


def _pagedump(rows: list[Record]) -> str:
    return "".join(f"{r['title']}\n{r['abstract']}\n" for r in rows)


WRITERS: dict[str, tuple[str, Callable[[list[Record]], str]]] = {
    "jsonl": (".jsonl", _jsonl),
    "json": (".json", _json),
    "csv": (".csv", _csv),
    "bibtex": (".bib", _bibtex),
    "arxiv": (".xml", _atom),
    "pagedump": (".txt", _pagedump),
}
ONE_ITEM_PER_RECORD = {"jsonl", "json", "arxiv", "bibtex"}


def test_every_reader_is_fuzzed() -> None:
    assert set(WRITERS) == set(FORMATS)


def _check_papers(items: list[Paper | Reject]) -> None:
    for item in items:
        assert isinstance(item, Paper | Reject)
        if isinstance(item, Reject):
            assert item.reason and item.source
            continue
        assert item.title.strip() and len(item.title) <= MAX_TITLE_CHARS
        assert item.abstract.strip() and len(item.abstract) <= MAX_ABSTRACT_CHARS
        for field in (item.title, item.abstract):
            assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]", field)
            field.encode("utf-8")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=records, fmt=st.sampled_from(sorted(WRITERS)), cut=st.one_of(st.none(), st.floats(0, 1)))
@example(rows=[{"title": '"\t', "abstract": ""}], fmt="csv", cut=None)  # a tab in a title made csv sniff tabs
def test_readers_account_for_every_record(tmp_path: Path, rows: list[Record], fmt: str, cut: float | None) -> None:
    suffix, write = WRITERS[fmt]
    data = write(rows).encode("utf-8", "surrogatepass")
    if cut is not None:
        data = data[: int(len(data) * cut)]
    f = tmp_path / f"input{suffix}"
    f.write_bytes(data)
    try:
        items = list(iter_records(f))
    except InputError as err:
        parsed_whole = fmt in ("json", "arxiv") and cut is not None  # a cut JSON or XML document is refused
        header_cut = fmt == "csv" and not data.startswith(b"title,abstract")  # so is a CSV without its columns
        controls = re.search(rb"[\x00-\x08\x0e-\x1f]", data) and "looks like a binary file" in str(err)
        assert parsed_whole or header_cut or controls, err
        return
    _check_papers(items)
    if cut is None and fmt in ONE_ITEM_PER_RECORD:
        assert len(items) == len(rows)
    if cut is None and fmt == "csv":
        blank = sum(1 for r in rows if not (r["title"].strip() or r["abstract"].strip()))
        assert len(items) + blank >= len(rows)  # a row of blank cells is no record; a cell's newline is kept


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_an_empty_or_cut_at_zero_file_yields_nothing(tmp_path: Path, fmt: str) -> None:
    suffix, _ = WRITERS[fmt]
    f = tmp_path / f"empty{suffix}"
    f.write_bytes(b"")
    assert list(iter_records(f)) == []
