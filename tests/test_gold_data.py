"""The hand-annotated seed gold set (tests/data/gold) is well formed.

Checks the data only, not the extractor: offsets match their text, labels are
kg's five types, spans do not overlap, entities are sorted, and each record's
title and abstract are the lines of the page dump its id points at.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLD = Path(__file__).resolve().parent / "data" / "gold" / "seed_gold.jsonl"
SAMPLE = ROOT / "data" / "sample"
LABELS = {"Method", "Model", "Dataset", "Metric", "Task"}
FIELDS = ("title", "abstract")


def _records() -> list[dict]:
    return [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


RECORDS = _records()


def test_enough_records_and_named_entities() -> None:
    assert len(RECORDS) >= 30
    assert len({r["id"] for r in RECORDS}) == len(RECORDS), "duplicate ids"
    counts = Counter(e["label"] for r in RECORDS for e in r["entities"])
    assert counts["Model"] + counts["Dataset"] + counts["Metric"] >= 20
    assert set(counts) <= LABELS


@pytest.mark.parametrize("record", RECORDS, ids=[r["id"] for r in RECORDS])
def test_spans(record: dict) -> None:
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


@pytest.mark.parametrize("record", RECORDS, ids=[r["id"] for r in RECORDS])
def test_text_matches_source(record: dict) -> None:
    name, line = record["id"].rsplit(":", 1)
    lines = (SAMPLE / name).read_text(encoding="utf-8").split("\n")
    title = re.sub(r"^Subscribe(?=[A-Z0-9])", "", lines[int(line) - 1].strip())
    abstract = next(x.strip() for x in lines[int(line) :] if x.strip())
    assert record["title"] == title
    assert record["abstract"] == abstract
