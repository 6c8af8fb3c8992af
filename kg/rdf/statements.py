"""The RDF statements of a kg graph, as plain strings, in a fixed order.

:func:`iter_statements` is the one place that decides which triples a build
exports; every serialiser (the streamed writers in :mod:`kg.rdf.writers`, and
rdflib through :func:`kg.rdf.export.iter_triples`) consumes it. A statement is a
tuple of plain strings, not rdflib terms: building millions of ``URIRef`` and
``Literal`` objects costs more than writing the files.

Order: communities, then every node (sorted by id) with all the statements it
is the subject of, then the provenance annotations and the paper links. Each
subject's statements are contiguous, so writers can group them (Turtle ``;``,
one JSON-LD node object per subject).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import networkx as nx
from rdflib import OWL, RDF, RDFS, SKOS, XSD
from rdflib.namespace import DCTERMS, PROV

from .iri import check_base_iri, encode_segment, stable_hash
from .vocab import DEFAULT_BASE_IRI, KG, OA, SCHEMA

__all__ = ["IRI", "PLAIN", "Statement", "iter_statements"]

#: ``(subject, predicate, object, datatype)``: subject and predicate are IRIs; the
#: object is an IRI when ``datatype is IRI``, a plain string literal when it is
#: :data:`PLAIN`, else the lexical form of a literal of that datatype IRI.
Statement = tuple[str, str, str, str | None]
IRI: None = None
PLAIN = ""

# Every term as a plain string, looked up once (rdflib namespace attributes are slow).
_T: dict[str, str] = {
    "a": str(RDF.type),
    "label": str(RDFS.label),
    "seeAlso": str(RDFS.seeAlso),
    "sameAs": str(OWL.sameAs),
    "identifier": str(DCTERMS.identifier),
    "title": str(DCTERMS.title),
    "abstract": str(DCTERMS.abstract),
    "date": str(DCTERMS.date),
    "creator": str(DCTERMS.creator),
    "ScholarlyArticle": str(SCHEMA.ScholarlyArticle),
    "url": str(SCHEMA.url),
    "prefLabel": str(SKOS.prefLabel),
    "altLabel": str(SKOS.altLabel),
    "wasGeneratedBy": str(PROV.wasGeneratedBy),
    "integer": str(XSD.integer),
    "decimal": str(XSD.decimal),
    "gYear": str(XSD.gYear),
    "anyURI": str(XSD.anyURI),
    "nonNegativeInteger": str(XSD.nonNegativeInteger),
}
_OA_TERMS = (
    "Annotation motivatedBy identifying hasBody hasTarget SpecificResource hasSource hasSelector "
    "TextPositionSelector start end TextQuoteSelector exact"
)
_T.update((name, str(OA[name])) for name in _OA_TERMS.split())
_KG_TERMS = (
    "Paper Entity Community PaperLink Method Model Dataset Metric Task source community mentionCount paperCount "
    "variantOf relatedPaper link linkTarget weight sharedEntity confidence extractor field sentence"
)
_K: dict[str, str] = {name: str(KG[name]) for name in _KG_TERMS.split()}
_RELATIONS = {r: str(KG[r]) for r in ("usesMethod", "usesModel", "usesDataset", "reportsMetric", "addressesTask")}


class _Minter:
    """Mints IRIs under one base, remembering those of graph nodes (each is used many times)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.nodes: dict[tuple[str, str], str] = {}

    def __call__(self, kind: str, local_id: str) -> str:
        return f"{self.base}{kind}/{encode_segment(local_id)}"

    def node(self, kind: str, node_id: str) -> str:
        key = (kind, node_id)
        iri = self.nodes.get(key)
        if iri is None:
            iri = self.nodes[key] = self(kind, node_id)
        return iri


def _safe_path(text: str) -> str:
    return quote(str(text), safe="/.-_~:")


def _paper(p: str, node: str, d: dict[str, Any], mint: _Minter) -> Iterator[Statement]:
    yield p, _T["a"], _K["Paper"], IRI
    yield p, _T["a"], _T["ScholarlyArticle"], IRI
    yield p, _T["identifier"], node, PLAIN
    yield p, _T["title"], str(d["title"]), PLAIN
    yield p, _T["label"], str(d["title"]), PLAIN
    if d.get("abstract"):
        yield p, _T["abstract"], str(d["abstract"]), PLAIN
    if d.get("year") is not None:
        yield p, _T["date"], f"{int(d['year']):04d}", _T["gYear"]
    for author in d.get("authors", ()):
        yield p, _T["creator"], str(author), PLAIN
    if d.get("arxiv_id"):
        yield p, _T["identifier"], f"arXiv:{d['arxiv_id']}", PLAIN
        yield p, _T["seeAlso"], "https://arxiv.org/abs/" + _safe_path(d["arxiv_id"]), IRI
    if d.get("doi"):
        yield p, _T["identifier"], f"doi:{d['doi']}", PLAIN
        yield p, _T["sameAs"], "https://doi.org/" + _safe_path(d["doi"]), IRI
    if d.get("url") and str(d["url"]).startswith(("http://", "https://")):
        yield p, _T["url"], str(d["url"]), _T["anyURI"]
    for source in d.get("sources", ()):
        yield p, _K["source"], str(source), PLAIN
    if d.get("community") is not None:
        yield p, _K["community"], mint.node("community", str(d["community"])), IRI


