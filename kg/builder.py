"""``kg build``: ingest -> extract -> resolve -> graph -> export.

Extraction results are cached per paper in the output directory
(:mod:`kg.cache`), keyed by a hash of the paper's text and the extractor
version, and appended as each batch finishes: a rebuild (or a build resumed
after a crash) never re-extracts a paper it has already done. Extraction runs in
this process (``nlp.pipe``, ``workers`` processes) or on a Dask cluster
(:mod:`kg.distributed`); either way the results go through the cache, in input
order, so the outputs are the same. All outputs are first written to a staging
directory and moved into place at the end (:mod:`kg.outputs`), so a build killed
half-way leaves the previous outputs intact.

Memory: the papers, their mentions and the graph are held (resolution and
linking need all of them); spaCy docs are not (each is reduced to its mentions
as its batch finishes), readers stream their files, and the RDF files are
written as a stream.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
from tqdm import tqdm

from kg import graph as kgg
from kg.cache import (
    CACHE_DIR,
    ExtractionCache,
    cache_file_name,
    content_key,
    mention_row,
    remove_other_versions,
    row_mentions,
)
from kg.errors import ExportError
from kg.extract.pipeline import MODES, Mode, build_pipeline, extract_papers, extractor_version
from kg.ingest import IngestResult, read_papers, unique_inputs
from kg.io import held_objects
from kg.knowledge import KnowledgeGraph
from kg.outputs import OUTPUT_FILES, holds_build, locked_output_dir, write_outputs
from kg.records import ENTITY_TYPES, Mention, Paper
from kg.resolve import Resolution, resolve
from kg.splice import paper_fingerprints

__all__ = [
    "OUTPUT_FILES",
    "BuildOptions",
    "BuildResult",
    "build",
    "extract_with_cache",
    "previous_settings",
    "reject_category",
    "require_build",
    "update_inputs",
]

log = logging.getLogger(__name__)

Rows = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """Settings of a build.

    Parameters
    ----------
    mode : {"full", "names", "rules"}
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
        Local processes: extraction runs in this many (forked, with the pipeline
        loaded), and with 2 or more the RDF files are written by a process of their
        own alongside the other outputs. With ``dask`` only the latter applies.
    batch_size : int
        Docs per ``nlp.pipe`` batch, here and on Dask workers (a Dask task is 256 papers).
    progress : bool
        Show progress bars.
    dask : str or None
        Address of a Dask scheduler (``tcp://host:8786``) to extract on instead
        of this machine; needs ``pip install 'kg[dask]'``.
    min_confidence : float
        Mentions below this confidence are left out of the graph (they stay in the
        extraction cache, so changing it re-extracts nothing).
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
    dask: str | None = None
    min_confidence: float = 0.0


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build produced."""

    graph: KnowledgeGraph
    report: dict[str, Any]
    outdir: Path | None
    files: tuple[str, ...] = field(default_factory=tuple)


def extract_with_cache(
    papers: Sequence[Paper],
    options: BuildOptions,
    cache_dir: Path | None,
) -> Iterator[tuple[Paper, list[Mention]]]:
    """Extract mentions for ``papers``, reusing and extending the on-disk cache in ``cache_dir``.

    Every paper not in the cache is extracted (locally or on Dask, see
    :class:`BuildOptions`) and appended to the cache as its batch finishes.
    Without ``cache_dir`` a temporary cache is used (papers with the same text
    are still extracted once). Yields each paper with its mentions, in input order.
    """
    with ExitStack() as stack:
        if cache_dir is None:
            cache_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kg-cache-")))
        results = _extract_all(papers, options, cache_dir)
    for i, paper in enumerate(papers):
        yield paper, results[i]
        results[i] = []  # handed over: the caller holds them now


def _extract_all(papers: Sequence[Paper], options: BuildOptions, cache_dir: Path) -> list[list[Mention]]:
    version = extractor_version(options.mode)
    cache = ExtractionCache(cache_dir / cache_file_name(version))
    where: dict[str, list[int]] = {}  # content key -> positions of the papers with that text
    for i, paper in enumerate(papers):
        where.setdefault(content_key(paper, version), []).append(i)
    results: list[list[Mention]] = [[] for _ in papers]

    def place(key: str, rows: Rows) -> None:
        for i in where[key]:
            results[i] = row_mentions(rows, papers[i].id)

    for key, rows in cache.read(where):
        place(key, rows)
    todo = [papers[positions[0]] for key, positions in where.items() if key not in cache]
    cached = sum(len(positions) for key, positions in where.items() if key in cache)
    log.info("extract: %d papers, %d cached, %d to do", len(papers), cached, len(todo))
    if todo:
        bar = tqdm(total=len(todo), desc="extract", unit="paper", disable=not options.progress, dynamic_ncols=True)
        try:
            for paper, rows in _extract_rows(todo, options):
                key = content_key(paper, version)
                cache.append(key, rows)
                place(key, rows)
                bar.update(1)
        finally:
            cache.close()
            bar.close()
    cache.compact(where)
    # Each mode keeps its own file (switching modes re-extracts nothing); older extractors' go.
    remove_other_versions(cache_dir, {extractor_version(m) for m in MODES})
    return results


def _extract_rows(papers: Sequence[Paper], options: BuildOptions) -> Iterator[tuple[Paper, Rows]]:
    """Each paper with its mentions as cache rows, in input order, from the configured engine."""
    if options.dask:
        from kg.distributed import extract_on_dask

        yield from extract_on_dask(papers, options.dask, mode=options.mode, batch_size=options.batch_size)
        return
    nlp = build_pipeline(options.mode)
    for paper, mentions in extract_papers(
        papers, nlp, batch_size=options.batch_size, n_process=max(1, options.workers)
    ):
        yield paper, [mention_row(m) for m in mentions]


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

    Raises
    ------
    ExportError
        When ``outdir`` cannot be written or another build is writing it.
    """
    options = options or BuildOptions()
    started = time.perf_counter()
    input_paths = unique_inputs(inputs)  # a file given twice is read once (and recorded once)
    out = Path(outdir) if outdir is not None else None
    with ExitStack() as stack:
        if out is not None:
            stack.enter_context(locked_output_dir(out))
        stage_done = stack.enter_context(held_objects())
        ingest = read_papers(input_paths, format=format, progress=options.progress)
        stage_done()
        mentions = [
            m for _, ms in extract_with_cache(ingest.papers, options, out / CACHE_DIR if out else None) for m in ms
        ]
        extracted = len(mentions)
        if options.min_confidence > 0:
            mentions = [m for m in mentions if m.confidence >= options.min_confidence]
        stage_done()
        with _timed("resolve"):
            resolution = resolve(mentions)
        stage_done()
        with (
            _timed("graph (links, communities)"),
            tqdm(total=len(ingest.papers), desc="link papers", disable=not options.progress, delay=1) as bar,
        ):
            g = kgg.build_graph(
                ingest.papers, mentions, resolution, k=options.k, max_df=options.max_df, progress=bar.update
            )
        stage_done()
        report = build_report(ingest, mentions, resolution, g, options, below_threshold=extracted - len(mentions))
        files: tuple[str, ...] = ()
        if out is not None:
            manifest = {
                "inputs": [str(p) for p in input_paths],
                # where they are, for `kg build --update` run from another directory (absolute: the
                # same inputs record the same bytes whichever directory the build is written to)
                "input_paths": [os.path.normpath(p.absolute()) for p in input_paths],
                "format": format,
                "mode": options.mode,
                "min_confidence": float(options.min_confidence),
                "k": options.k,
                "base_iri": options.base_iri,
                "provenance": options.provenance,
                "html": options.html,
                "max_df": float(options.max_df),
            }
            fingerprints = paper_fingerprints(ingest.papers, mentions, resolution.mention_entity)
            files = write_outputs(
                out,
                g,
                ingest,
                mentions,
                resolution,
                report,
                base_iri=options.base_iri,
                provenance=options.provenance,
                html=options.html,
                manifest=manifest,
                progress=options.progress,
                jobs=options.workers,
                fingerprints=fingerprints,
            )
    log.info("build finished in %.1f s", time.perf_counter() - started)
    return BuildResult(KnowledgeGraph(g, out), report, out, files)


@contextlib.contextmanager
def _timed(stage: str) -> Iterator[None]:
    """Log how long a stage without a progress bar of its own took."""
    started = time.perf_counter()
    yield
    log.info("%s: %.1f s", stage, time.perf_counter() - started)


def update_inputs(outdir: str | Path, new_inputs: Iterable[str | Path]) -> tuple[list[Path], str | None]:
    """The inputs of an incremental build: the previous build's, still present, then the new ones.

    A previous input is found from any working directory: as it was named when
    that still names the same file (so its papers' sources read the same), else
    at the absolute path the build recorded, else as named (a project moved
    with its build, updated from its new place). Inputs that no longer
    exist are dropped (their papers leave the graph) with a warning; an input
    given again is read again (its papers may have changed).

    Raises
    ------
    ExportError
        When ``outdir`` holds no previous build.
    """
    manifest = _manifest(outdir)
    named = [str(p) for p in manifest.get("inputs", [])]
    located = manifest.get("input_paths")
    if not (isinstance(located, list) and len(located) == len(named)):
        located = [None] * len(named)  # a build before input_paths was recorded
    kept: list[Path] = []
    for name, recorded in zip(named, located, strict=True):
        path = Path(name)
        where = None if recorded is None else Path(recorded)
        if where is not None and where.exists() and not (path.exists() and os.path.samefile(path, where)):
            path = where  # run from another directory: where the input was (a moved project: as named)
        if path.exists():
            kept.append(path)
        else:
            log.warning("%s: input of the previous build is gone; its papers are removed", where or name)
    # The same file under another spelling ("../x/a.jsonl", a symlink) is given again, not added again.
    seen = {os.path.realpath(p) for p in kept}
    added = []
    for p in map(Path, new_inputs):
        if os.path.realpath(p) not in seen:
            seen.add(os.path.realpath(p))
            added.append(p)
    return kept + added, manifest.get("format")


def previous_settings(outdir: str | Path) -> dict[str, Any]:
    """The settings the build in ``outdir`` recorded: ``mode``, ``min_confidence``, ``k``, ``base_iri``,
    ``provenance``, ``html``, ``max_df`` (builds before a setting was recorded lack it).

    ``kg build --update`` keeps them unless they are given again.

    Raises
    ------
    ExportError
        When ``outdir`` holds no previous build.
    """
    manifest = _manifest(outdir)
    settings: dict[str, Any] = {}
    if manifest.get("mode") in MODES:
        settings["mode"] = manifest["mode"]
    threshold = manifest.get("min_confidence")
    if isinstance(threshold, int | float) and 0 <= threshold <= 1:
        settings["min_confidence"] = float(threshold)
    if isinstance(manifest.get("k"), int) and not isinstance(manifest["k"], bool) and manifest["k"] >= 0:
        settings["k"] = manifest["k"]
    if isinstance(manifest.get("base_iri"), str):
        settings["base_iri"] = manifest["base_iri"]
    for flag in ("provenance", "html"):
        if isinstance(manifest.get(flag), bool):
            settings[flag] = manifest[flag]
    max_df = manifest.get("max_df")
    if isinstance(max_df, int | float) and not isinstance(max_df, bool) and 0 < max_df <= 1:
        settings["max_df"] = float(max_df)
    return settings


_NO_BUILD = "{}: no previous build to update (manifest.json missing); run kg build first"


def require_build(outdir: str | Path) -> None:
    """Check that ``outdir`` holds a build (or a killed build's outputs waiting to be moved in).

    Raises
    ------
    ExportError
        When it does not; nothing in ``outdir`` is touched.
    """
    if not holds_build(Path(outdir)):
        raise ExportError(_NO_BUILD.format(outdir))


def _manifest(outdir: str | Path) -> dict[str, Any]:
    try:
        manifest = json.loads((Path(outdir) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ExportError(_NO_BUILD.format(outdir)) from err
    if not isinstance(manifest, dict):
        raise ExportError(f"{outdir}/manifest.json is not a build manifest; run kg build without --update")
    return manifest


_REASON_DETAIL = re.compile(r" \(|: |; ")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_NUMBER = re.compile(r"\d+")


def reject_category(reason: str) -> str:
    """The kind of a reject's reason, for ``report.json``'s counts: its details left out.

    The part before any parenthesis, colon or semicolon, with numbers as ``N``
    and quoted names as ``…``, so rejects of one kind count together whatever
    line, column or key they name.

    Examples
    --------
    >>> reject_category("row has 5 columns, header has 3")
    'row has N columns, header has N'
    >>> reject_category("duplicate BibTeX key 'a1' (first at line 3); rename it to keep this entry")
    'duplicate BibTeX key …'
    >>> reject_category("malformed XML at line 12, column 4 (mismatched tag); the rest of the file not read")
    'malformed XML at line N, column N'
    """
    head = _REASON_DETAIL.split(reason, maxsplit=1)[0]
    return _NUMBER.sub("N", _QUOTED.sub("…", head)).strip()


def build_report(
    ingest: IngestResult,
    mentions: Sequence[Mention],
    resolution: Resolution,
    g: nx.DiGraph,
    options: BuildOptions,
    *,
    below_threshold: int = 0,
) -> dict[str, Any]:
    """Counts that describe a build (deterministic: no timings, no paths of temp files).

    ``below_threshold`` is the number of extracted mentions left out by ``options.min_confidence``.
    """
    mention_types = Counter(m.label for m in mentions)
    entity_types = Counter(e.type for e in resolution.entities)
    relations = Counter(r for _, _, r in g.edges(data="relation"))
    reasons = Counter(reject_category(r.reason) for r in ingest.rejects)
    return {
        "kg_version": _version(),
        "extractor": extractor_version(options.mode),
        "min_confidence": float(options.min_confidence),
        "papers": {
            "read": ingest.records_read,
            "kept": len(ingest.papers),
            "merged": ingest.merged,
            "rejected": len(ingest.rejects),
            "reject_reasons": dict(sorted(reasons.items())),
        },
        "mentions": {
            "total": len(mentions),
            **{t: mention_types.get(t, 0) for t in ENTITY_TYPES},
            "below_min_confidence": below_threshold,
        },
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
