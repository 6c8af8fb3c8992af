"""Export the knowledge graph as RDF: Turtle, N-Triples and JSON-LD, all streamed.

:func:`kg.rdf.statements.iter_statements` decides the triples;
:mod:`kg.rdf.writers` streams them to files (all formats in one pass, without an
rdflib graph, so exports scale to graphs that do not fit an rdflib store);
:func:`iter_triples` and :func:`graph_to_rdf` give the same triples as rdflib
terms for code that wants an rdflib ``Graph`` (SHACL validation, tests).

Provenance
----------
Every paper -> entity fact is backed by its mentions, each a W3C Web
Annotation (``oa:Annotation``): the body is the entity, the target an
``oa:SpecificResource`` whose source is the paper and whose selectors are an
``oa:TextPositionSelector`` (character offsets) and an ``oa:TextQuoteSelector``
(the matched text); ``kg:field``, ``kg:sentence``, ``kg:confidence`` and
``prov:wasAttributedTo`` (the extractor component and version, a ``kg:Extractor`` agent) complete it.
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
from rdflib import OWL, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DC, DCTERMS, PROV
from rdflib.term import Node

from kg.io import atomic_write

from .statements import IRI, PLAIN, iter_statements
from .vocab import DEFAULT_BASE_IRI, KG_NS, OA, SCHEMA
from .writers import escape_string, write_rdf

__all__ = [
    "PREFIXES",
    "context",
    "graph_to_rdf",
    "iter_triples",
    "nt_term",
    "write_jsonld",
    "write_ntriples",
    "write_turtle",
]

Triple = tuple[Node, Node, Node]

PREFIXES = {
    "kg": KG_NS,
    "dcterms": DCTERMS,
    "dc": DC,
    "schema": SCHEMA,
    "skos": SKOS,
    "oa": OA,
    "prov": PROV,
    "owl": OWL,
    "rdfs": RDFS,
    "xsd": XSD,
}


def iter_triples(
    g: nx.DiGraph,
    base_iri: str = DEFAULT_BASE_IRI,
    provenance: bool = True,
    extractor: str = "kg",
) -> Iterator[Triple]:
    """Yield the RDF triples of a kg graph as rdflib terms, in a deterministic order.

    The same triples as :func:`kg.rdf.statements.iter_statements` (see there
    for the parameters).
    """
    datatypes: dict[str, URIRef] = {}
    for s, p, o, datatype in iter_statements(g, base_iri, provenance, extractor):
        if datatype is IRI:
            obj: Node = URIRef(o)
        elif datatype == PLAIN:
            obj = Literal(o)
        else:
            obj = Literal(o, datatype=datatypes.setdefault(datatype, URIRef(datatype)))
        yield URIRef(s), URIRef(p), obj


def graph_to_rdf(
    g: nx.DiGraph, base_iri: str = DEFAULT_BASE_IRI, provenance: bool = True, extractor: str = "kg"
) -> Graph:
    """The kg graph as an rdflib ``Graph`` with kg's prefixes bound (small graphs: it holds every triple)."""
    rdf = Graph()
    for prefix, ns in PREFIXES.items():
        rdf.bind(prefix, ns, override=True)
    for triple in iter_triples(g, base_iri, provenance, extractor):
        rdf.add(triple)
    return rdf


def _write_one(g: nx.DiGraph | Graph, path: str | Path, fmt: str, options: dict[str, Any]) -> None:
    if isinstance(g, Graph):  # already in rdflib: its own serialiser (the format names are rdflib's)
        kwargs: dict[str, Any] = {"context": context()["@context"], "sort_keys": True, "indent": 1}
        data = g.serialize(format=fmt, **(kwargs if fmt == "json-ld" else {}))
        with atomic_write(Path(path)) as fh:
            fh.write(data)
    else:
        write_rdf(g, {fmt: path}, **options)


def write_turtle(
    g: nx.DiGraph | Graph,
    path: str | Path,
    *,
    base_iri: str = DEFAULT_BASE_IRI,
    provenance: bool = True,
    extractor: str = "kg",
) -> None:
    """Write Turtle (atomically): streamed for a kg graph, by rdflib for an rdflib ``Graph``."""
    _write_one(g, path, "turtle", {"base_iri": base_iri, "provenance": provenance, "extractor": extractor})


def write_ntriples(
    g: nx.DiGraph, path: str | Path, *, base_iri: str = DEFAULT_BASE_IRI, provenance: bool = True, extractor: str = "kg"
) -> int:
    """Stream N-Triples to ``path`` (atomically) without building an rdflib graph.

    Returns
    -------
    int
        Number of triples written.
    """
    return write_rdf(g, {"ntriples": path}, base_iri=base_iri, provenance=provenance, extractor=extractor)


def nt_term(term: Node) -> str:
    """A term in N-Triples syntax (rdflib's ``n3()`` writes multi-line literals with triple quotes).

    Examples
    --------
    >>> nt_term(Literal("a\\nb"))
    '"a\\\\nb"'
    """
    if isinstance(term, Literal):
        body = '"' + escape_string(str(term)) + '"'
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
    """Write JSON-LD with kg's context (atomically); ``g`` as for :func:`write_turtle`."""
    _write_one(g, path, "json-ld", {"base_iri": base_iri, "provenance": provenance, "extractor": extractor})
