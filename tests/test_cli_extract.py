"""``kg extract``: read as ``kg build`` reads, offsets into the input's own fields, clear output errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.cli import main
from kg.ingest import iter_records
from kg.ingest.text import clean_offsets, clean_text, clean_title
from kg.records import Paper

DATA = Path(__file__).resolve().parent / "data" / "ingest"


def _extract(runner: CliRunner, src: Path, out: Path, *args: str) -> list[dict[str, object]]:
    result = runner.invoke(main, ["extract", str(src), "-o", str(out), "--mode", "rules", *args])
    assert result.exit_code == 0, result.output
    # split on "\n" only: a raw U+2028 in a string is not a line end
    return [json.loads(line) for line in out.read_text(encoding="utf-8").split("\n") if line]


def test_extract_reads_jsonl_as_build_does(tmp_path: Path, runner: CliRunner) -> None:
    src = DATA / "extract.jsonl"
    assert "\u2028" in src.read_text(encoding="utf-8")  # raw, inside a JSON string
    records = _extract(runner, src, tmp_path / "out.jsonl")
    assert [r["id"] for r in records] == ["p1", "p2", "p3", "p4"]
    built = {p.record_id: p for p in iter_records(src) if isinstance(p, Paper)}
    for r in records[:3]:
        paper = built[str(r["id"])]
        assert (r["title"], r["abstract"]) == (paper.title, paper.abstract)
    assert "GLUE" in {e["text"] for e in records[0]["entities"]}  # after the U+2028
    assert {"BERT", "SQuAD"} <= {e["text"] for e in records[1]["entities"]}  # "Title"/"Abstract" keys
    assert records[3]["entities"] == []


def test_extract_offsets_are_into_the_input_fields(tmp_path: Path, runner: CliRunner) -> None:
    src = tmp_path / "ws.jsonl"
    row = {
        "id": "w1",
        "title": "Training  BERT\nfast",
        "abstract": "   We fine-tune BERT on SQuAD.\x00  Then RoBERTa. ",
    }
    src.write_text(json.dumps(row) + "\n")
    (record,) = _extract(runner, src, tmp_path / "out.jsonl")
    assert (record["title"], record["abstract"]) == (row["title"], row["abstract"])
    spans = [(e["field"], e["text"]) for e in record["entities"]]
    assert ("title", "BERT") in spans and ("abstract", "RoBERTa") in spans
    for e in record["entities"]:
        assert row[e["field"]][e["start"] : e["end"]] == e["text"]


def test_eval_of_extract_output_equals_eval_prediction_mode(tmp_path: Path, runner: CliRunner) -> None:
    gold = DATA / "ws_gold.jsonl"  # the abstract starts with whitespace
    _extract(runner, gold, tmp_path / "pred.jsonl")
    scored = runner.invoke(main, ["eval", str(gold), "--pred", str(tmp_path / "pred.jsonl"), "--json"])
    own = runner.invoke(main, ["eval", str(gold), "--mode", "rules", "--json"])
    assert scored.exit_code == own.exit_code == 0, scored.output + own.output
    assert json.loads(scored.output) == json.loads(own.output)
    assert json.loads(own.output)["exact_typed"]["ALL"]["f1"] == 1.0


def test_eval_of_extract_output_skips_the_rows_of_rejected_records(tmp_path: Path, runner: CliRunner) -> None:
    gold = DATA / "ws_gold.jsonl"
    src = tmp_path / "with_reject.jsonl"
    src.write_text(gold.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    rows = _extract(runner, src, tmp_path / "pred.jsonl")
    assert rows[-1]["id"] is None and "error" in rows[-1]  # the reject's row, beside the others
    scored = runner.invoke(main, ["eval", str(gold), "--pred", str(tmp_path / "pred.jsonl"), "--json"])
    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.stdout)["exact_typed"]["ALL"]["f1"] == 1.0


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab \t\n\r\x00\x1f\u2028\u00a0\ud800é"), max_size=30))
def test_clean_offsets_agree_with_cleaning(raw: str) -> None:
    for title, clean in ((False, clean_text), (True, clean_title)):
        text, where = clean_offsets(raw, title=title)
        assert text == clean(raw) and len(where) == len(text)
        assert all(c == " " or c == "\ufffd" or raw[i] == c for c, i in zip(text, where, strict=True))


_MARKUP_PIECES = ["<i>", "</i>", "<jats:p>", "</jats:p>", "<b>", "&amp;", "&lt;", "a", " ", "<", ">", "\x00", "\n"]


@given(st.lists(st.sampled_from(_MARKUP_PIECES), max_size=20).map("".join))
def test_clean_offsets_agree_with_cleaning_of_markup(raw: str) -> None:
    for title, clean in ((False, clean_text), (True, clean_title)):
        text, where = clean_offsets(raw, title=title)
        assert text == clean(raw) and len(where) == len(text)
        assert where == sorted(set(where))  # each character from its own place, in order
        for c, i in zip(text, where, strict=True):
            assert raw[i] == c or c == " " or (raw[i] == "&" and raw.startswith({"&": "&amp;", "<": "&lt;"}[c], i))


@pytest.mark.parametrize("target", ["afile/x.jsonl", "/proc/x.jsonl", "adir"])
def test_unwritable_output_is_one_line_before_extracting(tmp_path: Path, runner: CliRunner, target: str) -> None:
    (tmp_path / "afile").write_text("")
    (tmp_path / "adir").mkdir()
    out = target if target.startswith("/") else str(tmp_path / target)
    result = runner.invoke(main, ["extract", str(DATA / "extract.jsonl"), "-o", out, "--mode", "rules"])
    assert result.exit_code in (1, 2) and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "wrote" not in result.output


def test_directory_input_says_so(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(main, ["extract", str(tmp_path), "-o", str(tmp_path / "x.jsonl")])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"kg: error: {tmp_path}: is a directory; pass the files inside it (e.g. {tmp_path}/*.jsonl)"
    )


def test_a_lone_surrogate_is_written_as_a_replacement_character_and_rejects_keep_their_id(
    tmp_path: Path, runner: CliRunner
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"id": "ok", "title": "BERT", "abstract": "We use BERT on GLUE."}\n'
        '{"id": "s", "title": "T", "abstract": "We use BERT \\ud83d on GLUE."}\n'
        + json.dumps({"id": "long", "title": "T", "abstract": "x " * 60_000})
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["-q", "extract", str(src), "-o", str(out), "--mode", "rules"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["ok", "s", "long"]
    assert rows[1]["abstract"] == "We use BERT \ufffd on GLUE."
    assert {e["text"] for e in rows[1]["entities"]} >= {"BERT", "GLUE"}
    for e in rows[1]["entities"]:
        assert rows[1][e["field"]][e["start"] : e["end"]] == e["text"]
    assert "too long" in rows[2]["error"] and rows[2]["entities"] == []


def test_publishers_markup_is_read_as_text_and_offsets_stay_in_the_input(tmp_path: Path, runner: CliRunner) -> None:
    src = tmp_path / "crossref.jsonl"
    abstract = "<jats:p>We fine-tune <b>BERT</b> and <i>RoBERTa</i> on GLUE; p<q and r>s, R&amp;D.</jats:p>"
    record = {"id": "x", "title": "<i>BERT</i> for R&amp;D", "abstract": abstract}
    lone = {"id": "y", "title": "A lone <b> stays", "abstract": "So does R&amp;D without markup."}
    src.write_text(json.dumps(record) + "\n" + json.dumps(lone) + "\n")
    rows = _extract(runner, src, tmp_path / "out.jsonl")
    assert rows[0]["abstract"] == abstract  # echoed as it was
    entities = rows[0]["entities"]
    assert isinstance(entities, list)
    assert {(e["text"], e["label"]) for e in entities} >= {("BERT", "Model"), ("RoBERTa", "Model"), ("GLUE", "Dataset")}
    for row in rows:
        for e in row["entities"]:  # type: ignore[attr-defined]
            assert row[e["field"]][e["start"] : e["end"]] == e["text"]  # type: ignore[index]
    papers = [p for p in iter_records(src) if isinstance(p, Paper)]
    assert [p.title for p in papers] == ["BERT for R&D", "A lone <b> stays"]
    assert papers[0].abstract == "We fine-tune BERT and RoBERTa on GLUE; p<q and r>s, R&D."
    assert papers[1].abstract == "So does R&amp;D without markup."
