"""The hand-annotated gold and training sets are well formed.

Checks the data only, not the extractor: offsets match their text, labels are
kg's five types, spans do not overlap, entities are sorted, and each record's
title and abstract are the text it claims to come from (the page-dump line its
id points at, the SciERC dev abstract of the same id, or the opening of the SciREX
paper of that id), and the SciREX evaluation papers are never trained on.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLD_DIR = Path(__file__).resolve().parent / "data" / "gold"
SEED_SETS = [
    GOLD_DIR / "seed_gold.jsonl",
    GOLD_DIR / "seed_heldout.jsonl",
    *sorted((ROOT / "data" / "annotations").glob("sample_train_*.jsonl")),
]
SCIERC_KG = GOLD_DIR / "scierc_dev_kg.jsonl"
SCIERC_DEV = ROOT.parent / "shared" / "data" / "scierc" / "dev.jsonl"
SCIREX_TRAIN = sorted((ROOT / "data" / "annotations").glob("scirex_train_*.jsonl"))
SCIREX_KG = GOLD_DIR / "scirex_heldout_kg.jsonl"
SCIREX_GOLD = GOLD_DIR / "scirex_heldout.jsonl"  # SciREX's own labels
SCIREX_SPLIT = ROOT / "data" / "annotations" / "scirex_split.json"
SCIREX_SECTIONS = ROOT.parent / "shared" / "data" / "scirex" / "train_sections.jsonl"
SCIREX_LABELS = {"Method", "Task", "Metric", "Material"}
SAMPLE = ROOT / "data" / "sample"
LABELS = {"Method", "Model", "Dataset", "Metric", "Task"}
FIELDS = ("title", "abstract")


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


ALL = {path: _records(path) for path in [*SEED_SETS, SCIERC_KG, *SCIREX_TRAIN, SCIREX_KG]}
CASES = [(path.name, r) for path, records in ALL.items() for r in records]
SCIREX_CASES = [r for path in [*SCIREX_TRAIN, SCIREX_KG, SCIREX_GOLD] for r in _records(path)]


@pytest.mark.parametrize("path", list(ALL), ids=[p.name for p in ALL])
def test_enough_records_and_named_entities(path: Path) -> None:
    records = ALL[path]
    assert len(records) >= (20 if path in SCIREX_TRAIN else 30)  # SciREX batches: 25-27 longer openings
    assert len({r["id"] for r in records}) == len(records), "duplicate ids"
    counts = Counter(e["label"] for r in records for e in r["entities"])
    assert counts["Model"] + counts["Dataset"] + counts["Metric"] >= 20
    assert set(counts) <= LABELS


def test_scirex_split() -> None:
    split = json.loads(SCIREX_SPLIT.read_text(encoding="utf-8"))
    held_out, train = split["heldout"], split["train"]
    assert len(held_out) == len(set(held_out)) == 40
    assert len(train) == len(set(train)) >= 150
    assert not set(held_out) & set(train)
    assert [r["id"] for r in _records(SCIREX_GOLD)] == held_out
    assert sorted(r["id"] for r in ALL[SCIREX_KG]) == sorted(held_out)
    annotated = [r["id"] for path in SCIREX_TRAIN for r in ALL[path]]
    assert len(annotated) == len(set(annotated)) and set(annotated) <= set(train)


def test_scirex_gold_keeps_scirex_labels() -> None:
    records = _records(SCIREX_GOLD)
    counts = Counter(e["label"] for r in records for e in r["entities"])
    assert set(counts) == SCIREX_LABELS and counts["Material"] >= 20
    for record in records:
        assert record["title"] == ""
        for ent in record["entities"]:
            assert ent["field"] == "abstract" and 0 <= ent["start"] < ent["end"]
            assert record["abstract"][ent["start"] : ent["end"]] == ent["text"]


def _script(name: str) -> Any:
    """Import ``scripts/<name>.py`` as a module."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def test_training_never_reads_a_held_out_scirex_paper() -> None:
    train_ner = _script("train_ner")
    held_out, kg_typed = train_ner.scirex_excluded()
    split = json.loads(SCIREX_SPLIT.read_text(encoding="utf-8"))
    assert held_out == set(split["heldout"]) and kg_typed == set(split["train"])
    paper = split["heldout"][0]
    assert not train_ner.scirex_trainable({"id": f"{paper}#3"}, held_out, kg_typed)
    assert not train_ner.scirex_trainable({"id": f"{split['train'][0]}#0"}, held_out, kg_typed)
    assert train_ner.scirex_trainable({"id": f"{split['train'][0]}#1"}, held_out, kg_typed)
    training_ids = {str(r["id"]) for path in train_ner.KG_TRAIN for r in _records(path)}
    assert len(training_ids) >= 500 and not training_ids & (held_out | train_ner.evaluation_ids())


