"""``kg build``: ingest -> extract -> resolve -> graph -> export.

Extraction results are cached per paper in the output directory, keyed by a
hash of the paper's text and the extractor version, and appended as each batch
finishes: a rebuild (or a build resumed after a crash) never re-extracts a paper
it has already done. All outputs are first written to a staging directory and
moved into place at the end, so a build killed half-way leaves the previous
outputs intact.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import shutil
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
from tqdm import tqdm

from kg import graph as kgg
from kg.errors import ExportError
from kg.extract.pipeline import Mode, build_pipeline, extract_papers, extractor_version
from kg.ingest import IngestResult, read_papers
from kg.io import atomic_write
from kg.knowledge import KnowledgeGraph
from kg.records import ENTITY_TYPES, Mention, Paper
from kg.resolve import Resolution, resolve

__all__ = ["BuildOptions", "BuildResult", "build", "extract_with_cache"]

log = logging.getLogger(__name__)

CACHE_DIR = ".kg-cache"
OUTPUT_FILES = (
    "graph.json",
    "graph.ttl",
    "graph.nt",
    "graph.jsonld",
    "graph.graphml",
    "graph.html",
    "report.json",
    "rejects.jsonl",
    "entities.csv",
    "mentions.jsonl",
)


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """Settings of a build.

    Parameters
    ----------
    mode : {"full", "broad", "rules"}
        Extraction pipeline (see :func:`kg.extract.build_pipeline`).
    k : int
        Related papers kept per paper.
    max_df : float
        Entities in more than this fraction of papers are hubs for linking.
    base_iri : str or None
        Base IRI of minted resources in the RDF exports (kg's default if None).
    provenance : bool
        Include mention-level provenance in the RDF exports.
    html : bool
        Write ``graph.html``.
    workers : int
        Extraction processes (``nlp.pipe(n_process=...)``).
    batch_size : int
        Docs per ``nlp.pipe`` batch.
    progress : bool
        Show a progress bar.
    """

    mode: Mode = "full"
    k: int = 10
    max_df: float = 0.2
    base_iri: str | None = None
    provenance: bool = True
    html: bool = True
    workers: int = 1
    batch_size: int = 64
    progress: bool = True


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build produced."""

    graph: KnowledgeGraph
    report: dict[str, Any]
    outdir: Path | None
    files: tuple[str, ...] = field(default_factory=tuple)


def _content_key(paper: Paper, version: str) -> str:
    digest = hashlib.sha256()
    for part in (version, paper.title, paper.abstract):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()[:32]


def _read_cache(path: Path) -> dict[str, list[dict[str, Any]]]:
    cache: dict[str, list[dict[str, Any]]] = {}
    if not path.exists():
        return cache
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                row = json.loads(line)
                cache[row["key"]] = row["mentions"]
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a crash: that paper is extracted again
    return cache


def extract_with_cache(
    papers: Sequence[Paper],
    options: BuildOptions,
    cache_dir: Path | None,
) -> Iterator[tuple[Paper, list[Mention]]]:
    """Extract mentions for ``papers``, reusing and extending an on-disk cache.

    Yields each paper with its mentions, in input order.
    """
    version = extractor_version(options.mode)
    cache_file = cache_dir / f"extract-{version}.jsonl" if cache_dir else None
    cache = _read_cache(cache_file) if cache_file else {}
    keys = [_content_key(p, version) for p in papers]
    todo = [p for p, key in zip(papers, keys, strict=True) if key not in cache]
    log.info("extract: %d papers, %d cached, %d to do", len(papers), len(papers) - len(todo), len(todo))
    fresh: dict[str, list[dict[str, Any]]] = {}
    if todo:
        nlp = build_pipeline(options.mode)
        bar = tqdm(total=len(todo), desc="extract", unit="paper", disable=not options.progress, dynamic_ncols=True)
        sink = _CacheSink(cache_file)
        try:
            for paper, mentions in extract_papers(
                todo, nlp, batch_size=options.batch_size, n_process=max(1, options.workers)
            ):
                key = _content_key(paper, version)
                rows = [{k: v for k, v in asdict(m).items() if k != "paper_id"} for m in mentions]
                fresh[key] = rows
                sink.add(key, rows)
                bar.update(1)
        finally:
            sink.close()
            bar.close()
    for paper, key in zip(papers, keys, strict=True):
        rows = cache[key] if key in cache else fresh[key]
        yield paper, [Mention(paper_id=paper.id, **row) for row in rows]


class _CacheSink:
    """Appends extraction results to the cache file, flushed every few papers."""

    def __init__(self, path: Path | None, every: int = 64) -> None:
        self.path = path
        self.every = every
        self.pending: list[str] = []
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def add(self, key: str, rows: list[dict[str, Any]]) -> None:
        if self.path is None:
            return
        self.pending.append(json.dumps({"key": key, "mentions": rows}, ensure_ascii=False) + "\n")
        if len(self.pending) >= self.every:
            self.flush()

    def flush(self) -> None:
        if self.path is None or not self.pending:
            return
        with self.path.open("a", encoding="utf-8") as fh:
            fh.writelines(self.pending)
            fh.flush()
            os.fsync(fh.fileno())
        self.pending.clear()

    def close(self) -> None:
        self.flush()


def build(
    inputs: Iterable[str | Path],
    outdir: str | Path | None = None,
    *,
    format: str | None = None,
    options: BuildOptions | None = None,
) -> BuildResult:
    """Build a knowledge graph from input files.

    Parameters
    ----------
    inputs : iterable of path
        Input files (page dumps, JSONL/JSON, CSV, arXiv Atom, BibTeX).
    outdir : path, optional
        Where to write the outputs; nothing is written when ``None``.
    format : str, optional
        Force one input format instead of guessing from extensions.
    options : BuildOptions, optional

    Returns
    -------
    BuildResult
    """
    options = options or BuildOptions()
    started = time.perf_counter()
    input_paths = [Path(p) for p in inputs]
    ingest = read_papers(input_paths, format=format)
    out = Path(outdir) if outdir is not None else None
    cache_dir = out / CACHE_DIR if out is not None else None
    pairs = list(extract_with_cache(ingest.papers, options, cache_dir))
    mentions = [m for _, ms in pairs for m in ms]
    resolution = resolve(mentions)
    g = kgg.build_graph(ingest.papers, mentions, resolution, k=options.k, max_df=options.max_df)
    report = build_report(ingest, mentions, resolution, g, options)
    files: tuple[str, ...] = ()
    if out is not None:
        manifest = {"inputs": [str(p) for p in input_paths], "format": format}
        files = write_outputs(out, g, ingest, mentions, resolution, report, options, manifest)
    log.info("build finished in %.1f s", time.perf_counter() - started)
    return BuildResult(KnowledgeGraph(g), report, out, files)


def update_inputs(outdir: str | Path, new_inputs: Iterable[str | Path]) -> tuple[list[Path], str | None]:
    """The inputs of an incremental build: the previous build's, still present, then the new ones.

    Inputs that no longer exist are dropped (their papers leave the graph) with a
    warning; an input given again is read again (its papers may have changed).

    Raises
    ------
    ExportError
        When ``outdir`` holds no previous build.
    """
    manifest_file = Path(outdir) / "manifest.json"
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ExportError(f"{outdir}: no previous build to update (manifest.json missing); run kg build first") from err
    previous = [Path(p) for p in manifest.get("inputs", [])]
    kept = []
    for p in previous:
        if p.exists():
            kept.append(p)
        else:
            log.warning("%s: input of the previous build is gone; its papers are removed", p)
    seen = {str(p) for p in kept}
    added = [Path(p) for p in new_inputs if str(p) not in seen]
    return kept + added, manifest.get("format")


def build_report(
    ingest: IngestResult,
    mentions: Sequence[Mention],
    resolution: Resolution,
    g: nx.DiGraph,
    options: BuildOptions,
) -> dict[str, Any]:
    """Counts that describe a build (deterministic: no timings, no paths of temp files)."""
    mention_types = Counter(m.label for m in mentions)
    entity_types = Counter(e.type for e in resolution.entities)
    relations = Counter(r for _, _, r in g.edges(data="relation"))
    reasons = Counter(r.reason.split(" (")[0] for r in ingest.rejects)
    return {
        "kg_version": _version(),
        "extractor": extractor_version(options.mode),
        "papers": {
            "read": ingest.records_read,
            "kept": len(ingest.papers),
            "merged": ingest.merged,
            "rejected": len(ingest.rejects),
            "reject_reasons": dict(sorted(reasons.items())),
        },
        "mentions": {"total": len(mentions), **{t: mention_types.get(t, 0) for t in ENTITY_TYPES}},
        "entities": {"total": len(resolution.entities), **{t: entity_types.get(t, 0) for t in ENTITY_TYPES}},
        "edges": dict(sorted(relations.items())),
        "resolution": {
            "ambiguous_short_forms": [
                {"short_form": a.short_form, "long_forms": list(a.long_forms), "papers": list(a.papers)}
                for a in resolution.ambiguities
            ],
            "type_conflicts": len(resolution.type_conflicts),
        },
        "communities": len(g.graph.get("community_labels", {})),
    }


def _version() -> str:
    from kg import __version__

    return __version__


def write_outputs(
    out: Path,
    g: nx.DiGraph,
    ingest: IngestResult,
    mentions: Sequence[Mention],
    resolution: Resolution,
    report: dict[str, Any],
    options: BuildOptions,
    manifest: dict[str, Any] | None = None,
) -> tuple[str, ...]:
    """Write every output to a staging directory, then move them into ``out``."""
    from kg.rdf.export import graph_to_rdf, write_jsonld, write_ntriples, write_turtle

    out.mkdir(parents=True, exist_ok=True)
    staging = out / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        kgg.write_graph(g, staging / "graph.json")
        rdf_kwargs: dict[str, Any] = {"provenance": options.provenance, "extractor": report["extractor"]}
        if options.base_iri:
            rdf_kwargs["base_iri"] = options.base_iri
        write_ntriples(g, staging / "graph.nt", **rdf_kwargs)
        rdf = graph_to_rdf(g, **rdf_kwargs)  # built once, serialised twice
        write_turtle(rdf, staging / "graph.ttl")
        write_jsonld(rdf, staging / "graph.jsonld")
        del rdf
        kgg.write_graphml(g, staging / "graph.graphml")
        if options.html:
            from kg.viz import render_html

            render_html(g, staging / "graph.html")
        _write_json(staging / "report.json", report)
        if manifest is not None:
            _write_json(staging / "manifest.json", manifest)
        _write_rejects(staging / "rejects.jsonl", ingest)
        _write_entities_csv(staging / "entities.csv", resolution)
        _write_mentions(staging / "mentions.jsonl", ingest.papers, mentions)
        written = []
        for name in sorted(os.listdir(staging)):
            os.replace(staging / name, out / name)
            written.append(name)
    except OSError as err:
        raise ExportError(f"cannot write outputs to {out}: {err}") from err
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return tuple(written)


def _write_json(path: Path, value: Any) -> None:
    with atomic_write(path) as fh:
        json.dump(value, fh, ensure_ascii=False, indent=2, sort_keys=False)
        fh.write("\n")


def _write_rejects(path: Path, ingest: IngestResult) -> None:
    with atomic_write(path) as fh:
        for r in ingest.rejects:
            fh.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")


def _write_entities_csv(path: Path, resolution: Resolution) -> None:
    with atomic_write(path) as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "type", "label", "aliases", "paper_count", "mention_count", "variant_of"])
        for e in sorted(resolution.entities, key=lambda e: (-e.paper_count, e.id)):
            writer.writerow(
                [e.id, e.type, e.label, "; ".join(e.aliases), e.paper_count, e.mention_count, e.variant_of or ""]
            )


def _write_mentions(path: Path, papers: Sequence[Paper], mentions: Sequence[Mention]) -> None:
    """Mentions in the gold JSONL format (one paper a line), for `kg eval --pred`."""
    by_paper: dict[str, list[Mention]] = {}
    for m in mentions:
        by_paper.setdefault(m.paper_id, []).append(m)
    with atomic_write(path) as fh:
        for p in papers:
            ents = [m.to_gold() for m in by_paper.get(p.id, [])]
            fh.write(
                json.dumps({"id": p.id, "title": p.title, "abstract": p.abstract, "entities": ents}, ensure_ascii=False)
                + "\n"
            )
