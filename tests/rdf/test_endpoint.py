"""The SPARQL endpoint, started for real on a free localhost port and queried with SPARQLWrapper."""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from SPARQLWrapper import CSV, JSON, TURTLE, SPARQLWrapper

from kg.rdf.endpoint import EndpointConfig, make_app

from ..conftest import free_port, serving

KG = "PREFIX kg: <https://w3id.org/kg/vocab#>\n"


@pytest.fixture(scope="module")
def endpoint(sample_build: Path) -> Iterator[str]:
    with serving(make_app(sample_build, EndpointConfig(timeout=3.0, max_results=5000))) as base:
        yield base + "/sparql"


def client(url: str, query: str, fmt: str = JSON) -> SPARQLWrapper:
    sw = SPARQLWrapper(url)
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    return sw


def test_select_ask_construct(endpoint: str) -> None:
    rows = client(endpoint, KG + "SELECT (COUNT(?p) AS ?n) WHERE { ?p a kg:Paper }").queryAndConvert()
    assert rows["results"]["bindings"][0]["n"]["value"] == "420"
    ask = client(endpoint, KG + "ASK { ?m a kg:Model }").queryAndConvert()
    assert ask["boolean"] is True
    graph = client(endpoint, KG + "CONSTRUCT { ?m a kg:Model } WHERE { ?m a kg:Model } LIMIT 5", TURTLE)
    text = graph.query().response.read().decode()
    assert "vocab#Model" in text
    csv = client(endpoint, KG + "SELECT ?m WHERE { ?m a kg:Model } LIMIT 3", CSV).queryAndConvert()
    assert csv.decode().splitlines()[0].strip() == "m"


def test_update_is_refused(endpoint: str) -> None:
    for data, ctype in (
        (b"update=DROP%20ALL", "application/x-www-form-urlencoded"),
        (b"INSERT DATA { <a:a> <a:b> <a:c> }", "application/sparql-update"),
    ):
        req = urllib.request.Request(endpoint, data=data, headers={"Content-Type": ctype})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=10)
        assert err.value.code == 403
        assert b"read-only" in err.value.read()


def test_runaway_query_is_cut_off(endpoint: str) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    started = time.time()
    url = endpoint + "?" + urllib.parse.urlencode({"query": query})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(url, timeout=60)
    assert err.value.code == 503 and b"time limit" in err.value.read()
    assert time.time() - started < 20
    # the endpoint still answers afterwards
    rows = client(endpoint, KG + "SELECT (COUNT(?p) AS ?n) WHERE { ?p a kg:Paper }").queryAndConvert()
    assert rows["results"]["bindings"][0]["n"]["value"] == "420"


