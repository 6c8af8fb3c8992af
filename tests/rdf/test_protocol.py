"""The SPARQL 1.1 Protocol's parameters and bodies, on a real endpoint over a file with named graphs."""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.rdf.endpoint import EndpointConfig, make_app

from ..conftest import serving

QUADS = """\
<http://example.org/d> <http://example.org/label> "café" .
<http://example.org/a> <http://example.org/label> "in g1" <http://example.org/g1> .
<http://example.org/b> <http://example.org/label> "in g2" <http://example.org/g2> .
"""
G1, G2 = "http://example.org/g1", "http://example.org/g2"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("protocol") / "data.nq"
    path.write_text(QUADS, encoding="utf-8")
    with serving(make_app(path, EndpointConfig(timeout=10, persist=False, workers=1))) as base:
        yield base + "/sparql"


def _send(
    url: str,
    params: list[tuple[str, str]] | None = None,
    body: bytes | None = None,
    ctype: str | None = None,
    accept: str = "application/sparql-results+json",
) -> tuple[int, str, bytes]:
    if params:
        url += "?" + urllib.parse.urlencode(params)
    headers = {"Accept": accept}
    if ctype is not None:
        headers["Content-Type"] = ctype
    req = urllib.request.Request(url, data=body, headers=headers, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers.get("Vary", ""), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Vary", ""), err.read()


def _labels(body: bytes) -> list[str]:
    return sorted(row["o"]["value"] for row in json.loads(body)["results"]["bindings"])


def test_default_graph_uri_and_named_graph_uri_choose_the_dataset(endpoint: str) -> None:
    select = "SELECT ?o WHERE { ?s ?p ?o }"
    assert _labels(_send(endpoint, [("query", select)])[2]) == ["café"]  # the default graph
    assert _labels(_send(endpoint, [("query", select), ("default-graph-uri", G1)])[2]) == ["in g1"]
    both = [("query", select), ("default-graph-uri", G1), ("default-graph-uri", G2)]
    assert _labels(_send(endpoint, both)[2]) == ["in g1", "in g2"]  # merged
    # they replace the query's FROM
    from_g2 = "SELECT ?o FROM <http://example.org/g2> WHERE { ?s ?p ?o }"
    assert _labels(_send(endpoint, [("query", from_g2), ("default-graph-uri", G1)])[2]) == ["in g1"]
    named = "SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert _labels(_send(endpoint, [("query", named)])[2]) == ["in g1", "in g2"]
    assert _labels(_send(endpoint, [("query", named), ("named-graph-uri", G2)])[2]) == ["in g2"]
    # in a form body, as in the query string of an application/sparql-query POST
    form = urllib.parse.urlencode([("query", select), ("default-graph-uri", G2)]).encode()
    assert _labels(_send(endpoint, body=form, ctype="application/x-www-form-urlencoded")[2]) == ["in g2"]
    direct = _send(endpoint, [("default-graph-uri", G2)], select.encode(), "application/sparql-query")
    assert _labels(direct[2]) == ["in g2"]
    status, _, body = _send(endpoint, [("query", select), ("default-graph-uri", "not an iri")])
    assert status == 400 and body.startswith(b"default-graph-uri='not an iri' is not an IRI")


def test_two_queries_are_400(endpoint: str) -> None:
    status, _, body = _send(endpoint, [("query", "ASK {}"), ("query", "SELECT * {}")])
    assert status == 400 and body == b"2 queries in one request: send one query= parameter (or one body)\n"
    form = b"query=ASK%20%7B%7D&query=ASK%20%7B%7D"
    assert _send(endpoint, body=form, ctype="application/x-www-form-urlencoded")[0] == 400


def test_a_query_body_is_read_in_its_charset(endpoint: str) -> None:
    ask = 'ASK { ?s ?p "café" }'
    for ctype in ("application/sparql-query; charset=ISO-8859-1", 'application/sparql-query;charset="latin1"'):
        status, _, body = _send(endpoint, body=ask.encode("iso-8859-1"), ctype=ctype)
        assert (status, json.loads(body)["boolean"]) == (200, True), ctype
    status, _, body = _send(endpoint, body=ask.encode("utf-8"), ctype="application/sparql-query")
    assert (status, json.loads(body)["boolean"]) == (200, True)  # UTF-8 when no charset is given
    form = b"query=" + urllib.parse.quote(ask, encoding="iso-8859-1").encode()
    status, _, body = _send(endpoint, body=form, ctype="application/x-www-form-urlencoded; charset=ISO-8859-1")
    assert (status, json.loads(body)["boolean"]) == (200, True)
    status, _, body = _send(endpoint, body=ask.encode("iso-8859-1"), ctype="application/sparql-query")
    assert status == 400 and body.startswith(b"the request is not valid utf-8")
    status, _, body = _send(endpoint, body=b"ASK {}", ctype="application/sparql-query; charset=klingon")
    assert status == 400 and body == b"unknown charset 'klingon' in the Content-Type\n"
    # a form's raw bytes are in its charset too ("curl -d" sends them unescaped), and a percent-encoded
    # byte that is not valid in it is refused, not replaced by U+FFFD
    status, _, body = _send(endpoint, body=("query=" + ask).encode("utf-8"), ctype="application/x-www-form-urlencoded")
    assert (status, json.loads(body)["boolean"]) == (200, True)
    status, _, body = _send(
        endpoint, body=b"query=ASK%20%7B%20%3Fs%20%3Fp%20%22caf%FF%22%20%7D", ctype="application/x-www-form-urlencoded"
    )
    assert status == 400 and body.startswith(b"a percent-encoded value is not valid utf-8"), body


def test_a_request_without_a_query_says_so(endpoint: str) -> None:
    expected = b"no query given: send query= or an application/sparql-query body"
    for body, ctype in (
        (b"", None),
        (b"", "application/sparql-query"),
        (b"  \n", "application/sparql-query"),
        (b"default-graph-uri=http%3A%2F%2Fexample.org%2Fg1", "application/x-www-form-urlencoded"),
        (b"query=", "application/x-www-form-urlencoded"),
    ):
        status, _, answer = _send(endpoint, body=body, ctype=ctype)
        assert (status, answer) == (400, expected + b"\n"), (body, ctype)
    status, _, answer = _send(endpoint, body=b"ASK {}", ctype="text/plain")
    assert (status, answer) == (400, expected + b" (a text/plain body is not read)\n")


def test_rdflib_s_engine_limits_are_not_called_malformed(tmp_path: Path) -> None:
    from kg.errors import QueryError
    from kg.rdf.store import load_store, query

    path = tmp_path / "data.ttl"
    path.write_text('@prefix ex: <http://e/> .\nex:p ex:uses ex:m .\nex:m ex:label "M" .\n')
    store = load_store(path, "rdflib")
    group_concat = """PREFIX ex: <http://e/>
    SELECT ?l (GROUP_CONCAT(DISTINCT ?metLabel; separator=", ") AS ?ms)
    WHERE { ?p ex:uses ?m . ?m ex:label ?l OPTIONAL { ?p ex:metric ?met . ?met ex:label ?metLabel } } GROUP BY ?l"""
    with pytest.raises(QueryError) as err:
        query(store, group_concat)
    assert str(err.value).startswith("rdflib's engine failed on this query (NotBoundError: Variable metLabel")
    assert "malformed" not in str(err.value) and str(err.value).endswith("try --store oxigraph")
    assert query(load_store(path), group_concat).rows == (("M", None),)  # valid: oxigraph answers it
    with pytest.raises(QueryError, match=r"^malformed SPARQL: "):
        query(store, "SELEKT ?x")
    for engine in ("oxigraph", "rdflib"):
        with pytest.raises(QueryError, match=r"^no query given"):
            query(load_store(path, engine), " \n")


def test_vary_names_each_header_once(endpoint: str) -> None:
    url = endpoint + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    for headers in ({}, {"Origin": "https://yasgui.example"}):
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as resp:
            # Sec-Fetch-Mode too: a browser's navigation gets the HTML form where fetch() gets data
            assert resp.headers.get_all("Vary") == ["Accept, Sec-Fetch-Mode, Origin"]
            if headers:
                assert resp.headers["Access-Control-Allow-Origin"] == "*"
                assert resp.headers["Access-Control-Expose-Headers"] == "Retry-After"


def test_ask_in_csv_is_the_same_from_the_endpoint_and_kg_query(endpoint: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kg.cli import main

    url = endpoint + "?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "text/csv"}), timeout=30) as resp:
        served = resp.read()
    assert served == b"boolean\r\ntrue\r\n"
    path = tmp_path / "data.nq"
    path.write_text(QUADS, encoding="utf-8")
    printed = CliRunner().invoke(main, ["query", str(path), "ASK { ?s ?p ?o }", "--format", "csv"])
    assert printed.exit_code == 0 and printed.output.splitlines() == served.decode().splitlines()
    url = endpoint + "?" + urllib.parse.urlencode({"query": "ASK { ?s <http://nothing/> ?o }"})
    req = urllib.request.Request(url, headers={"Accept": "text/tab-separated-values"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.read() == b"?boolean\nfalse\n"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An endpoint with small request and answer limits."""
    path = tmp_path_factory.mktemp("limits") / "data.nq"
    path.write_text(QUADS, encoding="utf-8")
    config = EndpointConfig(timeout=2, persist=False, workers=1, max_bytes=5000, max_request_bytes=2000)
    with serving(make_app(path, config)) as base:
        yield base + "/sparql"


def _doubled(times: int) -> str:
    """A query of a few hundred bytes whose one answer is ten characters doubled ``times`` times."""
    binds = " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(times))
    return f'SELECT ?a{times} WHERE {{ BIND("0123456789" AS ?a0) {binds} }}'


def test_a_request_body_over_the_limit_is_413_unread(small: str) -> None:
    big = b"ASK { " + b" " * 3000 + b"}"
    status, _, body = _send(small, body=big, ctype="application/sparql-query")
    assert (status, body) == (
        413,
        b"the request body is 3007 bytes; this endpoint reads at most 2000 (kg serve --max-request-bytes)\n",
    )
    # without a Content-Length (chunked), it is cut off as it comes
    host, port = urllib.parse.urlsplit(small).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    chunks = iter([b"ASK { ", *[b" " * 500] * 6, b"}"])
    conn.request(
        "POST", "/sparql", body=chunks, headers={"Content-Type": "application/sparql-query"}, encode_chunked=True
    )
    answer = conn.getresponse()
    assert answer.status == 413 and answer.read().startswith(b"the request body is over 2000 bytes")
    conn.close()
    # one just under the limit is read and answered
    status, _, body = _send(small, body=b"ASK { " + b" " * 1900 + b"}", ctype="application/sparql-query")
    assert (status, json.loads(body)["boolean"]) == (200, True)


def test_a_body_that_does_not_come_in_time_is_408(small: str) -> None:
    host, port = urllib.parse.urlsplit(small).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 100\r\n\r\nASK {"
        )
        started = time.monotonic()
        reply = b""
        while chunk := sock.recv(4096):  # until the server closes the connection
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 408 ") and reply.endswith(
        b"the request body did not arrive within the time limit\n"
    )
    assert 1.5 < time.monotonic() - started < 10  # the 2 s limit, counted from the request's arrival


def test_an_answer_over_the_byte_limit_is_422(small: str) -> None:
    status, _, body = _send(small, [("query", _doubled(8))])  # 2,560 characters: answered
    assert status == 200 and json.loads(body)["results"]["bindings"][0]["a8"]["value"] == "0123456789" * 256
    message = b"the answer is over 5000 bytes (the endpoint's --max-bytes); add a LIMIT or select less\n"
    for times in (10, 22):  # 10 KB, and the 42 MB that a 600-byte query asks for
        status, _, body = _send(small, [("query", _doubled(times))])
        assert (status, body) == (422, message), times
    construct = _doubled(10).replace("SELECT ?a10 WHERE", "CONSTRUCT { <http://e/x> <http://e/p> ?a10 } WHERE")
    assert _send(small, [("query", construct)], accept="text/turtle")[:3:2] == (422, message)
    # terms under the limit whose serialisation is over it
    nearly = "SELECT ?x WHERE { BIND(CONCAT(" + ", ".join(['"' + "x" * 990 + '"'] * 5) + ") AS ?x) }"
    assert _send(small, [("query", nearly)])[:3:2] == (422, message)


def test_a_get_without_a_query_is_a_form_only_for_a_browser(small: str) -> None:
    for accept, status, start in (
        ("*/*", 400, b"no query given: send query= or an application/sparql-query body (or open this URL"),
        ("application/sparql-results+json", 400, b"no query given"),
        ("text/html;q=0", 400, b"no query given"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", 200, b"<!DOCTYPE html>"),
    ):
        req = urllib.request.Request(small, headers={"Accept": accept})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                got = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            got = err.code, err.read()
        assert got[0] == status and got[1].startswith(start), (accept, got)
