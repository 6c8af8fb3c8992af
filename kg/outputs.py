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

With ``jobs > 1`` (``kg build --workers N``) the three RDF files are written by a
forked child process while this one writes the others, so the export uses two
cores: the RDF pass over the graph is about half of all the work after
extraction. The child inherits the graph (nothing is copied or pickled), writes
into the same staging directory, reports its progress through shared memory and
any error back through a pipe, and dies with its parent; the files are the same
bytes either way.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import fcntl
import json
import logging
import multiprocessing as mp
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import networkx as nx
from tqdm import tqdm

from kg import graph as kgg
from kg.cache import CACHE_DIR
from kg.errors import ExportError
from kg.ingest import IngestResult
from kg.io import atomic_write, glibc, held_objects
from kg.records import Mention, Paper
from kg.resolve import Resolution
from kg.splice import SectionIndex, is_index, publish

__all__ = ["OUTPUT_FILES", "holds_build", "locked_output_dir", "write_outputs"]

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


#: Output directories whose lock this thread holds (realpath, process id, thread id) -> depth. The process
#: id is part of the key: a child forked while its parent holds a lock inherits this dict, not the lock.
_held_dirs: dict[tuple[str, int, int], int] = {}


@contextlib.contextmanager
def locked_output_dir(out: Path) -> Iterator[Path]:
    """Hold the build lock of ``out`` (created if needed) and clean up after killed builds first.

    A build that fails in a directory it created, before writing anything there
    (a missing input, say), removes the directory again rather than leave only the lock.
    The same thread may open it again inside (``kg build --update`` reads the previous
    build's manifest under the lock that the build then runs under); other threads and
    processes are refused.

    Raises
    ------
    ExportError
        When another build holds the lock.
    """
    held = (os.path.realpath(out), os.getpid(), threading.get_ident())
    if held in _held_dirs:
        _held_dirs[held] += 1
        try:
            yield out
        finally:
            _held_dirs[held] -= 1
        return
    created = not out.exists()
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
        _held_dirs[held] = 1
        try:
            recover(out)
            yield out
        except BaseException:
            if created:
                _remove_if_only_lock(out)
            raise
        finally:
            del _held_dirs[held]
            fcntl.flock(handle, fcntl.LOCK_UN)


def holds_build(out: Path) -> bool:
    """Whether ``out`` holds a build's outputs, or a killed build's, complete, waiting to be moved in."""
    if not out.is_dir():
        return False
    return (out / "manifest.json").is_file() or any(
        (p / COMPLETE_MARKER).is_file() for p in out.glob(_STAGING_PREFIX + "*")
    )


