"""Paths and options that the CLI must refuse (or tame) before any work: they used to lose data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main

RECORD = {"id": "p9", "title": "X on SQuAD", "abstract": "We use BERT. Works.", "authors": ["A B"], "year": 2020}


@pytest.fixture
def keep(tmp_path: Path) -> Path:
    path = tmp_path / "keep.jsonl"
    path.write_text(json.dumps(RECORD) + "\n")
    return path


def test_kg_extract_will_not_overwrite_its_input(keep: Path) -> None:
    before = keep.read_bytes()
    for target in (keep, keep.parent / "." / keep.name):
        result = CliRunner().invoke(main, ["extract", str(keep), "-o", str(target), "--mode", "rules"])
        assert result.exit_code == 1 and "is the input file; it would be overwritten" in result.output
    assert keep.read_bytes() == before


def test_an_output_name_that_names_no_file_or_directory_is_refused(keep: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["extract", str(keep), "-o", f"{tmp_path}/newdir/", "--mode", "rules"])
    assert result.exit_code == 1 and "names no file" in result.output
    assert not (tmp_path / "newdir").exists()  # it used to be created as a file
    result = CliRunner().invoke(main, ["build", str(keep), "-o", "", "--mode", "rules"])
    assert result.exit_code == 2 and "Invalid value for -o: is empty" in result.output
    result = CliRunner().invoke(main, ["build", "", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "an input is an empty path" in result.output
    assert not (tmp_path / "out").exists()


def test_a_bad_base_iri_is_refused_before_extraction(keep: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(keep), "-o", str(tmp_path / "out"), "--base-iri", "not an iri"])
    assert result.exit_code == 1 and "base IRI 'not an iri' must be an absolute http(s) IRI" in result.output
    assert "extract" not in result.output  # no progress bar: nothing ran


def test_workers_are_capped_at_the_cpus_and_formats_take_any_case(keep: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.jsonl"
    result = CliRunner().invoke(
        main, ["extract", str(keep), "-o", str(out), "--mode", "rules", "-w", "10000", "--format", "JSONL"]
    )
    assert result.exit_code == 0, result.output
    assert "--workers 10000 is more than this machine's" in result.output
    assert result.output.rstrip().endswith(f"wrote 1 record to {out}")
    assert json.loads(out.read_text())["id"] == "p9"


def test_query_validate_and_stats_say_what_is_wrong_in_kg_s_words(keep: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["query", str(keep.parent), "  "])
    assert result.exit_code == 1 and "no query given: pass the SPARQL text after TARGET, or @FILE" in result.output
    result = runner.invoke(main, ["validate", str(keep)])
    assert result.exit_code == 1 and "keep.jsonl: not an RDF file by its extension" in result.output
    assert "b'" not in result.output
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert runner.invoke(main, ["build", str(empty), "-o", str(tmp_path / "e"), "--mode", "rules"]).exit_code == 0
    result = runner.invoke(main, ["stats", str(tmp_path / "e")])
    assert result.exit_code == 0 and result.output.splitlines()[:2] == ["nodes: none", "edges: none"]
    result = runner.invoke(main, ["validate", str(tmp_path / "e")])  # a directory: says which file it checked
    assert result.exit_code == 0 and result.output == f"{tmp_path / 'e' / 'graph.nt'}: conforms\n"


def test_a_paper_is_found_by_its_input_record_s_own_id(tmp_path: Path) -> None:
    import kg

    path = tmp_path / "in.jsonl"
    rows = [
        {"id": "p1", "title": "Tuning BERT on SQuAD", "abstract": "We fine-tune BERT on SQuAD. It works."},
        {"id": "p2", "title": "BERT for GLUE", "abstract": "We evaluate BERT on GLUE and SQuAD. Fine."},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["build", str(path), "-o", str(out), "--mode", "rules"]).exit_code == 0
    graph = kg.load(out)
    assert graph.paper("p1").title == "Tuning BERT on SQuAD" and graph.paper("p1").record_id == "p1"
    result = CliRunner().invoke(main, ["related", "p2", "-d", str(out)])
    assert result.exit_code == 0 and result.output.startswith("BERT for GLUE")
    ask = 'ASK { ?p a kg:Paper ; dcterms:identifier "p1" ; dcterms:title "Tuning BERT on SQuAD" }'
    assert CliRunner().invoke(main, ["query", str(out), ask]).output.split() == ["true"]


def test_kg_s_own_options_after_the_command_say_where_they_go(keep: Path) -> None:
    result = CliRunner().invoke(main, ["build", "-q", str(keep)])
    assert result.exit_code == 2
    assert "No such option '-q' here: it is kg's own and goes before the command (kg -q build ...)" in result.output
    assert "build [OPTIONS] [INPUTS]..." in result.output  # with the usage, as click says it


def test_a_record_id_two_papers_share_is_said_to_be_ambiguous(tmp_path: Path) -> None:
    import kg
    from kg.errors import NotFoundError

    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(json.dumps({"id": "7", "title": "Fine-tuning BERT", "abstract": "We tune BERT. Fine."}) + "\n")
    rows = [
        {"id": "7", "title": "Scaling GPT-3 training", "abstract": "We scale GPT-3. Fine."},
        {"id": "8", "title": "Top 7 tricks for ResNet", "abstract": "We train ResNet. Fine."},
    ]
    b.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["build", str(a), str(b), "-o", str(out), "--mode", "rules"]).exit_code == 0
    graph = kg.load(out)
    with pytest.raises(NotFoundError, match=r"^2 papers have the record id '7': .*Fine-tuning BERT.*; use one"):
        graph.paper("7")
    assert graph.paper("8").title == "Top 7 tricks for ResNet"
