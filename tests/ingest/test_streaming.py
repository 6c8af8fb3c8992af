"""Readers stream their files line by line and decode them as read_text does; edge cases of lines and text."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.ingest import iter_records
from kg.ingest.text import MAX_TITLE_CHARS, iter_lines, read_text
from kg.records import Paper, Reject

ABSTRACT = "We study a problem. We propose a method and evaluate it on a benchmark."


@pytest.mark.parametrize(
    "raw",
    [
        b"a\nb\n",
        b"a\r\nb",
        b"\xef\xbb\xbfa\nb\n",
        b"caf\xe9\nna\xefve\n",  # cp1252 lines
        "a\nb\n".encode("utf-16"),
        "a\nb\n".encode("utf-32"),
        "\ufeffa\nb\n".encode("utf-32-be"),
        b"a\x0cb\n\nc",
    ],
)
def test_iter_lines_decodes_like_read_text(tmp_path: Path, raw: bytes) -> None:
    f = tmp_path / "f.txt"
    f.write_bytes(raw)
    expected = [line.removesuffix("\r") for line in read_text(f).split("\n")]
    if expected and expected[-1] == "":
        expected.pop()
    assert list(iter_lines(f)) == expected


def test_iter_lines_refuses_binary_and_missing(tmp_path: Path) -> None:
    f = tmp_path / "bin.jsonl"
    f.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(InputError, match="binary"):
        list(iter_lines(f))
    with pytest.raises(InputError, match="no such file"):
        list(iter_lines(tmp_path / "missing.jsonl"))


def test_line_separator_inside_a_json_string_does_not_split_the_record(tmp_path: Path) -> None:
    f = tmp_path / "x.jsonl"
    rows = [
        {"title": "Para\u2028graph \x85 Models", "abstract": ABSTRACT + "\u2029"},
        {"title": "Next", "abstract": ABSTRACT},
    ]
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    items = list(iter_records(f))
    assert [type(i) for i in items] == [Paper, Paper]
    assert items[1].sources == (f"{f}:2",)


def test_lone_surrogates_become_replacement_characters(tmp_path: Path) -> None:
    f = tmp_path / "x.jsonl"
    f.write_text('{"title": "Broken \\ud83d emoji", "abstract": "pair \\ud83d\\ude80 and lone \\udc00."}\n')
    (paper,) = list(iter_records(f))
    assert isinstance(paper, Paper)
    assert paper.title == "Broken \ufffd emoji" and paper.abstract == "pair 🚀 and lone \ufffd."
    paper.title.encode("utf-8")  # writable


def test_overlong_title_is_rejected(tmp_path: Path) -> None:
    f = tmp_path / "x.jsonl"
    f.write_text(json.dumps({"title": "T" * (MAX_TITLE_CHARS + 1), "abstract": ABSTRACT}))
    (reject,) = list(iter_records(f))
    assert isinstance(reject, Reject)
    assert reject.reason == f"title too long ({MAX_TITLE_CHARS + 1} chars, limit {MAX_TITLE_CHARS})"
    assert len(reject.snippet) == 200


def test_csv_row_over_the_field_limit_does_not_end_the_file(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    with f.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerows([["title", "abstract"], ["First", ABSTRACT], ["Huge", "x" * 17_000_000], ["Last", ABSTRACT]])
    items = list(iter_records(f))
    assert [i.title for i in items if isinstance(i, Paper)] == ["First", "Last"]
    (reject,) = [i for i in items if isinstance(i, Reject)]
    assert reject.reason.startswith("malformed CSV (field larger than field limit")


@pytest.mark.parametrize("encoding", ["utf-32-le", "utf-32-be", "utf-16-le"])
def test_a_file_with_a_utf32_or_utf16_bom_is_read_as_such(tmp_path: Path, encoding: str) -> None:
    from kg.ingest import read_papers

    f = tmp_path / "wide.jsonl"
    record = '{"title": "Wide Paper é", "abstract": "We evaluate BERT on GLUE."}\n'
    f.write_bytes(("\ufeff" + record * 2).encode(encoding))  # UTF-32 LE's BOM starts as UTF-16 LE's does
    result = read_papers([f])
    assert (result.records_read, [p.title for p in result.papers], result.rejects) == (2, ["Wide Paper é"], ())
