"""The SPARQL endpoint, started for real on a free localhost port and queried with SPARQLWrapper."""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from SPARQLWrapper import CSV, JSON, TURTLE, SPARQLWrapper

from kg.rdf.endpoint import EndpointConfig, make_app

KG = "PREFIX kg: <https://w3id.org/kg/vocab#>\n"


@pytest.fixture(scope="module")
def endpoint(sample_build: Path) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = make_app(sample_build, EndpointConfig(timeout=3.0, max_results=5000))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/sparql"
    server.should_exit = True
    thread.join(10)


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