def test_cross_validation_folds_split_the_training_papers() -> None:
    """Each kg-typed training file is held out by exactly one fold and trained on by the other."""
    folds = _script("crossval").folds()
    files = set(SEED_SETS[2:]) | set(SCIREX_TRAIN)
    assert set(folds) == {"cv_even", "cv_odd"}
    held = [set(h) for _, h in folds.values()]
    assert held[0] | held[1] == files and not held[0] & held[1]
    for trained, held_out in folds.values():
        assert set(trained) == files - set(held_out)
        papers = sum(len(_records(f)) for f in held_out)
        assert 200 <= papers <= 300  # about half of the 500 papers each


def test_cross_validation_refuses_a_model_that_saw_its_fold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    crossval = _script("crossval")
    monkeypatch.setattr(crossval, "TRAINING_DIR", tmp_path)
    trained, held_out = crossval.folds()["cv_even"]
    model = tmp_path / "cv_even" / "model-best"
    model.mkdir(parents=True)
    (model / "meta.json").write_text("{}")

    def meta(files: list[Path], overrides: dict[str, Any]) -> None:
        description = "kg-annotated papers (" + ", ".join(f.name for f in files) + ")"
        text = json.dumps({"training_data": {"description": description}, "overrides": overrides})
        (tmp_path / "cv_even" / "kg_meta.json").write_text(text)

    meta(trained, {"system.seed": 0})
    assert crossval.fold_model("cv_even", trained, held_out, True) == model
    assert (model / "kg_meta.json").exists()
    meta([*trained, held_out[0]], {"system.seed": 0})
    with pytest.raises(SystemExit, match=re.escape(f"held-out {held_out[0].name}")):
        crossval.fold_model("cv_even", trained, held_out, True)
    meta(trained, {"system.seed": 0})
    with pytest.raises(SystemExit, match=re.escape("system.seed=0, not 1")):
        crossval.fold_model("cv_even", trained, held_out, True, ["system.seed=1"])
    with pytest.raises(SystemExit, match=re.escape("no vector dimensions, not 64")):
        crossval.fold_model("cv_even", trained, held_out, True, vectors=64)


@pytest.mark.parametrize("record", SCIREX_CASES, ids=[r["id"][:12] for r in SCIREX_CASES])
def test_scirex_text_is_the_papers_opening(record: dict[str, Any]) -> None:
    if not SCIREX_SECTIONS.exists():
        pytest.skip("../shared/data/scirex is not beside the checkout")
    section = _scirex_openings()[record["id"]]
    assert record["title"] == ""
    assert section.startswith(record["abstract"]) and len(record["abstract"]) > 200


_OPENINGS: dict[str, str] = {}


def _scirex_openings() -> dict[str, str]:
    if not _OPENINGS:
        for line in SCIREX_SECTIONS.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if r["id"].endswith("#0"):
                _OPENINGS[r["id"].split("#", 1)[0]] = r["abstract"]
    return _OPENINGS


def test_training_and_evaluation_papers_are_disjoint() -> None:
    evaluation = {
        r["id"] for path in (GOLD_DIR / "seed_gold.jsonl", GOLD_DIR / "seed_heldout.jsonl") for r in ALL[path]
    }
    training = [r["id"] for path in SEED_SETS[2:] for r in ALL[path]]
    assert len(training) == len(set(training)) >= 300
    assert not evaluation & set(training)


@pytest.mark.parametrize(("name", "record"), CASES, ids=[f"{n}:{r['id']}" for n, r in CASES])
def test_spans(name: str, record: dict[str, Any]) -> None:
    assert set(record) >= {"id", "title", "abstract", "entities"}
    previous: tuple[int, int, int] | None = None
    for ent in record["entities"]:
        assert ent["field"] in FIELDS
        assert ent["label"] in LABELS, ent
        start, end = ent["start"], ent["end"]
        assert isinstance(start, int) and isinstance(end, int) and 0 <= start < end
        assert record[ent["field"]][start:end] == ent["text"], ent
        assert ent["text"] == ent["text"].strip(), ent
        key = (FIELDS.index(ent["field"]), start, end)
        if previous is not None:
            assert key[:2] > previous[:2], f"entities not sorted: {ent}"
            if key[0] == previous[0]:
                assert start >= previous[2], f"overlapping spans: {ent}"
        previous = key


