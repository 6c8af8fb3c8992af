"""``kg serve``: a read-only SPARQL 1.1 Protocol endpoint over a build.

A small Starlette app (served by uvicorn) in front of pyoxigraph. Queries run in
a pool of worker processes, each holding the store: a query over its time limit
is cut off by killing its worker (pyoxigraph evaluation cannot be interrupted
from another thread), and a fresh worker reloads the store in the background.
The time limit is the client's: it counts from when the request arrives, so time
spent waiting for a free worker counts too, and a request that finds none free
in time is answered 503 with ``Retry-After``. The
endpoint answers GET ``?query=`` and POST (form or ``application/sparql-query``, in
the charset the Content-Type names), with ``default-graph-uri`` and
``named-graph-uri`` replacing the query's FROM and FROM NAMED (a build's
triples are all in the default graph, which has no IRI to name);
SELECT/ASK results as SPARQL JSON, XML, CSV or TSV by content negotiation
(Accept with q-values; 406 when no type served is acceptable; a browser, which
asks for HTML first, gets a query form and a result table, :mod:`kg.rdf.browse`),
CONSTRUCT/DESCRIBE as Turtle, N-Triples, JSON-LD or RDF/XML. Updates are refused
with 403, federated queries (``SERVICE``) and queries the engine cannot evaluate
(an unsupported function) with 400, answers over the row or byte limit with 422,
request bodies over theirs with 413, queries over the time limit or the memory
limit with 503. A client gets ``timeout`` seconds to send its
request headers and at most ``max_connections`` connections are held open, so
slow or idle clients cannot exhaust the server's file descriptors. kg's prefixes (``kg:``, ``skos:``,
``dcterms:``, ...) need no PREFIX line. It binds to 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import logging
import math
import multiprocessing as mp
import queue
import signal
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from kg.errors import QueryError, ResultLimitError, ServeError

from .results import write_boolean, write_solutions
from .store import (
    NO_QUERY,
    QUERY_PREFIXES,
    SERVICE_REFUSED,
    is_update,
    query_form,
    resolve_rdf_file,
    syntax_message,
    uses_service,
)

__all__ = [
    "MAX_BYTES",
    "MAX_CONNECTIONS",
    "MAX_MEMORY_MB",
    "MAX_REQUEST_BYTES",
    "MAX_URL_BYTES",
    "EndpointBusy",
    "EndpointConfig",
    "MemoryLimitError",
    "QueryWorker",
    "WorkerPool",
    "check_address",
    "make_app",
    "serve",
    "server_config",
]

log = logging.getLogger(__name__)

SELECT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/html": "html",  # last: only a browser, which lists it first, gets it
}
#: Media types of CONSTRUCT/DESCRIBE answers; JSON asked of a graph gets JSON-LD.
GRAPH_TYPES = {
    "text/turtle": "ttl",
    "application/n-triples": "nt",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml",
    "text/plain": "nt",
    "application/json": "jsonld",
    "text/html": "html",
}


#: The default byte limits of an answer and of a request's body.
MAX_BYTES = 64_000_000
MAX_REQUEST_BYTES = 1_000_000
#: The longest query string a GET may have (414 past it: POST a longer query). A request's line and
#: headers are held whole while they arrive, on the server's one event loop, so they stay small.
MAX_URL_BYTES = 64 * 1024
_MAX_HEAD_BYTES = MAX_URL_BYTES + 16 * 1024
#: The default memory a query may take in its worker (megabytes), and connections held open at once.
MAX_MEMORY_MB = 2048
MAX_CONNECTIONS = 256


@dataclass(frozen=True, slots=True)
class EndpointConfig:
    """Limits of the endpoint, and where its store lives.

    ``timeout``: seconds from a request's arrival to its answer, waiting for a
    worker included. ``max_results`` and ``max_bytes``: the most rows (or
    triples) and bytes an answer may have (422 past either: a few short rows
    can hold a huge string, ``CONCAT`` doubling one). ``max_request_bytes``:
    the largest request body read (413 past it, before it is read).
    ``persist``: open the build's on-disk store (loaded once, see
    :mod:`kg.rdf.store`), so a worker restarted after a timeout is back in a
    fraction of a second; ``False`` loads the RDF file in memory in every
    worker. ``workers``: how many queries run at once (one process each, each
    holding the store: with ``persist=False`` every worker keeps its own copy
    in memory). More workers than cores is intended: queries are CPU-bound and
    the operating system shares the cores between them, so a trivial query
    still answers in milliseconds while slow ones run out their time limit.
    ``max_memory``: megabytes a query may take in its worker beyond the loaded
    store (a query past it is answered 503 and its worker restarted; Linux,
    where the limit is ``RLIMIT_DATA``; ``0``: no limit). ``max_connections``:
    connections held open at once; past it a new one is closed at once. The
    headers of a request must come within ``timeout`` seconds of the
    connection (or of the previous answer on a kept-alive one).
    """

    timeout: float = 10.0
    max_results: int = 10_000
    persist: bool = True
    workers: int = 4
    max_bytes: int = MAX_BYTES
    max_request_bytes: int = MAX_REQUEST_BYTES
    max_memory: int = MAX_MEMORY_MB
    max_connections: int = MAX_CONNECTIONS


def _data_bytes() -> int | None:
    """This process's data segment (what ``RLIMIT_DATA`` bounds) in bytes; ``None`` off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _limit_memory(megabytes: int) -> None:
    """Bound this process's further memory to ``megabytes`` more than it holds now (Linux only).

    ``RLIMIT_DATA`` counts the heap and private anonymous mappings, not the
    store's memory-mapped files, so it bounds what a query allocates; an
    allocation past it makes pyoxigraph abort the process, which the parent
    sees as a death by ``SIGABRT`` and reports as the memory limit.
    """
    if megabytes <= 0:
        return
    current = _data_bytes()
    if current is None:  # no /proc: the limit is not applied (macOS, Windows)
        return
    import resource

    with contextlib.suppress(ValueError, OSError):
        _, hard = resource.getrlimit(resource.RLIMIT_DATA)
        soft = current + megabytes * 2**20
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def _worker(path: str, persist: bool, conn: Connection, max_memory: int = 0) -> None:  # runs in the child process
    import pyoxigraph as ox

    from .store import STORES

    try:
        store = STORES["oxigraph"](Path(path), persist)
    except Exception as err:  # an unreadable or unparseable file: said once, not waited for
        conn.send(("failed", str(err) or type(err).__name__))
        return
    _limit_memory(max_memory)  # after the store is loaded: the limit is the query's
    conn.send(("ready", None))
    while True:
        try:
            sparql, fmt, limits, dataset = conn.recv()
        except EOFError:
            return
        try:
            conn.send(("ok", _run(ox, store, sparql, fmt, limits, path, dataset)))
        except OverflowError as err:
            conn.send(("too-large", str(err)))
        except MemoryError:  # Python's own allocations over the limit: the process may be unsound, so it ends
            conn.send(("memory", None))
            return
        except QueryError as err:
            conn.send(("error", str(err)))
        except Exception as err:  # the endpoint's own failure, reported back; the worker lives on
            conn.send(("internal", f"cannot answer in {fmt} ({type(err).__name__}: {err})"))


