"""Interactive HTML: one self-contained, offline, safe page of the knowledge graph.

Built on pyvis (its ``Network`` collects nodes, edges and vis-network options)
but rendered with kg's own template, ``kg/templates/graph.html.j2``, because
pyvis 0.3.2's templates link ``../node_modules/vis`` even with inlined
resources and render tooltips as raw HTML. Here:

* vis-network's JS and CSS (shipped inside pyvis) are inlined: no network, works
  from ``file://``;
* graph data sits in a ``<script type="application/json">`` block with ``<``,
  ``>``, ``&`` and U+2028/2029 escaped, read with ``JSON.parse``: no title can
  close the block;
* tooltips are built in the page with ``textContent`` (never ``innerHTML``), so
  ``<script>`` or ``<img onerror>`` in a title shows as text and runs nothing;
* above ``max_nodes`` the overview keeps the most connected entities and their
  papers, says so on the page, and uses a precomputed layout with physics off.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx
from jinja2 import Environment, StrictUndefined
from pyvis.network import Network

from kg import graph as kgg
from kg.errors import ArgumentError, NotFoundError
from kg.io import atomic_write
from kg.knowledge import entity_type
from kg.records import ENTITY_TYPES

__all__ = ["TYPE_STYLE", "VizSummary", "render_html", "select_nodes"]

#: Colour and vis-network shape of each node type.
TYPE_STYLE: dict[str, tuple[str, str]] = {
    "Paper": ("#9aa5b1", "dot"),
    "Method": ("#4e79a7", "dot"),
    "Model": ("#f28e2b", "diamond"),
    "Dataset": ("#59a14f", "square"),
    "Metric": ("#b07aa1", "triangle"),
    "Task": ("#e15759", "star"),
}
EDGE_COLOURS: dict[str, str] = {
    "usesMethod": "#4e79a7",
    "usesModel": "#f28e2b",
    "usesDataset": "#59a14f",
    "reportsMetric": "#b07aa1",
    "addressesTask": "#e15759",
    "variantOf": "#333333",
    "relatedPaper": "#cccccc",
}


@dataclass(frozen=True, slots=True)
class VizSummary:
    """What :func:`render_html` drew."""

    nodes_shown: int
    nodes_total: int
    edges_shown: int
    path: Path


def _kind(g: nx.DiGraph, node: str) -> str:
    d = g.nodes[node]
    return str(d.get("type") or d.get("kind") or "Paper")


def _node_type(name: str) -> str:
    """``Paper`` or the entity type spelt ``name`` in any case (:func:`kg.knowledge.entity_type`)."""
    if name.casefold() == "paper":
        return "Paper"
    try:
        return str(entity_type(name))
    except ValueError:
        raise ArgumentError(f"unknown node type {name!r}: pass Paper or one of {', '.join(ENTITY_TYPES)}") from None


def _paper_count(g: nx.DiGraph, node: str) -> int:
    """An entity's papers; a family's counted with its variants' (a family only its variants name,
    such as "DINO" of "DINO-R50", has none of its own)."""
    members = kgg.family(g, node)
    if len(members) == 1:
        return int(g.nodes[node].get("paper_count", 0))
    return len({p for e in members for p in kgg.papers_with(g, e)})


def _papers_per_entity(max_nodes: int) -> int:
    """How many of its papers each entity of an overview brings (so hubs do not eat the budget)."""
    return max(3, max_nodes // 40)


def select_nodes(
    g: nx.DiGraph,
    *,
    focus: str | None = None,
    depth: int = 1,
    types: Iterable[str] | None = None,
    min_papers: int = 1,
    max_nodes: int = 600,
) -> list[str]:
    """Choose the nodes of a page: an ego network, or the best-connected part of the graph.

    Entities are ranked by paper count; each kept entity brings its family (a kept
    "Llama 2 7B" brings "Llama 2") and a few of its papers, until the budget is spent.
    ``types`` (``Paper`` or an entity type, in any case) and ``min_papers`` also filter
    an ego network, whose focus is always kept; a family counts its variants' papers.

    Raises
    ------
    NotFoundError
        When ``focus`` is not a node of ``g``.
    ArgumentError (a ValueError)
        When a type is not ``Paper`` or one of :data:`kg.records.ENTITY_TYPES`, or
        ``max_nodes`` is below 1.
    """
    if max_nodes < 1:
        raise ArgumentError(f"max_nodes must be at least 1, not {max_nodes}")
    wanted = {_node_type(t) for t in types} if types else None

    def enough_papers(n: str) -> bool:
        return g.nodes[n].get("paper_count", 0) >= min_papers or _paper_count(g, n) >= min_papers

    if focus is not None:
        if focus not in g:
            raise NotFoundError(f"no node {focus!r} to focus on: pass a node id (e.g. 'Model:llama-2')")
        und = g.to_undirected(as_view=True)
        ego = nx.ego_graph(und, focus, radius=depth)

        def kept(n: str) -> bool:
            if g.nodes[n].get("kind") == "Entity" and not enough_papers(n):
                return False
            return wanted is None or _kind(g, n) in wanted

        nodes = sorted((n for n in ego.nodes if n == focus or kept(n)), key=lambda n: (n != focus, -g.degree(n), n))
        return nodes[:max_nodes]
    entities = [
        n
        for n, d in g.nodes(data=True)
        if d.get("kind") == "Entity" and (wanted is None or d.get("type") in wanted) and enough_papers(n)
    ]
    entities.sort(key=lambda n: (-g.nodes[n].get("paper_count", 0), n))
    chosen: dict[str, None] = {}
    show_papers = wanted is None or "Paper" in wanted
    per_entity = _papers_per_entity(max_nodes)
    for e in entities:
        if len(chosen) >= max_nodes:
            break
        chosen[e] = None
        family = kgg.variant_of(g, e)
        if family is not None and len(chosen) < max_nodes and (wanted is None or _kind(g, family) in wanted):
            chosen[family] = None
        if show_papers:
            papers = [p for p in g.predecessors(e) if g.nodes[p].get("kind") == "Paper"]
            papers.sort(key=lambda p: (-g.out_degree(p), p))
            for p in papers[:per_entity]:
                if len(chosen) >= max_nodes:
                    break
                chosen[p] = None
    if show_papers and len(chosen) < max_nodes:
        for p in kgg.paper_nodes(g):
            if len(chosen) >= max_nodes:
                break
            chosen[p] = None
    return list(chosen)


def _layout(sub: nx.Graph, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Deterministic positions: spring layout, fewer iterations for larger graphs."""
    n = sub.number_of_nodes()
    if n == 0:
        return {}
    iterations = 60 if n <= 500 else 30 if n <= 2000 else 15
    ordered = nx.Graph()
    ordered.add_nodes_from(sorted(sub.nodes))
    ordered.add_edges_from(sorted((min(u, v), max(u, v)) for u, v in sub.edges))
    pos = nx.spring_layout(ordered, seed=seed, iterations=iterations, scale=max(400.0, 25.0 * n**0.5))
    return {k: (round(float(x), 1), round(float(y), 1)) for k, (x, y) in pos.items()}


