"""The RDF statements of a kg graph, as plain strings, in a fixed order.

:func:`iter_subjects` is the one place that decides which triples a build
exports; every serialiser (the streamed writers in :mod:`kg.rdf.writers`, and
rdflib through :func:`kg.rdf.export.iter_triples`) consumes it. Statements are
tuples of plain strings, not rdflib terms (building millions of ``URIRef`` and
``Literal`` objects costs more than writing the files), handed over one subject
at a time with all that is said about it, so writers group them for free
(Turtle ``;``, one JSON-LD node object per subject) and pay per subject, not
per statement.

Order: communities, then every node (sorted by id), then the provenance
annotations and the paper links (sorted by edge: each paper's annotations, then
its links); each subject appears once. :func:`iter_sections` gives the same
subjects with each paper's annotations as a section of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import networkx as nx
from rdflib import OWL, RDF, RDFS, SKOS, XSD
from rdflib.namespace import DCTERMS, PROV

from kg.splice import paper_runs

from .iri import check_base_iri, encode_path, encode_segment, stable_hash
from .vocab import DEFAULT_BASE_IRI, KG, OA, SCHEMA

__all__ = ["IRI", "PLAIN", "Block", "Pair", "Section", "Statement", "iter_sections", "iter_statements", "iter_subjects"]

#: ``(subject, predicate, object, datatype)``: subject and predicate are IRIs; the
#: object is an IRI when ``datatype is IRI``, a plain string literal when it is
#: :data:`PLAIN`, else the lexical form of a literal of that datatype IRI.
Statement = tuple[str, str, str, str | None]
#: ``(predicate, object, datatype)``: a statement without its subject.
Pair = tuple[str, str, str | None]
#: A subject and every statement about it.
Block = tuple[str, list[Pair]]
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
    # DC elements' creator, not dcterms:creator, whose range is an agent (a resource): an author is a name here
    "creator": "http://purl.org/dc/elements/1.1/creator",
    "ScholarlyArticle": str(SCHEMA.ScholarlyArticle),
    "url": str(SCHEMA.url),
    "prefLabel": str(SKOS.prefLabel),
    "altLabel": str(SKOS.altLabel),
    "wasAttributedTo": str(PROV.wasAttributedTo),
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
    "variantOf relatedPaper link linkTarget weight sharedEntity confidence extractor field sentence Extractor"
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

    def hashed(self, kind: str, *parts: object) -> str:
        """The IRI of a resource named by the :func:`stable_hash` of ``parts`` (hex: nothing to encode)."""
        return f"{self.base}{kind}/{stable_hash(*parts)}"

    def node(self, kind: str, node_id: str) -> str:
        key = (kind, node_id)
        iri = self.nodes.get(key)
        if iri is None:
            iri = self.nodes[key] = self(kind, node_id)
        return iri


def _paper(node: str, d: dict[str, Any], mint: _Minter) -> list[Pair]:
    pairs: list[Pair] = [
        (_T["a"], _K["Paper"], IRI),
        (_T["a"], _T["ScholarlyArticle"], IRI),
        (_T["identifier"], node, PLAIN),
        (_T["title"], str(d["title"]), PLAIN),
        (_T["label"], str(d["title"]), PLAIN),
    ]
    if d.get("abstract"):
        pairs.append((_T["abstract"], str(d["abstract"]), PLAIN))
    if d.get("year") is not None:
        pairs.append((_T["date"], f"{int(d['year']):04d}", _T["gYear"]))
    pairs.extend((_T["creator"], str(author), PLAIN) for author in d.get("authors", ()))
    if d.get("record_id"):  # the input record's own id
        pairs.append((_T["identifier"], str(d["record_id"]), PLAIN))
    if d.get("arxiv_id"):
        pairs.append((_T["identifier"], f"arXiv:{d['arxiv_id']}", PLAIN))
        pairs.append((_T["seeAlso"], "https://arxiv.org/abs/" + encode_path(str(d["arxiv_id"])), IRI))
    if d.get("doi"):
        if f"doi:{d['doi']}" != node:  # a paper keyed by its DOI has it as its identifier already
            pairs.append((_T["identifier"], f"doi:{d['doi']}", PLAIN))
        pairs.append((_T["sameAs"], "https://doi.org/" + encode_path(str(d["doi"])), IRI))
    if d.get("url") and str(d["url"]).startswith(("http://", "https://")):
        pairs.append((_T["url"], str(d["url"]), _T["anyURI"]))
    pairs.extend((_K["source"], str(source), PLAIN) for source in d.get("sources", ()))
    if d.get("community") is not None:
        pairs.append((_K["community"], mint.node("community", str(d["community"])), IRI))
    return pairs


def _entity(node: str, d: dict[str, Any], mint: _Minter) -> list[Pair]:
    pairs: list[Pair] = [
        (_T["a"], _K["Entity"], IRI),
        (_T["a"], _K[d["type"]], IRI),
        (_T["identifier"], node, PLAIN),
        (_T["prefLabel"], str(d["label"]), PLAIN),
        (_T["label"], str(d["label"]), PLAIN),
    ]
    pairs.extend((_T["altLabel"], str(alias), PLAIN) for alias in d.get("aliases", ()))
    pairs.append((_K["mentionCount"], str(int(d.get("mention_count", 0))), _T["integer"]))
    pairs.append((_K["paperCount"], str(int(d.get("paper_count", 0))), _T["integer"]))
    if d.get("community") is not None:
        pairs.append((_K["community"], mint.node("community", str(d["community"])), IRI))
    return pairs


def _out_links(g: nx.DiGraph, u: str, mint: _Minter) -> list[Pair]:
    """The statements about node ``u`` that come from its out-edges."""
    pairs: list[Pair] = []
    for v in sorted(g.succ[u]):
        relation = g.succ[u][v].get("relation")
        if relation in _RELATIONS:
            pairs.append((_RELATIONS[relation], mint.node("entity", v), IRI))
        elif relation == "variantOf":
            pairs.append((_K["variantOf"], mint.node("entity", v), IRI))
        elif relation == "relatedPaper":
            pairs.append((_K["relatedPaper"], mint.node("paper", v), IRI))
            pairs.append((_K["link"], mint.hashed("link", u, v), IRI))
    return pairs


# The statements every annotation has, built once (most of a build's statements are annotations).
_ANNOTATION_HEAD: tuple[Pair, Pair] = ((_T["a"], _T["Annotation"], IRI), (_T["motivatedBy"], _T["identifying"], IRI))
_TARGET_TYPE: Pair = (_T["a"], _T["SpecificResource"], IRI)
_POSITION_TYPE: Pair = (_T["a"], _T["TextPositionSelector"], IRI)
_QUOTE_TYPE: Pair = (_T["a"], _T["TextQuoteSelector"], IRI)


def _annotation(paper: str, entity: str, mention: Any, mint: _Minter, extractor: str) -> list[Block]:
    """A Web Annotation: the annotation, its target and the target's two selectors."""
    a = mint.hashed("annotation", paper, mention.field, mention.start, mention.end, entity)
    target, position, quote_ = f"{a}-target", f"{a}-position", f"{a}-quote"
    source = str(mention.source)
    target_pairs: list[Pair] = [
        _TARGET_TYPE,
        (_T["hasSource"], mint.node("paper", paper), IRI),
        (_K["field"], str(mention.field), PLAIN),
    ]
    if mention.sentence:
        target_pairs.append((_K["sentence"], str(mention.sentence), PLAIN))
    target_pairs.append((_T["hasSelector"], position, IRI))
    target_pairs.append((_T["hasSelector"], quote_, IRI))
    component = source.partition(":")[0]
    return [
        (
            a,
            [
                *_ANNOTATION_HEAD,
                (_T["hasBody"], mint.node("entity", entity), IRI),
                (_T["hasTarget"], target, IRI),
                (_K["confidence"], f"{float(mention.confidence):.4f}", _T["decimal"]),
                (_K["extractor"], source, PLAIN),
                (_T["wasAttributedTo"], mint.node("extractor", f"{extractor}/{component}"), IRI),
            ],
        ),
        (target, target_pairs),
        (
            position,
            [
                _POSITION_TYPE,
                (_T["start"], str(int(mention.start)), _T["nonNegativeInteger"]),
                (_T["end"], str(int(mention.end)), _T["nonNegativeInteger"]),
            ],
        ),
        (quote_, [_QUOTE_TYPE, (_T["exact"], str(mention.text), PLAIN)]),
    ]


