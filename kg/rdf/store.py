"""Run SPARQL over a build, on a named store: ``"oxigraph"`` (default) or ``"rdflib"``.

rdflib builds and serialises the graph; queries run on pyoxigraph, a compiled
SPARQL engine that is one to two orders of magnitude faster than rdflib's
in-memory evaluation on the same data (``benchmarks/sparql.py`` measures both).

Loading is what costs: parsing a 10,000-paper build's ``graph.nt`` (3.9M
triples) takes about 25 s, and every ``kg query`` (and every restart of
``kg serve``'s query worker) did it again. So for an RDF file of a kg build
(a directory with ``manifest.json``), the oxigraph store is loaded once into an
on-disk store beside it, ``.oxigraph/<file>-<key>/``, and later loads open that
read-only (milliseconds). The key digests the file's size, modification time
and inode and pyoxigraph's version, so a rebuild (which replaces the file) gets
a fresh store and the stale one is removed. The store is built in a temporary
directory and renamed into place, so a killed load leaves nothing half-made.
Where the directory cannot be written, or with ``persist=False``, the store
is loaded in memory as before. The on-disk store takes about as much disk
as ``graph.nt``; deleting ``.oxigraph/`` is always safe.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import QueryError

__all__ = ["STORES", "STORE_DIR", "UPDATE_REQUEST", "QueryResult", "load_store", "query", "resolve_rdf_file"]

log = logging.getLogger(__name__)

#: Where on-disk oxigraph stores of a build's RDF files are kept, inside the build directory.
STORE_DIR = ".oxigraph"
_STALE_LOAD_SECONDS = 6 * 3600  # a temporary store this old belongs to a load that was killed
#: A SPARQL Update request (after any PREFIX/BASE lines): refused, the stores here are read-only.
UPDATE_REQUEST = re.compile(
    r"^\s*(?:(?:PREFIX|BASE)\s[^\n]*\n\s*)*(?:INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class QueryResult:
    """The result of a query: a table (SELECT), a boolean (ASK) or triples (CONSTRUCT/DESCRIBE)."""

    kind: str  # "select" | "ask" | "graph"
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[str | None, ...], ...] = ()
    boolean: bool | None = None
    ntriples: str = ""

    def to_table(self) -> str:
        """Plain-text table (or ``true``/``false``, or N-Triples)."""
        if self.kind == "ask":
            return "true" if self.boolean else "false"
        if self.kind == "graph":
            return self.ntriples
        widths = [len(v) for v in self.variables]
        for row in self.rows:
            widths = [max(w, len(c or "")) for w, c in zip(widths, row, strict=True)]
        widths = [min(w, 80) for w in widths]

        def fmt(cells: tuple[str | None, ...] | tuple[str, ...]) -> str:
            return "  ".join((c or "")[:80].ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

        lines = [fmt(self.variables), "  ".join("-" * w for w in widths)]
        lines.extend(fmt(row) for row in self.rows)
        lines.append(f"({len(self.rows)} row{'s' if len(self.rows) != 1 else ''})")
        return "\n".join(lines)

    def to_json(self) -> str:
        """SPARQL 1.1 Query Results JSON (simplified: every value as a literal or IRI string)."""
        if self.kind == "ask":
            return json.dumps({"head": {}, "boolean": bool(self.boolean)})
        if self.kind == "graph":
            return json.dumps({"ntriples": self.ntriples})
        bindings = [{v: c for v, c in zip(self.variables, row, strict=True) if c is not None} for row in self.rows]
        return json.dumps(
            {"head": {"vars": list(self.variables)}, "results": {"bindings": bindings}}, ensure_ascii=False, indent=1
        )

    def to_csv(self) -> str:
        """CSV with a header row."""
        out = io.StringIO()
        writer = csv.writer(out)
        if self.kind == "ask":
            writer.writerow(["boolean"])
            writer.writerow(["true" if self.boolean else "false"])
        else:
            writer.writerow(self.variables)
            writer.writerows([[c or "" for c in row] for row in self.rows])
        return out.getvalue()


def resolve_rdf_file(target: str | Path) -> Path:
    """A build directory or an RDF file -> the file to load (N-Triples preferred)."""
    path = Path(target)
    if path.is_dir():
        for name in ("graph.nt", "graph.ttl"):
            if (path / name).exists():
                return path / name
        raise QueryError(f"{path}: no graph.nt or graph.ttl here; run `kg build ... -o {path}` first")
    if not path.exists():
        raise QueryError(f"{path}: no such file or build directory")
    return path


_FORMATS = {".nt": "ntriples", ".ttl": "turtle", ".jsonld": "json-ld", ".nq": "nquads", ".trig": "trig"}


def _oxigraph(path: Path, persist: bool = True) -> Any:
    import pyoxigraph as ox

    fmt = {
        ".nt": ox.RdfFormat.N_TRIPLES,
        ".ttl": ox.RdfFormat.TURTLE,
        ".jsonld": ox.RdfFormat.JSON_LD,
        ".nq": ox.RdfFormat.N_QUADS,
        ".trig": ox.RdfFormat.TRIG,
    }.get(path.suffix.lower())
    if fmt is None:
        raise QueryError(f"{path}: unknown RDF format; use .nt, .ttl, .jsonld, .nq or .trig")
    if persist and (path.parent / "manifest.json").is_file():
        store = _persistent(path, fmt)
        if store is not None:
            return store
    store = ox.Store()
    _bulk_load(store, path, fmt)
    return store


def _bulk_load(store: Any, path: Path, fmt: Any) -> None:
    try:
        store.bulk_load(path=str(path), format=fmt)
    except (SyntaxError, ValueError, OSError) as err:
        raise QueryError(f"{path}: cannot load RDF ({err})") from err


def _persistent(path: Path, fmt: Any) -> Any | None:
    """The read-only on-disk store of ``path`` (loaded first if there is none); ``None`` if it cannot be kept."""
    import pyoxigraph as ox

    st = path.stat()
    identity = f"{path.name} {st.st_size} {st.st_mtime_ns} {st.st_ino} pyoxigraph {ox.__version__}"
    root = path.parent / STORE_DIR
    ready = root / f"{path.name}-{hashlib.sha256(identity.encode()).hexdigest()[:16]}"
    if not ready.is_dir():
        started = time.perf_counter()
        tmp: Path | None = None
        try:
            root.mkdir(exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{ready.name}-", dir=root))
            store = ox.Store(str(tmp))
        except OSError as err:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            log.info("%s: cannot keep a store in %s (%s); loading it in memory", path, root, err)
            return None
        try:
            _bulk_load(store, path, fmt)
            store.flush()
            store.optimize()
            del store  # closes the database before it is moved
            with contextlib.suppress(OSError):  # another process placed the same store first: keep theirs
                os.rename(tmp, ready)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        log.info(
            "%s: loaded into %s in %.1f s (later queries open it directly)", path, ready, time.perf_counter() - started
        )
        _remove_stale(root, keep=ready)
    try:
        return ox.Store.read_only(str(ready))
    except OSError as err:  # damaged (e.g. a disk filled up): load again, in memory, and say so
        log.warning("%s: cannot open %s (%s); loading in memory (delete %s to rebuild it)", path, ready, err, root)
        return None


def _remove_stale(root: Path, keep: Path) -> None:
    """Remove the stores of earlier versions of ``keep``'s file, and the leftovers of killed loads."""
    file_name = keep.name.rsplit("-", 1)[0]
    for entry in root.iterdir():
        if entry == keep or not entry.is_dir():
            continue
        if entry.name.startswith("."):
            with contextlib.suppress(OSError):
                if time.time() - entry.stat().st_mtime > _STALE_LOAD_SECONDS:
                    shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.rsplit("-", 1)[0] == file_name:
            log.info("removing %s, the store of an earlier build", entry)
            shutil.rmtree(entry, ignore_errors=True)