def _entity(e: str, node: str, d: dict[str, Any], mint: _Minter) -> Iterator[Statement]:
    yield e, _T["a"], _K["Entity"], IRI
    yield e, _T["a"], _K[d["type"]], IRI
    yield e, _T["identifier"], node, PLAIN
    yield e, _T["prefLabel"], str(d["label"]), PLAIN
    yield e, _T["label"], str(d["label"]), PLAIN
    for alias in d.get("aliases", ()):
        yield e, _T["altLabel"], str(alias), PLAIN
    yield e, _K["mentionCount"], str(int(d.get("mention_count", 0))), _T["integer"]
    yield e, _K["paperCount"], str(int(d.get("paper_count", 0))), _T["integer"]
    if d.get("community") is not None:
        yield e, _K["community"], mint.node("community", str(d["community"])), IRI


def _out_links(g: nx.DiGraph, u: str, s: str, mint: _Minter) -> Iterator[Statement]:
    """The statements whose subject is node ``u`` that come from its out-edges."""
    for v in sorted(g.succ[u]):
        d = g.succ[u][v]
        relation = d.get("relation")
        if relation in _RELATIONS:
            yield s, _RELATIONS[relation], mint.node("entity", v), IRI
        elif relation == "variantOf":
            yield s, _K["variantOf"], mint.node("entity", v), IRI
        elif relation == "relatedPaper":
            yield s, _K["relatedPaper"], mint.node("paper", v), IRI
            yield s, _K["link"], mint("link", stable_hash(u, v)), IRI


def _annotation(paper: str, entity: str, mention: Any, mint: _Minter, extractor: str) -> Iterator[Statement]:
    a = mint("annotation", stable_hash(paper, mention.field, mention.start, mention.end, entity))
    target, position, quote_ = f"{a}-target", f"{a}-position", f"{a}-quote"
    yield a, _T["a"], _T["Annotation"], IRI
    yield a, _T["motivatedBy"], _T["identifying"], IRI
    yield a, _T["hasBody"], mint.node("entity", entity), IRI
    yield a, _T["hasTarget"], target, IRI
    yield a, _K["confidence"], f"{float(mention.confidence):.4f}", _T["decimal"]
    yield a, _K["extractor"], str(mention.source), PLAIN
    yield a, _T["wasGeneratedBy"], mint("extractor", f"{extractor}/{mention.source.split(':')[0]}"), IRI
    yield target, _T["a"], _T["SpecificResource"], IRI
    yield target, _T["hasSource"], mint.node("paper", paper), IRI
    yield target, _K["field"], str(mention.field), PLAIN
    if mention.sentence:
        yield target, _K["sentence"], str(mention.sentence), PLAIN
    yield target, _T["hasSelector"], position, IRI
    yield target, _T["hasSelector"], quote_, IRI
    yield position, _T["a"], _T["TextPositionSelector"], IRI
    yield position, _T["start"], str(int(mention.start)), _T["nonNegativeInteger"]
    yield position, _T["end"], str(int(mention.end)), _T["nonNegativeInteger"]
    yield quote_, _T["a"], _T["TextQuoteSelector"], IRI
    yield quote_, _T["exact"], str(mention.text), PLAIN


def _link(u: str, v: str, d: dict[str, Any], mint: _Minter) -> Iterator[Statement]:
    link = mint("link", stable_hash(u, v))
    yield link, _T["a"], _K["PaperLink"], IRI
    yield link, _K["linkTarget"], mint.node("paper", v), IRI
    yield link, _K["weight"], f"{float(d['weight']):.6f}", _T["decimal"]
    for e in d.get("shared", ()):
        yield link, _K["sharedEntity"], mint.node("entity", e), IRI


def iter_statements(
    g: nx.DiGraph,
    base_iri: str = DEFAULT_BASE_IRI,
    provenance: bool = True,
    extractor: str = "kg",
    *,
    progress: Callable[[int], object] | None = None,
) -> Iterator[Statement]:
    """Yield the RDF statements of a kg graph, in a deterministic order.

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
    progress : callable, optional
        Called with 1 after each node and each edge.

    Examples
    --------
    >>> g = nx.DiGraph()
    >>> g.add_node("p1", kind="Paper", title="A title")
    >>> next(iter_statements(g))[1:]
    ('http://www.w3.org/1999/02/22-rdf-syntax-ns#type', 'https://w3id.org/kg/vocab#Paper', None)
    """
    mint = _Minter(check_base_iri(base_iri))
    labels = g.graph.get("community_labels", {})
    for cid in sorted(labels, key=int):
        c = mint.node("community", str(cid))
        yield c, _T["a"], _K["Community"], IRI
        yield c, _T["label"], str(labels[cid]), PLAIN
    for node in sorted(g.nodes):
        if progress is not None:
            progress(1)
        d = g.nodes[node]
        if d.get("kind") == "Paper":
            s = mint.node("paper", node)
            yield from _paper(s, node, d, mint)
        elif d.get("kind") == "Entity":
            s = mint.node("entity", node)
            yield from _entity(s, node, d, mint)
        else:
            continue
        yield from _out_links(g, node, s, mint)
    for u, v in sorted(g.edges):
        if progress is not None:
            progress(1)
        d = g.edges[u, v]
        relation = d.get("relation")
        if relation in _RELATIONS and provenance:
            for mention in d.get("mentions", ()):
                yield from _annotation(u, v, mention, mint, extractor)
        elif relation == "relatedPaper":
            yield from _link(u, v, d, mint)