#: The protocol's ``default-graph-uri`` and ``named-graph-uri`` values; ``None``: the query's own dataset.
Dataset = tuple[tuple[str, ...], tuple[str, ...]] | None


@dataclass(frozen=True, slots=True)
class _Limits:
    """How large an answer may be: rows (or triples) and bytes."""

    results: int
    bytes: int


def _run(
    ox: Any, store: Any, sparql: str, fmt: str, limits: _Limits, source: str = "", dataset: Dataset = None
) -> tuple[str, bytes]:
    graphs: dict[str, Any] = {}
    if dataset is not None:  # as SPARQL 1.1 Protocol 2.1.4: these replace the query's FROM and FROM NAMED
        graphs["default_graph"] = [ox.NamedNode(iri) for iri in dataset[0]]
        graphs["named_graphs"] = [ox.NamedNode(iri) for iri in dataset[1]]
    try:
        result = store.query(sparql, prefixes=QUERY_PREFIXES, **graphs)
    except SyntaxError as err:  # the user's query; not the re-serialisation below
        raise QueryError(syntax_message(sparql, str(err))) from err
    except (RuntimeError, ValueError) as err:  # parsed, but the engine cannot evaluate it
        raise QueryError(_cannot_run(err)) from err
    if fmt == "html":
        return "html", _sized(_html_answer(ox, result, sparql, limits, source).encode("utf-8"), limits)
    if isinstance(result, ox.QueryBoolean):
        return "boolean", write_boolean(bool(result), fmt)
    if isinstance(result, ox.QuerySolutions):
        variables = list(result.variables)
        rows = [[solution[v] for v in variables] for solution in _at_most(result, limits, "results")]
        return "select", _sized(write_solutions([v.value for v in variables], rows, fmt), limits)
    triples = _at_most(result, limits, "triples")
    formats = {"ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}
    rdf_format = formats.get(fmt, ox.RdfFormat.N_TRIPLES)
    return "graph", _sized(ox.serialize(triples, format=rdf_format), limits)


def _too_large(limits: _Limits) -> OverflowError:
    return OverflowError(
        f"the answer is over {limits.bytes} bytes (the endpoint's --max-bytes); add a LIMIT or select less"
    )


def _at_most(answer: Any, limits: _Limits, what: str) -> list[Any]:
    """The solutions or triples of ``answer``; OverflowError (422) past ``limits``.

    Their terms are measured as they come, so an answer over the byte limit
    is refused before it is serialised, which would take several times its size again.
    """
    found: list[Any] = []
    size = 0
    items = iter(answer)
    while True:
        try:
            item = next(items)
        except StopIteration:
            break
        except (RuntimeError, ValueError) as err:  # evaluation is lazy: the engine fails as it goes
            raise QueryError(_cannot_run(err)) from err
        if len(found) >= limits.results:
            raise OverflowError(f"more than {limits.results} {what} (the endpoint's --max-results); add a LIMIT")
        size += sum(_length(term) for term in item)
        if size > limits.bytes:
            raise _too_large(limits)
        found.append(item)
    return found


def _cannot_run(err: Exception) -> str:
    """The engine's reason a parsed query cannot be answered ("The custom function <…> is not supported")."""
    return f"the query cannot be answered: {err}"


def _length(term: Any) -> int:
    """About the bytes ``term`` takes in an answer: its text (a quoted triple's N-Triples form)."""
    if term is None:
        return 0
    value = getattr(term, "value", None)  # cheaper than str(term), which escapes the text too
    return len(value) if isinstance(value, str) else len(str(term))


def _sized(body: bytes, limits: _Limits) -> bytes:
    """``body``, or OverflowError (422) when its serialisation took it over the byte limit."""
    if len(body) > limits.bytes:
        raise _too_large(limits)
    return body


def _html_answer(ox: Any, result: Any, sparql: str, limits: _Limits, source: str) -> str:
    """The answer as the browser page of :mod:`kg.rdf.browse`."""
    from .browse import page
    from .store import oxigraph_term

    if isinstance(result, ox.QueryBoolean):
        return page(source, sparql, boolean=bool(result))
    found = _at_most(result, limits, "results" if isinstance(result, ox.QuerySolutions) else "triples")
    if isinstance(result, ox.QuerySolutions):
        variables = list(result.variables)
        rows = [[None if s[v] is None else oxigraph_term(s[v]) for v in variables] for s in found]
        return page(source, sparql, variables=[v.value for v in variables], rows=rows)
    triples = [(oxigraph_term(t.subject), oxigraph_term(t.predicate), oxigraph_term(t.object)) for t in found]
    return page(source, sparql, triples=triples)


class QueryWorker:
    """A worker process holding the store; restarted when a query runs over time."""

    def __init__(self, rdf_file: Path, persist: bool = True, max_memory: int = 0) -> None:
        self.rdf_file = rdf_file
        self.persist = persist
        self.max_memory = max_memory
        self.lock = threading.Lock()
        self._dead = False
        self._start()

    def _start(self) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=_worker, args=(str(self.rdf_file), self.persist, child, self.max_memory), daemon=True
        )
        self.proc.start()
        child.close()  # the child's end is the child's: its exit is then EOF here, not a 600 s wait
        try:
            status, message = self.conn.recv() if self.conn.poll(600) else ("timeout", None)
        except EOFError:
            status, message = "died", None
        if status != "ready":
            self.close()
            detail = f": {message}" if message else ""
            raise QueryError(f"{self.rdf_file}: the query worker did not start ({status}{detail})")
        self._dead = False

    def restart(self) -> None:
        """A fresh process (and store) in place of a killed or dead one."""
        with self.lock:
            self.close()
            self._start()

    def run(
        self,
        sparql: str,
        fmt: str,
        timeout: float,
        max_results: int,
        dataset: Dataset = None,
        max_bytes: int = MAX_BYTES,
    ) -> tuple[str, bytes]:
        """Run a query; raises TimeoutError, QueryError (the query's fault: :class:`ResultLimitError`
        when its answer is too large) or RuntimeError (the endpoint's). After a TimeoutError or a
        RuntimeError about the process, the worker is dead until :meth:`restart` (or the next run)."""
        with self.lock:
            if self._dead:
                self.close()
                self._start()
            try:
                self.conn.send((sparql, fmt, _Limits(max_results, max_bytes), dataset))
                answered = self.conn.poll(max(timeout, 0.0))
                if answered:
                    status, payload = self.conn.recv()
            except (EOFError, OSError) as err:  # the process died (killed from outside, out of memory)
                self._dead = True
                self.proc.join(1.0)
                if self.max_memory > 0 and self.proc.exitcode == -signal.SIGABRT:  # an allocation past the limit
                    raise MemoryLimitError(self._over_memory()) from err
                raise RuntimeError(f"the query worker died ({type(err).__name__}); it is being restarted") from err
            if not answered:
                self._dead = True
                self.proc.kill()  # now: the answer to the client does not wait for the restart
                raise TimeoutError(f"query exceeded the {timeout:g} s time limit")
        if status == "memory":
            self._dead = True
            raise MemoryLimitError(self._over_memory())
        if status == "too-large":
            raise ResultLimitError(str(payload))
        if status == "error":
            raise QueryError(str(payload))
        if status == "internal":
            raise RuntimeError(str(payload))
        kind, body = payload
        return str(kind), bytes(body)

    def _over_memory(self) -> str:
        return f"query exceeded the {self.max_memory} MB memory limit (kg serve --max-memory)"

    @property
    def dead(self) -> bool:
        """Whether the process was killed (time limit) or died, and needs :meth:`restart`."""
        return self._dead

    def close(self) -> None:
        self.proc.kill()
        self.proc.join()


