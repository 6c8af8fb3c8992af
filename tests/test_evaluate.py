"""The eval scorer on tiny gold/prediction pairs with known P/R/F1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.evaluate import GoldDoc, format_report, load_gold, predict, score


def doc(spans: list[tuple[int, int, str]], doc_id: str = "d") -> GoldDoc:
    return GoldDoc(doc_id, "", "x" * 100, tuple((doc_id, "abstract", s, e, lab) for s, e, lab in spans))


def test_exact_typed_counts() -> None:
    gold = [doc([(0, 4, "Method"), (10, 15, "Task"), (20, 25, "Metric")])]
    pred = [doc([(0, 4, "Method"), (10, 15, "Method"), (30, 35, "Task")])]
    r = score(gold, pred)
    assert r.exact["ALL"].precision == pytest.approx(1 / 3)
    assert r.exact["ALL"].recall == pytest.approx(1 / 3)
    assert r.exact["ALL"].f1 == pytest.approx(1 / 3)
    assert r.exact["Method"].precision == pytest.approx(0.5)
    assert r.exact["Task"].recall == 0.0
    # untyped: (10,15) matches regardless of label
    assert r.untyped.precision == pytest.approx(2 / 3)


def test_overlap_and_label_map() -> None:
    gold = [doc([(0, 10, "Method"), (20, 30, "Material")])]
    pred = [doc([(2, 8, "Model"), (25, 35, "Dataset"), (50, 55, "Task")])]
    r = score(gold, pred, label_map={"Model": "Method", "Dataset": "Material"}, labels=["Method", "Material"])
    assert r.exact["ALL"].n_pred == 2  # the Task prediction is not scored
    assert r.exact["ALL"].f1 == 0.0
    assert r.overlap["ALL"].precision == 1.0
    assert r.overlap["ALL"].recall == 1.0


def test_missing_prediction_counts_as_empty() -> None:
    gold = [doc([(0, 4, "Task")], "a"), doc([(0, 4, "Task")], "b")]
    pred = [doc([(0, 4, "Task")], "a"), doc([(0, 4, "Task")], "zzz")]
    r = score(gold, pred)
    assert (r.exact["ALL"].precision, r.exact["ALL"].recall) == (1.0, 0.5)
    assert "exact typed" in format_report(r)


def test_load_gold_reads_scierc_format(tmp_path: Path) -> None:
    f = tmp_path / "gold.jsonl"
    f.write_text(
        json.dumps(
            {
                "id": "x",
                "title": "",
                "abstract": "We use BERT .",
                "entities": [{"field": "abstract", "start": 7, "end": 11, "text": "BERT", "label": "Method"}],
            }
        )
        + "\n\n"
    )
    docs = load_gold(f)
    assert docs[0].spans == (("x", "abstract", 7, 11, "Method"),)


def test_load_gold_names_the_bad_line(tmp_path: Path) -> None:
    f = tmp_path / "gold.jsonl"
    f.write_text('{"id": "a", "entities": []}\nnot json\n')
    with pytest.raises(InputError, match=r"gold.jsonl:2"):
        load_gold(f)


def test_predict_runs_the_named_ner(tmp_path: Path) -> None:
    """``ner_path`` swaps the NER: a copy of the shipped one predicts the same, a missing one is an error."""
    import shutil

    from kg.errors import ExtractError
    from kg.extract.pipeline import ner_model_path

    docs = [GoldDoc("p", "CATS: sparsity for LLMs", "We evaluate Llama-2 7B on GSM8K and report accuracy.", ())]
    shutil.copytree(ner_model_path(), tmp_path / "ner")
    shipped = predict(docs)
    assert shipped[0].spans and predict(docs, ner_path=tmp_path / "ner") == shipped
    with pytest.raises(ExtractError, match="no trained NER"):
        predict(docs, ner_path=tmp_path / "missing")
