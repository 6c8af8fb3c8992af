"""``kg eval`` on SciERC-labelled gold: the GUIDELINES mapping and the four comparable labels by default."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from kg.cli import main

ABSTRACT = "We fine-tune BERT on GLUE with a hinge loss ."
GOLD = {
    "id": "a",
    "title": "",
    "abstract": ABSTRACT,
    "entities": [
        {"field": "abstract", "start": 13, "end": 17, "text": "BERT", "label": "Method"},
        {"field": "abstract", "start": 21, "end": 25, "text": "GLUE", "label": "Material"},
        {"field": "abstract", "start": 33, "end": 43, "text": "hinge loss", "label": "OtherScientificTerm"},
    ],
}


def test_scierc_gold_is_mapped_and_scored_on_the_comparable_labels(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(GOLD) + "\n")
    runner = CliRunner()
    result = runner.invoke(main, ["eval", str(gold), "--mode", "rules"])
    assert result.exit_code == 0, result.output
    assert "mapping Model->Method, Dataset->Material, scoring Method, Task, Metric, Material" in result.output
    as_json = runner.invoke(main, ["eval", str(gold), "--mode", "rules", "--json"])
    report = json.loads(as_json.output)
    assert report["labels"] == ["Material", "Method", "Metric", "Task"]  # OtherScientificTerm is not scored
    assert report["exact_typed"]["ALL"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "n_pred": 2, "n_gold": 2}


def test_curve_scores_every_threshold_from_one_extraction(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    abstract = "We propose a decoder for speculative decoding that reduces latency on ImageNet."
    start = abstract.index("ImageNet")
    entity = {"field": "abstract", "start": start, "end": start + 8, "text": "ImageNet", "label": "Dataset"}
    gold.write_text(json.dumps({"id": "a", "title": "A study", "abstract": abstract, "entities": [entity]}) + "\n")
    runner = CliRunner()
    every = ["--labels", "Dataset,Method,Metric,Model,Task"]
    result = runner.invoke(main, ["eval", str(gold), "--curve", "--json", *every])
    assert result.exit_code == 0, result.output
    points = json.loads(result.output)
    assert [p["min_confidence"] for p in points] == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    n_pred = [p["exact_typed"]["ALL"]["n_pred"] for p in points]
    assert n_pred == sorted(n_pred, reverse=True) and n_pred[0] > n_pred[5]
    for threshold in ("0", "0.5"):
        single = json.loads(
            runner.invoke(main, ["eval", str(gold), "--json", *every, "--min-confidence", threshold]).output
        )
        assert points[0 if threshold == "0" else 5]["exact_typed"] == single["exact_typed"]
    table = runner.invoke(main, ["eval", str(gold), "--curve", *every]).output
    assert "min conf" in table and "Dataset P/R" in table and len(table.splitlines()) == 13
    for extra in (["--pred", str(gold)], ["--min-confidence", "0.5"]):
        refused = runner.invoke(main, ["eval", str(gold), "--curve", *extra])
        assert refused.exit_code == 2, refused.output


def test_unknown_labels_and_files_without_gold_are_errors(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    entity = {"field": "abstract", "start": 13, "end": 17, "text": "BERT", "label": "Model"}
    gold.write_text(
        json.dumps({"id": "a", "title": "T", "abstract": "We fine-tune BERT.", "entities": [entity]}) + "\n"
    )
    runner = CliRunner()
    typo = runner.invoke(main, ["eval", str(gold), "--mode", "rules", "--labels", "Modl"])
    assert typo.exit_code == 2 and "Modl" in typo.output and "no gold span or mapped prediction" in typo.output
    bare = tmp_path / "bare.jsonl"
    bare.write_text(json.dumps({"id": "a", "title": "T", "abstract": "We fine-tune BERT.", "entities": []}) + "\n")
    empty = runner.invoke(main, ["eval", str(bare), "--mode", "rules"])
    assert empty.exit_code == 1 and "no gold spans" in empty.output
    # a misspelt key is not a paper with no spans
    bare.write_text(json.dumps({"id": "a", "title": "T", "abstract": "We fine-tune BERT.", "entitites": []}) + "\n")
    misspelt = runner.invoke(main, ["eval", str(bare), "--mode", "rules"])
    assert misspelt.exit_code == 1 and "missing 'entities'" in misspelt.output and "entitites" in misspelt.output


def test_predictions_that_share_no_id_with_the_gold_say_so(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(GOLD) + "\n" + json.dumps({**GOLD, "id": "b"}) + "\n")
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({**GOLD, "id": "zzz"}) + "\n")
    runner = CliRunner()
    result = runner.invoke(main, ["eval", str(gold), "--pred", str(other), "--json"])
    assert result.exit_code == 0
    assert "no id of" in result.stderr and "every score is 0" in result.stderr
    assert json.loads(result.stdout)["exact_typed"]["ALL"]["f1"] == 0.0
    half = tmp_path / "half.jsonl"
    half.write_text(json.dumps(GOLD) + "\n" + json.dumps({**GOLD, "id": "c"}) + "\n")
    result = runner.invoke(main, ["eval", str(gold), "--pred", str(half), "--json"])
    assert "1 gold papers have no prediction" in result.stderr and "1 predicted papers are not in" in result.stderr
    assert json.loads(result.stdout)["exact_typed"]["ALL"]["recall"] == 0.5
    same = runner.invoke(main, ["eval", str(gold), "--pred", str(gold), "--json"])
    assert same.stderr == "" and json.loads(same.stdout)["exact_typed"]["ALL"]["f1"] == 1.0


def test_build_mentions_score_against_the_gold_file_it_was_built_from(tmp_path: Path) -> None:
    # README: mentions.jsonl is "every paper's mentions in the gold format (kg eval --pred)".
    gold = Path(__file__).resolve().parent / "data" / "ingest" / "gold_as_input.jsonl"
    runner = CliRunner()
    out = tmp_path / "out"
    built = runner.invoke(main, ["-q", "build", str(gold), "-o", str(out), "--mode", "rules", "--no-html"])
    assert built.exit_code == 0, built.output
    lines = [json.loads(line) for line in (out / "mentions.jsonl").read_text().splitlines()]
    assert [line["id"].split(":")[0] for line in lines] == ["title"] * 3  # kg's ids, not the records'
    assert [line["record_id"] for line in lines] == ["dump.txt:3", "dump.txt:7", "dump.txt:11"]
    scored = runner.invoke(main, ["eval", str(gold), "--pred", str(out / "mentions.jsonl"), "--json"])
    own = runner.invoke(main, ["eval", str(gold), "--mode", "rules", "--json"])
    assert scored.exit_code == own.exit_code == 0, scored.output + own.output
    assert "warning" not in scored.output
    assert json.loads(scored.output) == json.loads(own.output)
    assert json.loads(scored.output)["exact_typed"]["ALL"]["recall"] == 1.0  # the whitespace paper too


def test_malformed_gold_or_predictions_are_one_line_errors(tmp_path: Path) -> None:
    """A bad record or span in GOLD or --pred exits 1 with one `kg: error:` line naming file:line, no traceback."""
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(GOLD) + "\n")
    bad_span = {"field": "abstract", "start": 13, "end": 99, "text": "BERT", "label": "Method"}
    cases = {
        "entities.jsonl": ({**GOLD, "entities": "oops"}, r"entities.jsonl:2: 'entities' is \"oops\""),
        "list.jsonl": ({**GOLD, "entities": [1]}, r"list.jsonl:2: entities\[0\]: got 1"),
        "span.jsonl": ({**GOLD, "entities": [bad_span]}, r"span.jsonl:2: entities\[0\]: span 13:99 is not within"),
        "noid.jsonl": ({k: v for k, v in GOLD.items() if k != "id"}, r"noid.jsonl:2: missing 'id'"),
    }
    runner = CliRunner()
    for name, (record, message) in cases.items():
        bad = tmp_path / name
        bad.write_text(json.dumps(GOLD) + "\n" + json.dumps(record) + "\n")
        for args in (["eval", str(bad), "--mode", "rules"], ["eval", str(gold), "--pred", str(bad)]):
            result = runner.invoke(main, args)
            assert result.exit_code == 1, result.output
            assert result.exception is None or isinstance(result.exception, SystemExit)
            [line] = result.stderr.splitlines()
            assert line.startswith("kg: error: ") and re.search(message, line), line


def test_maps_and_labels_that_would_drop_predictions_are_refused(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(GOLD) + "\n")
    runner = CliRunner()
    scierc = ["--map", "Model=Method", "--map", "Dataset=Material", "--labels", "Method,Material"]
    assert runner.invoke(main, ["eval", str(gold), "--mode", "rules", *scierc]).exit_code == 0
    for args, message in (
        (["--map", "Modle=Method"], "--map Modle=Method: Modle is not a label of kg's types"),
        (["--map", "Model=Methd"], "--map Model=Methd: Methd is not a label of the gold file"),
        (["--map", "Model=Method", "--map", "Model=Task"], "--map Model: given twice"),
        (["--map", "Model="], "expected PRED=GOLD with both labels"),
        # SciERC's mapping puts Dataset onto Material: there is no Dataset left to score
        (["--labels", "Method,Dataset"], "--labels Dataset: no gold span or mapped prediction has it"),
        (["--pred", str(gold), "--mode", "names"], "--mode choose how the extractor runs"),
        (["--pred", str(gold), "--workers", "2"], "--workers choose how the extractor runs"),
    ):
        result = runner.invoke(main, ["eval", str(gold), *args])
        assert result.exit_code == 2 and message in result.output, (args, result.output)
    hint = runner.invoke(main, ["eval", str(gold), "--mode", "rules", "--labels", "Dataset"])
    assert "Dataset is mapped onto Material" in hint.output
    # a --pred file's own labels may be mapped
    own = tmp_path / "own.jsonl"
    own.write_text(json.dumps({**GOLD, "entities": [{**GOLD["entities"][0], "label": "ALGO"}]}) + "\n")
    mapped = runner.invoke(main, ["eval", str(gold), "--pred", str(own), "--map", "ALGO=Method", "--json"])
    assert mapped.exit_code == 0, mapped.output
    assert json.loads(mapped.stdout)["exact_typed"]["Method"]["f1"] == 1.0


def test_predictions_of_another_text_or_twice_for_one_paper_are_refused(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(GOLD) + "\n")
    runner = CliRunner()
    other = tmp_path / "other.jsonl"  # the same offsets over another text would score as right
    spans = [{k: v for k, v in e.items() if k != "text"} for e in GOLD["entities"]]
    other.write_text(json.dumps({**GOLD, "abstract": ABSTRACT.replace("BERT", "ELMo"), "entities": spans}) + "\n")
    result = runner.invoke(main, ["eval", str(gold), "--pred", str(other)])
    assert result.exit_code == 1 and 'prediction "a": its abstract is not gold paper "a"\'s' in result.stderr
    assert "from character 13" in result.stderr
    twice = tmp_path / "twice.jsonl"
    twice.write_text(json.dumps({**GOLD, "id": "p1", "record_id": "a"}) + "\n" + json.dumps({**GOLD, "id": "a"}) + "\n")
    result = runner.invoke(main, ["eval", str(gold), "--pred", str(twice)])
    assert result.exit_code == 1 and 'predictions "p1" and "a" both match gold paper "a"' in result.stderr
    # another title is no matter when no predicted span is in it
    retitled = tmp_path / "retitled.jsonl"
    retitled.write_text(json.dumps({**GOLD, "title": "Another title"}) + "\n")
    fine = runner.invoke(main, ["eval", str(gold), "--pred", str(retitled), "--json"])
    assert fine.exit_code == 0 and json.loads(fine.stdout)["exact_typed"]["ALL"]["f1"] == 1.0


def test_predicted_labels_the_gold_lacks_are_scored_and_noted(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    abstract = "We fine-tune BERT on GLUE."
    entity = {"field": "abstract", "start": 13, "end": 17, "text": "BERT", "label": "Model"}
    gold.write_text(json.dumps({"id": "a", "title": "", "abstract": abstract, "entities": [entity]}) + "\n")
    result = CliRunner().invoke(main, ["eval", str(gold), "--mode", "rules"])
    assert result.exit_code == 0, result.output
    assert "the gold file has no Dataset; predictions of that label count as wrong" in result.stderr
    assert re.search(r"exact typed\s+ALL\s+0\.500\s+1\.000", result.stdout)


def test_the_default_scierc_mapping_is_not_checked_like_a_user_s(tmp_path: Path) -> None:
    # a SciERC-labelled file without Method spans: the mapping kg chose itself is no typo
    gold = tmp_path / "gold.jsonl"
    abstract = "We evaluate on the Penn Treebank corpus."
    entity = {"field": "abstract", "start": 19, "end": 32, "text": "Penn Treebank", "label": "Material"}
    gold.write_text(json.dumps({"id": "s1", "title": "", "abstract": abstract, "entities": [entity]}) + "\n")
    runner = CliRunner()
    result = runner.invoke(main, ["eval", str(gold), "--mode", "rules", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["labels"] == ["Material", "Method", "Metric", "Task"]
    empty = runner.invoke(main, ["eval", str(gold), "--mode", "rules", "--labels", ","])
    assert empty.exit_code == 2 and "names no label" in empty.output


def test_extract_output_of_text_with_a_lone_surrogate_scores(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    title = "  BERT\u00a0 for \ud800 QA "
    entity = {"field": "title", "start": 2, "end": 6, "text": "BERT", "label": "Model"}
    gold.write_text(json.dumps({"id": "w1", "title": title, "abstract": "", "entities": [entity]}) + "\n")
    runner = CliRunner()
    pred = tmp_path / "pred.jsonl"
    assert runner.invoke(main, ["extract", str(gold), "--mode", "rules", "-o", str(pred)]).exit_code == 0
    assert "\ufffd" in json.loads(pred.read_text())["title"]  # written one for one
    result = runner.invoke(main, ["eval", str(gold), "--pred", str(pred), "--labels", "Model", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["exact_typed"]["ALL"]["recall"] == 1.0