def _remove_if_only_lock(out: Path) -> None:
    """Remove ``out`` when a failed build created it and left nothing in it but its lock (and empty folders)."""
    with contextlib.suppress(OSError):
        if all(p.name == LOCK_FILE or (p.is_dir() and not any(p.iterdir())) for p in out.iterdir()):
            for p in out.iterdir():
                p.rmdir() if p.is_dir() else p.unlink()
            out.rmdir()


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
    """Move the staged outputs into ``out``; section indexes stay (:func:`kg.splice.publish` places them)."""
    moved = []
    for name in sorted(os.listdir(staging)):
        if name != COMPLETE_MARKER and not is_index(name):
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
    jobs: int = 1,
    fingerprints: Mapping[str, str] | None = None,
) -> tuple[str, ...]:
    """Write every output to a staging directory, then move them into ``out`` (see the module docstring).

    Parameters
    ----------
    jobs : int
        With 2 or more (and ``fork`` available), the RDF files are written by a child
        process alongside the other outputs.
    fingerprints : mapping of paper id -> fingerprint, optional
        :func:`kg.splice.paper_fingerprints` of the build: the per-paper sections
        of the RDF files, ``graph.json``, GraphML and ``mentions.jsonl`` are indexed, and
        those unchanged since the build already in ``out`` are copied from it.

    Returns
    -------
    tuple of str
        The names of the files written.
    """
    from kg.rdf.writers import write_rdf

    staging = out / f"{_STAGING_PREFIX}{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    rdf_options: dict[str, Any] = {"provenance": provenance, "extractor": report["extractor"]}
    if base_iri:
        rdf_options["base_iri"] = base_iri
    targets = {
        "ntriples": staging / "graph.nt",
        "turtle": staging / "graph.ttl",
        "json-ld": staging / "graph.jsonld",
    }
    child: _RdfChild | None = None
    indexes: dict[str, SectionIndex] = {}
    try:
        staging.mkdir(parents=True)
        if fingerprints is not None:
            rdf_settings = json.dumps(rdf_options, sort_keys=True)
            for fmt, target in targets.items():
                indexes[fmt] = SectionIndex(out / target.name, fingerprints, rdf_settings)
            for name in ("graph.json", "graph.graphml", "mentions.jsonl"):
                indexes[name] = SectionIndex(out / name, fingerprints, "")
        rdf_indexes = {fmt: indexes[fmt] for fmt in targets if fmt in indexes}
        if jobs > 1 and "fork" in mp.get_all_start_methods():
            child = _RdfChild(g, targets, {**rdf_options, "sections": rdf_indexes})
            for index in rdf_indexes.values():  # the child has its own copies of the open files
                index.close()
        else:
            with _logged("RDF (nt, ttl, jsonld)"), _bar("RDF (nt, ttl, jsonld)", g, progress) as bar:
                write_rdf(g, targets, progress=bar.update, sections=rdf_indexes, **rdf_options)
        with _logged("graph.json"), _bar("graph.json", g, progress) as bar:
            kgg.write_graph(g, staging / "graph.json", progress=bar.update, sections=indexes.get("graph.json"))
        with _logged("graph.graphml"), _bar("graph.graphml", g, progress) as bar:
            kgg.write_graphml(g, staging / "graph.graphml", progress=bar.update, sections=indexes.get("graph.graphml"))
        if html:
            from kg.viz import render_html

            with _logged("graph.html"):
                render_html(g, staging / "graph.html")
        with _logged("report, rejects, entities.csv, mentions.jsonl"):
            _write_json(staging / "report.json", report)
            if manifest is not None:
                # ASCII: an input's name that is not UTF-8 is kept as its escapes, so --update finds the file again
                _write_json(staging / "manifest.json", manifest, ensure_ascii=True)
            _write_rejects(staging / "rejects.jsonl", ingest)
            _write_entities_csv(staging / "entities.csv", resolution)
            _write_mentions(staging / "mentions.jsonl", ingest.papers, mentions, indexes.get("mentions.jsonl"))
        if child is not None:
            rdf = "RDF (nt, ttl, jsonld)"
            with _logged(f"{rdf}, in a process of its own,", child.started), _bar(rdf, g, progress) as bar:
                child.wait(bar.update)
            child = None
        with atomic_write(staging / COMPLETE_MARKER) as fh:
            fh.write("staged\n")
        written = _move_into(staging, out)
        for name in set(OUTPUT_FILES) - set(written):  # an earlier build's graph.html after --no-html
            with contextlib.suppress(FileNotFoundError):
                (out / name).unlink()
        publish(staging, out)
    except OSError as err:
        raise ExportError(f"cannot write outputs to {out}: {err}") from err
    finally:
        if child is not None:  # this process failed first: the child's work is no use
            child.kill()
        for index in indexes.values():
            index.close()
        shutil.rmtree(staging, ignore_errors=True)
    return tuple(written)


_PR_SET_PDEATHSIG = 1
_REPORT_EVERY = 4096  # items between progress reports of the child


class _RdfChild:
    """``write_rdf`` in a forked child process: started on construction, joined by :meth:`wait`."""

    def __init__(self, g: nx.DiGraph, targets: dict[str, Path], options: dict[str, Any]) -> None:
        ctx = mp.get_context("fork")
        self.started = time.perf_counter()
        self.done = ctx.Value("q", 0, lock=False)  # items walked, for the parent's progress bar
        self.receive, send = ctx.Pipe(duplex=False)
        # Objects that exist now are left out of the child's garbage collections, which would
        # otherwise write to (and so copy) every page of the inherited graph.
        with held_objects() as freeze:
            freeze()
            self.process = ctx.Process(
                target=_write_rdf_child, args=(g, targets, options, self.done, send), name="kg-rdf", daemon=True
            )
            self.process.start()
        send.close()

    def wait(self, progress: Callable[[int], object]) -> None:
        """Wait for the child, passing its progress on; re-raise its error here.

        Raises
        ------
        ExportError, OSError, ValueError
            Whatever the RDF writers raised in the child (an ``OSError`` becomes an
            ``ExportError`` in :func:`write_outputs`, as without a child).
        """
        shown = 0
        while self.process.is_alive() and not self.receive.poll(0.2):
            done = self.done.value
            progress(done - shown)
            shown = done
        error = self.receive.recv() if self.receive.poll() else None
        self.process.join()
        progress(self.done.value - shown)
        if error is not None:
            raise error
        if self.process.exitcode != 0:
            raise ExportError(f"the RDF writer process died (exit code {self.process.exitcode})")

    def kill(self) -> None:
        """Stop the child (used when the parent failed)."""
        self.process.kill()
        self.process.join()


