"""RDF: kg's vocabulary, ontology and SHACL shapes, the exports, and SPARQL (queries and endpoint)."""
