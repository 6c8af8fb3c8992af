"""How often the training annotations mark a phrase with a given head word as a Metric.

Usage::

    .venv/bin/python scripts/metric_heads.py [WORD ...]

For each head word (folded: lower case, a plural "s" dropped), prints the number of
Metric mentions the kg-typed training annotations (``data/annotations/``: 340 sample
papers, 160 SciREX openings) end with that word, the number of times the word occurs
in their text at all, and the share. Without words it prints the heads of
``kg.extract.merge``'s quality list, which an NER span proposed as a Metric may not
end with (each under 5%), beside a few measures for comparison. Evaluation sets are
not read.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRAINING = sorted((ROOT / "data" / "annotations").glob("*_train_*.jsonl"))
_WORD = re.compile(r"[A-Za-z@]+")


def fold(word: str) -> str:
    """Lower case, singular: "Gains" -> "gain", "capabilities" -> "capability", "loss" stays."""
    word = word.lower()
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def metric_head_shares(files: Iterable[Path] = TRAINING) -> dict[str, tuple[int, int]]:
    """Folded word -> (Metric mentions headed by it, occurrences of it in the texts)."""
    heads: Counter[str] = Counter()
    uses: Counter[str] = Counter()
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            for field in ("title", "abstract"):
                uses.update(fold(w) for w in _WORD.findall(record.get(field) or ""))
            for entity in record["entities"]:
                words = _WORD.findall(entity["text"])
                if entity["label"] == "Metric" and words:
                    heads[fold(words[-1])] += 1
    return {w: (heads[w], n) for w, n in uses.items()}


def main() -> None:
    from kg.extract.merge import _QUALITY_HEADS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("words", nargs="*")
    args = parser.parse_args()
    shares = metric_head_shares()
    words = args.words or [*sorted({fold(w) for w in _QUALITY_HEADS}), "latency", "accuracy", "speed", "rate"]
    print(f"{'head':<14}{'Metric':>8}{'uses':>7}{'share':>8}")
    for word in words:
        marked, uses = shares.get(fold(word), (0, 0))
        print(f"{fold(word):<14}{marked:>8}{uses:>7}{marked / uses if uses else 0:>8.1%}")


if __name__ == "__main__":
    main()