def _link(u: str, v: str, d: dict[str, Any], mint: _Minter) -> Block:
    pairs: list[Pair] = [
        (_T["a"], _K["PaperLink"], IRI),
        (_K["linkTarget"], mint.node("paper", v), IRI),
        (_K["weight"], f"{float(d['weight']):.6f}", _T["decimal"]),
    ]
    pairs.extend((_K["sharedEntity"], mint.node("entity", e), IRI) for e in d.get("shared", ()))
    return mint.hashed("link", u, v), pairs


class Section(NamedTuple):
    """Consecutive subjects of :func:`iter_sections`: one paper's annotations, or anything else.

    ``blocks`` is lazy: a writer that copies a paper's section from a previous
    file (:mod:`kg.splice`) never iterates it, and nothing of it is computed.
    """

    paper: str | None
    blocks: Iterator[Block]


def iter_subjects(
    g: nx.DiGraph,
    base_iri: str = DEFAULT_BASE_IRI,
    provenance: bool = True,
    extractor: str = "kg",
    *,
    progress: Callable[[int], object] | None = None,
) -> Iterator[Block]:
    """Yield the RDF statements of a kg graph subject by subject, in a deterministic order.

    Parameters
    ----------
    g : networkx.DiGraph
        A graph following ``docs/graph-schema.md``.
    base_iri : str
        Base of minted IRIs.
    provenance : bool
        Include one Web Annotation per mention.
    extractor : str
        Extractor version: the annotations are ``prov:wasAttributedTo`` its components (``kg:Extractor`` agents).
    progress : callable, optional
        Called with the number of nodes and edges walked, as they are.

    Yields
    ------
    (subject IRI, list of (predicate, object, datatype))
        Every subject once; see :data:`Statement` for the object and datatype.

    Examples
    --------
    >>> g = nx.DiGraph()
    >>> g.add_node("p1", kind="Paper", title="A title")
    >>> subject, pairs = next(iter_subjects(g))
    >>> subject, pairs[0]
    ('https://w3id.org/kg/id/paper/p1', ('http://www.w3.org/1999/02/22-rdf-syntax-ns#type', \
'https://w3id.org/kg/vocab#Paper', None))
    """
    for section in iter_sections(g, base_iri, provenance, extractor, progress=progress):
        yield from section.blocks


