"""Extraction throughput and peak memory over 10,000 abstracts (the sample, replicated).

Usage: python benchmarks/extract.py [--n 10000] [--workers 1 2]
Prints abstracts/second and peak RSS for the rules-only and the full pipeline.
"""

from __future__ import annotations

import argparse
import glob
from dataclasses import replace

from _common import ROOT, measure

from kg.extract.pipeline import build_pipeline, extract_papers
from kg.ingest import read_papers


def run(mode: str, n: int, workers: int) -> int:
    papers = list(read_papers(sorted(glob.glob(str(ROOT / "data" / "sample" / "*.txt")))).papers)
    corpus = [replace(papers[i % len(papers)], id=f"p{i}") for i in range(n)]
    nlp = build_pipeline(mode)  # type: ignore[arg-type]
    return sum(len(m) for _, m in extract_papers(corpus, nlp, batch_size=128, n_process=workers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    header = ("pipeline", "workers", "abstracts", "seconds", "abstracts/s", "peak RSS MB", "mentions")
    print("{:<8}{:>8}{:>11}{:>9}{:>13}{:>13}{:>10}".format(*header))
    for mode in ("rules", "full"):
        for workers in args.workers:
            mentions, seconds, rss = measure(run, mode, args.n, workers)
            rate = args.n / seconds
            print(f"{mode:<8}{workers:>8}{args.n:>11}{seconds:>9.1f}{rate:>13.0f}{rss:>13.0f}{mentions:>10}")


if __name__ == "__main__":
    main()
