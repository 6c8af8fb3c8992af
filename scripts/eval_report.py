"""Score every extraction mode on every gold set kg has: the table in the README.

Usage::

    .venv/bin/python scripts/eval_report.py [--modes full,names,rules] [--workers 2] [--json]

Gold sets (exact typed micro P/R/F1, as ``kg eval`` computes it):

* ``SciERC dev``: ``../shared/data/scierc/dev.jsonl``, SciERC's own labels, the four comparable
  ones with GUIDELINES.md's mapping (model selection data of the NER);
* ``seed gold``: ``tests/data/gold/seed_gold.jsonl``, 40 sample papers, kg's five types
  (development data of the rules and model selection data of the NER);
* ``seed held-out``: ``tests/data/gold/seed_heldout.jsonl``, 40 other sample papers, kg's five
  types, never trained on or tuned to;
* ``SciERC dev, kg types``: ``tests/data/gold/scierc_dev_kg.jsonl``, the SciERC dev abstracts
  annotated with kg's five types (another corpus, older NLP and vision text);
* ``SciREX held-out``: ``tests/data/gold/scirex_heldout.jsonl``, the openings (title and
  abstract) of 40 SciREX papers that no training data comes from (``scripts/scirex_split.py``),
  SciREX's own labels with GUIDELINES.md's mapping;
* ``SciREX held-out, kg types``: ``tests/data/gold/scirex_heldout_kg.jsonl``, the same 40
  openings annotated with kg's five types.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kg.evaluate import SCIERC_LABEL_MAP, SCIERC_SCORED, EvalReport, load_gold, predict, score  # noqa: E402
from kg.extract.pipeline import MODES, Mode  # noqa: E402

GOLD = REPO / "tests" / "data" / "gold"
SETS: dict[str, tuple[Path, bool]] = {  # name -> (file, SciERC labels)
    "SciERC dev": (REPO.parent / "shared" / "data" / "scierc" / "dev.jsonl", True),
    "seed gold": (GOLD / "seed_gold.jsonl", False),
    "seed held-out": (GOLD / "seed_heldout.jsonl", False),
    "SciERC dev, kg types": (GOLD / "scierc_dev_kg.jsonl", False),
    "SciREX held-out": (GOLD / "scirex_heldout.jsonl", True),
    "SciREX held-out, kg types": (GOLD / "scirex_heldout_kg.jsonl", False),
}


def evaluate(mode: Mode, path: Path, scierc: bool, workers: int) -> EvalReport:
    """Run ``mode`` over one gold file and score it."""
    gold = load_gold(path)
    pred = predict(gold, mode, n_process=workers)
    if scierc:
        return score(gold, pred, label_map=SCIERC_LABEL_MAP, labels=SCIERC_SCORED)
    return score(gold, pred)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print every figure as JSON")
    args = parser.parse_args(argv)
    results = {}
    for mode in args.modes.split(","):
        for name, (path, scierc) in SETS.items():
            if not path.exists():
                print(f"skipping {name}: {path} not found", file=sys.stderr)
                continue
            report = evaluate(mode, path, scierc, args.workers)
            results[(mode, name)] = report
            overall = report.exact["ALL"]
            print(
                f"{mode:<6} {name:<26} P {overall.precision:.3f}  R {overall.recall:.3f}  F1 {overall.f1:.3f}  "
                + "  ".join(f"{k} {v.precision:.2f}/{v.recall:.2f}" for k, v in report.exact.items() if k != "ALL"),
                file=sys.stderr if args.json else sys.stdout,  # --json: stdout is only the JSON
                flush=True,
            )
    if args.json:
        print(json.dumps({f"{m} | {n}": r.as_dict() for (m, n), r in results.items()}, indent=1))


if __name__ == "__main__":
    main()