def _abstract_preview(g: nx.DiGraph, paper: str, limit: int = 300) -> list[list[str]]:
    """The start of a paper's abstract as ``[text, kind]`` pieces, kind "" between mentions.

    The page only joins the pieces: cutting the text by offsets there would count in
    UTF-16 units, where an emoji or a math letter (𝒪, 𝔼) is two, and shift every
    highlight after it.
    """
    text = g.nodes[paper].get("abstract", "") or ""
    cut = text[:limit]
    spans = sorted(
        (m.start, m.end, _kind(g, e))
        for _, e, d in g.out_edges(paper, data=True)
        for m in d.get("mentions", ())
        if m.field == "abstract" and m.end <= len(cut)
    )
    pieces: list[list[str]] = []
    pos = 0
    for start, end, kind in spans:
        if start < pos:
            continue  # overlaps the previous highlight
        if start > pos:
            pieces.append([cut[pos:start], ""])
        pieces.append([cut[start:end], kind])
        pos = end
    rest = cut[pos:] + ("…" if len(text) > limit else "")
    if rest:
        pieces.append([rest, ""])
    return pieces


def _node_info(g: nx.DiGraph, node: str, memo: dict[str, set[str]]) -> dict[str, Any]:
    d = g.nodes[node]
    if d.get("kind") == "Paper":
        related = [g.nodes[q]["label"] for q, _, _ in kgg.related_papers(g, node, 5)]
        return {
            "kind": "Paper",
            "title": d.get("title", ""),
            "year": d.get("year"),
            "authors": list(d.get("authors", ()))[:6],
            "abstract": _abstract_preview(g, node),
            "related": related,
        }
    co = [f"{g.nodes[e]['label']} ({n})" for e, n in kgg.co_occurring(g, node, memo=memo)[:6]]
    return {
        "kind": d.get("type"),
        "label": d.get("label", node),
        "aliases": list(d.get("aliases", ()))[:12],
        "paper_count": d.get("paper_count", 0),
        "co": co,
    }


def _note(
    g: nx.DiGraph,
    shown: int,
    *,
    focus: str | None,
    depth: int,
    types: Iterable[str] | None,
    min_papers: int,
    max_nodes: int,
    related_hidden: bool,
) -> str:
    """What the page shows, in words: how many nodes, which ones, what is left out."""
    note = f"showing {shown:,} of {g.number_of_nodes():,} nodes"
    if focus is not None:
        around = "around" if depth == 1 else f"within {depth} steps of"
        note += f" {around} {g.nodes[focus].get('label', focus)}"
    wanted = {_node_type(t) for t in types} if types else None
    chosen = []
    if wanted is not None:
        chosen.append(", ".join(t for t in TYPE_STYLE if t in wanted) + " only")
    if min_papers > 1:
        chosen.append(f"entities in {min_papers} or more papers")
    if focus is None and shown >= max_nodes:  # the budget, not the filters, cut the page
        papers = wanted is None or "Paper" in wanted
        each = f", each with up to {_papers_per_entity(max_nodes)} of its papers" if papers else ""
        chosen.append(f"the entities in most papers{each}")
    if chosen:
        note += ": " + "; ".join(chosen)
    if related_hidden:
        note += "; links between related papers not drawn"
    return note