def _rdflib(path: Path, persist: bool = True) -> Any:  # always in memory
    from rdflib import Graph

    graph = Graph()
    try:
        graph.parse(str(path), format=_FORMATS.get(path.suffix.lower(), "turtle"))
    except Exception as err:  # rdflib raises many parser-specific types
        raise QueryError(f"{path}: cannot load RDF ({err})") from err
    return graph


#: Store loaders by name: ``loader(rdf_file, persist)``.
STORES: dict[str, Callable[[Path, bool], Any]] = {"oxigraph": _oxigraph, "rdflib": _rdflib}


def load_store(target: str | Path, store: str = "oxigraph", *, persist: bool = True) -> Any:
    """Load a build (directory or RDF file) into the named store.

    Parameters
    ----------
    target : path
        A build directory (its ``graph.nt``, else ``graph.ttl``) or an RDF file.
    store : str
        ``"oxigraph"`` or ``"rdflib"`` (see :data:`STORES`).
    persist : bool
        For oxigraph and a file of a kg build: keep the loaded store on disk in
        the build's ``.oxigraph/`` and open it read-only next time (see the module
        docstring). ``False`` always loads in memory.

    Raises
    ------
    QueryError
        No RDF file there, an unknown format or store, or a file that does not parse.
    """
    if store not in STORES:
        raise QueryError(f"unknown store {store!r}; use one of {', '.join(STORES)}")
    return STORES[store](resolve_rdf_file(target), persist)


def _ox_term(term: Any) -> str | None:
    if term is None:
        return None
    return str(term.value)


def query(store: Any, sparql: str) -> QueryResult:
    """Run a read-only SPARQL query on a store from :func:`load_store`.

    Raises
    ------
    QueryError
        Malformed queries, and updates (stores here are read-only).
    """
    import pyoxigraph as ox

    if UPDATE_REQUEST.search(sparql):
        raise QueryError("updates (INSERT, DELETE, LOAD, ...) are not supported: kg queries a build read-only")
    if isinstance(store, ox.Store):
        try:
            result = store.query(sparql)
        except SyntaxError as err:
            raise QueryError(f"malformed SPARQL: {err}") from err
        if isinstance(result, ox.QuerySolutions):
            variables = tuple(v.value for v in result.variables)
            rows = tuple(tuple(_ox_term(sol[v]) for v in variables) for sol in result)
            return QueryResult("select", variables, rows)
        if isinstance(result, ox.QueryBoolean):
            return QueryResult("ask", boolean=bool(result))
        nt = "".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in result)
        return QueryResult("graph", ntriples=nt)
    try:
        res = store.query(sparql)
    except Exception as err:
        raise QueryError(f"malformed SPARQL: {err}") from err
    if res.type == "ASK":
        return QueryResult("ask", boolean=bool(res.askAnswer))
    if res.type in ("CONSTRUCT", "DESCRIBE"):
        return QueryResult("graph", ntriples=res.serialize(format="nt").decode())
    variables = tuple(str(v) for v in res.vars)
    rows = tuple(tuple(None if c is None else str(c) for c in row) for row in res)
    return QueryResult("select", variables, rows)
