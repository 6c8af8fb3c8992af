"""Query answers in SPARQL 1.1's result formats (kg.rdf.store.QueryResult), on both stores."""

from __future__ import annotations

import csv
import io
import json

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.rdf.store import Term, load_store, query

DATA = """\
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a a ex:Paper ; ex:title "Attention, \\"quoted\\"\\nand a newline" ; ex:year "2024"^^xsd:gYear ;
    ex:label "chat"@fr ; ex:count 3 ; ex:cites [ ex:title "anonymous" ] .
"""
SELECT = """PREFIX ex: <http://example.org/>
SELECT ?s ?p ?o ?missing WHERE { ?s ?p ?o OPTIONAL { ?s ex:none ?missing } } ORDER BY ?s ?p ?o"""


@pytest.fixture(scope="module", params=["oxigraph", "rdflib"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> object:
    path = tmp_path_factory.mktemp("rdf") / "data.ttl"
    path.write_text(DATA, encoding="utf-8")
    return load_store(path, request.param, persist=False)


def _bindings(store: object) -> list[dict[str, dict[str, str]]]:
    answer = json.loads(query(store, SELECT).to_json())
    assert answer["head"]["vars"] == ["s", "p", "o", "missing"]
    rows: list[dict[str, dict[str, str]]] = answer["results"]["bindings"]
    return rows


def test_select_json_is_w3c_json_with_term_types(store: object) -> None:
    rows = _bindings(store)
    assert len(rows) == 7 and all("missing" not in row for row in rows)  # unbound: left out, not null
    objects = {row["p"]["value"].rsplit("/", 1)[1]: row["o"] for row in rows if row["s"]["type"] == "uri"}
    assert objects["title"] == {"type": "literal", "value": 'Attention, "quoted"\nand a newline'}  # no xsd:string
    assert objects["year"] == {
        "type": "literal",
        "value": "2024",
        "datatype": "http://www.w3.org/2001/XMLSchema#gYear",
    }
    assert objects["label"] == {"type": "literal", "value": "chat", "xml:lang": "fr"}
    assert objects["count"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"
    assert objects["cites"]["type"] == "bnode"
    assert {row["s"]["type"] for row in rows} == {"uri", "bnode"}


def test_select_csv_writes_values_and_blank_node_labels(store: object) -> None:
    lines = list(csv.reader(io.StringIO(query(store, SELECT).to_csv())))
    assert lines[0] == ["s", "p", "o", "missing"]
    assert len(lines) == 8
    title = next(line for line in lines if line[1] == "http://example.org/title" and line[0].startswith("http"))
    assert title == ["http://example.org/a", "http://example.org/title", 'Attention, "quoted"\nand a newline', ""]
    cites = next(line for line in lines if line[1] == "http://example.org/cites")
    assert cites[2].startswith("_:")


def test_construct_json_is_json_ld_of_the_same_triples(store: object) -> None:
    result = query(store, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert len(result.triples) == 7
    expected = Graph().parse(data=DATA, format="turtle")
    from_jsonld = Graph().parse(data=result.to_json(), format="json-ld")
    assert isomorphic(from_jsonld, expected)
    assert isomorphic(Graph().parse(data=result.to_table(), format="nt"), expected)
    lines = list(csv.reader(io.StringIO(result.to_csv())))
    assert lines[0] == ["subject", "predicate", "object"] and len(lines) == 8  # CSV no longer prints nothing


def test_ask_formats(store: object) -> None:
    result = query(store, "ASK { ?s a <http://example.org/Paper> }")
    assert json.loads(result.to_json()) == {"head": {}, "boolean": True}
    assert result.to_csv().split() == ["boolean", "true"]


def test_term_json_forms() -> None:
    assert Term("uri", "http://x/").to_sparql_json() == {"type": "uri", "value": "http://x/"}
    assert Term("bnode", "b0").to_jsonld() == {"@id": "_:b0"}
    assert Term("literal", "1", "http://www.w3.org/2001/XMLSchema#integer").to_jsonld() == {
        "@value": "1",
        "@type": "http://www.w3.org/2001/XMLSchema#integer",
    }


def test_kg_prefixes_are_predeclared_and_the_query_s_own_win(store: object) -> None:
    from kg.rdf.export import PREFIXES
    from kg.rdf.store import QUERY_PREFIXES

    assert {k: str(v) for k, v in PREFIXES.items()}.items() <= QUERY_PREFIXES.items()  # the same as the exports
    assert query(store, "ASK { ?s rdf:type ?o }").boolean is True
    own = "PREFIX rdf: <http://example.org/> ASK { ?s rdf:title ?o }"
    assert query(store, own).boolean is True


def test_syntax_errors_name_the_place() -> None:
    from kg.errors import QueryError

    store = load_store_from_text("<http://a.org/s> <http://a.org/p> <http://a.org/o> .\n")
    with pytest.raises(QueryError) as err:
        query(store, "SELECT ?x WHERE {\n  ?x ?p ?o\n  FILTER(?o > ) }")
    first, text, caret = str(err.value).splitlines()
    column = int(first.split("column ")[1].split(":")[0])
    assert first.startswith("malformed SPARQL at line 3, column ") and len(first) < 250
    assert text == "    FILTER(?o > ) }" and caret == "  " + " " * (column - 1) + "^"
    assert 13 <= column <= len("  FILTER(?o > ) }") + 1  # at or after the operator with no operand
    with pytest.raises(QueryError) as err:
        query(store, "SELECT * {\n\t?s ex:p ?o }")
    assert str(err.value).splitlines() == [
        "malformed SPARQL at line 2, column 5: undefined prefix ex: (declare it: PREFIX ex: <...>)",
        "  \t?s ex:p ?o }",
        "  \t   ^",  # under the name, tabs kept
    ]
    # an undefined prefix elsewhere is not blamed for another error
    with pytest.raises(QueryError) as err:
        query(store, "SELEKT * { ?s ex:p ?o }")
    assert "undefined prefix" not in str(err.value)  # the misspelt keyword is what pyoxigraph stopped at
    with pytest.raises(QueryError) as err:
        query(store, "SELECT * { ?s rdfs:label 'see: x' FILTER(?o > ) }")
    assert "undefined prefix" not in str(err.value)  # 'see:' is inside a string


def load_store_from_text(nt: str) -> object:
    import pyoxigraph as ox

    store = ox.Store()
    store.load(nt.encode(), format=ox.RdfFormat.N_TRIPLES)
    return store
