"""SPARQL query results as JSON, XML, CSV and TSV, written from pyoxigraph terms.

The endpoint collects a query's solutions before answering (to stop at its
``--max-results``), and pyoxigraph serialises only a whole ``QuerySolutions``
iterator; so the collected rows are written here. Every kind of term is
written as the W3C formats (and SPARQL 1.2, for RDF-star triple terms and
directional literals) say, with the output pyoxigraph's own writers give: blank
nodes by their label, triple terms as ``triple`` objects (JSON, XML), as their
three values (CSV) or as ``<<( s p o )>>`` (TSV).

ASK answers in CSV and TSV carry a header row, ``boolean`` / ``?boolean``, as
``kg query --format csv`` writes them (the W3C CSV/TSV results note defines
only SELECT answers; Jena also writes a header, ``_askResult``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

__all__ = ["write_boolean", "write_solutions"]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"
_PLAIN = (_XSD_STRING, _RDF_LANG_STRING, _RDF_DIR_LANG_STRING)
_ITS = ' xmlns:its="http://www.w3.org/2005/11/its" its:version="2.0"'
#: Characters escaped in XML text beyond ``&<>``: a parser would fold a raw CR into LF.
_XML_TEXT = {'"': "&quot;", "\n": "&#10;", "\t": "&#9;", "\r": "&#13;"}
_XSD = "http://www.w3.org/2001/XMLSchema#"
#: Literals that TSV (Turtle syntax) writes bare, by the datatype and lexical form Turtle reads back.
_BARE = {  # ASCII digits only: "\\d" matches any Unicode digit ("٣"), which Turtle does not read as a number
    _XSD + "integer": re.compile(r"[+-]?[0-9]+", re.ASCII),
    _XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+", re.ASCII),
    _XSD + "double": re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+", re.ASCII),
    _XSD + "boolean": re.compile(r"true|false"),
}


def write_solutions(variables: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> bytes:
    """SELECT solutions in ``fmt`` (``json``, ``xml``, ``csv`` or ``tsv``).

    ``rows`` hold pyoxigraph terms (``None`` where a variable is unbound), in the
    order of ``variables``.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> write_solutions(["x"], [[ox.BlankNode("b0")], [None]], "csv")
    b'x\\r\\n_:b0\\r\\n\\r\\n'
    """
    if fmt == "json":
        bindings = [
            {name: _json(term) for name, term in zip(variables, row, strict=True) if term is not None} for row in rows
        ]
        answer = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
        return json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if fmt == "xml":
        head = "".join(f"<variable name={quoteattr(name)}/>" for name in variables)
        results = "".join(
            "<result>"
            + "".join(
                f"<binding name={quoteattr(name)}>{_xml(term)}</binding>"
                for name, term in zip(variables, row, strict=True)
                if term is not None
            )
            + "</result>"
            for row in rows
        )
        return _xml_document(f"<head>{head}</head><results>{results}</results>")
    if fmt == "csv":
        lines = [",".join(_csv_field(name) for name in variables)]
        lines.extend(",".join("" if term is None else _csv_field(_csv(term)) for term in row) for row in rows)
        return "".join(line + "\r\n" for line in lines).encode("utf-8")
    if fmt == "tsv":
        lines = ["\t".join("?" + name for name in variables)]
        lines.extend("\t".join("" if term is None else _tsv(term) for term in row) for row in rows)
        return "".join(line + "\n" for line in lines).encode("utf-8")
    raise ValueError(f"no results format {fmt!r}")


def write_boolean(value: bool, fmt: str) -> bytes:
    """An ASK answer in ``fmt`` (``json``, ``xml``, ``csv`` or ``tsv``).

    Examples
    --------
    >>> write_boolean(True, "csv")
    b'boolean\\r\\ntrue\\r\\n'
    """
    word = "true" if value else "false"
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}, separators=(",", ":")).encode("utf-8")
    if fmt == "xml":
        return _xml_document(f"<head></head><boolean>{word}</boolean>")
    if fmt == "csv":
        return f"boolean\r\n{word}\r\n".encode()
    if fmt == "tsv":
        return f"?boolean\n{word}\n".encode()
    raise ValueError(f"no results format {fmt!r}")


def _kind(term: Any) -> str:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return "uri"
    if isinstance(term, ox.BlankNode):
        return "bnode"
    if isinstance(term, ox.Literal):
        return "literal"
    return "triple"


def _json(term: Any) -> dict[str, Any]:
    kind = _kind(term)
    if kind == "triple":
        parts = {"subject": term.subject, "predicate": term.predicate, "object": term.object}
        return {"type": "triple", "value": {role: _json(part) for role, part in parts.items()}}
    out: dict[str, Any] = {"type": kind, "value": term.value}
    if kind == "literal":
        if term.language:
            out["xml:lang"] = term.language
            if term.direction is not None:
                out["its:dir"] = str(term.direction.value)
        elif term.datatype.value not in _PLAIN:
            out["datatype"] = term.datatype.value
    return out


def _xml(term: Any) -> str:
    kind = _kind(term)
    if kind == "triple":
        return (
            f"<triple><subject>{_xml(term.subject)}</subject><predicate>{_xml(term.predicate)}</predicate>"
            f"<object>{_xml(term.object)}</object></triple>"
        )
    if kind != "literal":
        return f"<{kind}>{escape(term.value, _XML_TEXT)}</{kind}>"
    if term.language:
        attributes = f" xml:lang={quoteattr(term.language)}"
        if term.direction is not None:
            attributes += f" its:dir={quoteattr(str(term.direction.value))}{_ITS}"
    elif term.datatype.value not in _PLAIN:
        attributes = f" datatype={quoteattr(term.datatype.value)}"
    else:
        attributes = ""
    return f"<literal{attributes}>{escape(term.value, _XML_TEXT)}</literal>"


def _xml_document(body: str) -> bytes:
    return f'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">{body}</sparql>'.encode()


def _csv(term: Any) -> str:
    kind = _kind(term)
    if kind == "triple":
        return " ".join(_csv(part) for part in (term.subject, term.predicate, term.object))
    return "_:" + term.value if kind == "bnode" else str(term.value)


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _tsv(term: Any) -> str:
    kind = _kind(term)
    if kind == "triple":
        return f"<<( {_tsv(term.subject)} {_tsv(term.predicate)} {_tsv(term.object)} )>>"
    if kind == "literal" and not term.language:
        bare = _BARE.get(term.datatype.value)
        if bare is not None and bare.fullmatch(term.value):
            return str(term.value)
    return str(term)  # N-Triples syntax, which escapes tabs and newlines
