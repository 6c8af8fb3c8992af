"""SELECT results as kg.rdf.results writes them, against pyoxigraph's own writer."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.rdf.results import write_solutions

XSD = "http://www.w3.org/2001/XMLSchema#"


def _pyoxigraph(rows: list[list[ox.Literal]], fmt: ox.QueryResultsFormat) -> bytes:
    store = ox.Store()
    values = " ".join(f"({row[0]})" for row in rows)
    out = store.query(f"SELECT ?n WHERE {{ VALUES (?n) {{ {values} }} }}").serialize(format=fmt)
    assert out is not None
    return out


def test_tsv_writes_only_ascii_numbers_bare() -> None:
    rows = [
        [ox.Literal("3", datatype=ox.NamedNode(XSD + "integer"))],
        [ox.Literal("٣", datatype=ox.NamedNode(XSD + "integer"))],
    ]
    written = write_solutions(["n"], rows, "tsv")
    # "٣" is a Unicode digit but no Turtle number: it keeps its datatype, as pyoxigraph writes it
    assert written == '?n\n3\n"٣"^^<http://www.w3.org/2001/XMLSchema#integer>\n'.encode()
    assert written == _pyoxigraph(rows, ox.QueryResultsFormat.TSV)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_hostile_literals_are_written_as_pyoxigraph_writes_them(fmt: str) -> None:
    rows = [[ox.Literal('a "quoted"\ttab\nline, comma')], [ox.Literal("été", language="fr")]]
    ox_fmt = {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV}[fmt]
    assert write_solutions(["n"], rows, fmt) == _pyoxigraph(rows, ox_fmt)