def _write_rdf_child(g: nx.DiGraph, targets: dict[str, Path], options: dict[str, Any], done: Any, send: Any) -> None:
    """Body of the RDF child: write, report progress every few thousand items, send ``None`` or the error."""
    from kg.rdf.writers import write_rdf

    libc = glibc()
    if libc is not None:  # die with the parent rather than write on alone
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    walked = 0

    def report(n: int) -> None:
        nonlocal walked
        walked += n
        if walked % _REPORT_EVERY == 0:
            done.value = walked

    try:
        write_rdf(g, targets, progress=report, **options)
        done.value = walked
        send.send(None)
    except BaseException as err:  # every failure goes back to the parent
        try:
            send.send(err)
        except Exception:  # an error that does not pickle
            send.send(ExportError(f"the RDF writer failed: {type(err).__name__}: {err}"))
        raise SystemExit(1) from None


@contextlib.contextmanager
def _logged(what: str, since: float | None = None) -> Iterator[None]:
    """Log (at INFO, shown by ``kg -v``) how long writing ``what`` took, from ``since`` if given."""
    started = time.perf_counter() if since is None else since
    yield
    log.info("wrote %s in %.1f s", what, time.perf_counter() - started)


def _bar(what: str, g: nx.DiGraph, progress: bool) -> tqdm[Any]:
    """A progress bar over the nodes and edges of ``g`` (rate and ETA), shown after a second."""
    total = g.number_of_nodes() + g.number_of_edges()
    return tqdm(total=total, desc=f"write {what}", unit=" items", disable=not progress, dynamic_ncols=True, delay=1)


def _write_json(path: Path, value: Any, *, ensure_ascii: bool = False) -> None:
    with atomic_write(path) as fh:
        json.dump(value, fh, ensure_ascii=ensure_ascii, indent=2, sort_keys=False)
        fh.write("\n")


def _write_rejects(path: Path, ingest: IngestResult) -> None:
    with atomic_write(path) as fh:
        for r in ingest.rejects:
            fh.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")


#: A spreadsheet reads a cell starting with one of these as a formula (OWASP's "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """``text`` with a ``'`` before it when a spreadsheet would read it as a formula.

    Entity names come from untrusted abstracts ("@HYPERLINK", "+LoRA"): a cell that
    starts with ``=``, ``+``, ``-``, ``@``, a tab or a CR is written with a leading
    apostrophe, which spreadsheets show as text and do not display.

    Examples
    --------
    >>> spreadsheet_safe("=SUM(A1:A9)"), spreadsheet_safe("+LoRA"), spreadsheet_safe("BERT")
    ("'=SUM(A1:A9)", "'+LoRA", 'BERT')
    """
    return "'" + text if text.startswith(_FORMULA_START) else text


def _write_entities_csv(path: Path, resolution: Resolution) -> None:
    """``entities.csv``, for spreadsheets: text cells that would be formulas get a leading ``'``."""
    with atomic_write(path) as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "type", "label", "aliases", "paper_count", "mention_count", "variant_of"])
        for e in sorted(resolution.entities, key=lambda e: (-e.paper_count, e.id)):
            text = [e.id, e.type, e.label, "; ".join(e.aliases)]
            writer.writerow([*map(spreadsheet_safe, text), e.paper_count, e.mention_count, e.variant_of or ""])


def _write_mentions(
    path: Path, papers: Sequence[Paper], mentions: Sequence[Mention], index: SectionIndex | None = None
) -> None:
    """Mentions in the gold JSONL format (one paper a line), for `kg eval --pred`.

    Each line has the paper's id and, when its input record had one, that id as
    ``record_id``: ``kg eval --pred`` matches gold records on either.

    With ``index``, each paper's line is a section (:mod:`kg.splice`).
    """
    by_paper: dict[str, list[Mention]] = {}
    for m in mentions:
        by_paper.setdefault(m.paper_id, []).append(m)

    def line(p: Paper) -> str:
        ents = [m.to_gold() for m in by_paper.get(p.id, [])]
        record: dict[str, object] = {"id": p.id}
        if p.record_id is not None:  # the input record's own id, which a gold file made from the input has
            record["record_id"] = p.record_id
        record.update(title=p.title, abstract=p.abstract, entities=ents)
        return json.dumps(record, ensure_ascii=False) + "\n"

    with atomic_write(path) as fh:
        if index is None:
            for p in papers:
                fh.write(line(p))
        else:
            offset = 0
            for p in papers:
                span = index.reusable(p.id)
                if span is None:
                    text = line(p)
                    fh.write(text)
                    length = len(text.encode("utf-8", "surrogatepass"))
                else:
                    index.copy(fh, span)
                    length = span[1]
                index.record(p.id, offset, length, 1)
                offset += length
    if index is not None:
        index.save(path)
