"""Streamed RDF writers: every format parses, with rdflib, pyoxigraph and rapper, to the same triples."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from kg.graph import read_graph
from kg.rdf.export import graph_to_rdf
from kg.rdf.writers import write_rdf
from kg.records import Mention

FORMATS = {"ntriples": "graph.nt", "turtle": "graph.ttl", "json-ld": "graph.jsonld"}
OX_FORMATS = {
    "graph.nt": ox.RdfFormat.N_TRIPLES,
    "graph.ttl": ox.RdfFormat.TURTLE,
    "graph.jsonld": ox.RdfFormat.JSON_LD,
}
RDFLIB_FORMATS = {"graph.nt": "nt", "graph.ttl": "turtle", "graph.jsonld": "json-ld"}
HOSTILE_TEXT = [
    'quotes " and \\ backslashes \\" and """ triples',
    "new\nlines\r\nand\ttabs",
    "$φ$-Decoding and $D^3$ with \\frac{a}{b}",
    "emoji 🚀🧪 and RTL שלום עולם مرحبا",
    '@id {"@value": 1} ]} <not-an-iri> _:b0',
    "\u2028line separator\u2029and \x85 NEL",
    "...!?;:",
]


def tricky_graph(texts: list[str]) -> nx.DiGraph:
    """A small kg graph whose titles, aliases, sentences and quotes are the given texts."""
    g = nx.DiGraph()
    g.graph["community_labels"] = {0: texts[0]}
    g.add_node("Model:x", kind="Entity", type="Model", label=texts[0], aliases=tuple(texts), mention_count=2,
               paper_count=2, community=0)  # fmt: skip
    for i, text in enumerate(texts):
        pid = f"title:{i} {text[:5]}"
        g.add_node(pid, kind="Paper", title=text or "t", abstract=text, year=2024, authors=(text,), community=0,
                   url="https://example.org/a b", arxiv_id="2401.0000" + str(i), doi=f"10.1/{text[:8]}")  # fmt: skip
        m = Mention(pid, "abstract", 0, len(text), text, "Model", 0.5, "kg_patterns:x", text)
        g.add_edge(pid, "Model:x", relation="usesModel", mentions=(m,), mention_count=1, confidence=0.5)
    if len(texts) > 1:
        g.add_edge("title:0 " + texts[0][:5], "title:1 " + texts[1][:5], relation="relatedPaper", weight=1.5,
                   shared=("Model:x",))  # fmt: skip
    return g


pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


def triples_by_rdflib(path: Path) -> set[tuple[object, ...]]:
    return set(Graph().parse(str(path), format=RDFLIB_FORMATS[path.name]))


def test_every_format_parses_back_to_the_same_triples(tmp_path: Path) -> None:
    g = tricky_graph(HOSTILE_TEXT)
    count = write_rdf(g, {fmt: tmp_path / name for fmt, name in FORMATS.items()})
    expected = set(graph_to_rdf(g))
    assert count >= len(expected) > 100
    for name in FORMATS.values():
        assert triples_by_rdflib(tmp_path / name) == expected, name


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=30), min_size=1, max_size=3))
def test_random_text_round_trips_in_every_format(tmp_path: Path, texts: list[str]) -> None:
    g = tricky_graph(texts)
    write_rdf(g, {fmt: tmp_path / name for fmt, name in FORMATS.items()})
    expected = set(graph_to_rdf(g))
    for name in FORMATS.values():
        assert triples_by_rdflib(tmp_path / name) == expected, name


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=30), min_size=1, max_size=3))
def test_jsonld_node_objects_are_the_text_json_dumps_writes(tmp_path: Path, texts: list[str]) -> None:
    # The writer builds each node object's JSON as text; it must be the very bytes
    # json.dumps(ensure_ascii=False) writes for the object it parses back to
    # (key order, separators, escapes, one value bare and several as a list).
    write_rdf(tricky_graph(texts), {"json-ld": tmp_path / "graph.jsonld"})
    lines = (tmp_path / "graph.jsonld").read_text(encoding="utf-8").split("\n")
    start = lines.index('"@graph": [') + 1
    nodes = [line.removesuffix(",") for line in lines[start:] if line.startswith("{")]
    assert len(nodes) > 4 * len(texts)
    for text in nodes:
        assert json.dumps(json.loads(text), ensure_ascii=False) == text
    assert any(isinstance(v, list) for text in nodes for v in json.loads(text).values())


def oxigraph_quads(path: Path, fmt: ox.RdfFormat) -> set[str]:
    store = ox.Store()
    store.bulk_load(path=str(path), format=fmt)
    return {str(q) for q in store}


def test_sample_build_formats_hold_the_triples_rdflib_would_write(sample_build: Path, tmp_path: Path) -> None:
    by_format = {name: oxigraph_quads(sample_build / name, fmt) for name, fmt in OX_FORMATS.items()}
    extractor = json.loads((sample_build / "report.json").read_text())["extractor"]
    graph_to_rdf(read_graph(sample_build), extractor=extractor).serialize(
        str(tmp_path / "rdflib.nt"), format="nt", encoding="utf-8"
    )
    expected = oxigraph_quads(tmp_path / "rdflib.nt", ox.RdfFormat.N_TRIPLES)
    assert len(expected) > 100_000
    for name, quads in by_format.items():
        assert quads == expected, name


def test_jsonld_uses_the_context_terms(sample_build: Path) -> None:
    document = json.loads((sample_build / "graph.jsonld").read_text(encoding="utf-8"))
    assert set(document) == {"@context", "@graph"}
    types = [n.get("@type") for n in document["@graph"]]
    papers = [
        n for n, t in zip(document["@graph"], types, strict=True) if "kg:Paper" in (t if isinstance(t, list) else [t])
    ]
    assert len(papers) == 420
    assert all(isinstance(p["title"], str) for p in papers)
    entity = next(n for n in document["@graph"] if "mentionCount" in n)
    assert isinstance(entity["mentionCount"], str) and entity["mentionCount"].isdigit()
    ids = [n["@id"] for n in document["@graph"]]
    assert len(ids) == len(set(ids))  # one node object per subject


@pytest.mark.skipif(shutil.which("rapper") is None, reason="rapper (raptor2-utils) not installed")
def test_rapper_parses_hostile_text(tmp_path: Path) -> None:
    g = tricky_graph(HOSTILE_TEXT)
    count = write_rdf(g, {"ntriples": tmp_path / "graph.nt", "turtle": tmp_path / "graph.ttl"})
    for name, syntax in (("graph.nt", "ntriples"), ("graph.ttl", "turtle")):
        done = subprocess.run(["rapper", "-i", syntax, "-c", str(tmp_path / name)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert int(done.stderr.split("returned")[1].split()[0]) == count