@pytest.mark.parametrize(("name", "record"), CASES, ids=[f"{n}:{r['id']}" for n, r in CASES])
def test_text_matches_source(name: str, record: dict[str, Any]) -> None:
    if name.startswith("scirex"):
        return  # test_scirex_text_is_the_papers_opening
    if name == SCIERC_KG.name:
        if not SCIERC_DEV.exists():
            pytest.skip("../shared/data/scierc is not beside the checkout")
        source = {r["id"]: r for r in _records(SCIERC_DEV)}[record["id"]]
        assert record["abstract"] == source["abstract"] and record["title"] == ""
        return
    dump, line = record["id"].rsplit(":", 1)
    lines = (SAMPLE / dump).read_text(encoding="utf-8").split("\n")
    title = re.sub(r"^Subscribe(?=[A-Z0-9])", "", lines[int(line) - 1].strip())
    abstract = next(x.strip() for x in lines[int(line) :] if x.strip())
    assert record["title"] == title
    assert record["abstract"] == abstract


def test_confidence_fit_is_checked_on_the_fold_it_did_not_see() -> None:
    """``scripts/train_confidence.py``: each half is scored with weights fitted on the other half.

    The halves disagree (a feature that marks the right mention in one marks the wrong one in the
    other), so only weights fitted across the halves give the wrong mentions the high scores."""
    from kg.evaluate import GoldDoc
    from kg.records import Mention

    train_confidence = _script("train_confidence")

    def half(prefix: str, right_feature: str, wrong_feature: str) -> Any:
        docs, mentions, examples = [], [], []
        for i in range(20):
            pid = f"{prefix}{i}"
            right = Mention(pid, "abstract", 0, 4, "BERT", "Model", source="kg_gazetteer")
            wrong = Mention(pid, "abstract", 5, 12, "encoder", "Model", source="ner")
            docs.append(GoldDoc(pid, "", "BERT encoder", ((pid, "abstract", 0, 4, "Model"),)))
            mentions.append([right, wrong])
            examples.append([(["L=Model", right_feature], True), (["L=Model", wrong_feature], False)])
        return docs, mentions, examples

    report = train_confidence.nested_report([half("a", "L=Model|x", "L=Model|y"), half("b", "L=Model|y", "L=Model|x")])
    curve = report["by_threshold"]
    assert curve["0.0"]["ALL"] == {"precision": 0.5, "recall": 1.0, "f1": 0.667}
    assert curve["0.5"]["ALL"]["recall"] == 0.0  # weights fitted on a half itself would keep every right one
    assert sum(row["n"] for row in report["calibration"]) == 80
    assert report["expected_calibration_error"] > 0.5


def test_static_vectors_are_deterministic_and_keyed_by_norm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``train_ner.py --vectors``: the same table from the same text, lower-cased keys, unit rows."""
    import numpy as np
    import spacy

    train_ner = _script("train_ner")
    frames = [
        "We fine-tune {} on GLUE and report accuracy .",
        "The {} encoder is pretrained on large text corpora .",
        "Results with {} improve over strong baselines on GLUE .",
    ]
    animals = ["The {} sat on the mat near the garden .", "A small {} chased the ball across the garden ."]
    texts = [f.format(m) for f in frames for m in ("BERT", "RoBERTa")] * 5
    texts += [f.format(a) for f in animals for a in ("cat", "dog")] * 5
    monkeypatch.setattr(train_ner, "pretraining_texts", lambda: texts)
    tables = []
    for run in ("a", "b"):
        info = train_ner.train_vectors(tmp_path / run, 4, min_count=3)
        words = {tok.norm_ for doc in spacy.blank("en").tokenizer.pipe(texts) for tok in doc if not tok.is_punct}
        assert info["dims"] == 4 and info["rows"] == len(words)
        vocab = spacy.load(tmp_path / run / "vectors").vocab
        vectors = vocab.vectors
        tables.append((sorted(vectors.keys()), np.asarray(vectors.data).copy()))
        assert vectors.shape == (info["rows"], 4)
        assert vectors.find(key="bert") >= 0 and vectors.find(key="BERT") < 0
        assert np.allclose(np.linalg.norm(vectors.data, axis=1), 1.0, atol=1e-5)
        unit = {w: vectors[vocab.strings[w]] for w in ("bert", "roberta", "cat", "dog")}
        assert unit["bert"] @ unit["roberta"] > unit["bert"] @ unit["cat"]
        assert unit["cat"] @ unit["dog"] > unit["cat"] @ unit["roberta"]
    assert tables[0][0] == tables[1][0] and np.array_equal(tables[0][1], tables[1][1])
