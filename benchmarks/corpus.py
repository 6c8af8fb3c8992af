"""Synthetic corpus generator: realistic abstracts at any size.

Abstracts are recombined from the sentences of the sample (or any input files),
and the entity names in them (every name the shipped gazetteer knows) are
replaced by names drawn from a Zipf distribution over a vocabulary that grows
with the corpus: a few head entities ("LLM", "accuracy") appear everywhere, a
long tail of synthetic names ("Vexa-7B", "OrbBench-412") appears in a few papers
each, as in a real field. Titles follow the sample's "Name: description" shape, with a
coined name of the paper's own, so no two titles are the same.

Usage::

    python benchmarks/corpus.py 100000 -o /tmp/corpus-100k.jsonl [--seed 0] [--skew 1.1]

Output is JSONL with ``id``, ``title``, ``abstract`` (kg's JSONL input format);
the same arguments give byte-identical output.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.extract.vocabulary import load_gazetteer  # noqa: E402
from kg.ingest import read_papers  # noqa: E402

__all__ = ["CorpusSource", "generate", "load_source"]

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_SYLLABLES = ["ra", "no", "vex", "li", "qua", "zen", "tor", "mi", "sa", "del", "ko", "phi", "ar", "ul", "bry"]
_SUFFIX = {
    "Model": ["", "-7B", "-13B", "-70B", "Net", "-v2", "-Large", "-1.3B"],
    "Dataset": ["Bench", "-QA", "-1k", "Set", "-Eval", "Corpus"],
    "Method": ["Attention", "Distill", "-Tuning", "Decoding", "Pruning", "Routing"],
    "Metric": ["-Score", "@k", " error", " gain"],
    "Task": [" detection", " estimation", " retrieval", " synthesis", " forecasting"],
}


@dataclass(frozen=True, slots=True)
class CorpusSource:
    """Sentences and titles to recombine, and the entity names to swap."""

    sentences: tuple[str, ...]
    title_tails: tuple[str, ...]
    names: dict[str, tuple[str, ...]]
    name_pattern: re.Pattern[str]


def load_source(paths: list[Path]) -> CorpusSource:
    """Collect sentences, title descriptions and gazetteer names from input files."""
    result = read_papers(paths)
    sentences: list[str] = []
    tails: list[str] = []
    for paper in result.papers:
        sentences.extend(s.strip() for s in _SENTENCE.split(paper.abstract) if 40 <= len(s.strip()) <= 400)
        tails.append(paper.title.split(": ", 1)[-1])
    names: dict[str, list[str]] = {}
    for entry in load_gazetteer():
        names.setdefault(entry.type, []).append(entry.canonical)
    known = sorted({n for ns in names.values() for n in ns if len(n) > 3}, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in known) + r")(?![\w-])")
    return CorpusSource(tuple(sentences), tuple(tails), {t: tuple(v) for t, v in names.items()}, pattern)


class _ZipfVocabulary:
    """Real names first (the head), then synthetic ones, sampled with Zipf weights."""

    def __init__(self, etype: str, real: tuple[str, ...], size: int, skew: float, rng: random.Random) -> None:
        self.names = list(real)
        while len(self.names) < size:
            stem = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
            self.names.append(
                stem + rng.choice(_SUFFIX[etype]) + (str(rng.randint(1, 999)) if rng.random() < 0.3 else "")
            )
        weights = [1.0 / (rank + 1) ** skew for rank in range(len(self.names))]
        total = sum(weights)
        self.cumulative: list[float] = []
        acc = 0.0
        for w in weights:
            acc += w / total
            self.cumulative.append(acc)

    def sample(self, rng: random.Random) -> str:
        x = rng.random()
        lo, hi = 0, len(self.cumulative) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self.cumulative[mid] < x:
                lo = mid + 1
            else:
                hi = mid
        return self.names[lo]


def _paper_name(i: int, rng: random.Random) -> str:
    """A coined name unique to paper ``i`` ("Vexli", "NoqTorNet"): its syllables spell ``i``."""
    digits = []
    n = i + len(_SYLLABLES) ** 2  # at least three syllables
    while n:
        n, d = divmod(n, len(_SYLLABLES))
        digits.append(_SYLLABLES[d])
    return "".join(digits).capitalize() + rng.choice(["", "Net", "Former", "-R1", "GPT", "Depth", "Bench"])


def generate(source: CorpusSource, n: int, *, seed: int = 0, skew: float = 1.1) -> Iterator[dict[str, str]]:
    """Yield ``n`` synthetic papers as ``{"id", "title", "abstract"}`` dicts.

    Parameters
    ----------
    source : CorpusSource
    n : int
        Number of papers.
    seed : int
        Random seed; the same seed gives the same corpus.
    skew : float
        Zipf exponent of entity frequencies (higher: more concentrated on a few hubs).
    """
    rng = random.Random(seed)
    vocab_size = max(50, int(n**0.8))
    vocabularies = {t: _ZipfVocabulary(t, source.names.get(t, ()), vocab_size, skew, rng) for t in _SUFFIX}
    type_of = {name: t for t, names in source.names.items() for name in names}
    for i in range(n):
        picked = rng.sample(source.sentences, k=min(len(source.sentences), rng.randint(4, 8)))
        abstract = " ".join(picked)
        abstract = source.name_pattern.sub(lambda m: vocabularies[type_of.get(m[1], "Method")].sample(rng), abstract)
        # Each paper names its own contribution, so every title is distinct (as in a real
        # listing): a corpus of n abstracts is n papers, not n minus the duplicate titles.
        title = f"{_paper_name(i, rng)}: {rng.choice(source.title_tails)}"
        yield {"id": f"synthetic-{seed}-{i:08d}", "title": title, "abstract": abstract}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of papers")
    parser.add_argument("-o", "--output", type=Path, required=True, help="JSONL file to write")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skew", type=float, default=1.1)
    parser.add_argument(
        "--from", dest="sources", nargs="*", type=Path, default=sorted((ROOT / "data" / "sample").glob("*.txt"))
    )
    args = parser.parse_args(argv)
    source = load_source(args.sources)
    with args.output.open("w", encoding="utf-8") as fh:
        for paper in generate(source, args.n, seed=args.seed, skew=args.skew):
            fh.write(json.dumps(paper, ensure_ascii=False) + "\n")
    print(f"wrote {args.n} papers to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
