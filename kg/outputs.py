"""Writing a build's outputs into its directory, atomically and safely against crashes.

Protocol
--------
1. A build holds an exclusive lock on ``OUTDIR/.kg-lock`` from start to end, so
   two builds never write one directory at once.
2. Every output is written into ``OUTDIR/.staging-<pid>/``; the outputs already
   in ``OUTDIR`` are not touched while the build runs, so a build killed during
   ingest, extraction or export leaves the previous build exactly as it was.
3. When every file is staged, a ``.complete`` marker is written and the files
   are moved into ``OUTDIR`` with ``os.replace`` (atomic per file).
4. The next build, under the lock, finishes what a killed one left: a staging
   directory with the marker was killed while moving files, so the rest of its
   files are moved in (the build is completed, not mixed with the older one);
   one without it is deleted, as are temporary files of unfinished writes.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import fcntl
import json
import logging
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import networkx as nx
from tqdm import tqdm

from kg import graph as kgg
from kg.cache import CACHE_DIR
from kg.errors import ExportError
from kg.ingest import IngestResult
from kg.io import atomic_write
from kg.records import Mention, Paper
from kg.resolve import Resolution

__all__ = ["OUTPUT_FILES", "locked_output_dir", "write_outputs"]

log = logging.getLogger(__name__)

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
    "manifest.json",
)
LOCK_FILE = ".kg-lock"
COMPLETE_MARKER = ".complete"
_STAGING_PREFIX = ".staging-"


@contextlib.contextmanager
def locked_output_dir(out: Path) -> Iterator[Path]:
    """Hold the build lock of ``out`` (created if needed) and clean up after killed builds first.

    Raises
    ------
    ExportError
        When another build holds the lock.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle = (out / LOCK_FILE).open("a+")
    except OSError as err:
        raise ExportError(f"cannot write to {out}: {err.strerror or err}") from err
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno in (errno.EAGAIN, errno.EACCES):
                raise ExportError(f"{out}: another kg build is writing here; wait for it or use another -o") from err
            raise
        try:
            recover(out)
            yield out
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def recover(out: Path) -> None:
    """Finish or discard what killed builds left in ``out`` (call with the lock held)."""
    for staging in sorted(out.glob(_STAGING_PREFIX + "*")):
        if (staging / COMPLETE_MARKER).exists():
            moved = _move_into(staging, out)
            log.warning("%s: finished moving %d outputs of a build killed while writing them", out, len(moved))
        else:
            log.info("%s: removing the staging directory of an unfinished build", staging)
        shutil.rmtree(staging, ignore_errors=True)
    for folder in (out, out / CACHE_DIR):
        for tmp in folder.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                tmp.unlink()


def _move_into(staging: Path, out: Path) -> list[str]:
    moved = []
    for name in sorted(os.listdir(staging)):
        if name != COMPLETE_MARKER:
            os.replace(staging / name, out / name)
            moved.append(name)
    return moved


def write_outputs(
    out: Path,
    g: nx.DiGraph,
    ingest: IngestResult,
    mentions: Sequence[Mention],
    resolution: Resolution,
    report: dict[str, Any],
    *,
    base_iri: str | None = None,
    provenance: bool = True,
    html: bool = True,
    manifest: dict[str, Any] | None = None,
    progress: bool = False,
) -> tuple[str, ...]:
    """Write every output to a staging directory, then move them into ``out`` (see the module docstring).

    Returns
    -------
    tuple of str
        The names of the files written.
    """
    from kg.rdf.writers import write_rdf

    staging = out / f"{_STAGING_PREFIX}{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(parents=True)
        with _bar("graph.json", g, progress) as bar:
            kgg.write_graph(g, staging / "graph.json", progress=bar.update)
        rdf_options: dict[str, Any] = {"provenance": provenance, "extractor": report["extractor"]}
        if base_iri:
            rdf_options["base_iri"] = base_iri
        targets = {
            "ntriples": staging / "graph.nt",
            "turtle": staging / "graph.ttl",
            "json-ld": staging / "graph.jsonld",
        }
        with _bar("RDF (nt, ttl, jsonld)", g, progress) as bar:
            write_rdf(g, targets, progress=bar.update, **rdf_options)
        with _bar("graph.graphml", g, progress) as bar:
            kgg.write_graphml(g, staging / "graph.graphml", progress=bar.update)
        if html:
            from kg.viz import render_html

            render_html(g, staging / "graph.html")
        _write_json(staging / "report.json", report)
        if manifest is not None:
            _write_json(staging / "manifest.json", manifest)
        _write_rejects(staging / "rejects.jsonl", ingest)
        _write_entities_csv(staging / "entities.csv", resolution)
        _write_mentions(staging / "mentions.jsonl", ingest.papers, mentions)
        with atomic_write(staging / COMPLETE_MARKER) as fh:
            fh.write("staged\n")
        written = _move_into(staging, out)
    except OSError as err:
        raise ExportError(f"cannot write outputs to {out}: {err}") from err
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return tuple(written)


def _bar(what: str, g: nx.DiGraph, progress: bool) -> tqdm[Any]:
    """A progress bar over the nodes and edges of ``g`` (rate and ETA), shown after a second."""
    total = g.number_of_nodes() + g.number_of_edges()
    return tqdm(total=total, desc=f"write {what}", unit=" items", disable=not progress, dynamic_ncols=True, delay=1)


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
