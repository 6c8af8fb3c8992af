"""The knowledge graph as a networkx ``DiGraph``, and pure functions over it.

Node and edge attributes follow ``docs/graph-schema.md``: paper nodes
(``kind="Paper"``), entity nodes (``kind="Entity"``, ``type`` one of the five
types), paper -> entity edges typed by the entity's type, sized model -> family
``variantOf`` edges, and directed paper -> paper ``relatedPaper`` edges.

Paper–paper links are a weighted bipartite projection of the paper–entity
graph. Each shared entity ``e`` contributes its inverse document frequency
``log(N / df(e))``, so a shared "ImageNet" counts for more than a shared
"accuracy". networkx's ``generic_weighted_projected_graph`` computes exactly this
weight but materialises every pair of papers around every entity, which is
quadratic in the degree of hub entities; :func:`project_papers` computes the
same weights with sparse matrices, row block by row block, and keeps only the
``k`` best neighbours of each paper, so hubs cannot create a dense clique.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from kg.graph_io import graph_to_json, read_graph, write_graph, write_graphml  # files; re-exported here
from kg.records import Mention, Paper

if TYPE_CHECKING:
    from kg.resolve import Resolution

__all__ = [
    "RELATION_BY_TYPE",
    "Community",
    "PaperLink",
    "build_graph",
    "co_occurring",
    "communities",
    "entity_nodes",
    "family",
    "graph_to_json",
    "paper_nodes",
    "papers_with",
    "path",
    "project_papers",
    "read_graph",
    "related_papers",
    "shared_entities",
    "variant_of",
    "write_graph",
    "write_graphml",
]

#: The paper -> entity relation for each entity type.
RELATION_BY_TYPE: dict[str, str] = {
    "Method": "usesMethod",
    "Model": "usesModel",
    "Dataset": "usesDataset",
    "Metric": "reportsMetric",
    "Task": "addressesTask",
}


@dataclass(frozen=True, slots=True)
class PaperLink:
    """A directed similarity link: ``target`` is one of ``source``'s top-k neighbours."""

    source: str
    target: str
    weight: float
    shared: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Community:
    """A community of papers and entities, labelled by its most frequent entities."""

    id: int
    label: str
    papers: tuple[str, ...]
    entities: tuple[str, ...]


def idf_weights(paper_entities: Mapping[str, Iterable[str]]) -> dict[str, float]:
    """Return ``log(N / df)`` for every entity of ``paper_entities``.

    Examples
    --------
    >>> w = idf_weights({"p1": {"a", "b"}, "p2": {"a"}})
    >>> round(w["a"], 3), round(w["b"], 3)
    (0.0, 0.693)
    """
    df: Counter[str] = Counter()
    for ents in paper_entities.values():
        df.update(set(ents))
    n = len(paper_entities)
    return {e: math.log(n / d) for e, d in df.items()}


