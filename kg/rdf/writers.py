"""Streamed RDF writers: N-Triples, Turtle and JSON-LD, all written in one pass over the graph.

rdflib serialises only what is in an rdflib store, and filling one costs more
than the file it writes: at 10,000 synthetic abstracts (2.5M triples) Turtle and
JSON-LD through rdflib took six minutes and 4.8 GB. These writers take the
statements of :func:`kg.rdf.statements.iter_subjects` as they come, one
subject at a time, so memory stays flat however large the graph, and one
walk over the graph feeds all three files.

Writers are registered by format name in :data:`WRITERS` (as rdflib registers
its serialiser plugins); each has ``add(subject, pairs)`` and ``close()``.
Their output is checked by parsing it back with rdflib, pyoxigraph and rapper
in the tests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any, Protocol

import networkx as nx

from kg.errors import ArgumentError
from kg.io import atomic_write
from kg.splice import SectionIndex

from .statements import IRI, PLAIN, Pair, iter_sections
from .vocab import DEFAULT_BASE_IRI

__all__ = ["WRITERS", "JsonLdWriter", "NTriplesWriter", "RdfWriter", "TurtleWriter", "write_rdf"]

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_FLUSH_EVERY = 8192
_BARE, _ID, _VALUE, _TYPE = range(4)  # how JSON-LD writes a value
# A JSON string literal, as json.dumps(ensure_ascii=False) writes it.
_json_string: Callable[[str], str] = json.encoder.encode_basestring


def escape_string(text: str) -> str:
    r"""The body of an N-Triples/Turtle string literal: backslash, quote, CR and LF escaped, and
    the other control characters as ``\uXXXX`` (a NUL cut rapper's literal short); a tab stays.

    Examples
    --------
    >>> escape_string('say "hi"\n')
    'say \\"hi\\"\\n'
    >>> escape_string("a\x00b\x7f\tc")
    'a\\u0000b\\u007F\tc'
    """
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if '"' in text:
        text = text.replace('"', '\\"')
    if "\n" in text:
        text = text.replace("\n", "\\n")
    if "\r" in text:
        text = text.replace("\r", "\\r")
    if not text.isprintable():  # cheap test first: ingest drops control characters but tab
        text = _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04X}", text)
    return text


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")  # not tab (valid as it is), LF and CR (done above)


class RdfWriter(Protocol):
    """A streamed serialiser: one subject and its statements at a time in, text out to an open file.

    ``tell``, ``flush`` and ``spliceable`` let :func:`write_rdf` copy sections
    of a previous file into ``fh`` between subjects (:mod:`kg.splice`).
    """

    fh: IO[str]

    def add(self, subject: str, pairs: list[Pair]) -> None: ...

    def flush(self) -> None: ...

    def tell(self) -> int: ...

    @property
    def spliceable(self) -> bool: ...

    def close(self) -> None: ...


class _Buffered:
    """Joins many small strings before writing them (a write per statement is slow)."""

    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh
        self.parts: list[str] = []

    def flush(self) -> None:
        self.fh.write("".join(self.parts))
        self.parts.clear()

    def _maybe_flush(self) -> None:
        if len(self.parts) >= _FLUSH_EVERY:
            self.flush()

    def tell(self) -> int:
        """Bytes written so far (flushes; the file must be a real, binary-backed text file)."""
        self.flush()
        self.fh.flush()
        return int(self.fh.buffer.tell())  # type: ignore[attr-defined]

    @property
    def spliceable(self) -> bool:
        """Whether a section copied here reads as it did where it came from (the position does not matter)."""
        return True


class NTriplesWriter(_Buffered):
    """N-Triples: one statement a line, every IRI in full."""

    def add(self, subject: str, pairs: list[Pair]) -> None:
        head = f"<{subject}> <"
        self.parts.extend(
            f"{head}{p}> <{o}> .\n"
            if datatype is IRI
            else f'{head}{p}> "{escape_string(o)}" .\n'
            if datatype == PLAIN
            else f'{head}{p}> "{escape_string(o)}"^^<{datatype}> .\n'
            for p, o, datatype in pairs
        )
        self._maybe_flush()

    def close(self) -> None:
        self.flush()


class TurtleWriter(_Buffered):
    """Turtle: prefixed vocabulary terms, statements grouped by subject (``;``) and predicate (``,``)."""

    def __init__(self, fh: IO[str], prefixes: Mapping[str, str]) -> None:
        super().__init__(fh)
        self.prefixes = dict(prefixes)
        self.names: dict[str, str] = {_RDF_TYPE: "a"}
        self.classes: dict[str, str] = {}  # class IRI -> its name as the object of rdf:type
        self.datatypes: dict[str, str] = {}  # datatype IRI -> "^^name"
        self.parts.extend(f"@prefix {prefix}: <{namespace}> .\n" for prefix, namespace in self.prefixes.items())

    def _name(self, iri: str) -> str:
        """A prefixed name for vocabulary IRIs (predicates, classes, datatypes), else ``<iri>``."""
        name = self.names.get(iri)
        if name is None:
            name = f"<{iri}>"
            for prefix, namespace in self.prefixes.items():
                local = iri[len(namespace) :]
                if iri.startswith(namespace) and _LOCAL_NAME.fullmatch(local):
                    name = f"{prefix}:{local}"
                    break
            self.names[iri] = name
        return name

    def add(self, subject: str, pairs: list[Pair]) -> None:
        names, classes, datatypes = self.names, self.classes, self.datatypes
        lines = [f"\n<{subject}>"]
        previous = None
        for p, o, datatype in pairs:
            if datatype is IRI:
                obj = (classes.get(o) or self._class_name(o)) if p == _RDF_TYPE else f"<{o}>"
            elif datatype == PLAIN:
                obj = f'"{escape_string(o)}"'
            else:
                obj = f'"{escape_string(o)}"{datatypes.get(datatype) or self._datatype_suffix(datatype)}'
            if p == previous:
                lines.append(f",\n        {obj}")
            else:
                lines.append(f"{' ;' if previous is not None else ''}\n    {names.get(p) or self._name(p)} {obj}")
                previous = p
        lines.append(" .\n")
        self.parts.append("".join(lines))
        self._maybe_flush()

    def _datatype_suffix(self, iri: str) -> str:
        suffix = self.datatypes[iri] = f"^^{self._name(iri)}"
        return suffix

    def _class_name(self, iri: str) -> str:
        name = self._name(iri)
        name = self.classes[iri] = f"<{iri}>" if name == "a" else name  # rdf:type as an object is not "a"
        return name

    def close(self) -> None:
        self.flush()


class JsonLdWriter(_Buffered):
    """JSON-LD: kg's context inline, then one node object a line in ``@graph``.

    Keys are the context's terms where a term says exactly what the value is
    (``"usesMethod"`` coerces its values to IRIs, ``"mentionCount"`` to
    ``xsd:integer``), else compact IRIs (``"kg:weight"``) with explicit
    ``@id``/``@value``/``@type`` values, so no value is ever read as something else.
    """

    def __init__(self, fh: IO[str], context: Mapping[str, Any]) -> None:
        super().__init__(fh)
        self.prefixes = {
            t: ns for t, ns in context.items() if isinstance(ns, str) and ns.endswith(("/", "#")) and ":" not in t
        }
        self.terms = self._terms(context)
        self.encoded_plans: dict[tuple[str, str | None], tuple[str, int, str]] = {}
        self.names: dict[str, str] = {}
        self.first = True
        self.parts.append(
            '{"@context": ' + json.dumps(dict(context), ensure_ascii=False, indent=1) + ',\n"@graph": [\n'
        )

    def _expand(self, value: str) -> str:
        prefix, sep, local = value.partition(":")
        return self.prefixes[prefix] + local if sep and prefix in self.prefixes else value

    def _terms(self, context: Mapping[str, Any]) -> dict[tuple[str, str | None], str]:
        """(predicate IRI, coerced type or None) -> term, for the simple term definitions of ``context``."""
        terms: dict[tuple[str, str | None], str] = {}
        for term, definition in sorted(context.items()):
            if ":" in term or term.startswith("@") or term in self.prefixes:
                continue
            if isinstance(definition, str):
                terms.setdefault((self._expand(definition), None), term)
            elif isinstance(definition, dict) and set(definition) <= {"@id", "@type"} and "@id" in definition:
                coerced = definition.get("@type")
                coerced = coerced if coerced in (None, "@id") else self._expand(str(coerced))
                terms.setdefault((self._expand(str(definition["@id"])), coerced), term)
        return terms

    def _name(self, iri: str) -> str:
        name = self.names.get(iri)
        if name is None:
            name = iri
            for prefix, namespace in self.prefixes.items():
                if iri.startswith(namespace) and _LOCAL_NAME.fullmatch(iri[len(namespace) :]):
                    name = f"{prefix}:{iri[len(namespace) :]}"
                    break
            self.names[iri] = name
        return name

    def _plan(self, p: str, datatype: str | None) -> tuple[str, int]:
        """How to write a value of this predicate and kind: its key, and _BARE, _ID, _VALUE or _TYPE."""
        if p == _RDF_TYPE and datatype is IRI:
            return "@type", _TYPE
        kind = "@id" if datatype is IRI else (None if datatype == PLAIN else datatype)
        if kind is not None and (p, kind) in self.terms:  # the term coerces the value: written bare
            return self.terms[(p, kind)], _BARE
        key = self.terms.get((p, None)) or self._name(p)
        return key, (_ID if datatype is IRI else _BARE if datatype == PLAIN else _VALUE)

    def _encoded_plan(self, p: str, datatype: str | None) -> tuple[str, int, str]:
        """The key as JSON text, how the value is written, and the JSON text of a ``@type`` value."""
        key, how = self._plan(p, datatype)
        type_text = ""
        if how == _VALUE:
            type_text = _json_string(self.names.get(datatype or "") or self._name(datatype or ""))
        return _json_string(key), how, type_text

    def add(self, subject: str, pairs: list[Pair]) -> None:
        # The node object is written as text, with the bytes json.JSONEncoder(ensure_ascii=False)
        # gives for the same dict (tested), without building the dict: keys in the order of their
        # first statement, a key's second value turns its value into a list.
        values: dict[str, list[str]] = {}
        plans = self.encoded_plans
        for p, o, datatype in pairs:
            plan = plans.get((p, datatype))
            if plan is None:
                plan = plans[(p, datatype)] = self._encoded_plan(p, datatype)
            key, how, type_text = plan
            if how == _BARE:
                value = _json_string(o)
            elif how == _ID:
                value = '{"@id": ' + _json_string(o) + "}"
            elif how == _TYPE:
                value = _json_string(self.names.get(o) or self._name(o))
            else:
                value = '{"@value": ' + _json_string(o) + ', "@type": ' + type_text + "}"
            held = values.get(key)
            if held is None:
                values[key] = [value]
            else:
                held.append(value)
        members = [f"{key}: {vs[0]}" if len(vs) == 1 else f"{key}: [{', '.join(vs)}]" for key, vs in values.items()]
        self.parts.append(
            ("" if self.first else ",\n")
            + '{"@id": '
            + _json_string(subject)
            + ", " * bool(members)
            + ", ".join(members)
            + "}"
        )
        self.first = False
        self._maybe_flush()

    @property
    def spliceable(self) -> bool:
        """Not before the first node object: a section's bytes begin with the separator."""
        return not self.first

    def close(self) -> None:
        self.parts.append("\n]}\n")
        self.flush()


def _jsonld(fh: IO[str]) -> JsonLdWriter:
    from .export import context

    return JsonLdWriter(fh, context()["@context"])


def _turtle(fh: IO[str]) -> TurtleWriter:
    from .export import PREFIXES

    return TurtleWriter(fh, {prefix: str(ns) for prefix, ns in PREFIXES.items()})


#: Streamed writer of each RDF format, by name.
WRITERS: dict[str, Callable[[IO[str]], RdfWriter]] = {
    "ntriples": NTriplesWriter,
    "turtle": _turtle,
    "json-ld": _jsonld,
}


def write_rdf(
    g: nx.DiGraph,
    targets: Mapping[str, str | Path],
    *,
    base_iri: str = DEFAULT_BASE_IRI,
    provenance: bool = True,
    extractor: str = "kg",
    progress: Callable[[int], object] | None = None,
    sections: Mapping[str, SectionIndex] | None = None,
) -> int:
    """Write ``g`` in several RDF formats at once, each file atomically.

    Parameters
    ----------
    g : networkx.DiGraph
        A kg graph.
    targets : mapping of format name -> path
        Format names are the keys of :data:`WRITERS`.
    base_iri, provenance, extractor
        See :func:`kg.rdf.statements.iter_subjects`.
    progress : callable, optional
        Called with the number of nodes and edges walked (e.g. ``tqdm.update``).
    sections : mapping of format name -> SectionIndex, optional
        For the formats given, each paper's annotations whose fingerprint is
        unchanged are copied from the previous file, and where each paper's
        annotations went is saved beside the new file (:mod:`kg.splice`). The
        bytes are the same either way.

    Returns
    -------
    int
        Number of statements written to each file.

    Examples
    --------
    >>> import tempfile
    >>> g = nx.DiGraph(); g.add_node("p1", kind="Paper", title="A title")
    >>> out = Path(tempfile.mkdtemp())
    >>> write_rdf(g, {"ntriples": out / "g.nt", "turtle": out / "g.ttl"})
    5
    """
    unknown = set(targets) - set(WRITERS)
    if unknown:
        raise ArgumentError(f"unknown RDF format(s) {sorted(unknown)}; use {', '.join(WRITERS)}")
    sections = sections or {}
    count = 0
    with ExitStack() as stack:
        for index in sections.values():
            stack.callback(index.close)
        writers = [WRITERS[fmt](stack.enter_context(atomic_write(Path(path)))) for fmt, path in targets.items()]
        indexed = [(w, sections[fmt]) for w, fmt in zip(writers, targets, strict=True) if fmt in sections]
        plain = [w for w, fmt in zip(writers, targets, strict=True) if fmt not in sections]
        for section in iter_sections(g, base_iri, provenance, extractor, progress=progress):
            paper = section.paper
            if paper is None or not indexed:
                for subject, pairs in section.blocks:
                    for writer in writers:
                        writer.add(subject, pairs)
                    count += len(pairs)
                continue
            todo = list(plain)
            starts: list[int | None] = []  # None: not recorded (a JSON-LD section before the first node object)
            items = None
            for writer, index in indexed:
                start = writer.tell() if writer.spliceable else None
                span = index.reusable(paper) if start is not None else None
                if span is None:
                    todo.append(writer)
                else:
                    index.copy(writer.fh, span)
                    items = span[2]
                starts.append(start)
            if todo:
                items = 0
                for subject, pairs in section.blocks:
                    for writer in todo:
                        writer.add(subject, pairs)
                    items += len(pairs)
            count += items or 0
            for (writer, index), start in zip(indexed, starts, strict=True):
                if start is not None:
                    index.record(paper, start, writer.tell() - start, items or 0)
        for writer in writers:
            writer.close()
    for fmt, index in sections.items():
        index.save(Path(targets[fmt]))
    return count
