"""Export the knowledge graph as RDF: Turtle, N-Triples (streamed) and JSON-LD.

One generator, :func:`iter_triples`, walks the networkx graph in a fixed order
and yields rdflib terms; Turtle and JSON-LD go through an rdflib ``Graph``,
N-Triples is written line by line from the generator without building one, so
it scales to graphs that do not fit an rdflib store.

Provenance
----------
Every paper -> entity fact is backed by its mentions, each a W3C Web
Annotation (``oa:Annotation``): the body is the entity, the target an
``oa:SpecificResource`` whose source is the paper and whose selectors are an
``oa:TextPositionSelector`` (character offsets) and an ``oa:TextQuoteSelector``
(the matched text); ``kg:field``, ``kg:sentence``, ``kg:confidence`` and
``prov:wasGeneratedBy`` (the extractor component and version) complete it.
Web Annotation was chosen over PROV-O qualified associations because it is the
W3C standard for *text spans* (offsets and quotes are first-class) and is plain
RDF 1.1, which every store and parser we target reads; RDF 1.2 triple terms are
not yet supported by rdflib's parsers. Annotation, target and selector nodes get
IRIs minted from a hash of (paper, field, offsets, entity), never blank nodes,
so the output is deterministic and each piece of evidence is addressable.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx
from rdflib import OWL, RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV
from rdflib.term import Node

from kg.io import atomic_write

from .iri import check_base_iri, mint_iri, stable_hash
from .vocab import DEFAULT_BASE_IRI, KG, KG_NS, OA, SCHEMA

__all__ = ["context", "graph_to_rdf", "iter_triples", "nt_term", "write_jsonld", "write_ntriples", "write_turtle"]

Triple = tuple[Node, Node, Node]

_RELATIONS = {
    "usesMethod": KG.usesMethod,
    "usesModel": KG.usesModel,
    "usesDataset": KG.usesDataset,
    "reportsMetric": KG.reportsMetric,
    "addressesTask": KG.addressesTask,
}
PREFIXES = {
    "kg": KG_NS,
    "dcterms": DCTERMS,
    "schema": SCHEMA,
    "skos": SKOS,
    "oa": OA,
    "prov": PROV,
    "owl": OWL,
    "rdfs": RDFS,
    "xsd": XSD,
}


def _lit(value: object, datatype: URIRef | None = None) -> Literal:
    if datatype is not None:
        return Literal(value, datatype=datatype)
    return Literal(str(value))


def _paper_triples(node: str, d: dict[str, Any], base: str) -> Iterator[Triple]:
    p = mint_iri(base, "paper", node)
    yield p, RDF.type, KG.Paper
    yield p, RDF.type, SCHEMA.ScholarlyArticle
    yield p, DCTERMS.identifier, _lit(node)
    yield p, DCTERMS.title, _lit(d["title"])
    yield p, RDFS.label, _lit(d["title"])
    if d.get("abstract"):
        yield p, DCTERMS.abstract, _lit(d["abstract"])
    if d.get("year") is not None:
        yield p, DCTERMS.date, _lit(f"{int(d['year']):04d}", XSD.gYear)
    for author in d.get("authors", ()):
        yield p, DCTERMS.creator, _lit(author)
    if d.get("arxiv_id"):
        yield p, DCTERMS.identifier, _lit(f"arXiv:{d['arxiv_id']}")
        yield p, RDFS.seeAlso, URIRef("https://arxiv.org/abs/" + _safe_path(d["arxiv_id"]))
    if d.get("doi"):
        yield p, DCTERMS.identifier, _lit(f"doi:{d['doi']}")
        yield p, OWL.sameAs, URIRef("https://doi.org/" + _safe_path(d["doi"]))
    if d.get("url") and str(d["url"]).startswith(("http://", "https://")):
        yield p, SCHEMA.url, _lit(d["url"], XSD.anyURI)
    for source in d.get("sources", ()):
        yield p, KG.source, _lit(source)
    if d.get("community") is not None:
        yield p, KG.community, mint_iri(base, "community", str(d["community"]))


def _safe_path(text: str) -> str:
    from urllib.parse import quote

    return quote(str(text), safe="/.-_~:")


def _entity_triples(node: str, d: dict[str, Any], base: str) -> Iterator[Triple]:
    e = mint_iri(base, "entity", node)
    yield e, RDF.type, KG.Entity
    yield e, RDF.type, KG[d["type"]]
    yield e, DCTERMS.identifier, _lit(node)
    yield e, SKOS.prefLabel, _lit(d["label"])
    yield e, RDFS.label, _lit(d["label"])
    for alias in d.get("aliases", ()):
        yield e, SKOS.altLabel, _lit(alias)
    yield e, KG.mentionCount, _lit(int(d.get("mention_count", 0)), XSD.integer)
    yield e, KG.paperCount, _lit(int(d.get("paper_count", 0)), XSD.integer)
    if d.get("community") is not None:
        yield e, KG.community, mint_iri(base, "community", str(d["community"]))


def _mention_triples(paper: str, entity: str, mention: Any, base: str, extractor: str) -> Iterator[Triple]:
    key = stable_hash(paper, mention.field, mention.start, mention.end, entity)
    a = mint_iri(base, "annotation", key)
    target = URIRef(f"{a}-target")
    position = URIRef(f"{a}-position")
    quote = URIRef(f"{a}-quote")
    yield a, RDF.type, OA.Annotation
    yield a, OA.motivatedBy, OA.identifying
    yield a, OA.hasBody, mint_iri(base, "entity", entity)
    yield a, OA.hasTarget, target
    yield a, KG.confidence, _lit(f"{float(mention.confidence):.4f}", XSD.decimal)
    yield a, KG.extractor, _lit(mention.source)
    yield a, PROV.wasGeneratedBy, mint_iri(base, "extractor", f"{extractor}/{mention.source.split(':')[0]}")
    yield target, RDF.type, OA.SpecificResource
    yield target, OA.hasSource, mint_iri(base, "paper", paper)
    yield target, KG.field, _lit(mention.field)
    if mention.sentence:
        yield target, KG.sentence, _lit(mention.sentence)
    yield target, OA.hasSelector, position
    yield target, OA.hasSelector, quote
    yield position, RDF.type, OA.TextPositionSelector
    yield position, OA.start, _lit(int(mention.start), XSD.nonNegativeInteger)
    yield position, OA.end, _lit(int(mention.end), XSD.nonNegativeInteger)
    yield quote, RDF.type, OA.TextQuoteSelector
    yield quote, OA.exact, _lit(mention.text)


def iter_triples(
    g: nx.DiGraph,
    base_iri: str = DEFAULT_BASE_IRI,
    provenance: bool = True,
    extractor: str = "kg",
) -> Iterator[Triple]:
    """Yield the RDF triples of a kg graph, in a deterministic order.

    Parameters
    ----------
    g : networkx.DiGraph
        A graph following ``docs/graph-schema.md``.
    base_iri : str
        Base of minted IRIs.
    provenance : bool
        Include one Web Annotation per mention.
    extractor : str
        Extractor version recorded in ``prov:wasGeneratedBy``.
    """
    base = check_base_iri(base_iri)
    labels = g.graph.get("community_labels", {})
    for cid in sorted(labels, key=int):
        c = mint_iri(base, "community", str(cid))
        yield c, RDF.type, KG.Community
        yield c, RDFS.label, _lit(labels[cid])
    for node in sorted(g.nodes):
        d = g.nodes[node]
        if d.get("kind") == "Paper":
            yield from _paper_triples(node, d, base)
        elif d.get("kind") == "Entity":
            yield from _entity_triples(node, d, base)
    for u, v in sorted(g.edges):
        d = g.edges[u, v]
        relation = d.get("relation")
        if relation in _RELATIONS:
            yield mint_iri(base, "paper", u), _RELATIONS[relation], mint_iri(base, "entity", v)
            if provenance:
                for mention in d.get("mentions", ()):
                    yield from _mention_triples(u, v, mention, base, extractor)
        elif relation == "variantOf":
            yield mint_iri(base, "entity", u), KG.variantOf, mint_iri(base, "entity", v)
        elif relation == "relatedPaper":
            p, q = mint_iri(base, "paper", u), mint_iri(base, "paper", v)
            link = mint_iri(base, "link", stable_hash(u, v))
            yield p, KG.relatedPaper, q
            yield p, KG.link, link
            yield link, RDF.type, KG.PaperLink
            yield link, KG.linkTarget, q
            yield link, KG.weight, _lit(f"{float(d['weight']):.6f}", XSD.decimal)
            for e in d.get("shared", ()):
                yield link, KG.sharedEntity, mint_iri(base, "entity", e)


def graph_to_rdf(
    g: nx.DiGraph, base_iri: str = DEFAULT_BASE_IRI, provenance: bool = True, extractor: str = "kg"
) -> Graph:
    """The kg graph as an rdflib ``Graph`` with kg's prefixes bound."""
    rdf = Graph()
    for prefix, ns in PREFIXES.items():
        rdf.bind(prefix, ns, override=True)
    for triple in iter_triples(g, base_iri, provenance, extractor):
        rdf.add(triple)
    return rdf