class EndpointBusy(QueryError):
    """No worker came free before the request's time limit (answered 503 with Retry-After)."""


class MemoryLimitError(QueryError):
    """A query needed more memory than its worker may take (answered 503; the worker is restarted)."""


class WorkerPool:
    """``size`` query workers; a query takes a free one, waiting for one until its deadline.

    A worker killed over the time limit is restarted in a background thread and
    rejoins the pool when its store is open, so the client that ran over is
    answered at once and later requests take the other workers meanwhile.
    """

    def __init__(self, rdf_file: Path, persist: bool = True, size: int = 4, max_memory: int = 0) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.idle: queue.Queue[QueryWorker] = queue.Queue()
        # The first alone: it may have to load the build's on-disk store, which the others then open.
        self.workers = [QueryWorker(rdf_file, persist, max_memory)]
        if size > 1:
            with ThreadPoolExecutor(size - 1) as starting:
                self.workers += starting.map(lambda _: QueryWorker(rdf_file, persist, max_memory), range(size - 1))
        for worker in self.workers:
            self.idle.put(worker)

    def run(
        self,
        sparql: str,
        fmt: str,
        deadline: float,
        max_results: int,
        dataset: Dataset = None,
        max_bytes: int = MAX_BYTES,
    ) -> tuple[str, bytes]:
        """Run a query that must be answered by ``deadline`` (``time.monotonic()``); raises
        :class:`EndpointBusy` when no worker is free in time, else as :meth:`QueryWorker.run`."""
        try:
            worker = self.idle.get(timeout=max(deadline - time.monotonic(), 0.0))
        except queue.Empty:
            raise EndpointBusy("the endpoint is busy: no query worker came free within its time limit") from None
        try:
            return worker.run(sparql, fmt, deadline - time.monotonic(), max_results, dataset, max_bytes)
        finally:
            if worker.dead:
                threading.Thread(target=self._restart, args=(worker,), name="kg-worker-restart", daemon=True).start()
            else:
                self.idle.put(worker)

    def _restart(self, worker: QueryWorker) -> None:
        try:
            worker.restart()
        except Exception:  # the pool goes on with one worker fewer; say why
            log.exception("%s: a query worker could not be restarted", worker.rdf_file)
            return
        self.idle.put(worker)

    def close(self) -> None:
        for worker in self.workers:
            worker.close()


