"""The endpoint's pages for browsers (kg.rdf.browse): a form, result tables, untrusted text kept inert."""

from __future__ import annotations

import html
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from kg.rdf.browse import CSP, page
from kg.rdf.endpoint import EndpointConfig, make_app
from kg.rdf.store import Term

from ..conftest import serving

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
HOSTILE = '<script>alert(1)</script>"&</textarea><img src=x onerror=alert(2)>'
ESCAPED = HOSTILE.replace('"', '\\"')
DATA = f"""\
<http://example.org/p1> <http://www.w3.org/2000/01/rdf-schema#label> "{ESCAPED}" .
<http://example.org/p1> <https://w3id.org/kg/vocab#year> "2024"^^<http://www.w3.org/2001/XMLSchema#gYear> .
<http://example.org/p1> <http://www.w3.org/2004/02/skos/core#prefLabel> "chat"@fr .
<http://example.org/p2> <http://www.w3.org/2000/01/rdf-schema#label> "second" .
"""


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    rdf = tmp_path_factory.mktemp("browse") / "hostile.nt"
    rdf.write_text(DATA, encoding="utf-8")
    with serving(make_app(rdf, EndpointConfig(timeout=5.0, max_results=3))) as base:
        yield base


def _get(url: str, accept: str = BROWSER, navigate: bool = True) -> tuple[int, dict[str, str], str]:
    headers = {"Accept": accept, **({"Sec-Fetch-Mode": "navigate"} if navigate else {})}  # as browsers send
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode()


def _ask(endpoint: str, query: str) -> tuple[int, dict[str, str], str]:
    return _get(endpoint + "/sparql?" + urllib.parse.urlencode({"query": query}))


def test_the_landing_page_is_a_form_with_an_example(endpoint: str) -> None:
    status, headers, body = _get(endpoint + "/")
    assert status == 200 and headers["content-security-policy"] == CSP
    assert '<form method="get" action="/sparql">' in body and "kg:Model" in body


def test_a_browser_gets_a_table_with_untrusted_text_escaped(endpoint: str) -> None:
    status, headers, body = _ask(endpoint, "SELECT ?s ?o WHERE { ?s rdfs:label ?o } ORDER BY ?o")
    assert status == 200 and headers["content-type"].startswith("text/html")
    policy = dict(part.strip().split(" ", 1) for part in headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'none'" and "script-src" not in policy  # no script of any origin runs
    assert headers["x-content-type-options"] == "nosniff" and "Accept" in headers["vary"]
    assert "<script>" not in body and "<img" not in body and body.count("</textarea>") == 1
    assert html.escape(HOSTILE) in body  # shown, as text
    assert "<th>s</th><th>o</th>" in body and "2 rows" in body
    # an IRI links to a DESCRIBE of itself on this endpoint, never to the IRI itself
    describe = urllib.parse.urlencode({"query": "DESCRIBE <http://example.org/p1>"})
    assert f'<a href="/sparql?{html.escape(describe)}">http://example.org/p1</a>' in body
    assert 'href="http://example.org' not in body
    # the query stays in the form, escaped
    assert 'spellcheck="false">\nSELECT ?s ?o WHERE { ?s rdfs:label ?o } ORDER BY ?o</textarea>' in body


def test_only_a_navigating_browser_or_a_client_asking_for_html_alone_gets_html(endpoint: str) -> None:
    url = endpoint + "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    java = "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2"  # Java's default Accept: it wants data
    assert _get(url, java, navigate=False)[1]["content-type"] == "application/sparql-results+json"
    assert _get(url, java)[1]["content-type"].startswith("text/html")  # the same header from a page load
    assert _get(url, "text/html", navigate=False)[1]["content-type"].startswith("text/html")  # nothing else fits


def test_typed_terms_ask_describe_and_errors_in_the_page(endpoint: str) -> None:
    _, _, body = _ask(endpoint, "SELECT ?o WHERE { ?s ?p ?o FILTER(!isIRI(?o) && ?o != 'second') } ORDER BY ?o")
    assert '2024 <span class="dt">^^xsd:gYear</span>' in body and 'chat <span class="dt">@fr</span>' in body
    _, _, body = _ask(endpoint, "ASK { ?s rdfs:label 'second' }")
    assert "ASK: <strong>true</strong>" in body
    _, _, body = _ask(endpoint, "DESCRIBE <http://example.org/p2>")
    assert "<th>subject</th>" in body and "second" in body and "rdfs:label" in body
    status, headers, body = _ask(endpoint, "SELECT * WHERE { ?s ex:p ?o }")
    assert status == 400 and headers["content-security-policy"] == CSP
    assert 'class="error"' in body and "undefined prefix ex:" in body
    status, _, body = _ask(endpoint, "SELECT * WHERE { ?s ?p ?o }")  # 4 rows, the limit is 3
    assert status == 422 and "more than 3 results" in body


def test_page_renders_every_kind_of_term() -> None:
    rows = [[Term("uri", "https://w3id.org/kg/vocab#Model"), Term("bnode", "b0"), None]]
    out = page("f.nt", "SELECT", variables=["a", "b", "c"], rows=rows)
    assert ">kg:Model</a>" in out and "_:b0" in out and "<td></td>" in out and "1 row<" in out
    odd = page("f.nt", rows=[[Term("uri", "http://x/a b>")]], variables=["x"])
    assert "http://x/a b&gt;" in odd and "DESCRIBE" not in odd.split("</form>")[1]  # no link it cannot make
