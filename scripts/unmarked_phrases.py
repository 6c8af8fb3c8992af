"""Phrases that kg's annotators almost never mark: the NER may not propose them alone.

Usage::

    .venv/bin/python scripts/unmarked_phrases.py [--check]

Counts, over the kg-typed training annotations (``data/annotations/``: 340 sample papers and
160 SciREX openings; no evaluation set is read), how often each phrase of one to five words
occurs in the titles and abstracts and how often it is the whole text of an annotated
mention of any type. A phrase that occurs at least ``MIN_USES`` times and is marked in under
``MAX_SHARE`` of them ("neural network", "encoder", "attention", "small models") names
nothing by kg's guidelines; SciERC's convention, which the NER also learns, marks many of them.
Writes ``kg/extract/resources/unmarked_phrases.json`` (phrase -> [marked, uses]), which
``kg_merge`` reads; ``--check`` only verifies that the shipped file is what the annotations
give (CI runs the same check as a test).

The thresholds were chosen by two-fold cross-validation (``scripts/crossval.py``): built from
one half of the papers, the list was applied to the out-of-fold predictions of the other.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kg.extract.merge import phrase_key  # noqa: E402

TRAINING = sorted((REPO / "data" / "annotations").glob("*_train_*.jsonl"))
OUTPUT = REPO / "kg" / "extract" / "resources" / "unmarked_phrases.json"
MIN_USES = 3
MAX_SHARE = 0.1
MAX_WORDS = 5
_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


def phrase_counts(files: Iterable[Path]) -> tuple[Counter[str], Counter[str]]:
    """(uses, marked): phrase key -> occurrences in the texts, and -> annotated mentions with that text."""
    uses: Counter[str] = Counter()
    marked: Counter[str] = Counter()
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            for field in ("title", "abstract"):
                words = _WORD.findall((record.get(field) or "").lower())
                for n in range(1, MAX_WORDS + 1):
                    for i in range(len(words) - n + 1):
                        uses[phrase_key(" ".join(words[i : i + n]))] += 1
            marked.update(phrase_key(e["text"]) for e in record["entities"])
    return uses, marked


def unmarked_phrases(files: Iterable[Path] = TRAINING) -> dict[str, list[int]]:
    """Phrase key -> [marked, uses] for the phrases used ``MIN_USES`` times and marked in under ``MAX_SHARE``."""
    uses, marked = phrase_counts(files)
    return {
        p: [marked[p], n]
        for p, n in sorted(uses.items())
        if n >= MIN_USES and marked[p] < MAX_SHARE * n and re.search("[a-z]", p)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify the shipped file instead of writing it")
    args = parser.parse_args()
    table = unmarked_phrases()
    text = json.dumps(table, separators=(",", ":"), sort_keys=True) + "\n"
    if args.check:
        if OUTPUT.read_text(encoding="utf-8") != text:
            raise SystemExit(f"{OUTPUT} is stale; run scripts/unmarked_phrases.py")
        print(f"{OUTPUT.name}: {len(table)} phrases, up to date")
        return
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(table)} phrases, {len(text) / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
