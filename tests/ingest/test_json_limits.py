"""JSON that is valid but that Python will not hold, and JSON shapes that used to lose records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.ingest import read_papers

GOOD = '{"title": "Good Paper", "abstract": "We use BERT. It works."}'


def test_a_line_nested_too_deeply_or_with_a_huge_number_is_a_reject(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    deep = "[" * 100_000 + "]" * 100_000
    huge = '{"title": "Huge Year", "abstract": "Text. More.", "year": 1' + "0" * 5000 + "}"
    authors = '{"title": "Deep Authors", "abstract": "Text. More.", "authors": ' + "[" * 50_000 + "]" * 50_000 + "}"
    path.write_text("\n".join([GOOD, deep, huge, authors]) + "\n")
    result = read_papers([path])
    assert [p.title for p in result.papers] == ["Good Paper"]
    assert [(r.line, r.reason.split(" (")[0]) for r in result.rejects] == [
        (2, "JSON nested too deeply to read"),
        (3, "JSON value cannot be read"),
        (4, "JSON nested too deeply to read"),
    ]
    assert result.records_read == len(result.papers) + result.merged + len(result.rejects)


def test_a_json_file_nested_too_deeply_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match=r"in\.json: JSON nested too deeply to read; for one record per line"):
        read_papers([path])


def test_every_list_of_papers_in_a_json_object_is_read(tmp_path: Path) -> None:
    path = tmp_path / "two.json"
    body = {
        "data": [{"title": "Paper One", "abstract": "Abs one. Two."}],
        "papers": [{"title": "Paper Two", "abstract": "Abs two. Three."}, "not a paper"],
    }
    path.write_text(json.dumps(body, indent=1))
    result = read_papers([path])
    assert sorted(p.title for p in result.papers) == ["Paper One", "Paper Two"]
    (reject,) = result.rejects
    assert (reject.reason, reject.snippet) == ("record is not an object", "not a paper")
    assert {p.title: int(p.sources[0].rsplit(":", 1)[1]) for p in result.papers} == {
        "Paper One": 3,
        "Paper Two": 9,
    }  # where each starts


def test_one_author_object_is_an_author_and_a_list_is_none(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    rows = [
        {"title": "One Author", "abstract": "Text. More.", "authors": {"name": "Ann Lee"}},
        {"title": "Odd Authors", "abstract": "Text. More.", "authors": [[1, 2], "Bo Chen", 7]},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    authors = {p.title: p.authors for p in read_papers([path]).papers}
    assert authors == {"One Author": ("Ann Lee",), "Odd Authors": ("Bo Chen",)}


def test_a_few_stray_nuls_and_raw_tabs_lose_no_record_but_a_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nul.jsonl"
    path.write_bytes(b'{"title": "NUL\x00 title", "abstract": "We use BERT\x00 here.\tYes."}\n')
    (paper,) = read_papers([path]).papers  # the whole file had been refused as binary
    assert (paper.title, paper.abstract) == ("NUL title", "We use BERT here.\tYes.")
    binary = tmp_path / "blob.jsonl"
    binary.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InputError, match="looks like a binary file"):
        read_papers([binary])


def test_standard_input_is_said_to_be_unsupported() -> None:
    with pytest.raises(InputError, match=r"reading standard input \('-'\) is not supported; save the records"):
        read_papers([Path("-")], format="jsonl")