def project_papers(
    paper_entities: Mapping[str, Iterable[str]],
    *,
    k: int = 10,
    max_df: float = 0.2,
    max_df_papers: int = 1000,
    block_size: int = 2048,
    progress: Callable[[int], object] | None = None,
) -> list[PaperLink]:
    """Link each paper to its ``k`` most similar papers over shared entities.

    Parameters
    ----------
    paper_entities : mapping of paper id -> entity ids
    k : int
        Neighbours kept per paper (outgoing links).
    max_df : float
        Entities in more than this fraction of papers (and in more than two
        papers) are hubs: they neither create links nor add weight. Their IDF is
        small anyway; dropping them keeps the projection sparse.
    max_df_papers : int
        Also hubs: entities in more than this many papers. Without an absolute
        cap the candidate pairs of a growing corpus grow quadratically (an
        entity in 2% of 1M papers makes 4e8 pairs).
    block_size : int
        Rows multiplied at a time (bounds memory).
    progress : callable, optional
        Called with the number of papers of each block done (e.g. ``tqdm.update``).

    Returns
    -------
    list of PaperLink
        Sorted by source, then descending weight, then target.

    Examples
    --------
    >>> links = project_papers({"p1": {"a", "x"}, "p2": {"a", "y"}, "p3": {"x", "y"}, "p4": {"z"}}, k=1)
    >>> [(l.source, l.target, l.shared) for l in links][:2]
    [('p1', 'p2', ('a',)), ('p2', 'p1', ('a',))]
    """
    import scipy.sparse as sp  # here, not at the top: reading a build (kg.load) never needs it

    papers = sorted(paper_entities)
    sets = {p: set(paper_entities[p]) for p in papers}
    idf = idf_weights(sets)
    n = len(papers)
    hub_limit = max(2, min(max_df * n, max_df_papers))
    df = {e: n * math.exp(-w) for e, w in idf.items()}
    entities = sorted(e for e in idf if 2 <= round(df[e]) <= hub_limit)
    if not entities or k <= 0:
        return []
    col = {e: j for j, e in enumerate(entities)}
    rows, cols = [], []
    for i, p in enumerate(papers):
        for e in sets[p]:
            j = col.get(e)
            if j is not None:
                rows.append(i)
                cols.append(j)
    ones = np.ones(len(rows), dtype=np.float64)
    binary = sp.csr_matrix((ones, (rows, cols)), shape=(n, len(entities)))
    weights = np.array([idf[e] for e in entities])
    weighted = binary.multiply(weights[np.newaxis, :]).tocsr()
    links: list[PaperLink] = []
    for start in range(0, n, block_size):
        block = (weighted[start : start + block_size] @ binary.T).tocsr()
        if progress is not None:
            progress(block.shape[0])
        for offset in range(block.shape[0]):
            i = start + offset
            lo, hi = block.indptr[offset], block.indptr[offset + 1]
            neighbours = block.indices[lo:hi]
            scores = np.round(block.data[lo:hi], 9)
            keep = (neighbours != i) & (scores > 0)
            # The paper's linking entities, most informative first; each link's shared
            # entities are those of the target, in this order.
            ranked = sorted((e for e in sets[papers[i]] if e in col), key=lambda e: (-idf[e], e))
            for j, score in _top_k(neighbours[keep], scores[keep], k):
                target = sets[papers[j]]
                shared = tuple(e for e in ranked if e in target)
                links.append(PaperLink(papers[i], papers[j], round(score, 6), shared))
    return links


