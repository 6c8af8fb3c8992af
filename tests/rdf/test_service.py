"""Federated queries (SERVICE) are refused, so a query cannot make kg fetch a URL.

A real HTTP listener stands in for an internal service: the tests check that it
receives no request when a SERVICE is refused, and that it does when one is
allowed (so the listener would have noticed).
"""

from __future__ import annotations

import http.server
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.errors import QueryError
from kg.rdf.endpoint import EndpointConfig, make_app
from kg.rdf.store import load_store, query, uses_service

from ..conftest import serving

DATA = '<http://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "SERVICE desk" .\n'
ANSWER = b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"literal","value":"FROM-REMOTE"}}]}}'


class Listener:
    """A local HTTP server that answers every request with one SPARQL JSON row and records its path."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        paths = self.paths

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(ANSWER)))
                self.end_headers()
                self.wfile.write(ANSWER)

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/internal-admin?x=1"


@pytest.fixture()
def listener() -> Iterator[Listener]:
    found = Listener()
    thread = threading.Thread(target=found.server.serve_forever, daemon=True)
    thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


@pytest.fixture(scope="module")
def rdf_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("service") / "data.nt"
    path.write_text(DATA, encoding="utf-8")
    return path


def _federated(url: str) -> str:
    return f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"


#: Queries that mention "service" without a SERVICE clause; all must run.
LOOKALIKES = [
    'SELECT ?s WHERE { ?s rdfs:label "SERVICE desk" }',
    "SELECT ?s WHERE { ?s ?p ?o } # SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o }",
    "SELECT ?service WHERE { ?service ?p ?o }",
    "SELECT ?s WHERE { ?s ?p ?o FILTER(?p != kg:service && ?o != 'x'@service) }",
    "SELECT ?s WHERE { ?s ?p ?o FILTER(?s != <http://example.org/SERVICE>) }",
]


def test_service_is_told_from_its_lookalikes() -> None:
    assert all(not uses_service(q) for q in LOOKALIKES)
    for q in (
        _federated("http://127.0.0.1:9/x"),
        "select * { service silent <http://e/> { ?s ?p ?o } }",
        "SELECT * {SERVICE<http://e/>{?s ?p ?o}}",
        "PREFIX e: <http://e/> SELECT * { SERVICE e:sparql { ?s ?p ?o } }",
        "SELECT * { VALUES ?e { <http://e/> } SERVICE ?e { ?s ?p ?o } }",
        'SELECT * { ?s ?p "x" # a comment\n SERVICE <http://e/> { ?s ?p ?o } }',
        # the review's ways past the first tokenizer, each of which pyoxigraph ran
        "SELECT * { ?a ?b ?c .SERVICE <http://e/> { ?s ?p ?o } }",
        "PREFIX : <http://e/> SELECT * { SERVICE: { ?s ?p ?o } }",
        "PREFIX : <http://e/> SELECT * { SERVICE:x { ?s ?p ?o } }",
        # fail closed: pyoxigraph reads "SERVICE:x" as the keyword, so a prefix named "service" is refused
        "PREFIX service: <http://example.org/> SELECT ?s WHERE { ?s ?p ?o FILTER(?s = service:a) }",
        "SELECT * { # a comment\rSERVICE <http://e/> { ?s ?p ?o } }",
        "SELECT * { BIND('''x\\'''' AS ?a) SERVICE <http://e/> { ?s ?p ?o } BIND('y' AS ?b) }",
        'SELECT * { BIND("""x\\"""" AS ?a) SERVICE <http://e/> { ?s ?p ?o } BIND("y" AS ?b) }',
        # "<" as less-than before a quote: read as an IRI "<'>", the next quote seemed to open a string
        "SELECT ?a WHERE { BIND('a'<'>' AS ?z) SERVICE <http://e/> { ?a ?b ?c } BIND('x' AS ?w) }",
        "SELECT * { FILTER(1<'>') SERVICE <http://e/> { ?s ?p ?o } FILTER('x'>'y') }",
    ):
        assert uses_service(q), q


def test_the_service_check_takes_linear_time_on_quotes_that_never_close() -> None:
    # A run of quote-backslash pairs never closes a string; each quote used to scan to the end of
    # the query, so 60 KB held the endpoint's event loop for about 20 s. 400 KB now takes
    # milliseconds; the bound is a hundred times that, far under the quadratic minutes.
    for run in ("'\\" * 200_000, '"\\' * 200_000, "'''" + "\\'" * 200_000):
        started = time.perf_counter()
        assert not uses_service(run)
        assert uses_service(run + "\nSELECT * { SERVICE <http://e/> { ?s ?p ?o } }")
        assert time.perf_counter() - started < 10


def test_the_reviews_bypasses_send_nothing(rdf_file: Path, listener: Listener) -> None:
    store = load_store(rdf_file, "oxigraph", persist=False)
    for q in (
        f"SELECT * {{ ?a ?b ?c .SERVICE <{listener.url}> {{ ?s ?p ?o }} }}",
        f"PREFIX : <{listener.url}> SELECT * {{ SERVICE: {{ ?s ?p ?o }} }}",
        f"SELECT * {{ # c\rSERVICE <{listener.url}> {{ ?s ?p ?o }} }}",
        f"SELECT ?a WHERE {{ BIND('a'<'>' AS ?z) SERVICE <{listener.url}> {{ ?a ?b ?c }} BIND('x' AS ?w) }}",
    ):
        with pytest.raises(QueryError, match=r"^federated queries \(SERVICE\) are disabled; "):
            query(store, q)
    assert listener.paths == []


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_the_python_api_refuses_service_and_sends_nothing(engine: str, rdf_file: Path, listener: Listener) -> None:
    store = load_store(rdf_file, engine, persist=False)
    with pytest.raises(QueryError, match=r"^federated queries \(SERVICE\) are disabled; "):
        query(store, _federated(listener.url))
    assert listener.paths == []
    for lookalike in LOOKALIKES:
        query(store, lookalike)
    assert query(store, LOOKALIKES[0]).rows == (("http://example.org/a",),)


def test_allowed_service_reaches_the_listener(rdf_file: Path, listener: Listener) -> None:
    # the control: the listener does see the request a SERVICE makes
    result = query(load_store(rdf_file, persist=False), _federated(listener.url), allow_service=True)
    assert [row[-1] for row in result.rows] == ["FROM-REMOTE"]
    assert listener.paths == ["/internal-admin?x=1"]


def test_the_cli_refuses_service_in_one_line(rdf_file: Path, listener: Listener) -> None:
    result = CliRunner().invoke(main, ["query", str(rdf_file), _federated(listener.url)])
    assert result.exit_code == 1
    assert result.output.startswith("kg: error: federated queries (SERVICE) are disabled; ")
    assert "Traceback" not in result.output and len(result.output.splitlines()) == 1
    assert listener.paths == []


def test_the_endpoint_refuses_service_with_400_and_sends_nothing(rdf_file: Path, listener: Listener) -> None:
    with serving(make_app(rdf_file, EndpointConfig(timeout=10, persist=False))) as base:
        for method in ("GET", "POST"):
            sparql = _federated(listener.url)
            if method == "GET":
                req = urllib.request.Request(base + "/sparql?" + urllib.parse.urlencode({"query": sparql}))
            else:
                headers = {"Content-Type": "application/sparql-query", "Origin": "https://example.net"}
                req = urllib.request.Request(base + "/sparql", data=sparql.encode(), headers=headers)
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(req, timeout=30)
            assert err.value.code == 400
            body = err.value.read().decode()
            assert body == "federated queries (SERVICE) are disabled; this endpoint answers from its own graph only\n"
        for lookalike in LOOKALIKES:
            url = base + "/sparql?" + urllib.parse.urlencode({"query": lookalike})
            req = urllib.request.Request(url, headers={"Accept": "text/csv"})
            with urllib.request.urlopen(req, timeout=30) as resp:
                assert resp.status == 200, lookalike
    assert listener.paths == []


def test_a_failing_allowed_service_is_a_query_error(rdf_file: Path) -> None:
    unreachable = _federated("http://127.0.0.1:9/x")  # pyoxigraph refuses port 9 (discard) as an OSError
    with pytest.raises(QueryError, match=r"^the query failed in pyoxigraph: .*port 9"):
        query(load_store(rdf_file, persist=False), unreachable, allow_service=True)


def test_kg_query_reports_a_failing_service_in_one_line(rdf_file: Path) -> None:
    import subprocess
    import sys

    command = [sys.executable, "-c", "from kg.cli import main; main()", "query", str(rdf_file)]
    unreachable = _federated("http://127.0.0.1:9/x")
    root = Path(__file__).resolve().parents[2]
    for extra in ([], ["--allow-service"]):
        done = subprocess.run([*command, unreachable, *extra], cwd=root, capture_output=True, text=True, timeout=120)
        assert done.returncode == 1 and done.stdout == ""
        # one line, no traceback, and no complaint of pyoxigraph's about objects dropped on another thread
        assert len(done.stderr.splitlines()) == 1, done.stderr
        assert done.stderr.startswith(
            "kg: error: federated queries (SERVICE) are disabled"
            if not extra
            else "kg: error: the query failed in pyoxigraph: "
        )
