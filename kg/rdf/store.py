"""Run SPARQL over a build, on a named store: ``"oxigraph"`` (default) or ``"rdflib"``.

rdflib builds and serialises the graph; queries run on pyoxigraph, a compiled
SPARQL engine that is one to two orders of magnitude faster than rdflib's
in-memory evaluation on the same data (``benchmarks/sparql.py`` measures both).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import QueryError

__all__ = ["STORES", "QueryResult", "load_store", "query", "resolve_rdf_file"]


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


def _oxigraph(path: Path) -> Any:
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
    store = ox.Store()
    try:
        store.bulk_load(path=str(path), format=fmt)
    except (SyntaxError, ValueError, OSError) as err:
        raise QueryError(f"{path}: cannot load RDF ({err})") from err
    return store


def _rdflib(path: Path) -> Any:
    from rdflib import Graph

    graph = Graph()
    try:
        graph.parse(str(path), format=_FORMATS.get(path.suffix.lower(), "turtle"))
    except Exception as err:  # rdflib raises many parser-specific types
        raise QueryError(f"{path}: cannot load RDF ({err})") from err
    return graph


#: Store loaders by name.
STORES: dict[str, Callable[[Path], Any]] = {"oxigraph": _oxigraph, "rdflib": _rdflib}


def load_store(target: str | Path, store: str = "oxigraph") -> Any:
    """Load a build (directory or RDF file) into the named store."""
    if store not in STORES:
        raise QueryError(f"unknown store {store!r}; use one of {', '.join(STORES)}")
    return STORES[store](resolve_rdf_file(target))


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
