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


def test_overlap_pairs_predictions_and_gold_one_to_one() -> None:
    gold = [doc([(0, 10, "Method"), (20, 30, "Method"), (40, 50, "Method")])]
    # one prediction over two gold spans finds one of them; two inside one gold span are one right, one wrong
    pred = [doc([(5, 25, "Method"), (41, 44, "Method"), (45, 49, "Method")])]
    r = score(gold, pred)
    assert (r.overlap["ALL"].tp_pred, r.overlap["ALL"].tp_gold) == (2, 2)
    assert (r.overlap["ALL"].precision, r.overlap["ALL"].recall) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    # a prediction over the whole text is one right prediction, not every gold span found
    whole = score(gold, [doc([(0, 100, "Method")])]).overlap["ALL"]
    assert (whole.precision, whole.recall) == (1.0, pytest.approx(1 / 3))
    # the matching is maximal: (8, 22) could take either gold span; (0, 5) needs the first
    both = score(gold, [doc([(8, 22, "Method"), (0, 5, "Method")])]).overlap["ALL"]
    assert both.tp_gold == 2


def test_overlap_matching_of_a_long_chain_needs_no_recursion() -> None:
    # each prediction overlaps two gold spans: a path as long as the chain, deeper than Python's stack
    text = "x" * 2300
    gold = [GoldDoc("d", "", text, tuple(("d", "abstract", 2 * j, 2 * j + 2, "M") for j in range(1100)))]
    pred = [GoldDoc("d", "", text, tuple(("d", "abstract", 2 * i - 1, 2 * i + 1, "M") for i in range(1, 1100)))]
    assert score(gold, pred).overlap["ALL"].tp_gold == 1099


def test_predicted_labels_the_gold_never_uses_count_as_wrong() -> None:
    gold = [doc([(0, 4, "Method")])]
    pred = [doc([(0, 4, "Method"), (10, 14, "Model"), (20, 22, "Methd")])]
    r = score(gold, pred)
    assert r.labels == ("Methd", "Method", "Model")
    assert (r.exact["ALL"].n_pred, r.exact["ALL"].precision) == (3, pytest.approx(1 / 3))
    assert score(gold, pred, labels=["Method"]).exact["ALL"].n_pred == 1  # unless the labels are chosen
    assert "OtherScientificTerm  " in format_report(score([doc([(0, 4, "OtherScientificTerm")])], []))


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


ABSTRACT = "We use BERT ."
BERT = {"field": "abstract", "start": 7, "end": 11, "text": "BERT", "label": "Method"}


def gold_file(tmp_path: Path, *records: object) -> Path:
    """A gold file of ``records``, the first on line 1; a str is written as it is."""
    f = tmp_path / "gold.jsonl"
    f.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")
    return f


def with_entities(*entities: object) -> dict[str, object]:
    return {"id": "x", "title": "BERT", "abstract": ABSTRACT, "entities": list(entities)}


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ("[1, 2]", r"gold.jsonl:2: not a gold record \(got \[1, 2\]\); expected a JSON object"),
        ({"title": "", "abstract": ABSTRACT, "entities": [BERT]}, r"gold.jsonl:2: missing 'id'"),
        ({"id": None, "abstract": ABSTRACT, "entities": [BERT]}, r"gold.jsonl:2: 'id' is null"),
        ({"id": "x", "abstract": "ELMo is old.", "entities": []}, r"gold.jsonl:2: id \"x\" is the id of line 1 too"),
        ({"id": "y", "abstract": ABSTRACT, "entites": [BERT]}, r"gold.jsonl:2: missing 'entities' \(keys: abstract, "),
        ({"id": "x", "abstract": 7, "entities": []}, r"gold.jsonl:2: 'abstract' is 7; it must be a string"),
        ({**with_entities(), "entities": "oops"}, r"gold.jsonl:2: 'entities' is \"oops\"; it must be a list"),
        ({**with_entities(), "entities": {"a": 1}}, r"gold.jsonl:2: 'entities' is \{\"a\": 1\}; it must be a list"),
        ({**with_entities(), "entities": None}, r"gold.jsonl:2: 'entities' is null"),
        (with_entities(BERT, 1), r"gold.jsonl:2: entities\[1\]: got 1; each entity must be an object"),
        (with_entities(BERT, "BERT"), r"gold.jsonl:2: entities\[1\]: got \"BERT\"; each entity must be an object"),
    ],
)
def test_load_gold_refuses_malformed_records(tmp_path: Path, record: object, message: str) -> None:
    """Each defect is one InputError naming file:line (and the entity), not a traceback."""
    with pytest.raises(InputError, match=message):
        load_gold(gold_file(tmp_path, with_entities(BERT), record))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end": 14}, r"span 7:14 is not within abstract \(length 13\)"),
        ({"start": 11, "end": 7}, r"span 11:7 is not within abstract"),
        ({"start": 7, "end": 7, "text": ""}, r"span 7:7 is not within abstract"),  # empty: can match nothing
        ({"start": -6, "end": -2, "text": "BERT"}, r"span -6:-2 is not within abstract"),
        ({"start": 7.0}, r"'start' is 7.0; offsets must be integers"),
        ({"end": "11"}, r"'end' is \"11\"; offsets must be integers"),
        ({"start": True}, r"'start' is true; offsets must be integers"),
        ({"start": None}, r"'start' is null; offsets must be integers"),
        ({"start": ...}, r"missing 'start'"),
        ({"field": "nope"}, r"'field' is \"nope\"; it must be \"title\" or \"abstract\""),
        ({"field": ...}, r"missing 'field'; it must be \"title\" or \"abstract\""),
        ({"label": None}, r"'label' is null; each span needs its type as a non-empty string"),
        ({"label": ""}, r"'label' is \"\"; each span needs its type"),
        ({"label": ...}, r"missing 'label'"),
        ({"text": "BER"}, r"'text' is \"BER\" but abstract\[7:11\] is \"BERT\"; fix the offsets or the text"),
        ({"field": "title"}, r"span 7:11 is not within title \(length 4\)"),
        ({"field": "title", "start": 0, "end": 3}, r"'text' is \"BERT\" but title\[0:3\] is \"BER\""),
    ],
)
def test_load_gold_refuses_malformed_spans(tmp_path: Path, changes: dict[str, object], message: str) -> None:
    """A malformed span is an error naming file:line and entities[i] (skipping it would inflate scores)."""
    entity = {k: v for k, v in {**BERT, **changes}.items() if v is not ...}
    with pytest.raises(InputError, match=r"gold.jsonl:1: entities\[1\]: " + message):
        load_gold(gold_file(tmp_path, with_entities(BERT, entity)))


def test_load_gold_accepts_spans_without_text_and_at_the_field_ends(tmp_path: Path) -> None:
    """``text`` is optional (absent or null); a span may start at 0 and end at len(field)."""
    no_text = {k: v for k, v in BERT.items() if k != "text"}
    whole_title = {"field": "title", "start": 0, "end": 4, "text": None, "label": "Method"}
    last = {"field": "abstract", "start": 12, "end": 13, "label": "Generic"}
    [doc] = load_gold(gold_file(tmp_path, with_entities(no_text, whole_title, last)))
    assert doc.spans == (
        ("x", "abstract", 7, 11, "Method"),
        ("x", "title", 0, 4, "Method"),
        ("x", "abstract", 12, 13, "Generic"),
    )
    assert load_gold(gold_file(tmp_path, {"id": "y", "title": None, "entities": []})) == [GoldDoc("y", "", "", ())]
