"""graph.html at 1,000, 10,000 and 100,000 nodes: generation time, file size, time to interactive.

Time to interactive is measured in headless chromium (Debian's, via playwright):
from navigation until the page sets ``window.kgReady`` after its first drawing.
Usage: python benchmarks/viz.py [--sizes 1000 10000 100000] [--max-nodes 600]
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from pathlib import Path

import networkx as nx
from _common import ROOT  # noqa: F401  (puts the repo on sys.path)

from kg.graph import RELATION_BY_TYPE
from kg.records import ENTITY_TYPES
from kg.viz import render_html

TYPES = list(ENTITY_TYPES)
RELATION = RELATION_BY_TYPE


def synthetic(n_nodes: int, seed: int = 0) -> nx.DiGraph:
    rng = random.Random(seed)
    n_entities = n_nodes // 4
    g = nx.DiGraph()
    entities = []
    for i in range(n_entities):
        t = TYPES[i % 5]
        eid = f"{t}:e{i}"
        g.add_node(
            eid, kind="Entity", type=t, label=f"{t} {i}", aliases=(f"alias {i}",), mention_count=1, paper_count=0
        )
        entities.append(eid)
    weights = [1.0 / (r + 1) for r in range(n_entities)]
    for i in range(n_nodes - n_entities):
        pid = f"p{i}"
        g.add_node(pid, kind="Paper", label=f"Paper {i}", title=f"Paper {i}", abstract="Some abstract text. " * 10)
        for eid in set(rng.choices(entities, weights, k=5)):
            g.add_edge(pid, eid, relation=RELATION[g.nodes[eid]["type"]], mentions=())
            g.nodes[eid]["paper_count"] += 1
    return g


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--max-nodes", type=int, default=600)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    from playwright.sync_api import sync_playwright

    print(f"{'nodes':>8}{'shown':>7}{'generate s':>12}{'size MB':>9}{'interactive s':>15}")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        for n in args.sizes:
            g = synthetic(n)
            out = Path(tmp) / f"g{n}.html"
            t = time.perf_counter()
            summary = render_html(g, out, max_nodes=args.max_nodes)
            generate = time.perf_counter() - t
            page = browser.new_page()
            t = time.perf_counter()
            page.goto(out.as_uri())
            page.wait_for_function("window.kgReady === true", timeout=60_000)
            interactive = time.perf_counter() - t
            page.close()
            size = out.stat().st_size / 1e6
            print(f"{n:>8}{summary.nodes_shown:>7}{generate:>12.2f}{size:>9.2f}{interactive:>15.2f}")
        browser.close()


if __name__ == "__main__":
    main()
