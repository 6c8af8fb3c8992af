"""The graph's files: ``graph.json`` (what :func:`kg.load` reads) and GraphML (Gephi, Cytoscape).

Both are written as streams, one node or edge at a time, so writing them needs
no second copy of the graph (networkx's GraphML writer builds the whole XML tree
first: 500 MB more at 10,000 abstracts).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

import networkx as nx

from kg.errors import ExportError
from kg.io import atomic_write
from kg.records import Mention
from kg.splice import SectionIndex, paper_runs

__all__ = ["GRAPH_FORMAT", "GRAPH_FORMAT_VERSION", "graph_to_json", "read_graph", "write_graph", "write_graphml"]

GRAPH_FORMAT = "kg-graph"
GRAPH_FORMAT_VERSION = 1
_TUPLE_ATTRS = ("authors", "sources", "aliases", "shared")
_FLUSH_EVERY = 4096
Progress = Callable[[int], object]
# One encoder for every record: json.dumps with options builds a new encoder per call.
_GRAPH_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mention):
        return value.as_dict()  # dataclasses.asdict is 10x slower
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value


def _encodable(value: Any) -> Any:
    """What the JSON encoder needs of a value: like :func:`_jsonable`, but tuples without mentions stay.

    The encoder writes tuples as lists itself, so :func:`write_graph` converts only
    values holding mentions (the same JSON, with less work).
    """
    if isinstance(value, Mention):
        return value.as_dict()
    if isinstance(value, tuple | list) and any(isinstance(v, Mention | tuple | list) for v in value):
        return [_encodable(v) for v in value]
    return value


def _node_json(n: str, d: Mapping[str, Any], convert: Callable[[Any], Any] = _jsonable) -> dict[str, Any]:
    return {"id": n, **{k: convert(v) for k, v in d.items()}}


def _edge_json(u: str, v: str, d: Mapping[str, Any], convert: Callable[[Any], Any] = _jsonable) -> dict[str, Any]:
    return {"source": u, "target": v, **{k: convert(x) for k, x in d.items()}}


def graph_to_json(g: nx.DiGraph) -> dict[str, Any]:
    """A JSON-ready dict of the graph (``read_graph`` reads it back)."""
    return {
        "format": GRAPH_FORMAT,
        "version": GRAPH_FORMAT_VERSION,
        "graph": {"community_labels": {str(k): v for k, v in g.graph.get("community_labels", {}).items()}},
        "nodes": [_node_json(n, d) for n, d in sorted(g.nodes(data=True))],
        "edges": [_edge_json(u, v, d) for u, v, d in sorted(g.edges(data=True), key=lambda e: (e[0], e[1]))],
    }


def _write_joined(fh: IO[str], items: Iterable[str], progress: Progress | None) -> None:
    parts: list[str] = []
    for i, item in enumerate(items):
        parts.append("," + item if i else item)
        if len(parts) >= _FLUSH_EVERY:
            fh.write("".join(parts))
            if progress is not None:
                progress(len(parts))
            parts.clear()
    fh.write("".join(parts))
    if progress is not None:
        progress(len(parts))


def write_graph(
    g: nx.DiGraph, path: str | Path, *, progress: Progress | None = None, sections: SectionIndex | None = None
) -> None:
    """Write the graph as ``graph.json`` (atomically).

    Streamed one node and one edge at a time, with the same bytes as
    ``json.dump(graph_to_json(g), sort_keys=True)`` but without a second copy
    of the graph as dicts. ``progress`` is called with the number of nodes and
    edges written, every few thousand. With ``sections``, each paper's edges to
    entities (those holding mentions) are copied from the previous file when
    its fingerprint is unchanged, and where they went is saved beside the new
    file (:mod:`kg.splice`); the bytes are the same either way.
    """

    dumps = _GRAPH_ENCODER.encode
    empty = nx.DiGraph()
    empty.graph.update(g.graph)
    whole = graph_to_json(empty)  # the fixed fields, with no nodes or edges
    with atomic_write(Path(path)) as fh:
        fh.write('{"edges":[')
        edges = sorted(g.edges(data=True), key=lambda e: (e[0], e[1]))
        if sections is None:
            _write_joined(fh, (dumps(_edge_json(u, v, d, _encodable)) for u, v, d in edges), progress)
        else:
            _write_edge_sections(fh, edges, sections, progress)
        fh.write(f'],"format":{dumps(whole["format"])},"graph":{dumps(whole["graph"])},"nodes":[')
        _write_joined(fh, (dumps(_node_json(n, d, _encodable)) for n, d in sorted(g.nodes(data=True))), progress)
        fh.write(f'],"version":{dumps(whole["version"])}}}')
    if sections is not None:
        sections.save(Path(path))


def _write_edge_sections(
    fh: IO[str], edges: list[tuple[str, str, dict[str, Any]]], index: SectionIndex, progress: Progress | None
) -> None:
    """The edges as :func:`_write_joined` writes them, each paper's mention edges a section of ``index``."""
    dumps = _GRAPH_ENCODER.encode
    parts: list[str] = []

    def item(i: int) -> str:
        u, v, d = edges[i]
        text = dumps(_edge_json(u, v, d, _encodable))
        return "," + text if i else text

    def offset() -> int:
        fh.write("".join(parts))
        parts.clear()
        fh.flush()
        return int(fh.buffer.tell())  # type: ignore[attr-defined]

    runs = paper_runs([(u, v) for u, v, _ in edges], ["mentions" in d for _, _, d in edges])
    for paper, start, end in runs:
        if paper is None or start == 0:  # the first edge has no separator before it: never a section
            parts.extend(item(i) for i in range(start, end))
            if len(parts) >= _FLUSH_EVERY:
                offset()
        else:
            begin = offset()
            span = index.reusable(paper)
            if span is None:
                parts.extend(item(i) for i in range(start, end))
            else:
                index.copy(fh, span)
            index.record(paper, begin, offset() - begin, end - start)
        if progress is not None:
            progress(end - start)
    fh.write("".join(parts))


