"""The ``kg:`` vocabulary as an rdflib ``DefinedNamespace``.

The ontology (classes, properties, their labels and links to standard terms)
is ``ontology.ttl`` beside this module; this module only gives Python code
typo-safe names for its terms.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

__all__ = ["DEFAULT_BASE_IRI", "KG", "KG_NS", "OA", "SCHEMA", "VOCAB_IRI"]

#: Namespace of the vocabulary (classes and properties).
VOCAB_IRI = "https://w3id.org/kg/vocab#"
#: Default base of minted resources (papers, entities, annotations); override with ``--base-iri``.
DEFAULT_BASE_IRI = "https://w3id.org/kg/id/"

OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("https://schema.org/")


class KG(DefinedNamespace):
    """Terms of the kg vocabulary (see ``ontology.ttl``)."""

    _NS = Namespace(VOCAB_IRI)
    _fail = True

    # classes
    Paper: URIRef
    Entity: URIRef
    Method: URIRef
    Model: URIRef
    Dataset: URIRef
    Metric: URIRef
    Task: URIRef
    PaperLink: URIRef
    Community: URIRef
    Extractor: URIRef
    # paper -> entity
    mentions: URIRef
    usesMethod: URIRef
    usesModel: URIRef
    usesDataset: URIRef
    reportsMetric: URIRef
    addressesTask: URIRef
    # entity -> entity, paper -> paper
    variantOf: URIRef
    relatedPaper: URIRef
    link: URIRef
    linkTarget: URIRef
    sharedEntity: URIRef
    weight: URIRef
    # counts and attributes
    mentionCount: URIRef
    paperCount: URIRef
    community: URIRef
    confidence: URIRef
    field: URIRef
    sentence: URIRef
    extractor: URIRef
    source: URIRef


KG_NS = Namespace(VOCAB_IRI)
