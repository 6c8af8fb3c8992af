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
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import QueryError

__all__ = [
    "QUERY_PREFIXES",
    "STORES",
    "STORE_DIR",
    "QueryResult",
    "Term",
    "is_update",
    "load_store",
    "oxigraph_term",
    "query",
    "query_form",
    "resolve_rdf_file",
    "uses_service",
]

log = logging.getLogger(__name__)

#: Where on-disk oxigraph stores of a build's RDF files are kept, inside the build directory.
STORE_DIR = ".oxigraph"
#: Prefixes every query may use without declaring them (those of kg's Turtle and JSON-LD);
#: a query's own PREFIX lines take precedence.
QUERY_PREFIXES = {
    "kg": "https://w3id.org/kg/vocab#",
    "dcterms": "http://purl.org/dc/terms/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "oa": "http://www.w3.org/ns/oa#",
    "prov": "http://www.w3.org/ns/prov#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
_STALE_LOAD_SECONDS = 6 * 3600  # a temporary store this old belongs to a load that was killed


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True, slots=True)
class Term:
    """One RDF term of a query answer, with its kind, as SPARQL's result formats need it.

    ``kind`` is ``"uri"``, ``"literal"``, ``"bnode"`` or ``"triple"`` (an RDF-star
    quoted triple, whose ``value`` is its N-Triples text). ``datatype`` is set for
    typed literals other than ``xsd:string``, ``language`` for language-tagged ones.
    """

    kind: str
    value: str
    datatype: str | None = None
    language: str | None = None

    def to_sparql_json(self) -> dict[str, str]:
        """The term as a binding of SPARQL 1.1 Query Results JSON (W3C)."""
        out = {"type": self.kind, "value": self.value}
        if self.language:
            out["xml:lang"] = self.language
        elif self.datatype:
            out["datatype"] = self.datatype
        return out

    def to_jsonld(self) -> dict[str, str]:
        """The term as an object of expanded JSON-LD (``@id`` or ``@value``)."""
        if self.kind == "uri":
            return {"@id": self.value}
        if self.kind == "bnode":
            return {"@id": "_:" + self.value}
        out = {"@value": self.value}
        if self.language:
            out["@language"] = self.language
        elif self.datatype:
            out["@type"] = self.datatype
        return out


#: The widest column of ``kg query``'s table; a longer value ends in "…" (``-f csv`` or ``-f json`` hold it whole).
_TABLE_WIDTH = 80


def _table_cell(value: str | None) -> str:
    """A value as one line of at most :data:`_TABLE_WIDTH` characters: line ends as ``\\n``, cut with "…"."""
    text = (value or "").replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    return text if len(text) <= _TABLE_WIDTH else text[: _TABLE_WIDTH - 1] + "…"


