"""Two-fold cross-validation of the full pipeline on kg's own annotated training papers.

Usage::

    .venv/bin/python scripts/crossval.py [--reuse] [--workers 2] [--json]

The NER is trained on ``data/annotations/`` (340 sample papers and 160 SciREX openings), so
scoring the shipped pipeline on those papers flatters it, and the development sets that are
not trained on are small (50 SciERC dev abstracts, 40 seed papers; one training recipe moves
about 0.03 F1 between runs on SciERC dev). This script gives rule work a fair figure on 500
papers instead:

1. the annotation files are split into two folds by their number (``*_train_0``, ``_2``, ...
   against ``_1``, ``_3``, ...; about 250 papers each);
2. for each fold, ``scripts/train_ner.py --no-install`` trains an NER with the shipped recipe
   on everything it normally uses except that fold's kg-typed papers (run ``cv_even`` is
   trained without the even files, ``cv_odd`` without the odd ones), unless ``--reuse`` finds
   the run already under ``training/ner/`` (``--variant NAME --set KEY=VALUE`` trains and scores
   a variant of the recipe instead, in runs named ``cv_even_NAME`` and ``cv_odd_NAME``);
3. the full pipeline with that fold's NER extracts the held-out fold's papers;
4. the 500 out-of-fold predictions are scored together with :func:`kg.evaluate.score` (exact
   typed micro P/R/F1 per kg type) and, for the named types, the precision of each source.

Training takes about 10 minutes per fold on the 2-core machine; the two folds train one after
the other (each uses one core; run ``scripts/train_ner.py`` twice by hand to overlap them).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kg.evaluate import GoldDoc, as_prediction, format_report, load_gold, predict_mentions, score  # noqa: E402
from scripts.train_ner import parse_overrides  # noqa: E402

ANNOTATIONS = REPO / "data" / "annotations"
TRAINING_DIR = REPO / "training" / "ner"
NAMED = ("Dataset", "Metric", "Model")


def folds() -> dict[str, tuple[list[Path], list[Path]]]:
    """Run name -> (files trained on, files held out), split by each file's number."""
    files = sorted(ANNOTATIONS.glob("*_train_*.jsonl"))
    even = [f for f in files if int(re.search(r"_(\d+)\.jsonl$", f.name).group(1)) % 2 == 0]  # type: ignore[union-attr]
    odd = [f for f in files if f not in even]
    return {"cv_even": (odd, even), "cv_odd": (even, odd)}


def train_fold(run: str, train_files: list[Path], overrides: Sequence[str], vectors: int | None = None) -> None:
    """Train one fold's NER with the shipped recipe (``--no-install``) into ``training/ner/<run>/``.

    ``overrides`` (``KEY=VALUE``) go to ``scripts/train_ner.py --set`` and ``vectors`` to its
    ``--vectors``, to score a variant of the recipe.
    """
    command = [sys.executable, str(REPO / "scripts" / "train_ner.py"), "--run", run, "--no-install"]
    if vectors is not None:
        command += ["--vectors", str(vectors)]
    command += [arg for pair in overrides for arg in ("--set", pair)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    subprocess.run([*command, "--kg-train", *map(str, train_files)], check=True, env=env)


def fold_model(
    run: str,
    train_files: list[Path],
    held_out: list[Path],
    reuse: bool,
    overrides: Sequence[str] = (),
    vectors: int | None = None,
) -> Path:
    """The fold's trained NER, with ``kg_meta.json`` beside it so the pipeline reads its confidences.

    A reused model must have been trained on exactly this fold's files, none of the held-out ones,
    and with the same ``--set`` overrides and ``--vectors``.
    """
    model = TRAINING_DIR / run / "model-best"
    if not (reuse and (model / "meta.json").exists()):
        train_fold(run, train_files, overrides, vectors)
    meta_file = TRAINING_DIR / run / "kg_meta.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    trained_on = set(re.findall(r"[\w.-]+\.jsonl", meta["training_data"]["description"]))
    problems = [f"not trained on {f.name}" for f in train_files if f.name not in trained_on]
    problems += [f"trained on the held-out {f.name}" for f in held_out if f.name in trained_on]
    for key, value in parse_overrides(list(overrides)).items():
        if meta.get("overrides", {}).get(key) != value:
            problems.append(f"trained with {key}={meta.get('overrides', {}).get(key)!r}, not {value!r}")
    dims = (meta.get("vectors") or {}).get("dims")
    if vectors is not None and dims != (vectors or None):
        problems.append(f"trained with {dims or 'no'} vector dimensions, not {vectors}")
    if problems:
        raise SystemExit(f"{model}: {'; '.join(problems)}; run without --reuse")
    shutil.copy(meta_file, model / "kg_meta.json")
    return model


def main(argv: list[str] | None = None) -> None:
    """Train (or reuse) both folds, predict out of fold, print the scores."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="reuse fold models already under training/ner/")
    parser.add_argument("--workers", type=int, default=1, help="extraction processes")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--mode", choices=["full", "names"], default="full", help="extraction mode scored")
    parser.add_argument("--variant", default="", help="suffix of the fold runs' names, for a variant recipe")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="train_ner.py override")
    parser.add_argument("--vectors", type=int, metavar="DIMS", help="train_ner.py --vectors (default: its own)")
    args = parser.parse_args(argv)
    if (args.set or args.vectors is not None) and not args.variant:
        parser.error("--set and --vectors change the recipe: name the variant with --variant")

    gold: list[GoldDoc] = []
    pred: list[GoldDoc] = []
    by_source: dict[str, Counter[str]] = {label: Counter() for label in NAMED}
    right: dict[str, Counter[str]] = {label: Counter() for label in NAMED}
    for run, (train_files, held_out) in folds().items():
        run = f"{run}_{args.variant}" if args.variant else run
        model = fold_model(run, train_files, held_out, args.reuse, args.set, args.vectors)
        docs = [d for f in held_out for d in load_gold(f)]
        found = predict_mentions(docs, args.mode, n_process=args.workers, ner_path=model)
        for doc, mentions in zip(docs, found, strict=True):
            spans = {s[1:] for s in doc.spans}
            for m in mentions:
                if m.label in by_source:
                    source = m.source.split(":", 1)[0]
                    by_source[m.label][source] += 1
                    right[m.label][source] += (m.field, m.start, m.end, m.label) in spans
            pred.append(as_prediction(doc, mentions))
        gold += docs
    report = score(gold, pred)
    sources = {
        label: {src: {"n": n, "precision": round(right[label][src] / n, 3)} for src, n in counts.most_common()}
        for label, counts in by_source.items()
    }
    if args.json:
        print(json.dumps({"report": report.as_dict(), "named_precision_by_source": sources}, indent=1))
        return
    print(f"out-of-fold {args.mode} pipeline, {len(gold)} papers")
    print(format_report(report))
    print("\nnamed types, precision by source (n = mentions proposed):")
    for label, rows in sources.items():
        cells = ", ".join(f"{src} {row['precision']:.2f} (n={row['n']})" for src, row in rows.items())
        print(f"  {label}: {cells}")


if __name__ == "__main__":
    main()