def read_graph(path: str | Path) -> nx.DiGraph:
    """Read a graph written by :func:`write_graph`.

    Raises
    ------
    ExportError
        When the file is missing or not a kg graph.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "graph.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ExportError(f"{path}: no kg build here; run `kg build INPUT... -o DIR` first") from err
    except (OSError, ValueError) as err:
        raise ExportError(f"{path}: not a readable kg graph ({err})") from err
    if not isinstance(data, dict) or data.get("format") != GRAPH_FORMAT:
        raise ExportError(f"{path}: not a kg graph file")
    if data.get("version") != GRAPH_FORMAT_VERSION:
        raise ExportError(
            f"{path}: a kg graph of format version {data.get('version')!r}, this kg reads version "
            f"{GRAPH_FORMAT_VERSION}; rebuild it with this kg (`kg build`)"
        )
    try:
        return _graph_from_json(data)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ExportError(f"{path}: not a kg graph: it is damaged or was edited ({type(err).__name__}: {err})") from err


_REQUIRED = {"Paper": ("title",), "Entity": ("label", "type")}  # what kg.load's readers index by


def _graph_from_json(data: dict[str, Any]) -> nx.DiGraph:
    """The graph of a parsed graph.json (raises KeyError, TypeError, ... when it is malformed)."""
    g = nx.DiGraph()
    g.graph["community_labels"] = {int(k): v for k, v in data["graph"].get("community_labels", {}).items()}
    for node in data["nodes"]:
        attrs = {k: (tuple(v) if k in _TUPLE_ATTRS else v) for k, v in node.items() if k != "id"}
        for key in _REQUIRED.get(str(attrs.get("kind")), ()):
            if not isinstance(attrs.get(key), str):
                raise ValueError(f"{attrs['kind']} node {node.get('id')!r} has no {key}")
        if "type_votes" in attrs:
            attrs["type_votes"] = tuple((t, n) for t, n in attrs["type_votes"])
        g.add_node(node["id"], **attrs)
    for edge in data["edges"]:
        attrs = {k: (tuple(v) if k in _TUPLE_ATTRS else v) for k, v in edge.items() if k not in ("source", "target")}
        if "mentions" in attrs:
            attrs["mentions"] = tuple(Mention(**m) for m in attrs["mentions"])
        g.add_edge(edge["source"], edge["target"], **attrs)
    return g


# --- GraphML -------------------------------------------------------------------------------

_GRAPHML_HEADER = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
)
_ATTR_QUOTES = {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def _flat_attrs(d: Mapping[str, Any]) -> dict[str, Any]:
    """Attributes GraphML can hold: lists joined with "; ", pairs as ``a=b``, None and mentions left out."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        if v is None or k == "mentions":
            continue
        if isinstance(v, tuple | list):
            v = "; ".join(f"{a[0]}={a[1]}" if isinstance(a, tuple | list) else str(a) for a in v)
        out[k] = v
    return out


def _graphml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    return "string"


