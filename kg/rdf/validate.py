"""Validate a kg export against the SHACL shapes shipped with kg (``shapes.ttl``)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from rdflib import Graph

from kg.errors import ExportError

from .store import RDFLIB_FORMATS, resolve_rdf_file

__all__ = ["ValidationReport", "shapes_graph", "validate"]


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """pyshacl's verdict: whether the data conforms, how many violations, and its text report."""

    conforms: bool
    violations: int
    text: str


def shapes_graph() -> Graph:
    """The SHACL shapes of a kg export."""
    shapes = Graph()
    shapes.parse(data=(resources.files("kg.rdf") / "shapes.ttl").read_text(encoding="utf-8"), format="turtle")
    return shapes


def validate(data: Graph | str | Path) -> ValidationReport:
    """Validate a build directory, an RDF file or an rdflib graph against kg's shapes.

    kg's exports state every type explicitly (an entity is both ``kg:Entity``
    and ``kg:Model``), so no RDFS inference is needed, which keeps validation of
    a sample build to seconds rather than minutes.
    """
    import pyshacl

    if isinstance(data, Graph):
        graph = data
    else:
        path = resolve_rdf_file(data)
        rdf_format = RDFLIB_FORMATS.get(path.suffix.lower())
        if rdf_format is None:
            known = ", ".join(RDFLIB_FORMATS)
            raise ExportError(f"{path}: not an RDF file by its extension; give a build directory or a {known} file")
        graph = Graph()
        try:
            graph.parse(str(path), format=rdf_format)
        except Exception as err:  # rdflib's parsers raise many types
            raise ExportError(f"{path}: cannot parse RDF ({err})") from err
    conforms, report_graph, text = pyshacl.validate(graph, shacl_graph=shapes_graph(), inference="none")
    from rdflib.namespace import SH

    violations = len(set(report_graph.subjects(predicate=SH.resultSeverity)))
    return ValidationReport(bool(conforms), violations, str(text))