def iter_sections(
    g: nx.DiGraph,
    base_iri: str = DEFAULT_BASE_IRI,
    provenance: bool = True,
    extractor: str = "kg",
    *,
    progress: Callable[[int], object] | None = None,
) -> Iterator[Section]:
    """The subjects of :func:`iter_subjects` in sections: each paper's annotations are one.

    A paper's section holds the annotations of all its mentions (its edges to
    entities, in order); its bytes depend only on the paper's mentions and their
    entities (and the arguments here), which lets a build copy them from a
    previous file (:mod:`kg.splice`). ``progress`` is called for a paper's
    section when it is yielded, for everything else as it is walked.
    """
    mint = _Minter(check_base_iri(base_iri))
    yield Section(None, _node_blocks(g, mint, progress))
    edges = sorted(g.edges)
    succ = g.succ
    annotated = [provenance and succ[u][v].get("relation") in _RELATIONS for u, v in edges]
    if provenance:
        components = {
            str(m.source).partition(":")[0]
            for (u, v), noted in zip(edges, annotated, strict=True)
            if noted
            for m in succ[u][v].get("mentions", ())
        }
        yield Section(None, iter(_agent_blocks(mint, extractor, components)))
    for paper, start, end in paper_runs(edges, annotated):
        if paper is None:
            yield Section(None, _edge_blocks(g, edges[start:end], mint, provenance, extractor, progress))
        else:
            if progress is not None:
                progress(end - start)
            yield Section(paper, _edge_blocks(g, edges[start:end], mint, provenance, extractor, None))


def _agent_blocks(mint: _Minter, extractor: str, components: set[str]) -> list[Block]:
    """The software agents the annotations are attributed to: one ``kg:Extractor`` per component a
    mention's ``source`` names first ("kg_patterns:we_propose" -> kg_patterns), sorted."""
    return [
        (
            mint.node("extractor", f"{extractor}/{component}"),
            [(_T["a"], _K["Extractor"], IRI), (_T["label"], f"kg extractor {extractor}, component {component}", PLAIN)],
        )
        for component in sorted(components)
    ]


def _node_blocks(g: nx.DiGraph, mint: _Minter, progress: Callable[[int], object] | None) -> Iterator[Block]:
    """Communities, then every node, sorted by id."""
    labels = g.graph.get("community_labels", {})
    for cid in sorted(labels, key=int):
        yield (
            mint.node("community", str(cid)),
            [(_T["a"], _K["Community"], IRI), (_T["label"], str(labels[cid]), PLAIN)],
        )
    for node in sorted(g.nodes):
        if progress is not None:
            progress(1)
        d = g.nodes[node]
        if d.get("kind") == "Paper":
            yield mint.node("paper", node), _paper(node, d, mint) + _out_links(g, node, mint)
        elif d.get("kind") == "Entity":
            yield mint.node("entity", node), _entity(node, d, mint) + _out_links(g, node, mint)


def _edge_blocks(
    g: nx.DiGraph,
    edges: list[tuple[str, str]],
    mint: _Minter,
    provenance: bool,
    extractor: str,
    progress: Callable[[int], object] | None,
) -> Iterator[Block]:
    """Annotations of the mentions on paper -> entity edges, and paper links, in the order of ``edges``."""
    succ = g.succ
    for u, v in edges:
        if progress is not None:
            progress(1)
        d = succ[u][v]
        relation = d.get("relation")
        if relation in _RELATIONS and provenance:
            for mention in d.get("mentions", ()):
                yield from _annotation(u, v, mention, mint, extractor)
        elif relation == "relatedPaper":
            yield _link(u, v, d, mint)


def iter_statements(
    g: nx.DiGraph,
    base_iri: str = DEFAULT_BASE_IRI,
    provenance: bool = True,
    extractor: str = "kg",
) -> Iterator[Statement]:
    """Yield the statements of :func:`iter_subjects` one by one, as ``(s, p, o, datatype)``.

    Examples
    --------
    >>> g = nx.DiGraph()
    >>> g.add_node("p1", kind="Paper", title="A title")
    >>> next(iter_statements(g))[1:]
    ('http://www.w3.org/1999/02/22-rdf-syntax-ns#type', 'https://w3id.org/kg/vocab#Paper', None)
    """
    for subject, pairs in iter_subjects(g, base_iri, provenance, extractor):
        for p, o, datatype in pairs:
            yield subject, p, o, datatype