def _accept_ranges(accept: str) -> list[tuple[str, float]]:
    """The media ranges of an Accept header, lower-cased, each with its q-value (0 when malformed)."""
    ranges: list[tuple[str, float]] = []
    for part in accept.split(","):
        mime, *params = (p.strip().lower() for p in part.split(";"))
        if not mime:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0  # a malformed q-value makes the range unusable
        ranges.append((mime, q))
    return ranges


def _negotiate(accept: str, graph: bool, html: bool = True) -> tuple[str, str] | None:
    """Pick the media type to answer in from an Accept header (RFC 9110, with q-values).

    Each type served gets the q-value of the most specific range that matches it
    (``type/subtype`` over ``type/*`` over ``*/*``); the highest q wins, ties go to
    the type named over one matched by a wildcard, then to the range listed first,
    then to the server's order (JSON, then XML, CSV, TSV; Turtle, then N-Triples,
    JSON-LD, RDF/XML; HTML last, and only with ``html``). An empty header gets the
    first; ``None`` when every type served has q = 0 (answered with 406).
    """
    table = GRAPH_TYPES if graph else SELECT_TYPES
    if not html:
        table = {mime: fmt for mime, fmt in table.items() if fmt != "html"}
    ranges = _accept_ranges(accept)
    if not ranges:
        first = next(iter(table))
        return first, table[first]
    best: tuple[float, int, int, int, str] | None = None
    for order, mime in enumerate(table):
        kind = mime.split("/")[0]
        matches = [
            (specificity, -position, q)
            for position, (accepted, q) in enumerate(ranges)
            for specificity in [{mime: 2, kind + "/*": 1, "*/*": 0}.get(accepted)]
            if specificity is not None
        ]
        if not matches:
            continue
        specificity, neg_position, q = max(matches)  # the most specific range decides
        if q > 0 and (best is None or (q, specificity, neg_position, -order) > best[:4]):
            best = (q, specificity, neg_position, -order, mime)
    if best is None:
        return None
    return best[4], table[best[4]]