def test_malformed_query_is_400(endpoint: str) -> None:
    url = endpoint + "?" + urllib.parse.urlencode({"query": "SELEKT nothing"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(url, timeout=10)
    assert err.value.code == 400


def _get(endpoint: str, query: str, accept: str) -> tuple[int, str, bytes]:
    url = endpoint + "?" + urllib.parse.urlencode({"query": query})
    req = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers.get_content_type(), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get_content_type(), err.read()


def test_accept_q_values_choose_the_type(endpoint: str) -> None:
    select = KG + "SELECT ?m WHERE { ?m a kg:Model } LIMIT 2"
    assert _get(endpoint, select, "application/sparql-results+json;q=0.5, text/csv")[1] == "text/csv"
    assert _get(endpoint, select, "text/csv;q=0.1, application/sparql-results+xml;q=0.9")[1] == (
        "application/sparql-results+xml"
    )
    # xml (q 0.9) beats */* (q 0.8)
    status, ctype, body = _get(endpoint, select, "image/png,application/xml;q=0.9,*/*;q=0.8")
    assert (status, ctype) == (200, "application/xml") and b"<sparql" in body
    assert _get(endpoint, select, "*/*")[1] == "application/sparql-results+json"  # html only when asked for
    # a type named beats the wildcard listed before it at the same q
    assert _get(endpoint, select, "*/*, application/sparql-results+xml")[1] == "application/sparql-results+xml"
    status, _, body = _get(endpoint, select, "image/png")
    assert status == 406 and b"application/sparql-results+json" in body  # says what it serves
    assert _get(endpoint, select, "application/sparql-results+json;q=0")[0] == 406


def test_a_one_line_prologue_does_not_hide_the_query_form(endpoint: str) -> None:
    one_line = "PREFIX ex: <http://e/> CONSTRUCT { ?m a kg:Model } WHERE { ?m a kg:Model } LIMIT 2"
    status, ctype, body = _get(endpoint, one_line, "text/turtle")
    assert (status, ctype) == (200, "text/turtle") and b"vocab#Model" in body
    assert _get(endpoint, "# CONSTRUCT\nPREFIX ex: <http://e/> ASK { ?s ?p ?o }", "text/turtle")[0] == 406  # ASK
    status, _, body = _get(endpoint, "PREFIX ex: <http://e/> INSERT DATA { ex:a ex:b ex:c }", "*/*")
    assert status == 403 and b"read-only" in body


def test_blank_nodes_and_triple_terms_are_answered_in_every_format(endpoint: str) -> None:
    import io

    from rdflib import BNode, URIRef
    from rdflib.query import Result

    sparql = "SELECT ?x ?t WHERE { BIND(BNODE() AS ?x) BIND(<<( <http://a/s> <http://a/p> <http://a/o> )>> AS ?t) }"
    for accept, fmt in (
        ("application/sparql-results+xml", "xml"),
        ("text/csv", "csv"),
        ("text/tab-separated-values", "tsv"),
    ):
        status, _, body = _get(endpoint, sparql, accept)
        assert status == 200, body
        if fmt == "csv":
            assert body.decode().splitlines()[1].endswith(",http://a/s http://a/p http://a/o")
        elif fmt == "tsv":
            assert body.decode().splitlines()[1].endswith("\t<<( <http://a/s> <http://a/p> <http://a/o> )>>")
        else:
            assert b"<triple><subject><uri>http://a/s</uri></subject>" in body
    for accept, fmt in (
        ("application/sparql-results+json", "json"),
        ("application/sparql-results+xml", "xml"),
        ("text/tab-separated-values", "tsv"),
    ):
        status, _, body = _get(endpoint, "SELECT ?x ?y WHERE { BIND(BNODE() AS ?x) BIND(<http://a/y> AS ?y) }", accept)
        assert status == 200, body
        row = next(iter(Result.parse(io.BytesIO(body), format=fmt)))
        assert isinstance(row[0], BNode) and row[1] == URIRef("http://a/y"), fmt


def test_construct_in_json_ld_and_rdf_xml(endpoint: str) -> None:
    from rdflib import Graph

    construct = KG + "CONSTRUCT { ?m a kg:Model } WHERE { ?m a kg:Model } LIMIT 5"
    status, ctype, body = _get(endpoint, construct, "application/ld+json")
    assert (status, ctype) == (200, "application/ld+json")
    assert len(Graph().parse(data=body, format="json-ld")) == 5
    status, ctype, body = _get(endpoint, construct, "application/rdf+xml")
    assert (status, ctype) == (200, "application/rdf+xml")
    assert len(Graph().parse(data=body, format="xml")) == 5


def test_a_function_the_engine_does_not_have_is_the_querys_fault(endpoint: str) -> None:
    upper = "SELECT ?x WHERE { BIND(<http://www.w3.org/2005/xpath-functions#upper-case>('a') AS ?x) }"
    status, _, body = _get(endpoint, upper, "application/sparql-results+json")
    assert status == 400, body  # was 500, "cannot answer in json"
    assert body.decode().strip() == (
        "the query cannot be answered: The custom function "
        "<http://www.w3.org/2005/xpath-functions#upper-case> is not supported"
    )
    status, _, body = _get(endpoint, "SELECT ?o WHERE { ?s ?p ?o } ORDER BY <http://e/f>(?o)", "text/csv")
    assert status == 400 and b"<http://e/f> is not supported" in body


def test_too_many_results_is_422_in_words(endpoint: str) -> None:
    status, _, body = _get(endpoint, "SELECT * WHERE { ?s ?p ?o }", "application/sparql-results+json")
    assert status == 422  # the query is fine, its answer too large (413 would blame the request)
    assert body.decode().strip() == "more than 5000 results (the endpoint's --max-results); add a LIMIT"
    status, _, body = _get(endpoint, "SELEKT nothing", "*/*")
    assert status == 400 and body.startswith(b"malformed SPARQL at line 1, column ")


def test_a_taken_port_is_an_error_in_words(endpoint: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kg.cli import main

    port = urllib.parse.urlsplit(endpoint).port
    taken = CliRunner().invoke(main, ["serve", str(tmp_path / "x.nt"), "--port", str(port)])
    assert taken.exit_code == 1  # the missing file is found first
    (tmp_path / "x.nt").write_text("<http://a.org/s> <http://a.org/p> <http://a.org/o> .\n")
    taken = CliRunner().invoke(main, ["serve", str(tmp_path / "x.nt"), "--port", str(port)])
    assert taken.exit_code == 1 and f"port {port} on 127.0.0.1 is in use" in taken.output
    assert "serving" not in taken.output


def test_kg_prefixes_need_no_declaration_and_errors_point_at_the_place(endpoint: str) -> None:
    status, _, body = _get(endpoint, "ASK { ?m a kg:Model ; skos:prefLabel ?l }", "application/sparql-results+json")
    assert status == 200 and b"true" in body
    status, _, body = _get(endpoint, "ASK { ?m a foaf:Person }", "*/*")
    assert status == 400
    assert body.decode().splitlines() == [
        "malformed SPARQL at line 1, column 12: undefined prefix foaf: (declare it: PREFIX foaf: <...>)",
        "  ASK { ?m a foaf:Person }",
        "             ^",
    ]


def test_kg_serve_answers_with_the_blank_nodes_of_a_turtle_file(tmp_path: Path) -> None:
    import io
    import json
    import subprocess
    import sys

    from rdflib import BNode, Literal
    from rdflib.query import Result

    data = tmp_path / "data.ttl"
    data.write_text('@prefix ex: <http://example.org/> .\nex:a ex:cites [ ex:title "anonymous" ] .\n')
    port = free_port()
    root = Path(__file__).resolve().parents[2]
    server = subprocess.Popen(
        [sys.executable, "-c", "from kg.cli import main; main()", "serve", str(data), "--port", str(port)],
        cwd=root,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}/sparql"
        sparql = "SELECT ?b ?t WHERE { ?a <http://example.org/cites> ?b . ?b <http://example.org/title> ?t }"
        deadline = time.time() + 60
        while True:
            try:
                status, ctype, body = _get(url, sparql, "application/sparql-results+json")
                break
            except urllib.error.URLError:
                assert time.time() < deadline and server.poll() is None, "kg serve did not start"
                time.sleep(0.2)
        assert (status, ctype) == (200, "application/sparql-results+json"), body
        binding = json.loads(body)["results"]["bindings"][0]
        assert binding["b"]["type"] == "bnode" and binding["t"] == {"type": "literal", "value": "anonymous"}
        for accept, fmt in (("application/sparql-results+xml", "xml"), ("text/tab-separated-values", "tsv")):
            status, _, body = _get(url, sparql, accept)
            assert status == 200, body
            row = next(iter(Result.parse(io.BytesIO(body), format=fmt)))
            assert isinstance(row[0], BNode) and row[1] == Literal("anonymous"), fmt
        status, _, body = _get(url, sparql, "text/csv")
        assert status == 200 and body.decode().splitlines()[1].startswith("_:") and body.endswith(b",anonymous\r\n")
    finally:
        server.terminate()
        server.wait(10)


def test_kg_serve_on_an_unparseable_file_says_so_at_once(tmp_path: Path) -> None:
    import subprocess
    import sys

    bad = tmp_path / "bad.nt"
    bad.write_text('<http://a> <http://b> "unterminated .\n')
    port = free_port()
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "kg", "serve", str(bad), "--port", str(port)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "the query worker did not start (failed: " in done.stderr and "Traceback" not in done.stderr
    assert time.monotonic() - started < 60  # it waited 600 s for a worker that had died
