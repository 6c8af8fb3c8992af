"""RDF exports: independent parsers, SHACL, determinism, safe IRIs, example queries."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef

from kg.cli import main
from kg.errors import ExportError
from kg.rdf.export import write_ntriples, write_turtle
from kg.rdf.iri import check_base_iri, mint_iri
from kg.rdf.store import load_store, query
from kg.rdf.validate import validate
from kg.rdf.vocab import DEFAULT_BASE_IRI
from kg.records import Mention

QUERIES = Path(__file__).resolve().parents[2] / "queries"
RAPPER = shutil.which("rapper")


@pytest.mark.skipif(RAPPER is None, reason="rapper (raptor2-utils) not installed; `make test` installs it")
@pytest.mark.parametrize(("name", "syntax"), [("graph.ttl", "turtle"), ("graph.nt", "ntriples")])
def test_rapper_parses_exports(sample_build: Path, name: str, syntax: str) -> None:
    done = subprocess.run([RAPPER, "-i", syntax, "-c", str(sample_build / name)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    count = int(done.stderr.split("returned")[1].split()[0])
    assert count == sum(1 for _ in (sample_build / "graph.nt").open())


def test_jsonld_parses_with_pyoxigraph(sample_build: Path) -> None:
    store = ox.Store()
    store.load(path=str(sample_build / "graph.jsonld"), format=ox.RdfFormat.JSON_LD)
    nt = ox.Store()
    nt.load(path=str(sample_build / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)
    assert len(store) == len(nt) > 100_000


def test_every_annotation_is_attributed_to_a_typed_software_agent(sample_build: Path) -> None:
    store = load_store(sample_build)  # kg:, prov:, oa:, rdfs: are predeclared
    total = query(store, "SELECT (COUNT(?a) AS ?n) { ?a a oa:Annotation }").rows[0][0]
    attributed = query(
        store,
        "SELECT (COUNT(?a) AS ?n) { ?a a oa:Annotation ; prov:wasAttributedTo ?x . ?x a kg:Extractor ; rdfs:label ?l }",
    ).rows[0][0]
    assert int(total) > 8000 and int(attributed) == int(total)
    assert query(store, "ASK { ?a prov:wasGeneratedBy ?x }").boolean is False  # its range is an Activity


def test_sample_build_conforms_to_shapes(sample_build: Path) -> None:
    report = validate(sample_build)
    assert report.conforms, report.text[:2000]
    assert report.violations == 0


def _tiny_graph() -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_node("p1", kind="Paper", label="A title", title="A title", abstract="Uses BERT.")
    g.add_node("Model:bert", kind="Entity", type="Model", label="BERT", aliases=(), mention_count=1, paper_count=1)
    g.add_edge(
        "p1",
        "Model:bert",
        relation="usesModel",
        mentions=(Mention("p1", "abstract", 5, 9, "BERT", "Model", 0.95, "kg_gazetteer"),),
    )
    return g


def test_broken_graph_violates_shapes() -> None:
    from kg.rdf.export import graph_to_rdf

    good = graph_to_rdf(_tiny_graph())
    assert validate(good).conforms
    paper = next(iter(good.subjects(predicate=URIRef("http://purl.org/dc/terms/title"))))
    broken = graph_to_rdf(_tiny_graph())
    broken.add((paper, URIRef("http://purl.org/dc/terms/title"), Literal("a second title")))
    report = validate(broken)
    assert not report.conforms and report.violations == 1


def _mutations() -> dict[str, Callable[[Graph], None]]:
    """Hand edits of a good export that break what the README says of its shape."""
    oa, prov, kg = "http://www.w3.org/ns/oa#", "http://www.w3.org/ns/prov#", "https://w3id.org/kg/vocab#"

    def one(g: Graph, predicate: str) -> tuple[URIRef, URIRef]:
        s, o = next(iter(g.subject_objects(URIRef(predicate))))
        return s, o  # type: ignore[return-value]

    def end_before_start(g: Graph) -> None:
        selector, _ = one(g, oa + "end")
        g.set((selector, URIRef(oa + "end"), Literal(0, datatype=URIRef(XSD_NNI))))

    def two_confidences(g: Graph) -> None:
        annotation, _ = one(g, kg + "confidence")
        g.add((annotation, URIRef(kg + "confidence"), Literal("0.5", datatype=URIRef(XSD_DECIMAL))))

    def unattributed(g: Graph) -> None:
        g.remove((None, URIRef(prov + "wasAttributedTo"), None))

    def junk_selector(g: Graph) -> None:
        target, selector = next((s, o) for s, o in g.subject_objects(URIRef(oa + "hasSelector")) if "position" in o)
        g.remove((target, URIRef(oa + "hasSelector"), selector))
        g.add((target, URIRef(oa + "hasSelector"), URIRef("http://e/junk")))

    def method_variant(g: Graph) -> None:
        model, _ = one(g, kg + "paperCount")
        g.add((URIRef("http://e/m"), RDF_TYPE, URIRef(kg + "Method")))
        g.add((URIRef("http://e/m"), URIRef(kg + "variantOf"), model))

    def community_literal(g: Graph) -> None:
        model, _ = one(g, kg + "paperCount")
        g.add((model, URIRef(kg + "community"), Literal("3")))

    def another_motivation(g: Graph) -> None:
        annotation, _ = one(g, oa + "motivatedBy")
        g.set((annotation, URIRef(oa + "motivatedBy"), URIRef(oa + "commenting")))

    return {
        f.__name__: f
        for f in (
            end_before_start,
            two_confidences,
            unattributed,
            junk_selector,
            method_variant,
            community_literal,
            another_motivation,
        )
    }


XSD_NNI = "http://www.w3.org/2001/XMLSchema#nonNegativeInteger"
XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


@pytest.mark.parametrize("mutation", sorted(_mutations()))
def test_the_shapes_catch_a_broken_annotation_or_entity(mutation: str) -> None:
    # each of these passed kg validate before the shapes said what the README does
    from kg.rdf.export import graph_to_rdf

    g = graph_to_rdf(_tiny_graph())
    _mutations()[mutation](g)
    assert not validate(g).conforms, mutation


def test_build_is_deterministic(sample_build: Path, tmp_path: Path) -> None:
    files = sorted((Path(__file__).resolve().parents[2] / "data" / "sample").glob("*.txt"))
    out = tmp_path / "again"
    result = CliRunner().invoke(main, ["-q", "build", *map(str, files), "-o", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("graph.ttl", "graph.nt", "report.json", "graph.json", "entities.csv", "graph.html"):
        assert (out / name).read_bytes() == (sample_build / name).read_bytes(), name


@settings(max_examples=80, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_minted_iris_round_trip(local_id: str) -> None:
    g = nx.DiGraph()
    g.add_node(local_id, kind="Paper", label="t", title="t", abstract="")
    g.add_node("Model:x", kind="Entity", type="Model", label="x", aliases=(), mention_count=1, paper_count=1)
    g.add_edge(local_id, "Model:x", relation="usesModel", mentions=(Mention(local_id, "title", 0, 1, "t", "Model"),))
    iri = mint_iri(DEFAULT_BASE_IRI, "paper", local_id)
    assert not any(c in str(iri) for c in ' <>"{}|\\^`\n\r\t')
    for writer, fmt in ((write_ntriples, ox.RdfFormat.N_TRIPLES), (write_turtle, ox.RdfFormat.TURTLE)):
        path = Path(f"/tmp/kg-iri-test.{fmt.file_extension}")
        writer(g, path)
        store = ox.Store()
        store.load(path=str(path), format=fmt)
        assert any(q.subject == ox.NamedNode(str(iri)) for q in store)
        assert len(Graph().parse(str(path))) > 0
    assert mint_iri(DEFAULT_BASE_IRI, "paper", local_id + "x") != iri


def run(sample_build: Path, name: str) -> list[tuple[str | None, ...]]:
    store = load_store(sample_build)
    return list(query(store, (QUERIES / name).read_text()).rows)


def test_example_queries_answer_on_the_sample(sample_build: Path) -> None:
    assert len(list(QUERIES.glob("*.rq"))) >= 10
    gsm = run(sample_build, "01_papers_using_dataset.rq")
    assert len(gsm) >= 5
    top = run(sample_build, "02_top_models.rq")
    assert top and int(top[0][2] or 0) >= int(top[-1][2] or 0) >= 1
    assert run(sample_build, "03_datasets_per_task.rq")
    assert any(r[0] == "accuracy" for r in run(sample_build, "04_metrics_with_model.rq"))
    sharing = run(sample_build, "05_papers_sharing_entities.rq")
    assert sharing and all(int(r[2] or 0) >= 2 for r in sharing)
    assert run(sample_build, "06_entities_by_community.rq")
    aliases = {r[2] for r in run(sample_build, "07_aliases_of_entity.rq")}
    assert {"LLMs", "Large Language Models"} <= aliases
    variants = run(sample_build, "08_model_family_variants.rq")
    assert any(r[0] == "Llama 2" for r in variants)
    assert run(sample_build, "09_most_connected_tasks.rq")
    evidence = run(sample_build, "10_evidence_of_fact.rq")
    assert evidence and all(r[1] and r[2] in {"title", "abstract"} for r in evidence)
    related = run(sample_build, "11_related_papers_with_weight.rq")
    assert 0 < len(related) <= 10
    confident = QUERIES / "12_confident_model_dataset_pairs.rq"
    pairs = run(sample_build, confident.name)
    assert pairs and all(int(r[2] or 0) >= 1 for r in pairs) and ("YOLO", "COCO") in {r[:2] for r in pairs}
    store = load_store(sample_build)
    at = {t: list(query(store, confident.read_text().replace("{ 0.5 }", f"{{ {t} }}")).rows) for t in (0, 1.01)}
    assert at[1.01] == [] and sum(int(r[2] or 0) for r in at[0]) >= sum(int(r[2] or 0) for r in pairs)


@pytest.mark.parametrize(
    "base",
    [
        "ftp://example.org/",
        "https://exa mple.org/",
        "https://e.org/a%zz/",
        "https://e.org/\x01x/",
        "https://e.org/\x7fx/",
        # spaces other than ASCII's: pyoxigraph took them, rdflib's N-Triples reader (kg validate) did not
        "https://e.org/\u00a0/",
        "https://e.org/\u3000x/",
        "https://e.org/a\u2028b/",
        "https://e.org/a\u200bb/",
        "https://",  # no host: the resource kinds would be taken for host names
        "https:///kg/",
        "https://e.org/a/../kg/",  # resolved by some parsers, not by others
        "https://e.org/./kg/",
        "https://[::1/kg/",  # urlsplit's ValueError was a traceback
        "https://e.org:x/",
    ],
)
def test_a_base_iri_the_store_could_not_load_is_refused(base: str) -> None:
    # "%zz" and control characters passed rapper and rdflib, then made kg query and kg serve fail
    with pytest.raises(ExportError, match="base IRI"):
        check_base_iri(base)


def test_a_good_base_iri_is_kept_with_a_trailing_slash() -> None:
    assert check_base_iri("https://example.org/kg") == "https://example.org/kg/"
    assert check_base_iri("https://example.org/a%20b#") == "https://example.org/a%20b#"
    assert check_base_iri("https://example.org/café/") == "https://example.org/café/"  # an IRI, not only a URI
    assert check_base_iri("HTTPS://example.org/kg/") == "https://example.org/kg/"  # the scheme in any case
    assert check_base_iri("https://[::1]:8080/kg/") == "https://[::1]:8080/kg/"


def test_dot_segments_are_encoded_so_every_parser_reads_the_same_iri() -> None:
    from kg.rdf.iri import encode_path, encode_segment

    assert str(mint_iri(DEFAULT_BASE_IRI, "paper", "..")) == DEFAULT_BASE_IRI + "paper/%2E%2E"
    assert encode_segment(".") == "%2E" and encode_segment("a..b") == "a..b"
    assert encode_path("10.1000/../../evil") == "10.1000/%2E%2E/%2E%2E/evil"


def test_the_rdf_of_a_paper_with_a_doi_and_authors(tmp_path: Path) -> None:
    g = _tiny_graph()
    nx.relabel_nodes(g, {"p1": "doi:10.1000/../x"}, copy=False)
    g.nodes["doi:10.1000/../x"].update(doi="10.1000/../x", authors=("Ada Lovelace",))
    path = tmp_path / "g.nt"
    write_ntriples(g, path)
    text = path.read_text(encoding="utf-8")
    assert text.count('<http://purl.org/dc/terms/identifier> "doi:10.1000/../x" .') == 1  # the id, once
    assert "<http://www.w3.org/2002/07/owl#sameAs> <https://doi.org/10.1000/%2E%2E/x> ." in text
    # a name, so DC elements' creator (dcterms:creator's range is an agent, not a literal)
    assert '<http://purl.org/dc/elements/1.1/creator> "Ada Lovelace" .' in text
    assert "http://purl.org/dc/terms/creator" not in text


def test_every_term_of_the_vocabulary_is_defined_in_the_ontology_with_a_comment() -> None:
    from rdflib import RDFS

    from kg.rdf.vocab import KG, VOCAB_IRI

    ontology = Graph().parse(Path(__file__).resolve().parents[2] / "kg" / "rdf" / "ontology.ttl")
    defined = {str(s) for s in ontology.subjects() if str(s).startswith(VOCAB_IRI)}
    named = {VOCAB_IRI + name for name in KG.__annotations__}
    assert named == defined
    uncommented = sorted(t for t in defined if ontology.value(URIRef(t), RDFS.comment) is None)
    assert uncommented == [], uncommented
