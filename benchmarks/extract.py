"""Extraction throughput and peak memory over 10,000 abstracts (the sample, replicated).

Usage: python benchmarks/extract.py [--n 10000] [--workers 1 2] [--repeat 2]
Prints, for the rules-only and the full pipeline: the one-off setup (reading the sample,
loading the pipeline), the extraction time and rate (best of ``--repeat`` runs, each in a
fresh process) and the peak RSS of the largest process.
"""

from __future__ import annotations

import argparse
import glob
import time
from dataclasses import replace

from _common import ROOT, measure

from kg.extract.pipeline import build_pipeline, extract_papers
from kg.ingest import read_papers


def run(mode: str, n: int, workers: int) -> tuple[int, float, float]:
    """Extract ``n`` abstracts; return (mentions, setup seconds, extraction seconds)."""
    started = time.perf_counter()
    papers = list(read_papers(sorted(glob.glob(str(ROOT / "data" / "sample" / "*.txt")))).papers)
    corpus = [replace(papers[i % len(papers)], id=f"p{i}") for i in range(n)]
    nlp = build_pipeline(mode)  # type: ignore[arg-type]
    ready = time.perf_counter()
    mentions = sum(len(m) for _, m in extract_papers(corpus, nlp, batch_size=128, n_process=workers))
    return mentions, ready - started, time.perf_counter() - ready


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=2, help="runs per setting; the fastest is reported")
    args = parser.parse_args()
    header = ("pipeline", "workers", "abstracts", "setup s", "extract s", "abstracts/s", "peak RSS MB", "mentions")
    print("{:<8}{:>8}{:>11}{:>9}{:>11}{:>13}{:>13}{:>10}".format(*header))
    for mode in ("rules", "full"):
        for workers in args.workers:
            runs = [measure(run, mode, args.n, workers) for _ in range(args.repeat)]
            (mentions, setup, seconds), _, rss = min(runs, key=lambda r: r[0][2])
            rate = args.n / seconds
            print(
                f"{mode:<8}{workers:>8}{args.n:>11}{setup:>9.1f}{seconds:>11.1f}{rate:>13.0f}{rss:>13.0f}{mentions:>10}",
                flush=True,
            )


if __name__ == "__main__":
    main()
