"""End-to-end ``kg build`` at scale: throughput, peak memory, incremental updates and Dask.

Synthetic corpora come from ``benchmarks/corpus.py`` (recombined sample sentences,
Zipf-distributed entity names). Every build runs ``kg build`` in a fresh process;
memory is sampled (psutil): the main process's RSS every 0.2 s, and every 5 s the
sum of PSS over the whole process tree, so extraction workers and the RDF writer
count, and the pages they share with the main process (the pipeline, the graph)
count once.

Usage::

    python benchmarks/build.py [--sizes 10000 100000] [--mode full] [--workers 2]
                               [--update 0.01] [--dask-size 10000] [--skip-dask]

Prints, per size: seconds, abstracts/s, peak RSS of the main process, peak PSS of the tree;
the time ratio between sizes; the +1% incremental update against the full build
of the largest size; and a 2-worker Dask LocalCluster build against
``--workers 2`` (time and whether every output is byte-identical).
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from _common import ROOT
from corpus import generate, load_source

KG = str(Path(sys.executable).parent / "kg")
TARGETS = "targets: >= 150 abstracts/s, peak RSS < 4 GB, 100k within 11x of 10k, +1% update < 10%, Dask within 20%"


def write_corpus(path: Path, n: int, seed: int) -> Path:
    source = load_source(sorted((ROOT / "data" / "sample").glob("*.txt")))
    with path.open("w", encoding="utf-8") as fh:
        for paper in generate(source, n, seed=seed):
            fh.write(json.dumps(paper, ensure_ascii=False) + "\n")
    return path


def _pss(proc: psutil.Process) -> int:
    """Proportional set size: pages shared with forked processes count once across them."""
    try:
        return int(proc.memory_full_info().pss)
    except (AttributeError, psutil.AccessDenied):  # no PSS here: resident size (counts shared pages again)
        return int(proc.memory_info().rss)


def timed_build(args: list[str]) -> tuple[float, float, float]:
    """Run ``kg build ARGS``; return (seconds, peak RSS MB of the main process, peak PSS MB of the whole tree).

    The tree's memory is the sum of PSS, not of RSS: forked workers share the
    pipeline and the graph with the main process, and summing RSS would count
    those pages once per process.
    """
    started = time.perf_counter()
    proc = psutil.Popen([KG, "-q", "build", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_main = peak_tree = 0
    last_pss = 0.0
    while proc.poll() is None:
        try:
            peak_main = max(peak_main, proc.memory_info().rss)
            # Reading PSS walks the page tables (~35 ms for a 1.7 GB process), which at every
            # sample would take half a core from the build measured; every 5 s it takes ~2%.
            if time.perf_counter() - last_pss >= 5.0:
                last_pss = time.perf_counter()
                peak_tree = max(peak_tree, _pss(proc) + sum(_pss(c) for c in proc.children(recursive=True)))
        except psutil.Error:
            continue
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"kg build {' '.join(args)} failed:\n{proc.stderr.read().decode() if proc.stderr else ''}")
    return seconds, peak_main / 2**20, peak_tree / 2**20


def outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000], help="none: only the Dask run")
    parser.add_argument("--mode", default="full", choices=["full", "names", "rules"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--update", type=float, default=0.01, help="fraction of new papers for the update")
    parser.add_argument("--dask-size", type=int, default=10_000)
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--keep", type=Path, default=None, help="keep corpora and builds in this directory")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="kg-bench-")
    work = args.keep or Path(tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    flags = ["--mode", args.mode, "--workers", str(args.workers)]
    load = psutil.getloadavg()[0]
    print(f"mode {args.mode}, --workers {args.workers}, {psutil.cpu_count()} cores, load average {load:.1f} at start")
    print(f"{'abstracts':>10}{'papers':>8}{'seconds':>9}{'abstracts/s':>13}{'RSS main MB':>13}{'PSS tree MB':>13}")
    results: dict[int, float] = {}
    for n in sorted(set(args.sizes)):  # a size twice would reuse its build's cache and overwrite its time
        corpus = write_corpus(work / f"corpus-{n}.jsonl", n, seed=0)
        out = work / f"build-{n}"
        seconds, main_mb, tree_mb = timed_build([str(corpus), "-o", str(out), *flags])
        kept = json.loads((out / "report.json").read_text())["papers"]["kept"]
        results[n] = seconds
        print(f"{n:>10}{kept:>8}{seconds:>9.1f}{n / seconds:>13.1f}{main_mb:>13.0f}{tree_mb:>13.0f}", flush=True)
    sizes = sorted(results)
    for small, large in itertools.pairwise(sizes):
        print(f"time x{results[large] / results[small]:.2f} for x{large / small:.2f} abstracts ({large} vs {small})")

    if sizes:
        largest = sizes[-1]
        new = write_corpus(work / "new.jsonl", max(1, int(largest * args.update)), seed=1)
        seconds, main_mb, tree_mb = timed_build(["--update", str(work / f"build-{largest}"), str(new), *flags])
        share = seconds / results[largest]
        print(
            f"update +{args.update:.0%} ({new.name}) on {largest}: {seconds:.1f} s = {share:.1%} of the full build "
            f"(peak RSS {main_mb:.0f} MB main, PSS {tree_mb:.0f} MB tree)",
            flush=True,
        )

    if not args.skip_dask:
        from distributed import LocalCluster

        n = args.dask_size
        corpus = work / f"corpus-{n}.jsonl"
        if not corpus.exists():
            write_corpus(corpus, n, seed=0)
        # Back to back, not reusing a build above: load and the extractor must be the same for both.
        local_out, dask_out = work / f"workers-{n}", work / f"dask-{n}"
        local_s, _, _ = timed_build([str(corpus), "-o", str(local_out), *flags])
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            dask_s, main_mb, tree_mb = timed_build(
                # --workers here sets only the local export processes, the same as in the local build
                [str(corpus), "-o", str(dask_out), *flags, "--dask", cluster.scheduler_address]
            )
        same = outputs(local_out) == outputs(dask_out)
        print(
            f"dask, 2 local workers, {n}: {dask_s:.1f} s ({n / dask_s:.1f}/s) vs --workers {args.workers} "
            f"{local_s:.1f} s ({n / local_s:.1f}/s): {dask_s / local_s - 1:+.0%}; outputs identical: {same}"
        )
    print(TARGETS)
    print(f"load average {psutil.getloadavg()[0]:.1f} at the end")
    tmp.cleanup()


if __name__ == "__main__":
    main()