def _safe_json(value: Any) -> str:
    """JSON that cannot close a <script> block or break a JS string."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _vis_assets() -> tuple[str, str]:
    lib = resources.files("pyvis") / "templates" / "lib" / "vis-9.1.2"
    js = (lib / "vis-network.min.js").read_text(encoding="utf-8").replace("</script", "<\\/script")
    css = (lib / "vis-network.css").read_text(encoding="utf-8").replace("</style", "<\\/style")
    return js, css


def render_html(
    g: nx.DiGraph,
    path: str | Path,
    *,
    focus: str | None = None,
    depth: int = 1,
    types: Iterable[str] | None = None,
    min_papers: int = 1,
    max_nodes: int = 600,
    show_similarity: bool = False,
    title: str = "kg",
) -> VizSummary:
    """Write an interactive, self-contained HTML view of ``g``.

    Parameters
    ----------
    g : networkx.DiGraph
        A kg graph (``docs/graph-schema.md``).
    path : path
        The HTML file to write (atomically).
    focus : str, optional
        Node id: draw its ego network (radius ``depth``) instead of the overview.
    types : iterable of str, optional
        Node types to keep (``Paper``, ``Method``, ..., in any case), also around a ``focus``.
    min_papers : int
        Leave out entities in fewer papers (also around a ``focus``).
    max_nodes : int
        Node budget of the page.
    show_similarity : bool
        Draw paper–paper ``relatedPaper`` edges.
    title : str
        Page title (escaped).

    Returns
    -------
    VizSummary

    Raises
    ------
    NotFoundError
        When ``focus`` is not a node of ``g``.
    ArgumentError (a ValueError)
        When a type is not ``Paper`` or one of :data:`kg.records.ENTITY_TYPES`.
    """
    nodes = select_nodes(g, focus=focus, depth=depth, types=types, min_papers=min_papers, max_nodes=max_nodes)
    keep = set(nodes)
    sub = g.subgraph(nodes)
    pos = _layout(sub.to_undirected(as_view=True))
    net = Network(directed=True, cdn_resources="in_line")
    for n in sorted(nodes):
        d = g.nodes[n]
        kind = _kind(g, n)
        colour, shape = TYPE_STYLE.get(kind, TYPE_STYLE["Paper"])
        size = 8 if d.get("kind") == "Paper" else 10 + 4 * min(d.get("paper_count", 1), 40) ** 0.5
        x, y = pos.get(n, (0.0, 0.0))
        net.add_node(
            n,
            # Papers go unlabelled below (title in the tooltip): hundreds of titles make the canvas unreadable.
            label=str(d.get("label", n))[:40],
            color=colour,
            shape=shape,
            size=round(size, 1),
            x=x,
            y=y,
            kgType=kind,
            searchLabel=str(d.get("label", n)),
        )
    for u, v, d in sorted(sub.edges(data=True), key=lambda e: (e[0], e[1])):
        relation = d.get("relation", "")
        if relation == "relatedPaper" and not show_similarity:
            continue
        if u in keep and v in keep:
            net.add_edge(
                u,
                v,
                color=EDGE_COLOURS.get(relation, "#999999"),
                title=relation,
                width=1 + min(float(d.get("weight", 0)), 10) / 4 if relation == "relatedPaper" else 1,
            )
    vis_nodes, vis_edges, _, _, _, _ = net.get_network_data()
    memo: dict[str, set[str]] = {}  # each paper's entities, shared by the entities' summaries
    for node in vis_nodes:
        if node["kgType"] == "Paper":
            node["label"] = ""  # pyvis puts the id in place of an empty label
        node["info"] = _node_info(g, node["id"], memo)
        node["aliases"] = list(g.nodes[node["id"]].get("aliases", ()))
        node.pop("title", None)
    for edge in vis_edges:
        edge.pop("title", None)
    data = {
        "nodes": vis_nodes,
        "edges": vis_edges,
        "styles": {k: {"color": c, "shape": s} for k, (c, s) in TYPE_STYLE.items()},
        "shown": len(vis_nodes),
        "total": g.number_of_nodes(),
        "focus": focus,
    }
    related_hidden = not show_similarity and any(
        d.get("relation") == "relatedPaper" for _, _, d in sub.edges(data=True)
    )
    js, css = _vis_assets()
    env = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
    template = env.from_string((resources.files("kg") / "templates" / "graph.html.j2").read_text(encoding="utf-8"))
    html = template.render(
        title=title,
        data_json=_safe_json(data),
        vis_js=js,
        vis_css=css,
        note=_note(
            g,
            len(vis_nodes),
            focus=focus,
            depth=depth,
            types=types,
            min_papers=min_papers,
            max_nodes=max_nodes,
            related_hidden=related_hidden,
        ),
        types=list(TYPE_STYLE),
        styles=TYPE_STYLE,
    )
    out = Path(path)
    with atomic_write(out) as fh:
        fh.write(html)
    return VizSummary(len(vis_nodes), g.number_of_nodes(), len(vis_edges), out)