class _Refused(Exception):
    """A request the endpoint answers with ``status`` and this message, before any query runs."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


_READ_ONLY = "updates are not allowed: this endpoint is read-only"


def _content_type(header: str) -> tuple[str, str | None]:
    """The media type of a Content-Type header, lower-cased, and its charset (``None`` if not given)."""
    mime, *params = header.split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"')
    return mime.strip().lower(), charset


def _decode(body: bytes, charset: str) -> str:
    try:
        return body.decode(charset)
    except LookupError:
        raise _Refused(f"unknown charset {charset!r} in the Content-Type") from None
    except UnicodeDecodeError as err:
        raise _Refused(f"the request is not valid {charset} (byte {err.start})") from None


async def _read_body(request: Any, limit: int, deadline: float) -> bytes:
    """The request's body; :class:`_Refused` (413) when it is over ``limit`` bytes, said by its
    Content-Length before any of it is read, and (408) when it has not all come by ``deadline``."""
    import asyncio

    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise _Refused(_body_too_large(int(length), limit), 413)

    async def read() -> bytes:
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _Refused(_body_too_large(limit, limit, more=True), 413)
            chunks.append(chunk)
        return b"".join(chunks)

    try:
        return await asyncio.wait_for(read(), max(deadline - time.monotonic(), 0.0))
    except TimeoutError:
        raise _Refused("the request body did not arrive within the time limit", 408) from None


def _body_too_large(size: int, limit: int, more: bool = False) -> str:
    over = "over " if more else ""
    return f"the request body is {over}{size} bytes; this endpoint reads at most {limit} (kg serve --max-request-bytes)"


async def _read_query(
    request: Any, limit: int = MAX_REQUEST_BYTES, deadline: float = math.inf
) -> tuple[str | None, dict[str, list[str]]]:
    """The query of a SPARQL Protocol request and its other parameters (``None``: a GET without one,
    answered with the query page); raises :class:`_Refused` for updates, for two queries and for a
    body over ``limit`` bytes or not all come by ``deadline``."""
    params: dict[str, list[str]] = {}
    # the URL's query string, decoded strictly as the form below is (Starlette's query_params would
    # put U+FFFD in place of a bad %FF, so a GET would run a query other than the one sent)
    query_string = bytes(request.scope.get("query_string", b""))
    if len(query_string) > MAX_URL_BYTES:
        raise _Refused(
            f"the URL's query string is over {MAX_URL_BYTES} bytes; POST a query this long "
            "(application/sparql-query or a form)",
            414,
        )
    try:
        raw = query_string.decode("utf-8")
        pairs = urllib.parse.parse_qsl(raw, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as err:
        raise _Refused(f"the URL's query string is not valid UTF-8 once percent-decoded ({err.reason})") from None
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    if request.method == "POST":
        mime, charset = _content_type(request.headers.get("content-type", ""))
        if mime == "application/sparql-update":
            raise _Refused(_READ_ONLY, 403)
        body = await _read_body(request, limit, deadline)
        if mime == "application/sparql-query":
            params["query"] = [*params.get("query", []), _decode(body, charset or "utf-8")]
        elif mime not in ("application/x-www-form-urlencoded", ""):  # a body of another type holds no query
            raise _Refused(f"{NO_QUERY} (a {mime} body is not read)")
        else:
            # application/x-www-form-urlencoded, parsed here (no python-multipart needed); the charset
            # is that of the body's raw bytes ("curl -d" sends them unescaped) and of the
            # percent-encoded ones, which are decoded strictly (parse_qs would put U+FFFD for %FF)
            encoding = charset or "utf-8"
            text = _decode(body, encoding)
            try:
                form = urllib.parse.parse_qs(text, keep_blank_values=True, encoding=encoding, errors="strict")
            except UnicodeDecodeError as err:
                raise _Refused(f"a percent-encoded value is not valid {encoding} ({err.reason})") from None
            for name, values in form.items():
                params[name] = [*params.get(name, []), *values]
    if "update" in params:
        raise _Refused(_READ_ONLY, 403)
    queries = params.pop("query", [])
    if len(queries) > 1:
        raise _Refused(f"{len(queries)} queries in one request: send one query= parameter (or one body)")
    if not (queries and queries[0].strip()):
        if request.method == "GET":  # a browser opening the endpoint, or sending its form empty
            return None, params
        raise _Refused(NO_QUERY)
    return queries[0], params


def _asks_for_html(accept: str) -> bool:
    """Whether an Accept header names ``text/html`` (or XHTML) with a q-value above 0."""
    return any(mime in ("text/html", "application/xhtml+xml") and q > 0 for mime, q in _accept_ranges(accept))


def _dataset(params: dict[str, list[str]]) -> Dataset:
    """The RDF dataset named by ``default-graph-uri`` and ``named-graph-uri``; raises :class:`_Refused`."""
    import pyoxigraph as ox

    defaults, named = params.get("default-graph-uri", []), params.get("named-graph-uri", [])
    if not defaults and not named:
        return None
    for name, iris in (("default-graph-uri", defaults), ("named-graph-uri", named)):
        for iri in iris:
            try:
                ox.NamedNode(iri)
            except ValueError as err:
                raise _Refused(f"{name}={iri!r} is not an IRI ({err})") from None
    return tuple(defaults), tuple(named)


def make_app(target: str | Path, config: EndpointConfig | None = None) -> Any:
    """The Starlette app serving ``target`` (a build directory or an RDF file)."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, PlainTextResponse, Response
    from starlette.routing import Route

    from .browse import CSP, page

    config = config or EndpointConfig()
    csp = {"Content-Security-Policy": CSP}
    rdf_file = resolve_rdf_file(target)
    pool = WorkerPool(rdf_file, config.persist, config.workers, config.max_memory)

    async def sparql(request: Request) -> Response:
        response = await _answer(request)
        # the same URL answers in the type asked for, and with the form to a browser's navigation
        # (Sec-Fetch-Mode); the CORS middleware adds Origin
        response.headers["Vary"] = "Accept, Sec-Fetch-Mode"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    async def _answer(request: Request) -> Response:
        deadline = time.monotonic() + config.timeout  # the client's time limit, waiting and reading included
        try:
            text, params = await _read_query(request, config.max_request_bytes, deadline)
        except _Refused as refused:
            return PlainTextResponse(f"{refused}\n", refused.status)
        accept = request.headers.get("accept", "")
        # HTML for a browser opening a page (Sec-Fetch-Mode: navigate), or when nothing else is acceptable:
        # other clients may list text/html first too (Java's default Accept does) and want data.
        navigating = request.headers.get("sec-fetch-mode") == "navigate"
        if text is None:  # the query form, for a client that asks for HTML by name; "*/*" (curl) is told what to send
            if navigating or _asks_for_html(accept):
                return HTMLResponse(page(str(rdf_file)), headers=csp)
            return PlainTextResponse(f"{NO_QUERY} (or open this URL in a browser for a query form)\n", 400)
        try:
            dataset = _dataset(params)
        except _Refused as refused:
            return PlainTextResponse(f"{refused}\n", refused.status)
        if is_update(text):
            return PlainTextResponse(f"{_READ_ONLY}\n", 403)
        if uses_service(text):
            # The engine would fetch the URL a SERVICE names and hand back the answer: anyone who can
            # send a query (any web page open in a local browser, see CORS below) could reach hosts
            # only this machine can. Always refused here; `kg query --allow-service` is the local way.
            return PlainTextResponse(f"{SERVICE_REFUSED}; this endpoint answers from its own graph only\n", 400)
        graph = query_form(text) in ("CONSTRUCT", "DESCRIBE")
        chosen = _negotiate(accept, graph, html=navigating) or (None if navigating else _negotiate(accept, graph))
        if chosen is None:
            served = ", ".join(dict.fromkeys(GRAPH_TYPES if graph else SELECT_TYPES))
            message = f"cannot answer in any type of Accept: {accept}; this endpoint serves {served}\n"
            return PlainTextResponse(message, 406)
        mime, fmt = chosen
        from starlette.concurrency import run_in_threadpool

        try:
            _, body = await run_in_threadpool(
                pool.run, text, fmt, deadline, config.max_results, dataset, config.max_bytes
            )
        except (TimeoutError, QueryError, RuntimeError) as err:
            status = (
                503
                if isinstance(err, TimeoutError | EndpointBusy | MemoryLimitError)
                # 422, not 413 (which says the request is too large): the query is fine, its answer is not
                else 422
                if isinstance(err, ResultLimitError)
                else 400
                if isinstance(err, QueryError)
                else 500
            )
            # busy: a worker comes free within one time limit at the latest
            retry = {"Retry-After": str(math.ceil(config.timeout))} if isinstance(err, EndpointBusy) else {}
            # the worker was given what was left of the limit; the client's limit is the whole of it
            message = (
                f"query exceeded the {config.timeout:g} s time limit" if isinstance(err, TimeoutError) else str(err)
            )
            if fmt == "html":
                return HTMLResponse(page(str(rdf_file), text, error=message), status, headers={**csp, **retry})
            return PlainTextResponse(f"{message}\n", status, headers=retry)
        return Response(body, media_type=mime, headers=csp if fmt == "html" else None)

    # CORS with any origin: browser SPARQL clients served from elsewhere (YASGUI at yasgui.triply.cc,
    # notebooks, Comunica in a page) must be able to read the answers, and this is what public SPARQL
    # endpoints send. It lets any web page the user opens read the served graph too, which is
    # acceptable because that is all it can do: the endpoint is read-only (updates are 403), it
    # refuses SERVICE (which would let a page reach other hosts through it), sends no credentials
    # (no cookies, so no allow-credentials) and binds to 127.0.0.1 unless told otherwise.
    app = Starlette(
        routes=[Route("/", sparql, methods=["GET"]), Route("/sparql", sparql, methods=["GET", "POST"])],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_methods=["GET", "POST"],
                allow_headers=["*"],
                expose_headers=["Retry-After"],  # a page's script can wait as long as a busy endpoint asks
            )
        ],
        lifespan=_lifespan(pool),
    )
    app.state.endpoint_config = config  # the connection limits, for server_config
    return app