def _top_k(neighbours: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k best (neighbour, score) pairs: highest score first, ties by neighbour index.

    Neighbour indices follow the sorted paper ids, so ties break by paper id,
    deterministically, without sorting every candidate of a row.
    """
    if len(scores) > k:
        threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
        mask = scores >= threshold
        neighbours, scores = neighbours[mask], scores[mask]
    order = np.lexsort((neighbours, -scores))[:k]
    return [(int(neighbours[o]), float(scores[o])) for o in order]


def build_graph(
    papers: Sequence[Paper],
    mentions: Sequence[Mention],
    resolution: Resolution,
    *,
    k: int = 10,
    max_df: float = 0.2,
    seed: int = 42,
    progress: Callable[[int], object] | None = None,
) -> nx.DiGraph:
    """Build the knowledge graph.

    Parameters
    ----------
    papers : sequence of Paper
    mentions : sequence of Mention
        Aligned with ``resolution.mention_entity``.
    resolution : Resolution
        From :func:`kg.resolve.resolve` over ``mentions``.
    k, max_df : see :func:`project_papers`.
    seed : int
        Seed of the community detection (Louvain), for reproducible output.
    progress : callable, optional
        Called as papers are linked (see :func:`project_papers`).

    Returns
    -------
    networkx.DiGraph
    """
    if len(mentions) != len(resolution.mention_entity):
        raise ValueError("resolution does not belong to these mentions")
    g = nx.DiGraph()
    for p in sorted(papers, key=lambda p: p.id):
        g.add_node(
            p.id,
            kind="Paper",
            label=p.title,
            title=p.title,
            abstract=p.abstract,
            year=p.year,
            authors=tuple(p.authors),
            url=p.url,
            arxiv_id=p.arxiv_id,
            doi=p.doi,
            sources=tuple(p.sources),
            # the input record's own id ("p1"), so a user can find the paper by it
            **({"record_id": p.record_id} if p.record_id is not None else {}),
        )
    entities = {e.id: e for e in resolution.entities}
    for e in resolution.entities:
        g.add_node(
            e.id,
            kind="Entity",
            type=e.type,
            label=e.label,
            aliases=e.aliases,
            mention_count=e.mention_count,
            paper_count=e.paper_count,
            type_votes=e.type_votes,
        )
    for e in resolution.entities:
        if e.variant_of and e.variant_of in entities:
            g.add_edge(e.id, e.variant_of, relation="variantOf")
    by_edge: dict[tuple[str, str], list[Mention]] = defaultdict(list)
    for m, eid in zip(mentions, resolution.mention_entity, strict=True):
        by_edge[(m.paper_id, eid)].append(m)
    paper_ids = {p.id for p in papers}
    edges = []
    for (pid, eid), ms in sorted(by_edge.items()):
        if pid not in paper_ids:
            continue
        if len(ms) > 1:  # most edges have one mention: nothing to sort, no max to take
            ms.sort(key=lambda m: (m.field != "title", m.start, m.end))
        attrs = {
            "relation": RELATION_BY_TYPE[entities[eid].type],
            "mention_count": len(ms),
            "confidence": max(m.confidence for m in ms) if len(ms) > 1 else ms[0].confidence,
            "mentions": tuple(ms),
        }
        edges.append((pid, eid, attrs))
    g.add_edges_from(edges)  # one call: add_edge per edge costs twice as much
    del edges
    node_data = _node_data(g)
    paper_entities = {
        p: [e for e in g.succ[p] if node_data[e]["kind"] == "Entity"]
        for p, d in node_data.items()
        if d["kind"] == "Paper"
    }
    g.add_edges_from(
        (link.source, link.target, {"relation": "relatedPaper", "weight": link.weight, "shared": link.shared})
        for link in project_papers(paper_entities, k=k, max_df=max_df, progress=progress)
    )
    found = communities(g, seed=seed, max_df=max_df)
    for community in found:
        for node in (*community.papers, *community.entities):
            node_data[node]["community"] = community.id
    g.graph["community_labels"] = {c.id: c.label for c in found}
    return g


def paper_nodes(g: nx.DiGraph) -> list[str]:
    """Ids of the paper nodes, sorted."""
    return sorted(n for n, d in g.nodes(data=True) if d.get("kind") == "Paper")


def entity_nodes(g: nx.DiGraph, type: str | None = None) -> list[str]:
    """Ids of the entity nodes (of one type if given), sorted."""
    return sorted(
        n for n, d in g.nodes(data=True) if d.get("kind") == "Entity" and (type is None or d.get("type") == type)
    )


def _node_data(g: nx.DiGraph) -> dict[str, dict[str, Any]]:
    """Node id -> attribute dict of ``g``: networkx's own ``G._node``.

    ``g.nodes[n]`` goes through a view's ``__getitem__`` on every call, which is
    most of the time of the loops below over millions of (paper, entity) pairs.
    """
    return g._node


def _entities_of(g: nx.DiGraph, paper: str) -> set[str]:
    node = _node_data(g)
    return {e for e in g.succ[paper] if node[e].get("kind") == "Entity"}


def family(g: nx.DiGraph, entity: str) -> set[str]:
    """``entity`` and the ids of all its variants (``variantOf`` links, followed through variants of variants).

    Examples
    --------
    >>> g = nx.DiGraph()
    >>> g.add_edge("Model:llama-2-chat", "Model:llama-2", relation="variantOf")
    >>> g.add_edge("Model:llama-2-chat-7b", "Model:llama-2-chat", relation="variantOf")
    >>> sorted(family(g, "Model:llama-2"))
    ['Model:llama-2', 'Model:llama-2-chat', 'Model:llama-2-chat-7b']
    """
    members, todo = {entity}, [entity]
    while todo:
        for v, _, relation in g.in_edges(todo.pop(), data="relation"):
            if relation == "variantOf" and v not in members:
                members.add(v)
                todo.append(v)
    return members


def variant_of(g: nx.DiGraph, entity: str) -> str | None:
    """The family ``entity`` is a variant of (``Model:llama-2`` of ``Model:llama-2-7b``), if any."""
    return next((str(f) for _, f, r in g.out_edges(entity, data="relation") if r == "variantOf"), None)


def papers_with(g: nx.DiGraph, *entities: str) -> list[str]:
    """Papers linked to every one of ``entities`` (entity ids), sorted.

    Examples
    --------
    >>> g = nx.DiGraph()
    >>> g.add_nodes_from(["p1", "p2"], kind="Paper"); g.add_nodes_from(["a", "b"], kind="Entity")
    >>> g.add_edges_from([("p1", "a"), ("p1", "b"), ("p2", "a")])
    >>> papers_with(g, "a", "b")
    ['p1']
    """
    if not entities:
        return []
    sets = [{p for p in g.predecessors(e) if g.nodes[p].get("kind") == "Paper"} for e in entities]
    return sorted(set.intersection(*sets))


def shared_entities(g: nx.DiGraph, a: str, b: str) -> list[str]:
    """Entities two papers share, most informative (fewest papers) first."""
    shared = _entities_of(g, a) & _entities_of(g, b)
    return sorted(shared, key=lambda e: (g.nodes[e].get("paper_count", 0), e))


def related_papers(g: nx.DiGraph, paper: str, k: int = 10) -> list[tuple[str, float, tuple[str, ...]]]:
    """The ``k`` papers most similar to ``paper``, with the entities that explain it.

    Returns
    -------
    list of (paper id, weight, shared entity ids)
    """
    out = [
        (t, float(d["weight"]), tuple(d["shared"]))
        for _, t, d in g.out_edges(paper, data=True)
        if d.get("relation") == "relatedPaper"
    ]
    return sorted(out, key=lambda x: (-x[1], x[0]))[:k]


def co_occurring(
    g: nx.DiGraph, entity: str, type: str | None = None, *, memo: dict[str, set[str]] | None = None
) -> list[tuple[str, int]]:
    """Entities appearing in the same papers as ``entity``, with the number of shared papers.

    Parameters
    ----------
    g : networkx.DiGraph
    entity : str
        Entity id.
    type : str, optional
        Only entities of this type.
    memo : dict, optional
        Remembers each paper's entities across calls: pass the same dict to many
        calls over one unchanged graph (the HTML page asks for 100 entities, whose
        papers overlap).

    Returns
    -------
    list of (entity id, shared papers)
        Most shared papers first, then by id.
    """
    node = _node_data(g)
    memo = {} if memo is None else memo
    counts: Counter[str] = Counter()
    for p in g.pred[entity]:
        if node[p].get("kind") != "Paper":
            continue
        ents = memo.get(p)
        if ents is None:
            ents = memo[p] = _entities_of(g, p)
        counts.update(ents)
    counts.pop(entity, None)
    found = counts.items() if type is None else ((e, n) for e, n in counts.items() if node[e].get("type") == type)
    return sorted(found, key=lambda kv: (-kv[1], kv[0]))


def path(g: nx.DiGraph, a: str, b: str) -> list[str]:
    """A shortest path between two nodes over paper–entity and variant links.

    Similarity links are left out so that the path shows *why* two nodes are
    connected. Returns an empty list when there is none.
    """
    und = nx.Graph()
    und.add_nodes_from(g.nodes)
    und.add_edges_from((u, v) for u, v, r in g.edges(data="relation") if r != "relatedPaper")
    try:
        return list(nx.shortest_path(und, a, b))
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return []


def _louvain(n: int, edges: list[tuple[int, int]], weights: list[float], seed: int) -> list[list[int]]:
    """igraph's Louvain over nodes ``0..n-1``, its random choices seeded (and igraph's RNG restored after)."""
    import random

    import igraph

    igraph.set_random_number_generator(random.Random(seed))
    try:
        clustering = igraph.Graph(n=n, edges=edges).community_multilevel(weights=weights)
    finally:
        igraph.set_random_number_generator(random)
    return [list(part) for part in clustering]


def communities(g: nx.DiGraph, *, seed: int = 42, max_df: float = 0.2) -> list[Community]:
    """Louvain communities of the paper–entity graph, labelled by their top entities.

    Hub entities (in more than ``max_df`` of the papers) are left out of the
    partition, as they would pull everything into one community; they get no
    community. Edges weigh ``log(N / df) + 0.1``. The partition is igraph's
    Louvain (``community_multilevel``, the same algorithm as networkx's
    ``louvain_communities`` and ten times faster: 2.8 s against 30 s at 30,000
    papers, with equal modularity), with its random choices drawn from
    ``random.Random(seed)``, so the same graph gives the same communities.
    """
    papers = paper_nodes(g)
    node = _node_data(g)
    n = max(len(papers), 1)
    index = {p: i for i, p in enumerate(papers)}
    names = list(papers)
    edges: list[tuple[int, int]] = []
    weights: list[float] = []
    for i, p in enumerate(papers):
        for e in sorted(_entities_of(g, p)):  # a set: its order changes with the hash seed; Louvain's must not
            df = node[e].get("paper_count", 1)
            if df <= max(2, max_df * n):
                j = index.get(e)
                if j is None:
                    j = index[e] = len(names)
                    names.append(e)
                edges.append((i, j))
                weights.append(math.log(n / df) + 0.1 if df else 1.0)
    if not edges:
        return []
    parts = [[names[i] for i in part] for part in _louvain(len(names), edges, weights, seed)]
    parts = sorted((sorted(part) for part in parts), key=lambda part: (-len(part), part[0]))
    result: list[Community] = []
    for part in parts:
        ps = tuple(x for x in part if node[x].get("kind") == "Paper")
        es = tuple(x for x in part if node[x].get("kind") == "Entity")
        if not es:
            continue
        top = sorted(es, key=lambda e: (-node[e].get("paper_count", 0), e))[:3]
        result.append(Community(len(result), " / ".join(node[e]["label"] for e in top), ps, es))
    return result
