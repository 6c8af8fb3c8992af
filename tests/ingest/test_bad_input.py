"""Bad input: a clear message, a reject with a reason or a clean error exit, never a traceback."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kg.cli import main
from kg.errors import InputError
from kg.ingest import FORMATS, iter_records, paper_id, read_papers
from kg.records import Paper, Reject

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"


def test_empty_file_yields_nothing(caplog: pytest.LogCaptureFixture) -> None:
    assert list(iter_records(DATA / "empty.txt")) == []
    assert "no records found" in caplog.text


def test_binary_file_is_refused() -> None:
    with pytest.raises(InputError, match="binary file"):
        list(iter_records(DATA / "binary.txt"))


def test_latin1_is_decoded_not_dropped(caplog: pytest.LogCaptureFixture) -> None:
    (paper,) = list(iter_records(DATA / "latin1.txt"))
    assert isinstance(paper, Paper) and paper.title == "Café Models for Naïve Inference"
    assert "not UTF-8" in caplog.text


def test_missing_file_names_it() -> None:
    with pytest.raises(InputError, match=r"nope\.jsonl: no such file"):
        list(iter_records(Path("nope.jsonl")))


def test_nul_bytes_and_huge_abstracts(tmp_path: Path) -> None:
    f = tmp_path / "x.jsonl"
    rows = [
        {"title": "Nul\x00 title", "abstract": "has a nul\x00 byte"},
        {"title": "Huge", "abstract": "x" * 1_000_000},
    ]
    f.write_text("\n".join(json.dumps(r) for r in rows))
    items = list(iter_records(f))
    assert isinstance(items[0], Paper) and items[0].title == "Nul title" and "\x00" not in items[0].abstract
    assert isinstance(items[1], Reject) and items[1].reason == "abstract too long (1000000 chars, limit 100000)"


def test_build_with_bad_inputs_exits_cleanly(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    files = [DATA / n for n in ("papers.jsonl", "papers.csv", "papers.bib", "arxiv.xml", "empty.txt", "latin1.txt")]
    result = runner.invoke(main, ["-q", "build", *map(str, files), "-o", str(out), "--mode", "rules", "--no-html"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    p = report["papers"]
    assert p["read"] == p["kept"] + p["merged"] + p["rejected"]
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert len(rejects) == p["rejected"] == 6  # 3 JSONL, 1 CSV, 1 BibTeX, 1 Atom
    assert all(r["reason"] and r["source"] and r["line"] for r in rejects)
    for bad in ("binary.txt", "nocolumns.csv"):
        failed = runner.invoke(main, ["build", str(DATA / bad), "-o", str(tmp_path / bad)])
        assert failed.exit_code == 1
        assert failed.output.startswith("kg: error: ") and bad in failed.output
        assert "Traceback" not in failed.output and len(failed.output.strip().splitlines()) == 1


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(max_size=80),
    arxiv=st.one_of(st.none(), st.text(max_size=20)),
    doi=st.one_of(st.none(), st.text(max_size=20)),
)
def test_paper_id_is_safe_and_deterministic(title: str, arxiv: str | None, doi: str | None) -> None:
    pid = paper_id(title, arxiv, doi)
    assert pid == paper_id(title, arxiv, doi)
    assert pid.split(":", 1)[0] in {"arxiv", "doi", "title"}
    assert all("\x21" <= c <= "\x7e" for c in pid)


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=400), fmt=st.sampled_from(sorted(FORMATS)))
@example(text="\r0", fmt="csv")  # a lone CR in the header once crashed the delimiter guess
@example(text="title,abstract\r\nA\rB,x\n", fmt="csv")
def test_readers_never_crash(tmp_path_factory: pytest.TempPathFactory, text: str, fmt: str) -> None:
    f = tmp_path_factory.mktemp("fuzz") / "input"
    f.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        items = list(iter_records(f, fmt))
    except InputError:
        return
    assert all(isinstance(i, Paper | Reject) for i in items)


def test_duplicate_bibtex_key_rejects_the_second_entry() -> None:
    result = read_papers([DATA / "duplicate_keys.bib"])
    assert [p.record_id for p in result.papers] == ["smith2021"]
    assert [(r.line, r.reason) for r in result.rejects] == [
        (6, "duplicate BibTeX key 'smith2021' (first at line 1); rename it to keep this entry")
    ]
    assert result.rejects[0].snippet == "Another Paper Reusing the Key"


def test_cp1252_csv_warns_once_for_the_file(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="kg.ingest.text"):
        papers = [p for p in iter_records(DATA / "cp1252.csv") if isinstance(p, Paper)]
    assert len(papers) == 30 and papers[0].title == "Café Paper 0"
    warnings = [r.getMessage() for r in caplog.records if "not UTF-8" in r.getMessage()]
    assert warnings == [f"{DATA / 'cp1252.csv'}: 30 lines not UTF-8 (line 2, 3, 4, 5, 6, …); decoded as cp1252/latin-1"]


def test_build_with_a_missing_input_leaves_no_output_directory(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(tmp_path / "missing.jsonl"), "-o", str(out)])
    assert result.exit_code == 1 and "no such file" in result.output
    assert not out.exists()
    out.mkdir()  # a directory that was there before stays, lock and all
    CliRunner().invoke(main, ["build", str(tmp_path / "missing.jsonl"), "-o", str(out)])
    assert out.is_dir()
