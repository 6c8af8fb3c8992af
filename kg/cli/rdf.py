"""``kg query``: SPARQL over a build."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from kg.errors import QueryError
from kg.rdf.endpoint import MAX_BYTES, MAX_CONNECTIONS, MAX_MEMORY_MB, MAX_REQUEST_BYTES
from kg.rdf.store import STORES, load_store, query

__all__ = ["query_command"]

T = TypeVar("T")

#: Shared by ``kg query`` and ``kg serve``.
IN_MEMORY_OPTION = click.option(
    "--in-memory",
    is_flag=True,
    help="Load the RDF into memory every time instead of keeping a store on disk in the build's .oxigraph/ "
    "(loaded on the first query of a build, then opened in milliseconds; about the size of graph.nt).",
)


@click.command("query")
@click.argument("target", type=click.Path(path_type=Path))
@click.argument("sparql")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format: an aligned table (CONSTRUCT: N-Triples), SPARQL 1.1 results JSON "
    "(CONSTRUCT: expanded JSON-LD) or CSV (CONSTRUCT: subject,predicate,object).",
)
@click.option("--store", type=click.Choice(sorted(STORES)), default="oxigraph", show_default=True, help="Query engine.")
@IN_MEMORY_OPTION
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Give up after this many seconds (default: no limit; Ctrl-C always stops a query).",
)
@click.option(
    "--allow-service",
    is_flag=True,
    help="Let SERVICE clauses (federated queries) call the endpoints they name (refused by default).",
)
def query_command(
    target: Path, sparql: str, fmt: str, store: str, in_memory: bool, timeout: float | None, allow_service: bool
) -> None:
    """Run a SPARQL query over TARGET (a build directory or an RDF file).

    SPARQL is the query text, or @FILE to read it from a file (see queries/*.rq).
    kg's prefixes need no PREFIX line: kg:, dcterms:, schema:, skos:, oa:, prov:, owl:, rdf:,
    rdfs:, xsd: (a query's own declarations win). The table format puts each
    value on one line and cuts it at 80 characters with "…"; -f csv or -f json hold it whole.

    \b
    Examples:
      kg query output 'SELECT (COUNT(?p) AS ?n) WHERE { ?p a kg:Paper }'
      kg query output @queries/12_confident_model_dataset_pairs.rq -f csv
    """
    if sparql.startswith("@"):
        try:
            sparql = Path(sparql[1:]).read_text(encoding="utf-8")
        except OSError as err:
            raise QueryError(f"{sparql[1:]}: cannot read query file ({err.strerror})") from err
    if not sparql.strip():  # before the store loads; the engine's message is worded for the endpoint
        raise QueryError("no query given: pass the SPARQL text after TARGET, or @FILE to read it from a file")
    result = _interruptible(
        lambda: query(load_store(target, store, persist=not in_memory), sparql, allow_service=allow_service), timeout
    )
    out = {"table": result.to_table, "json": result.to_json, "csv": result.to_csv}[fmt]()
    click.echo(out.rstrip("\n"))


def _interruptible(work: Callable[[], T], timeout: float | None) -> T:
    """Run ``work`` in a thread and wait for it so that Ctrl-C and ``timeout`` are heard.

    pyoxigraph evaluates a query in Rust without the GIL, where Python's signal
    handlers do not run: called directly, a runaway query ignores Ctrl-C. The
    evaluation itself cannot be cancelled; the thread is a daemon, so it ends
    with the process, which exits right after the error.
    """
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["result"] = work()
        except BaseException as err:  # handed to the main thread
            box["error"] = err

    thread = threading.Thread(target=target, name="kg-query", daemon=True)
    thread.start()
    deadline = None if timeout is None else time.monotonic() + timeout
    while thread.is_alive():
        wait = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
        if wait <= 0:
            raise QueryError(f"the query ran over --timeout {timeout:g} s; add a LIMIT or narrow its patterns")
        thread.join(wait)
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["result"]  # type: ignore[return-value]


@click.command("validate")
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--report", "show_report", is_flag=True, help="Print pyshacl's full report.")
def validate_command(target: Path, show_report: bool) -> None:
    """Check a build (directory or RDF file) against kg's SHACL shapes; exit 1 on violations.

    A build directory is checked in its graph.nt (the file kg query and kg serve
    load); graph.ttl and graph.jsonld hold the same triples and are checked by
    naming them.

    \b
    Examples:
      kg validate output
      kg validate output/graph.ttl --report
    """
    from kg.rdf.store import resolve_rdf_file
    from kg.rdf.validate import validate

    checked = resolve_rdf_file(target)
    report = validate(checked)
    if show_report or not report.conforms:
        click.echo(report.text.rstrip())
    click.echo(f"{checked}: " + ("conforms" if report.conforms else f"{report.violations} violations"))
    if not report.conforms:
        raise SystemExit(1)


def _limit(flag: str, default: int, help: str, minimum: int = 1) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A ``kg serve`` option holding a whole number of at least ``minimum``."""
    return click.option(flag, type=click.IntRange(min=minimum), default=default, show_default=True, help=help)


@click.command("serve")
@click.argument("target", type=click.Path(path_type=Path), default="output")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (localhost only by default).")
@click.option("--port", type=click.IntRange(1, 65535), default=7878, show_default=True, help="TCP port.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Time limit of a request in seconds, from its arrival (waiting for a free worker counts).",
)
@_limit("--workers", 4, "Queries run at once, one process each (each holds the store; with --in-memory, a copy each).")
@_limit("--max-results", 10_000, "Most rows (or triples) a query may return.")
@_limit("--max-bytes", MAX_BYTES, "Largest answer in bytes (a few rows can hold a huge string).")
@_limit("--max-request-bytes", MAX_REQUEST_BYTES, "Largest request body read (a POSTed query or form).")
@_limit(
    "--max-memory",
    MAX_MEMORY_MB,
    "Megabytes a query may take in its worker beyond the store (503 past it; 0: no limit; Linux).",
    minimum=0,
)
@_limit(
    "--max-connections",
    MAX_CONNECTIONS,
    "Connections held open at once (a client must send its request headers within --timeout).",
)
@IN_MEMORY_OPTION
def serve_command(
    target: Path,
    host: str,
    port: int,
    timeout: float,
    workers: int,
    max_results: int,
    max_bytes: int,
    max_request_bytes: int,
    max_memory: int,
    max_connections: int,
    in_memory: bool,
) -> None:
    """Serve TARGET (build directory or RDF file) as a read-only SPARQL 1.1 endpoint.

    Queries go to http://HOST:PORT/sparql (GET ?query= or POST); results come as
    SPARQL JSON, XML, CSV or TSV by the Accept header, CONSTRUCT as Turtle,
    N-Triples, JSON-LD or RDF/XML.
    Updates are refused. Works with SPARQLWrapper, YASGUI, Jena and Oxigraph clients.

    \b
    Examples:
      kg serve output                  # http://127.0.0.1:7878/sparql, a query form in a browser
      kg serve output --port 8890 --timeout 30 --workers 2
    """
    from kg.rdf.endpoint import EndpointConfig, check_address, serve
    from kg.rdf.store import resolve_rdf_file

    resolve_rdf_file(target)  # a missing build or a taken port is an error before anything says it is served
    check_address(host, port)
    click.echo(f"serving {target} at http://{host}:{port}/sparql (Ctrl-C to stop)", err=True)
    config = EndpointConfig(
        timeout=timeout,
        max_results=max_results,
        persist=not in_memory,
        workers=workers,
        max_bytes=max_bytes,
        max_request_bytes=max_request_bytes,
        max_memory=max_memory,
        max_connections=max_connections,
    )
    serve(target, host, port, config)