@dataclass(frozen=True, slots=True)
class QueryResult:
    """The result of a query: a table (SELECT), a boolean (ASK) or triples (CONSTRUCT/DESCRIBE).

    ``rows`` holds each cell's plain value (an IRI, a literal's lexical form or a
    blank node's label; ``None`` where a variable is unbound), ``terms`` the same
    cells as :class:`Term`; ``triples`` the triples of a graph result and
    ``ntriples`` their N-Triples text.
    """

    kind: str  # "select" | "ask" | "graph"
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[str | None, ...], ...] = ()
    boolean: bool | None = None
    ntriples: str = ""
    terms: tuple[tuple[Term | None, ...], ...] = ()
    triples: tuple[tuple[Term, Term, Term], ...] = ()

    def to_table(self) -> str:
        """Plain-text table (or ``true``/``false``, or N-Triples)."""
        if self.kind == "ask":
            return "true" if self.boolean else "false"
        if self.kind == "graph":
            return self.ntriples
        rows = [tuple(_table_cell(c) for c in row) for row in self.rows]
        widths = [len(v) for v in self.variables]
        for row in rows:
            widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
        widths = [min(w, _TABLE_WIDTH) for w in widths]

        def fmt(cells: tuple[str, ...]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

        lines = [fmt(self.variables), "  ".join("-" * w for w in widths)]
        lines.extend(fmt(row) for row in rows)
        lines.append(f"({len(self.rows)} row{'s' if len(self.rows) != 1 else ''})")
        return "\n".join(lines)

    def to_json(self) -> str:
        """SPARQL 1.1 Query Results JSON (SELECT, ASK); expanded JSON-LD for a graph result."""
        if self.kind == "ask":
            return json.dumps({"head": {}, "boolean": bool(self.boolean)})
        if self.kind == "graph":
            return json.dumps(_expanded_jsonld(self.triples), ensure_ascii=False, indent=1)
        bindings = [
            {v: t.to_sparql_json() for v, t in zip(self.variables, row, strict=True) if t is not None}
            for row in self.terms
        ]
        return json.dumps(
            {"head": {"vars": list(self.variables)}, "results": {"bindings": bindings}}, ensure_ascii=False, indent=1
        )

    def to_csv(self) -> str:
        """CSV with a header row, as SPARQL 1.1 Query Results CSV writes values.

        A graph result has the columns subject, predicate, object.
        """
        out = io.StringIO()
        writer = csv.writer(out)
        if self.kind == "ask":
            writer.writerow(["boolean"])
            writer.writerow(["true" if self.boolean else "false"])
        elif self.kind == "graph":
            writer.writerow(["subject", "predicate", "object"])
            writer.writerows([[_csv_value(t) for t in triple] for triple in self.triples])
        else:
            writer.writerow(self.variables)
            writer.writerows([["" if t is None else _csv_value(t) for t in row] for row in self.terms])
        return out.getvalue()


def _csv_value(term: Term) -> str:
    return "_:" + term.value if term.kind == "bnode" else term.value


def _expanded_jsonld(triples: tuple[tuple[Term, Term, Term], ...]) -> list[dict[str, Any]]:
    """Triples as expanded JSON-LD: one node object per subject, in first-seen order."""
    nodes: dict[str, dict[str, Any]] = {}
    for subject, predicate, obj in triples:
        key = subject.to_jsonld().get("@id", subject.value)  # a quoted triple (RDF-star) keeps its text
        node = nodes.setdefault(key, {"@id": key})
        if predicate.value == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" and obj.kind in ("uri", "bnode"):
            node.setdefault("@type", []).append(obj.to_jsonld()["@id"])  # uri or bnode: always an @id
        else:
            node.setdefault(predicate.value, []).append(obj.to_jsonld())
    return list(nodes.values())


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


#: rdflib's format name of each RDF file extension kg reads.
RDFLIB_FORMATS = {".nt": "ntriples", ".ttl": "turtle", ".jsonld": "json-ld", ".nq": "nquads", ".trig": "trig"}


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
            # mkdtemp makes it 0700: give it the permissions of .oxigraph/ (the umask's), so whoever
            # can read the build can query it
            os.chmod(tmp, stat.S_IMODE(root.stat().st_mode))
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
        graph.parse(str(path), format=RDFLIB_FORMATS.get(path.suffix.lower(), "turtle"))
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


def oxigraph_term(term: Any) -> Term:
    """A pyoxigraph term as a :class:`Term`."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return Term("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return Term("bnode", term.value)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        return Term("literal", term.value, _datatype(datatype), term.language)
    return Term("triple", str(term))  # an RDF-star quoted triple


def _datatype(iri: str | None) -> str | None:
    """A literal's datatype as SPARQL results name it: none for plain and language-tagged strings."""
    return None if iri in (XSD_STRING, RDF_LANG_STRING) else iri


def _rdflib_term(term: Any) -> Term:
    """An rdflib term as a :class:`Term`."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return Term("uri", str(term))
    if isinstance(term, BNode):
        return Term("bnode", str(term))
    if isinstance(term, Literal):
        datatype = str(term.datatype) if term.datatype is not None else None
        return Term("literal", str(term), _datatype(datatype), term.language)
    return Term("triple", str(term))


def _select(variables: tuple[str, ...], terms: tuple[tuple[Term | None, ...], ...]) -> QueryResult:
    rows = tuple(tuple(None if t is None else t.value for t in row) for row in terms)
    return QueryResult("select", variables, rows, terms=terms)


_SYNTAX_AT = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)
#: What cannot hold a prefixed name or a keyword: long and short strings, IRIs, comments,
#: and the escapes of local names (``kg:it\'s``).
_NOT_NAMES = re.compile(
    r"'''[\s\S]*?'''|\"\"\"[\s\S]*?\"\"\"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|<[^\s<>\"{}|^`]*>|#[^\n]*|\\."
)
_PREFIXED = re.compile(r"(?<![\w?$:-])([A-Za-z][\w-]*(?:\.[\w-]+)*)?:[\w.%-]*")
_DECLARED = re.compile(r"(?<![\w?$])PREFIX\s*([A-Za-z][\w.-]*)?:", re.IGNORECASE)
#: The prologue (PREFIX and BASE declarations, with IRIs blanked), then the keyword of the query form.
_FORM = re.compile(r"\s*(?:(?:PREFIX\s*(?:[A-Za-z][\w.-]*)?:|BASE)\s*)*([A-Za-z]+)", re.IGNORECASE)
_UPDATE_FORMS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})


#: What cannot be the keyword SERVICE although it may spell it: strings, IRIs, comments,
#: variables (``?service``), language tags, prefixed names and blank node labels
#: (``kg:service``, ``service:x``, ``_:service``, with the escapes of local names).
# What cannot hold the SERVICE keyword, to blank before looking for it: long strings (escapes
# and lone quotes inside), short strings, IRIs, comments (to the end of the line, \r or \n),
# variables, language tags, and prefixed names, except one whose prefix is "service" itself
# ("SERVICE:x", "SERVICE: {"), which pyoxigraph reads as the keyword. What is left is searched
# for the word with only word characters as its boundary, so ".SERVICE" counts: when in doubt,
# the query is refused.
_NOT_KEYWORDS_SOURCE = (
    r"'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\""
    r"|'(?:[^'\\\n\r]|\\.)*'|\"(?:[^\"\\\n\r]|\\.)*\""
    r"|<IRI>|#[^\r\n]*|[?$]\w+|@[A-Za-z]+(?:-[A-Za-z0-9]+)*"
    r"|(?<![\w.-])(?!(?i:service):)(?:[^\W\d][\w.-]*)?:(?:[\w.%:-]|\\.)*"
    # A backslash and what follows it, outside all of the above: never the keyword (a lexing error
    # to the parser), and without it a run of quotes and backslashes that never closes a string
    # ("'\\'\\'\\...") made every quote scan to the end of the query: quadratic time.
    r"|\\."
)
# Whether "<" opens an IRI or is "less than" depends on the parser's state ("'a'<'>' ... '"), so
# the check blanks twice: with IRIs as the grammar allows them, and with IRIs that hold no quote
# (a quote is then a string's). A query is refused if either finds the keyword.
_NOT_KEYWORDS = re.compile(_NOT_KEYWORDS_SOURCE.replace("<IRI>", r"<[^\s<>\"{}|^`]*>"))
_NOT_KEYWORDS_NO_QUOTED_IRI = re.compile(_NOT_KEYWORDS_SOURCE.replace("<IRI>", r"<[^\s<>\"'{}|^`]*>"))
_SERVICE = re.compile(r"(?<!\w)SERVICE(?!\w)", re.IGNORECASE)
#: The start of the message refusing a federated query.
SERVICE_REFUSED = "federated queries (SERVICE) are disabled"
#: The message for an empty query.
NO_QUERY = "no query given: send query= or an application/sparql-query body"


def _blank(sparql: str) -> str:
    """``sparql`` with strings, IRIs and comments replaced by spaces (same offsets)."""
    return _NOT_NAMES.sub(lambda m: " " * len(m[0]), sparql)


def query_form(sparql: str) -> str:
    """The keyword after the prologue, upper-cased: ``SELECT``, ``CONSTRUCT``, ``INSERT``, ... (``""`` if none).

    Examples
    --------
    >>> query_form("PREFIX ex: <http://e/> CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    'CONSTRUCT'
    >>> query_form("# INSERT\\nBASE <http://e/> select * {}")
    'SELECT'
    """
    found = _FORM.match(_blank(sparql))
    return found[1].upper() if found else ""


def is_update(sparql: str) -> bool:
    """Whether ``sparql`` is a SPARQL Update request (refused: the stores here are read-only)."""
    return query_form(sparql) in _UPDATE_FORMS


def uses_service(sparql: str) -> bool:
    """Whether ``sparql`` has a ``SERVICE`` clause (a federated query, which makes the engine call a URL).

    The keyword is looked for outside strings, IRIs, comments, variables and
    prefixed names, so ``"SERVICE"``, ``# SERVICE``, ``?service`` and ``kg:service``
    are not taken for it; in doubt it refuses (".SERVICE", a prefix named ``service``, which
    pyoxigraph reads as the keyword in ``SERVICE:x``). SPARQL's ``\\u`` escapes do not hide it: pyoxigraph reads
    them only inside strings and IRIs (``\\u0053ERVICE`` is a syntax error there).

    Examples
    --------
    >>> uses_service("SELECT * { SERVICE <http://127.0.0.1/admin> { ?s ?p ?o } }")
    True
    >>> uses_service('SELECT ?service { ?service rdfs:label "SERVICE" } # SERVICE <http://x/>')
    False
    """
    return any(
        _SERVICE.search(blanks.sub(lambda m: " " * len(m[0]), sparql)) is not None
        for blanks in (_NOT_KEYWORDS, _NOT_KEYWORDS_NO_QUOTED_IRI)
    )


def _undeclared_prefix(sparql: str, offset: int) -> tuple[str, int] | None:
    """The prefix that the parser stopped at, if the query neither declares it nor finds it in
    :data:`QUERY_PREFIXES`: an undeclared prefixed name that ends (give or take white space)
    where the error is; and where that name starts."""
    blanked = _blank(sparql)
    declared = {m[1] or "" for m in _DECLARED.finditer(blanked)} | set(QUERY_PREFIXES)
    for used in _PREFIXED.finditer(blanked):
        after = used.end() + len(blanked[used.end() :]) - len(blanked[used.end() :].lstrip())
        if (used[1] or "") not in declared and used.start() <= offset <= after + 1:
            return used[1] or "", used.start()
    return None


def syntax_message(sparql: str, error: str) -> str:
    """pyoxigraph's syntax error as a short message: where, what, and the line with a caret.

    An undefined prefix is named as such (pyoxigraph lists every character it
    expected, or names what may follow a prefix it did not know).
    """
    found = _SYNTAX_AT.match(error.strip())
    if not found:
        return f"malformed SPARQL: {error}"
    line_no, column, detail = int(found[1]), int(found[2]), " ".join(found[3].split())
    lines = sparql.split("\n")  # pyoxigraph counts lines by \n only
    text = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
    offset = sum(len(line) + 1 for line in lines[: line_no - 1]) + column - 1
    undeclared = _undeclared_prefix(sparql, offset)
    if undeclared is not None:
        prefix, start = undeclared
        line_no = sparql.count("\n", 0, start) + 1  # point at the name, not past it
        column = start - (sparql.rfind("\n", 0, start) + 1) + 1
        text = lines[line_no - 1]
        what = f"undefined prefix {prefix}: (declare it: PREFIX {prefix}: <...>)"
    else:
        what = detail if len(detail) <= 160 else detail[:157] + "..."
    caret = "".join("\t" if c == "\t" else " " for c in text[: column - 1]) + "^"
    return f"malformed SPARQL at line {line_no}, column {column}: {what}\n  {text}\n  {caret}"


def query(store: Any, sparql: str, *, allow_service: bool = False) -> QueryResult:
    """Run a read-only SPARQL query on a store from :func:`load_store`.

    The prefixes of :data:`QUERY_PREFIXES` (``kg:``, ``skos:``, ``dcterms:``, ...)
    need no PREFIX line.

    Parameters
    ----------
    store : Store
        From :func:`load_store`.
    sparql : str
        The query.
    allow_service : bool
        Let ``SERVICE`` clauses (federated queries) run: both engines then send
        HTTP requests to the URLs they name. Off by default, so a query from
        elsewhere cannot make kg reach hosts of the local network.

    Raises
    ------
    QueryError
        Malformed queries, updates (stores here are read-only), unless
        ``allow_service`` federated queries, and whatever else the engine
        fails at (a SERVICE that cannot be reached, a store that cannot be
        read), with the engine's message.
    """
    import pyoxigraph as ox

    if not sparql.strip():
        raise QueryError(NO_QUERY)
    if is_update(sparql):
        raise QueryError("updates (INSERT, DELETE, LOAD, ...) are not supported: kg queries a build read-only")
    if not allow_service and uses_service(sparql):
        raise QueryError(
            f"{SERVICE_REFUSED}; kg answers from the build's own graph "
            "(pass allow_service=True, or kg query --allow-service, to let a query call other endpoints)"
        )
    if isinstance(store, ox.Store):
        engine: Callable[[Any, str], QueryResult] = _oxigraph_query
    else:
        engine = _rdflib_query
    try:
        return engine(store, sparql)
    except QueryError:
        raise
    except SyntaxError as err:  # pyoxigraph's, for the query's syntax
        message = syntax_message(sparql, str(err))
    except Exception as err:  # what the engine met while evaluating: a SERVICE that failed, a store that cannot be read
        if engine is _oxigraph_query:
            message = f"the query failed in pyoxigraph: {err}"
        elif (prefix := _UNKNOWN_PREFIX.search(str(err))) is not None:  # rdflib finds these only when evaluating
            name = prefix.group(1).strip()
            message = f"malformed SPARQL: undefined prefix {name}: (declare it: PREFIX {name}: <...>)"
        else:  # the query parsed: rdflib's evaluation gives up on some valid queries (GROUP_CONCAT of an OPTIONAL)
            message = (
                f"rdflib's engine failed on this query ({type(err).__name__}: {err}); "
                "the query parsed, so this may be a limitation of rdflib: try --store oxigraph"
            )
    # Raised outside the except clause, so the engine's exception (whose traceback holds pyoxigraph's
    # result iterator) is let go here: pyoxigraph objects must be dropped on the thread that made them.
    raise QueryError(message)


def _oxigraph_query(store: Any, sparql: str) -> QueryResult:
    import pyoxigraph as ox

    result = store.query(sparql, prefixes=QUERY_PREFIXES)
    if isinstance(result, ox.QuerySolutions):
        variables = tuple(v.value for v in result.variables)
        cells = tuple(tuple(None if sol[v] is None else oxigraph_term(sol[v]) for v in variables) for sol in result)
        return _select(variables, cells)
    if isinstance(result, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(result))
    found = list(result)
    nt = "".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in found)
    triples = tuple((oxigraph_term(t.subject), oxigraph_term(t.predicate), oxigraph_term(t.object)) for t in found)
    return QueryResult("graph", ntriples=nt, triples=triples)


#: rdflib's word for a prefix no PREFIX line declares ("Unknown namespace prefix : foo").
_UNKNOWN_PREFIX = re.compile(r"^Unknown namespace prefix\s*:\s*(\S+)")
#: A SELECT of every variable in scope ("SELECT *", "SELECT DISTINCT *").
_SELECT_STAR = re.compile(r"\bSELECT\s+(?:(?:DISTINCT|REDUCED)\s+)?\*", re.IGNORECASE)


def _rdflib_query(store: Any, sparql: str) -> QueryResult:
    from pyparsing import ParseBaseException

    try:
        res = store.query(sparql, initNs=QUERY_PREFIXES)
    except ParseBaseException as err:  # only the parser's errors are the query's syntax
        raise QueryError(f"malformed SPARQL: {err}") from err
    if res.type == "ASK":
        return QueryResult("ask", boolean=bool(res.askAnswer))
    if res.type in ("CONSTRUCT", "DESCRIBE"):
        triples = tuple((_rdflib_term(s), _rdflib_term(p), _rdflib_term(o)) for s, p, o in res.graph)
        return QueryResult("graph", ntriples=res.serialize(format="nt").decode(), triples=triples)
    variables = tuple(str(v) for v in res.vars)
    cells = tuple(tuple(None if c is None else _rdflib_term(c) for c in row) for row in res)
    if _SELECT_STAR.search(sparql):  # rdflib gives SELECT *'s variables in set order, which differs per process
        order = sorted(range(len(variables)), key=lambda i: variables[i])
        variables = tuple(variables[i] for i in order)
        cells = tuple(tuple(row[i] for i in order) for row in cells)
    return _select(variables, cells)