def _lifespan(pool: WorkerPool) -> Any:
    import contextlib
    from collections.abc import AsyncIterator

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        yield
        pool.close()

    return lifespan


def check_address(host: str, port: int) -> None:
    """Raise :class:`ServeError` in words when ``host:port`` cannot be bound (uvicorn exits with 3)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise ServeError(f"--host {host}: not an address of this machine ({err.strerror})") from err
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise ServeError(f"port {port} on {host} is in use; stop what serves there or pick --port") from err
            raise ServeError(f"cannot serve on {host}:{port} ({err.strerror})") from err


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` names is this machine's loopback (127.0.0.0/8, ::1).

    Examples
    --------
    >>> [is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "0.0.0.0", "::")]
    [True, True, True, False, False]
    """
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return False
    return bool(infos) and all(ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in infos)


def _guarded_protocol(header_timeout: float, max_connections: int) -> type:
    """uvicorn's h11 protocol with a deadline for each request's headers and a cap on connections.

    uvicorn itself waits for headers without end (its keep-alive timer stops at
    the first byte of the next request), so clients that open connections and
    trickle headers, or never send any, would hold a file descriptor each until
    the process has none left. Here a connection whose request headers are not
    all in ``header_timeout`` seconds after it opened (or after its previous
    answer) is closed, and one opened while ``max_connections`` are open is
    closed at once. A request's body has the request's own time limit
    (:func:`_read_body`).
    """
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11Protocol(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > max_connections:
                log.warning("%d connections open: closing a new one (kg serve --max-connections)", max_connections)
                transport.close()
                return
            self._await_headers()

        def _await_headers(self) -> None:
            self._stop_header_timer()
            self._header_timer = self.loop.call_later(header_timeout, self._headers_late)

        def _stop_header_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_late(self) -> None:
            self._header_timer = None
            waiting = self.cycle is None or self.cycle.response_complete  # no request under way
            if waiting and not self.transport.is_closing():
                log.debug("closing a connection whose request headers did not come in %g s", header_timeout)
                self.transport.close()

        def handle_events(self) -> None:
            super().handle_events()
            if self.cycle is not None and not self.cycle.response_complete:  # a request's headers are in
                self._stop_header_timer()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
                self._await_headers()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_header_timer()
            super().connection_lost(exc)

    return GuardedH11Protocol


def server_config(app: Any, host: str = "127.0.0.1", port: int = 7878) -> Any:
    """The ``uvicorn.Config`` that serves ``app`` (from :func:`make_app`) with the connection limits
    of the :class:`EndpointConfig` it was made with."""
    import uvicorn

    config: EndpointConfig = getattr(app.state, "endpoint_config", None) or EndpointConfig()
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        http=_guarded_protocol(config.timeout, config.max_connections),
        # uvicorn answers 503 once connections >= its limit, counting the one asking: with the guard
        # closing connection max + 1, this is only a backstop (a browser's 6 connections at 6 all work)
        limit_concurrency=config.max_connections + 1,
        # h11 refuses a request line + headers over this (16 KiB by default), but only when they come
        # in pieces: a long GET query then failed or not by how TCP cut it. Up to MAX_URL_BYTES of
        # query string they are read either way (past it the app answers 414); no more, since a
        # head is parsed whole on the event loop (3 MB of headers took 4.7 s of its CPU and 145 MB).
        h11_max_incomplete_event_size=_MAX_HEAD_BYTES,
    )


def serve(target: str | Path, host: str = "127.0.0.1", port: int = 7878, config: EndpointConfig | None = None) -> None:
    """Serve ``target`` until interrupted."""
    import uvicorn

    check_address(host, port)  # before the store loads, which can take a while
    if not is_loopback(host):
        log.warning("serving on %s: the endpoint is reachable from other machines", host)
    uvicorn.Server(server_config(make_app(target, config), host, port)).run()