#: Characters XML 1.0 cannot hold at all (written as U+FFFD), and those text must escape.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_XML_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _graphml_value(value: Any) -> str:
    """``value`` as GraphML element text: escaped, a CR as ``&#13;`` (a parser reads a raw one as LF),
    characters XML cannot hold as U+FFFD (ingest removes them from text; this is the writer's own guard)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if _XML_SPECIAL.search(text) is None:
        return text
    return escape(_NOT_XML.sub("\ufffd", text), {"\r": "&#13;"})


def _graphml_attr(text: str) -> str:
    """``text`` as a quoted GraphML attribute value (see :func:`_graphml_value`)."""
    return quoteattr(_NOT_XML.sub("\ufffd", text), _ATTR_QUOTES)


def _graphml_keys(items: Iterator[Mapping[str, Any]], scope: str, keys: dict[tuple[str, str], tuple[str, str]]) -> None:
    """Declare a key for every attribute name of ``items`` (the type of its first value).

    Only a name not yet declared has its value flattened, as :func:`_flat_attrs` would
    (flattening every list of every edge cost a fifth of writing the file).
    """
    for d in items:
        for name, value in d.items():
            if (scope, name) in keys or value is None or name == "mentions":
                continue
            flat = _flat_attrs({name: value})[name]
            keys[(scope, name)] = (f"d{len(keys)}", _graphml_type(flat))


def write_graphml(
    g: nx.DiGraph, path: str | Path, *, progress: Progress | None = None, sections: SectionIndex | None = None
) -> None:
    """Write GraphML for Gephi/Cytoscape (atomically, streamed): lists joined with "; ", mentions left out.

    ``networkx.read_graphml`` reads it back as ``networkx.write_graphml`` would
    have written it (tested). ``progress`` and ``sections`` as for
    :func:`write_graph` (a paper's section: its edges to entities).
    """
    keys: dict[tuple[str, str], tuple[str, str]] = {}
    _graphml_keys((d for _, d in g.nodes(data=True)), "node", keys)
    _graphml_keys((d for _, _, d in g.edges(data=True)), "edge", keys)

    opening = {scope_name: f'\n      <data key="{key_id}">' for scope_name, (key_id, _) in keys.items()}

    def data(scope: str, d: Mapping[str, Any]) -> str:
        return "".join(f"{opening[(scope, k)]}{_graphml_value(v)}</data>" for k, v in _flat_attrs(d).items())

    def edge(u: str, v: str, d: Mapping[str, Any]) -> str:
        ends = f"source={_graphml_attr(str(u))} target={_graphml_attr(str(v))}"
        return f"    <edge {ends}>{data('edge', d)}\n    </edge>\n"

    if sections is not None:  # the key ids are part of every section's bytes
        sections.extend_settings(json.dumps(sorted(keys.items())))
    with atomic_write(Path(path)) as fh:
        fh.write(_GRAPHML_HEADER)
        for (scope, name), (key_id, kind) in keys.items():
            fh.write(f'  <key id="{key_id}" for="{scope}" attr.name={_graphml_attr(name)} attr.type="{kind}" />\n')
        fh.write('  <graph edgedefault="directed">\n')
        parts: list[str] = []  # one per node or edge
        for n, d in g.nodes(data=True):
            parts.append(f"    <node id={_graphml_attr(str(n))}>{data('node', d)}\n    </node>\n")
            if len(parts) >= _FLUSH_EVERY:
                _flush(fh, parts, progress)
        for u, neighbours in g.adj.items():
            if sections is None:
                parts.extend(edge(u, v, d) for v, d in neighbours.items())
            else:
                _graphml_edge_sections(fh, u, neighbours, edge, sections, parts, progress)
            if len(parts) >= _FLUSH_EVERY:
                _flush(fh, parts, progress)
        _flush(fh, parts, progress)
        fh.write("  </graph>\n</graphml>\n")
    if sections is not None:
        sections.save(Path(path))


def _graphml_edge_sections(
    fh: IO[str],
    u: str,
    neighbours: Mapping[str, Mapping[str, Any]],
    edge: Callable[[str, str, Mapping[str, Any]], str],
    index: SectionIndex,
    parts: list[str],
    progress: Progress | None,
) -> None:
    """The out-edges of ``u`` into ``parts``, its mention edges as its section of ``index``."""
    items = list(neighbours.items())
    runs = list(paper_runs([(u, v) for v, _ in items], ["mentions" in d for _, d in items]))
    for paper, start, end in runs:
        if paper is None:
            parts.extend(edge(u, v, d) for v, d in items[start:end])
            continue
        _flush(fh, parts, progress)
        fh.flush()
        begin = int(fh.buffer.tell())  # type: ignore[attr-defined]
        span = index.reusable(paper)
        if span is None:
            parts.extend(edge(u, v, d) for v, d in items[start:end])
            _flush(fh, parts, progress)
        else:
            index.copy(fh, span)
            if progress is not None:
                progress(end - start)
        fh.flush()
        index.record(paper, begin, int(fh.buffer.tell()) - begin, end - start)  # type: ignore[attr-defined]


def _flush(fh: IO[str], parts: list[str], progress: Progress | None) -> None:
    fh.write("".join(parts))
    if progress is not None:
        progress(len(parts))
    parts.clear()
