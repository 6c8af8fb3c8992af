"""SPARQL on a ~1M-triple synthetic build: rdflib's memory store vs pyoxigraph, side by side.

Prints load time, peak memory and the latency of every example query in
``queries/`` on both stores, and the HTTP endpoint's overhead per request.
Usage: python benchmarks/sparql.py [--papers 9000] [--skip-rdflib]
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import zlib
from pathlib import Path

import networkx as nx
from _common import ROOT, measure

from kg.graph import RELATION_BY_TYPE, project_papers
from kg.rdf.export import write_ntriples
from kg.records import ENTITY_TYPES, Mention

NAMED = ["GSM8K", "FlashAttention", "large language models", "Llama 2", "MMLU", "accuracy", "latency"]
FLASH = "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness"
TYPES = list(ENTITY_TYPES)
RELATION = RELATION_BY_TYPE


def synthetic_graph(n_papers: int, seed: int = 0) -> nx.DiGraph:
    rng = random.Random(seed)
    g = nx.DiGraph()
    n_entities = max(200, n_papers // 3)
    names = NAMED + [f"entity-{i}" for i in range(n_entities - len(NAMED))]
    types = ["Dataset", "Method", "Method", "Model", "Dataset", "Metric", "Metric"] + [
        TYPES[i % 5] for i in range(n_entities - len(NAMED))
    ]
    weights = [1.0 / (r + 1) ** 1.05 for r in range(n_entities)]
    ids = [f"{t}:{n.replace(' ', '-').lower()}" for t, n in zip(types, names, strict=True)]
    for eid, t, name in zip(ids, types, names, strict=True):
        g.add_node(eid, kind="Entity", type=t, label=name, aliases=(name.upper(),), mention_count=0, paper_count=0)
    if "Model:entity-3" in g:
        g.add_edge("Model:entity-3", "Model:llama-2", relation="variantOf")
    paper_entities: dict[str, list[str]] = {}
    for i in range(n_papers):
        pid = f"p{i:07d}"
        title = FLASH if i == 0 else f"Synthetic paper {i} on {rng.choice(names)}"
        g.add_node(
            pid,
            kind="Paper",
            label=title,
            title=title,
            abstract="An abstract. " * 20,
            year=2024,
            authors=("A. Author",),
            community=i % 20,
        )
        chosen = set(rng.choices(ids, weights, k=6))
        if i < 50:
            chosen |= {"Method:flashattention", "Dataset:gsm8k"}
        paper_entities[pid] = sorted(chosen)
        for eid in chosen:
            m = Mention(pid, "abstract", 3, 12, "something", g.nodes[eid]["type"], 0.9, "ner", "A sentence.")
            g.add_edge(
                pid, eid, relation=RELATION[g.nodes[eid]["type"]], mention_count=1, confidence=0.9, mentions=(m,)
            )
            g.nodes[eid]["paper_count"] += 1
            g.nodes[eid]["mention_count"] += 1
    for link in project_papers(paper_entities, k=5):
        g.add_edge(link.source, link.target, relation="relatedPaper", weight=link.weight, shared=link.shared)
    g.graph["community_labels"] = {i: f"community {i}" for i in range(20)}
    for eid in ids:
        g.nodes[eid]["community"] = zlib.crc32(eid.encode()) % 20  # stable across runs
    return g


def run_store(store_name: str, nt: Path, queries: list[Path]) -> dict[str, object]:
    from kg.rdf.store import load_store, query

    started = time.perf_counter()
    store = load_store(nt, store_name)
    load = time.perf_counter() - started
    latencies = {}
    for q in queries:
        text = q.read_text()
        t = time.perf_counter()
        rows = query(store, text).rows
        latencies[q.stem] = (time.perf_counter() - t, len(rows))
    return {"load": load, "latencies": latencies}


def endpoint_overhead(nt: Path, query_file: Path, repeats: int = 30) -> tuple[float, float]:
    import uvicorn

    from kg.rdf.endpoint import make_app
    from kg.rdf.store import load_store, query

    text = query_file.read_text()
    store = load_store(nt)
    direct = []
    for _ in range(repeats):
        t = time.perf_counter()
        query(store, text)
        direct.append(time.perf_counter() - t)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(make_app(nt), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": text})
    http = []
    for _ in range(repeats):
        t = time.perf_counter()
        urllib.request.urlopen(url, timeout=60).read()
        http.append(time.perf_counter() - t)
    server.should_exit = True
    thread.join(10)
    return statistics.median(direct), statistics.median(http)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--papers", type=int, default=9000)
    parser.add_argument("--skip-rdflib", action="store_true")
    args = parser.parse_args()
    queries = sorted((ROOT / "queries").glob("*.rq"))
    with tempfile.TemporaryDirectory() as tmp:
        nt = Path(tmp) / "graph.nt"
        n_triples = write_ntriples(synthetic_graph(args.papers), nt)
        size_mb = nt.stat().st_size / 1e6
        print(f"synthetic build: {args.papers} papers, {n_triples:,} triples ({size_mb:.0f} MB N-Triples)")
        results = {}
        for name in ("oxigraph", *(() if args.skip_rdflib else ("rdflib",))):
            value, _, rss = measure(run_store, name, nt, queries)
            results[name] = (value, rss)
            print(f"{name:9s} load {value['load']:7.1f} s   peak RSS {rss:6.0f} MB")
        print(f"\n{'query':36s}" + "".join(f"{n + ' ms':>14s}" for n in results) + f"{'rows':>8s}")
        for q in queries:
            cells = ""
            rows = 0
            for value, _ in results.values():
                seconds, rows = value["latencies"][q.stem]
                cells += f"{seconds * 1000:14.1f}"
            print(f"{q.stem:36s}{cells}{rows:>8d}")
        direct, http = endpoint_overhead(nt, queries[1])
        print(
            f"\nendpoint: {queries[1].stem} median {direct * 1000:.1f} ms direct, {http * 1000:.1f} ms over HTTP "
            f"(overhead {1000 * (http - direct):.1f} ms)"
        )


if __name__ == "__main__":
    main()
