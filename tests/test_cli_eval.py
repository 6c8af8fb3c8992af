"""``kg eval`` on SciERC-labelled gold: the GUIDELINES mapping and the four comparable labels by default."""

from __future__ import annotations

import json
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
