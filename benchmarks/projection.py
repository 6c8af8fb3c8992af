"""Cost of the paper–paper projection (top-k IDF-weighted links) at 10,000 and 100,000 papers.

Synthetic papers draw 8–15 entities from a Zipf distribution over a vocabulary
that grows with the corpus (a few hubs, a long tail), as in a real field.
Usage: python benchmarks/projection.py [--sizes 10000 100000] [--k 10]
"""

from __future__ import annotations

import argparse
import random

from _common import measure

from kg.graph import project_papers


def synthetic(n: int, seed: int = 0) -> dict[str, list[str]]:
    rng = random.Random(seed)
    vocab = max(100, int(n**0.8))
    weights = [1.0 / (r + 1) ** 1.1 for r in range(vocab)]
    entities = [f"e{r}" for r in range(vocab)]
    return {f"p{i:07d}": rng.choices(entities, weights, k=rng.randint(8, 15)) for i in range(n)}


def run(n: int, k: int) -> int:
    return len(project_papers(synthetic(n), k=k))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    print(f"{'papers':>9}{'links':>10}{'seconds':>9}{'peak RSS MB':>13}")
    previous: tuple[float, int] | None = None
    for n in args.sizes:
        links, seconds, rss = measure(run, n, args.k)
        growth = f"  (x{seconds / previous[0]:.1f} time for x{n // previous[1]} papers)" if previous else ""
        print(f"{n:>9}{links:>10}{seconds:>9.1f}{rss:>13.0f}{growth}")
        previous = (seconds, n)


if __name__ == "__main__":
    main()
