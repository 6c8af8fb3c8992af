"""Split SciREX's papers into a held-out evaluation set and kg-annotation training batches.

SciREX (``../shared/data/scirex/train_sections.jsonl``) is a second corpus beside the sample:
full ML papers from Papers with Code, 2013-2019, in SciREX's own tokenisation (tokens joined
by single spaces). Its first section of each paper is the title run into the abstract (and,
for some papers, the introduction). This script

* shuffles the 255 papers that have a first section with ``random.Random(SEED)``;
* holds out the first ``--heldout`` papers: none of their sections is ever trained on
  (``scripts/train_ner.py`` reads the split), and their opening text becomes
  ``tests/data/gold/scirex_heldout.jsonl`` with SciREX's own labels (scored with the GUIDELINES
  mapping) and the papers to annotate with kg's five types for ``scirex_heldout_kg.jsonl``;
* writes the next ``--train`` papers' opening text in batches for kg-typed annotation
  (``data/annotations/scirex_train_*.jsonl`` once annotated), which the NER trains on.

The opening text is the first section cut at the last sentence end (`` . ``) before
``MAX_WORDS`` words, so an annotation unit is an abstract, not an introduction.

Usage::

    python scripts/scirex_split.py            # writes data/annotations/scirex_split.json
                                              # and tests/data/gold/scirex_heldout.jsonl
    python scripts/scirex_split.py --papers DIR   # also the texts to annotate, in batches
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SCIREX = REPO.parent / "shared" / "data" / "scirex" / "train_sections.jsonl"
SPLIT = REPO / "data" / "annotations" / "scirex_split.json"
HELDOUT_GOLD = REPO / "tests" / "data" / "gold" / "scirex_heldout.jsonl"
SEED = 20261202
MAX_WORDS = 260


def paper_id(section_id: str) -> str:
    """The paper a SciREX section id (``<sha>#<n>``) belongs to."""
    return section_id.split("#", 1)[0]


def opening(record: dict[str, Any], max_words: int = MAX_WORDS) -> dict[str, Any]:
    """The first section cut to an abstract's length, with the SciREX entities inside it."""
    text = record["abstract"]
    words = text.split(" ")
    if len(words) > max_words:
        head = " ".join(words[:max_words])
        cut = head.rfind(" . ")
        text = head[: cut + 2] if cut > 0 else head
    entities = [e for e in record["entities"] if e["field"] == "abstract" and e["end"] <= len(text)]
    for e in entities:
        assert text[e["start"] : e["end"]] == e["text"], e
    return {"id": paper_id(record["id"]), "title": "", "abstract": text, "entities": entities}


def split(heldout: int, train: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Held-out and training openings, in the seeded order."""
    firsts = []
    with SCIREX.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record["id"].endswith("#0"):
                firsts.append(record)
    firsts.sort(key=lambda r: r["id"])
    random.Random(SEED).shuffle(firsts)
    papers = [opening(r) for r in firsts]
    return papers[:heldout], papers[heldout : heldout + train]


def main(argv: list[str] | None = None) -> None:
    """Write the split, the held-out SciREX-labelled gold and (optionally) the texts to annotate."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--heldout", type=int, default=40)
    parser.add_argument("--train", type=int, default=160)
    parser.add_argument("--batch", type=int, default=27, help="papers per annotation batch")
    parser.add_argument("--papers", type=Path, help="directory for the texts to annotate")
    args = parser.parse_args(argv)
    held, train = split(args.heldout, args.train)
    SPLIT.write_text(
        json.dumps(
            {
                "source": "shared/data/scirex/train_sections.jsonl",
                "seed": SEED,
                "max_words": MAX_WORDS,
                "heldout": [p["id"] for p in held],
                "train": [p["id"] for p in train],
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    with HELDOUT_GOLD.open("w", encoding="utf-8") as out:
        for p in held:
            out.write(json.dumps(p, ensure_ascii=False) + "\n")
    if args.papers:
        args.papers.mkdir(parents=True, exist_ok=True)

        def dump(name: str, rows: list[dict[str, Any]]) -> None:
            with (args.papers / name).open("w", encoding="utf-8") as out:
                for p in rows:
                    out.write(json.dumps({k: p[k] for k in ("id", "title", "abstract")}, ensure_ascii=False) + "\n")

        dump("heldout_0.jsonl", held[: len(held) // 2])
        dump("heldout_1.jsonl", held[len(held) // 2 :])
        for i in range(0, len(train), args.batch):
            dump(f"train_{i // args.batch}.jsonl", train[i : i + args.batch])
    print(f"held out {len(held)} papers, {len(train)} to annotate for training")


if __name__ == "__main__":
    main()
