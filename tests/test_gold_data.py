"""The hand-annotated gold and training sets are well formed.

Checks the data only, not the extractor: offsets match their text, labels are
kg's five types, spans do not overlap, entities are sorted, and each record's
title and abstract are the text it claims to come from (the page-dump line its
id points at, or the SciERC dev abstract of the same id).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLD_DIR = Path(__file__).resolve().parent / "data" / "gold"
SEED_SETS = [
    GOLD_DIR / "seed_gold.jsonl",
    GOLD_DIR / "seed_heldout.jsonl",
    *sorted((ROOT / "data" / "annotations").glob("*.jsonl")),
]
SCIERC_KG = GOLD_DIR / "scierc_dev_kg.jsonl"
SCIERC_DEV = ROOT.parent / "shared" / "data" / "scierc" / "dev.jsonl"
SAMPLE = ROOT / "data" / "sample"
LABELS = {"Method", "Model", "Dataset", "Metric", "Task"}
FIELDS = ("title", "abstract")


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


ALL = {path: _records(path) for path in [*SEED_SETS, SCIERC_KG]}
CASES = [(path.name, r) for path, records in ALL.items() for r in records]


@pytest.mark.parametrize("path", list(ALL), ids=[p.name for p in ALL])
def test_enough_records_and_named_entities(path: Path) -> None:
    records = ALL[path]
    assert len(records) >= 30
    assert len({r["id"] for r in records}) == len(records), "duplicate ids"
    counts = Counter(e["label"] for r in records for e in r["entities"])
    assert counts["Model"] + counts["Dataset"] + counts["Metric"] >= 20
    assert set(counts) <= LABELS


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