def write_turtle(
    g: nx.DiGraph | Graph,
    path: str | Path,
    *,
    base_iri: str = DEFAULT_BASE_IRI,
    provenance: bool = True,
    extractor: str = "kg",
) -> None:
    """Write Turtle (atomically); ``g`` is a kg graph or an rdflib graph from :func:`graph_to_rdf`."""
    rdf = g if isinstance(g, Graph) else graph_to_rdf(g, base_iri, provenance, extractor)
    data = rdf.serialize(format="turtle")
    with atomic_write(Path(path)) as fh:
        fh.write(data)


def write_ntriples(
    g: nx.DiGraph, path: str | Path, *, base_iri: str = DEFAULT_BASE_IRI, provenance: bool = True, extractor: str = "kg"
) -> int:
    """Stream N-Triples to ``path`` (atomically) without building an rdflib graph.

    Returns
    -------
    int
        Number of triples written.
    """
    count = 0
    with atomic_write(Path(path)) as fh:
        for s, p, o in iter_triples(g, base_iri, provenance, extractor):
            fh.write(f"{nt_term(s)} {nt_term(p)} {nt_term(o)} .\n")
            count += 1
    return count


_NT_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def nt_term(term: Node) -> str:
    """A term in N-Triples syntax (rdflib's ``n3()`` writes multi-line literals with triple quotes).

    Examples
    --------
    >>> nt_term(Literal("a\\nb"))
    '"a\\\\nb"'
    """
    if isinstance(term, Literal):
        body = '"' + str(term).translate(_NT_ESCAPES) + '"'
        if term.language:
            return f"{body}@{term.language}"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{body}^^<{term.datatype}>"
        return body
    return f"<{term}>"


def context() -> dict[str, Any]:
    """The JSON-LD context published with kg (``kg/rdf/context.jsonld``)."""
    text = (resources.files("kg.rdf") / "context.jsonld").read_text(encoding="utf-8")
    value: dict[str, Any] = json.loads(text)
    return value


def write_jsonld(
    g: nx.DiGraph | Graph,
    path: str | Path,
    *,
    base_iri: str = DEFAULT_BASE_IRI,
    provenance: bool = True,
    extractor: str = "kg",
) -> None:
    """Write JSON-LD compacted with kg's context (atomically); ``g`` as for :func:`write_turtle`."""
    rdf = g if isinstance(g, Graph) else graph_to_rdf(g, base_iri, provenance, extractor)
    data = rdf.serialize(format="json-ld", context=context()["@context"], sort_keys=True, indent=1)
    with atomic_write(Path(path)) as fh:
        fh.write(data)
