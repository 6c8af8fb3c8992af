"""Extraction quality does not regress: scores on the development gold sets stay above a floor.

The floors sit a few points under the figures in the README (measured with
``scripts/eval_report.py``); the held-out seed set is not used here, so that it stays held out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.evaluate import SCIERC_LABEL_MAP, SCIERC_SCORED, load_gold, predict, score

ROOT = Path(__file__).resolve().parents[2]
SEED_GOLD = ROOT / "tests" / "data" / "gold" / "seed_gold.jsonl"
SCIERC_DEV = ROOT.parent / "shared" / "data" / "scierc" / "dev.jsonl"


@pytest.mark.parametrize(("mode", "min_f1", "min_precision"), [("full", 0.71, 0.68), ("rules", 0.62, 0.78)])
def test_seed_gold_floor(mode: str, min_f1: float, min_precision: float) -> None:
    gold = load_gold(SEED_GOLD)
    overall = score(gold, predict(gold, mode)).exact["ALL"]  # type: ignore[arg-type]
    assert overall.f1 >= min_f1 and overall.precision >= min_precision, (overall.precision, overall.recall)


def test_scierc_dev_floor() -> None:
    if not SCIERC_DEV.exists():
        pytest.skip("../shared/data/scierc is not beside the checkout")
    gold = load_gold(SCIERC_DEV)
    overall = score(gold, predict(gold), label_map=SCIERC_LABEL_MAP, labels=SCIERC_SCORED).exact["ALL"]
    assert overall.f1 >= 0.44 and overall.precision >= 0.52, (overall.precision, overall.recall)
