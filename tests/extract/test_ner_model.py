"""The trained NER shipped in ``kg/extract/resources/ner`` loads offline and speaks kg's labels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import spacy

import kg

NER_DIR = Path(kg.__file__).parent / "extract" / "resources" / "ner"
KG_LABELS = {"Method", "Task", "Metric", "Dataset"}
SENTENCE = (
    "We train a convolutional neural network with stochastic gradient descent for image classification "
    "on the CIFAR-10 dataset and report top-1 accuracy and BLEU score ."
)


@pytest.fixture(scope="module")
def nlp() -> spacy.language.Language:
    return spacy.load(NER_DIR)


@pytest.fixture(scope="module")
def kg_meta() -> dict[str, Any]:
    meta = json.loads((NER_DIR / "kg_meta.json").read_text(encoding="utf-8"))
    assert isinstance(meta, dict)
    return meta


def test_pipeline_is_tok2vec_and_ner(nlp: spacy.language.Language) -> None:
    assert nlp.pipe_names == ["tok2vec", "ner"]
    assert set(nlp.get_pipe("ner").labels) == KG_LABELS


def test_finds_entities_with_kg_labels(nlp: spacy.language.Language) -> None:
    doc = nlp(SENTENCE)
    assert doc.ents, "the shipped NER found nothing in a sentence full of entities"
    for ent in doc.ents:
        assert ent.label_ in KG_LABELS
        assert SENTENCE[ent.start_char : ent.end_char] == ent.text


def test_no_training_checkpoints_shipped() -> None:
    assert not (NER_DIR / "training").exists()
    assert not (NER_DIR / "model-last").exists()
    size = sum(p.stat().st_size for p in NER_DIR.rglob("*") if p.is_file())
    assert size < 20_000_000


def test_kg_meta_fields(kg_meta: dict[str, Any]) -> None:
    assert set(kg_meta["labels"]) == KG_LABELS
    assert kg_meta["training_data"]["description"]
    assert isinstance(kg_meta["seed"], int)
    assert kg_meta["steps"] > 0
    assert kg_meta["wall_time_seconds"] > 0
    dev = kg_meta["dev"]
    for scores in [dev["overall"], *dev["per_label"].values()]:
        for key in ("precision", "recall", "f1"):
            assert 0.0 <= scores[key] <= 1.0
    # kg_merge reads per-label dev precision as the NER mention confidence.
    assert set(dev["per_label"]) == KG_LABELS
