"""Fit the weights of ``kg_confidence`` (``kg/extract/resources/confidence.json``).

Usage::

    .venv/bin/python scripts/train_confidence.py [--reuse] [--workers 2] [--no-install]

1. For each fold of ``scripts/crossval.py`` (the 500 kg-typed training papers split by file
   number), the full pipeline without ``kg_confidence``, with the fold's NER (trained without
   that fold; ``--reuse`` takes the fold models already under ``training/ner/``, otherwise they
   are trained, about 10 minutes each), extracts the held-out papers.
2. Every out-of-fold mention becomes an example: :func:`kg.extract.confidence.mention_features`,
   and whether the gold marks exactly that span with that type.
3. Nested check: weights fitted on one fold's examples score the other fold's mentions, and the
   two halves together give out-of-fold P/R/F1 at each confidence threshold and the calibration
   (mean confidence against the share right, per tenth).
4. The shipped weights are fitted on both folds' examples and written with those figures in
   their ``meta``.

Deterministic: the fold models are trained with a fixed seed, extraction is deterministic and
the fit starts from zero weights.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kg.evaluate import GoldDoc, as_prediction, load_gold, predict_mentions, score  # noqa: E402
from kg.extract.confidence import (  # noqa: E402
    ConfidenceModel,
    confidence_model_path,
    fit_confidence,
    mention_features,
)
from kg.extract.pipeline import build_pipeline, doc_span, paper_text  # noqa: E402
from kg.io import atomic_write  # noqa: E402
from kg.records import Mention, Paper  # noqa: E402
from scripts.crossval import fold_model, folds  # noqa: E402

THRESHOLDS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
Example = tuple[list[str], bool]


def fold_examples(
    run: str, train_files: list[Path], held_out: list[Path], reuse: bool, workers: int
) -> tuple[list[GoldDoc], list[list[Mention]], list[list[Example]]]:
    """The held-out papers of one fold, their out-of-fold mentions and each mention's example."""
    nlp = build_pipeline("full", ner_path=fold_model(run, train_files, held_out, reuse), calibrate=False)
    docs = [d for f in held_out for d in load_gold(f)]
    all_mentions = predict_mentions(docs, nlp=nlp, n_process=workers)
    all_examples: list[list[Example]] = []
    for doc, mentions in zip(docs, all_mentions, strict=True):
        gold = {s[1:] for s in doc.spans}
        paper = Paper(id=doc.id, title=doc.title, abstract=doc.abstract)
        text = paper_text(paper)
        examples = []
        for m in mentions:
            features = mention_features(text, len(paper.title), *doc_span(paper, m), m.label, m.source)
            examples.append((features, (m.field, m.start, m.end, m.label) in gold))
        all_examples.append(examples)
    return docs, all_mentions, all_examples


def nested_report(
    halves: Sequence[tuple[list[GoldDoc], list[list[Mention]], list[list[Example]]]],
) -> dict[str, object]:
    """Out-of-fold P/R/F1 per threshold and calibration, each half scored by weights fitted on the other."""
    gold: list[GoldDoc] = []
    scored: list[tuple[GoldDoc, list[tuple[Mention, float, bool]]]] = []
    for i, (docs, mentions, examples) in enumerate(halves):
        other = [e for paper in halves[1 - i][2] for e in paper]
        model = fit_confidence(other)
        for doc, ms, exs in zip(docs, mentions, examples, strict=True):
            scored.append((doc, [(m, model.probability(f), right) for m, (f, right) in zip(ms, exs, strict=True)]))
        gold += docs
    by_threshold = {}
    for t in THRESHOLDS:
        pred = [as_prediction(d, (m for m, p, _ in ms if p >= t)) for d, ms in scored]
        report = score(gold, pred)
        by_threshold[f"{t:.1f}"] = {
            label: {k: round(getattr(s, k), 3) for k in ("precision", "recall", "f1")}
            for label, s in report.exact.items()
        }
    bins: list[list[float]] = [[0, 0.0, 0.0] for _ in range(10)]
    for _, rows in scored:
        for _, p, right in rows:
            b = bins[min(int(p * 10), 9)]
            b[0] += 1
            b[1] += p
            b[2] += right
    total = sum(b[0] for b in bins)
    calibration = [
        {
            "bin": f"{i / 10:.1f}-{(i + 1) / 10:.1f}",
            "n": int(n),
            "mean_confidence": round(c / n, 3),
            "right": round(r / n, 3),
        }
        for i, (n, c, r) in enumerate(bins)
        if n
    ]
    ece = sum(abs(c - r) for n, c, r in bins if n) / total
    return {"by_threshold": by_threshold, "calibration": calibration, "expected_calibration_error": round(ece, 3)}


def main(argv: list[str] | None = None) -> None:
    """Extract out of fold, check the fit nested, fit on everything, write the weights."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="reuse the fold models under training/ner/")
    parser.add_argument("--workers", type=int, default=1, help="extraction processes")
    parser.add_argument("--no-install", action="store_true", help="print the figures, do not write the weights")
    parser.add_argument("--output", type=Path, default=confidence_model_path(), help="where to write the weights")
    args = parser.parse_args(argv)

    halves = [
        fold_examples(run, train_files, held_out, args.reuse, args.workers)
        for run, (train_files, held_out) in folds().items()
    ]
    report = nested_report(halves)
    for t, row in report["by_threshold"].items():  # type: ignore[attr-defined]
        cells = "  ".join(f"{label} {s['precision']:.3f}/{s['recall']:.3f}/{s['f1']:.3f}" for label, s in row.items())
        print(f"min confidence {t}: {cells}")
    print("calibration (out of fold):")
    for row in report["calibration"]:  # type: ignore[attr-defined]
        print(
            f"  {row['bin']}: n {row['n']:5d}  mean confidence {row['mean_confidence']:.3f}  right {row['right']:.3f}"
        )
    print(f"expected calibration error {report['expected_calibration_error']}")

    model = fit_confidence([e for half in halves for paper in half[2] for e in paper])
    meta = {
        **model.meta,
        "trained_on": "out-of-fold mentions of the full pipeline on data/annotations/*_train_*.jsonl "
        "(scripts/crossval.py folds cv_even, cv_odd)",
        "out_of_fold": report,
    }
    model = ConfidenceModel(model.weights, model.bias, meta)
    print(f"{len(model.weights)} weights from {meta['examples']} examples ({meta['positives']} right)")
    if args.no_install:
        return
    with atomic_write(args.output) as fh:
        json.dump(model.to_json(), fh, indent=0, ensure_ascii=False)
        fh.write("\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
