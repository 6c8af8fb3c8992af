"""``KnowledgeGraph``: the Python API to walk a build.

A thin, typed wrapper over the networkx graph of :mod:`kg.graph` that speaks in
:class:`~kg.records.Paper` and :class:`~kg.records.Entity` records and accepts
names, aliases, ids or title fragments wherever a node is expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from kg import graph as kgg
from kg.errors import ArgumentError, NotFoundError, QueryError
from kg.records import ENTITY_TYPES, Entity, Paper
from kg.resolve import normalise_key

if TYPE_CHECKING:
    from kg.rdf.store import QueryResult

__all__ = ["KnowledgeGraph", "NotFoundError", "Related", "entity_type"]


@dataclass(frozen=True, slots=True)
class Related:
    """A related paper and why: the entities both papers mention."""

    paper: Paper
    weight: float
    shared: tuple[Entity, ...]


def entity_type(name: str | None) -> str | None:
    """The entity type spelled ``name`` in any case (``None`` stays ``None``: any type).

    Raises
    ------
    ArgumentError (a ValueError)
        When ``name`` is none of :data:`kg.records.ENTITY_TYPES`: a misspelt filter
        would otherwise silently match nothing.

    Examples
    --------
    >>> entity_type("method")
    'Method'
    >>> entity_type("methods")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kg.errors.ArgumentError: unknown entity type 'methods': pass one of Method, Model, ... (in any case)
    """
    if name is None:
        return None
    for known in ENTITY_TYPES:
        if known.casefold() == name.casefold():
            return known
    raise ArgumentError(f"unknown entity type {name!r}: pass one of {', '.join(ENTITY_TYPES)} (in any case)")


class KnowledgeGraph:
    """A built knowledge graph of papers and entities.

    Parameters
    ----------
    g : networkx.DiGraph
        A graph following ``docs/graph-schema.md`` (from :func:`kg.build` or
        :func:`kg.load`).
    outdir : path, optional
        The build directory it was written to or loaded from (for :meth:`sparql`).

    Examples
    --------
    >>> import kg
    >>> graph = kg.load("output")                     # doctest: +SKIP
    >>> llm = graph.entity("LLMs")                    # doctest: +SKIP
    >>> [p.title for p in graph.papers_with(llm)][:2]  # doctest: +SKIP
    """

    def __init__(self, g: nx.DiGraph, outdir: str | Path | None = None) -> None:
        self._g = g
        self.outdir = Path(outdir).resolve() if outdir is not None else None  # queries after a chdir too
        self._store: Any = None
        self._index: dict[str, set[str]] = {}
        self._ids: dict[str, str] = {}  # casefolded entity id -> id
        for node, d in g.nodes(data=True):
            if d.get("kind") != "Entity":
                continue
            # Ids are looked up apart, by case alone: normalised as names, "Model:ppyoloe-s"
            # (a size suffix, lower-cased) would lose its "s" as a plural and be PP-YOLOE.
            self._ids.setdefault(node.casefold(), node)
            for name in (d["label"], *d.get("aliases", ())):
                self._index.setdefault(normalise_key(name), set()).add(node)

    def __repr__(self) -> str:
        return f"<KnowledgeGraph: {len(self.papers())} papers, {len(self.entities())} entities>"

    # --- records ------------------------------------------------------------------------
    def paper_record(self, node: str) -> Paper:
        """The :class:`Paper` of a paper node id.

        Raises
        ------
        NotFoundError
            When ``node`` is not the id of a paper (use :meth:`paper` to find one by title).
        """
        d = self._node_of_kind(node, "Paper")
        return Paper(
            id=node,
            title=d["title"],
            abstract=d.get("abstract", ""),
            authors=tuple(d.get("authors", ())),
            year=d.get("year"),
            url=d.get("url"),
            arxiv_id=d.get("arxiv_id"),
            doi=d.get("doi"),
            sources=tuple(d.get("sources", ())),
            record_id=d.get("record_id"),
        )

    def entity_record(self, node: str) -> Entity:
        """The :class:`Entity` of an entity node id.

        Raises
        ------
        NotFoundError
            When ``node`` is not the id of an entity (use :meth:`entity` to find one by name).
        """
        d = self._node_of_kind(node, "Entity")
        family = kgg.variant_of(self._g, node)
        return Entity(
            id=node,
            type=d["type"],
            label=d["label"],
            aliases=tuple(d.get("aliases", ())),
            mention_count=d.get("mention_count", 0),
            paper_count=d.get("paper_count", 0),
            variant_of=family,
            type_votes=tuple(tuple(v) for v in d.get("type_votes", ())),
        )

    def _node_of_kind(self, node: str, kind: str) -> dict[str, Any]:
        """The attributes of node ``node``, which must be a ``kind`` ("Paper" or "Entity")."""
        d = self._g.nodes.get(node) if isinstance(node, str) else None
        if d is not None and d.get("kind") == kind:
            return d
        other = {"Paper": "a paper", "Entity": "an entity"}
        what = "no such node" if d is None else f"it is {other.get(d.get('kind', ''), 'a node of no kind')}"
        if kind == "Paper":
            hint = "pass a paper id (e.g. 'arxiv:2307.08691' or 'title:<hash>'), or find it with graph.paper(title)"
        else:
            hint = "pass an entity id (e.g. 'Model:llama-2'), or find it with graph.entity(name)"
        raise NotFoundError(f"{node!r} is not {other[kind]} id ({what}): {hint}")

    # --- lookups ------------------------------------------------------------------------
    def papers(self) -> list[Paper]:
        """All papers, sorted by id."""
        return [self.paper_record(n) for n in kgg.paper_nodes(self._g)]

    def entities(self, type: str | None = None) -> list[Entity]:
        """All entities (of one type if given, in any case: "Method" or "method"), most papers first.

        Raises
        ------
        ValueError
            When ``type`` is not one of :data:`kg.records.ENTITY_TYPES`.
        """
        records = [self.entity_record(n) for n in kgg.entity_nodes(self._g, entity_type(type))]
        return sorted(records, key=lambda e: (-e.paper_count, e.id))

    def entity(self, name: str | Entity) -> Entity:
        """Find an entity by id (in any case), label or alias (case, plural and hyphens ignored).

        When several entities answer to the name, one labelled or aliased exactly so wins
        ("MLM" is the entity MLM, not MLMs), then one spelt so in another case, then the
        one in most papers.

        Raises
        ------
        NotFoundError
            When no entity has that name, or ``name`` is a :class:`Paper`.
        """
        if isinstance(name, Entity):
            return name
        if not isinstance(name, str):
            raise NotFoundError(f"{name!r} is not an entity or an entity's name")
        if name in self._g and self._g.nodes[name].get("kind") == "Entity":
            return self.entity_record(name)
        folded = name.casefold()
        if folded in self._ids:
            return self.entity_record(self._ids[folded])
        named = self.entities_named(name)
        if not named:
            close = ", ".join(map(repr, self._close_names(name)))
            raise NotFoundError(f"no entity named {name!r}" + (f"; close names: {close}" if close else ""))

        def closeness(e: Entity) -> int:
            spellings = (e.label, *e.aliases)
            return 0 if name in spellings else 1 if folded in {s.casefold() for s in spellings} else 2

        return min(named, key=closeness)  # min keeps the first, most papers, among equals

    def _close_names(self, name: str, n: int = 3) -> list[str]:
        """Up to ``n`` entity labels or aliases spelt like ``name`` (difflib's ratio >= 0.75), closest first."""
        import difflib

        spellings: dict[str, str] = {}
        for _, d in self._g.nodes(data=True):
            if d.get("kind") == "Entity":
                for spelling in (d["label"], *d.get("aliases", ())):
                    spellings.setdefault(spelling.casefold(), spelling)
        return [spellings[c] for c in difflib.get_close_matches(name.casefold(), spellings, n=n, cutoff=0.75)]

    def entities_named(self, name: str) -> list[Entity]:
        """Every entity with ``name`` as its label or an alias (case, punctuation, spaces and a
        plural ignored, as by :meth:`entity`), most papers first (then by id): an acronym with
        several senses ("SLMs") names several.

        Examples
        --------
        >>> import kg
        >>> graph = kg.load("output")  # doctest: +SKIP
        >>> [e.aliases for e in graph.entities_named("SLMs")]  # doctest: +SKIP
        [(), ('small models',), ('small language models',)]

        On the sample build (``tests/test_knowledge.py`` checks it): the three senses are in
        one paper each, so their ids order them (``Method:slms``, ``Method:slms--9994fb``, ...).
        """
        nodes = self._index.get(normalise_key(name), ())
        ranked = sorted(nodes, key=lambda n: (-self._g.nodes[n].get("paper_count", 0), n))
        return [self.entity_record(n) for n in ranked]

    def paper(self, ref: str | Paper) -> Paper:
        """Find a paper by id, by its input record's own id, or by a case-insensitive title substring.

        Among several titles holding the substring, one that is the substring (in any case)
        or whose name before a colon is ("FlashAttention" for "FlashAttention: Fast and
        Memory-Efficient ...") is the paper meant.

        Raises
        ------
        NotFoundError
            When nothing matches, or the substring matches several titles and none of them so.
        """
        if isinstance(ref, Paper):
            return ref
        if not isinstance(ref, str):
            raise NotFoundError(f"{ref!r} is not a paper or a paper's id or title")
        if ref in self._g and self._g.nodes[ref].get("kind") == "Paper":
            return self.paper_record(ref)
        own = [n for n in kgg.paper_nodes(self._g) if self._g.nodes[n].get("record_id") == ref]
        if len(own) == 1:
            return self.paper_record(own[0])
        if own:  # record ids are an input file's own: two files may both have a "7"
            ids = "; ".join(f"{n} ({self._g.nodes[n]['title']})" for n in sorted(own)[:5])
            raise NotFoundError(f"{len(own)} papers have the record id {ref!r}: {ids}; use one of these ids")
        needle = ref.casefold()
        hits = [n for n in kgg.paper_nodes(self._g) if needle in self._g.nodes[n]["title"].casefold()]
        exact = [n for n in hits if self._g.nodes[n]["title"].casefold() == needle]
        # the title's own name ("FlashAttention: ..."); any title that merely starts with the text
        # would make "llama" pick "LlamaV-o1: ..." over "Shortened LLaMA: ..." without a word
        named = [n for n in hits if self._g.nodes[n]["title"].casefold().partition(":")[0].strip() == needle.strip()]
        for group in (exact, named, hits):
            if len(group) == 1:
                return self.paper_record(group[0])
        if not hits:
            raise NotFoundError(f"no paper with id or title matching {ref!r}")
        titles = "; ".join(self._g.nodes[n]["title"] for n in hits[:5])
        raise NotFoundError(f"{len(hits)} papers match {ref!r} ({titles}…); be more specific")

    def node(self, ref: str | Paper | Entity) -> str:
        """Resolve a record, an entity name/alias or a paper id/title to its node id.

        Raises
        ------
        NotFoundError
            When neither an entity nor a paper matches.
        """
        if isinstance(ref, Paper | Entity):
            if ref.id not in self._g:
                raise NotFoundError(f"{ref.id!r} is not in this graph (a record of another build?)")
            return ref.id
        try:
            return self.entity(ref).id
        except NotFoundError:
            try:
                return self.paper(ref).id
            except NotFoundError as err:  # say that both were looked for
                raise NotFoundError(f"no entity named {ref!r}, and {err}") from None

    # --- traversal ----------------------------------------------------------------------
    def papers_with(self, *entities: str | Entity, variants: bool = True) -> list[Paper]:
        """Papers that mention every one of ``entities``, sorted by id.

        Parameters
        ----------
        *entities : str or Entity
            Names, aliases, ids or records.
        variants : bool
            A family stands for itself and its variants (:meth:`variants`): "papers with
            Qwen2.5" are the papers mentioning Qwen2.5 or Qwen2.5-32B. Families are often
            named only through their variants, so without them a family has no papers.
            ``False``: only the papers mentioning each entity itself (their number is its
            ``paper_count``).

        Raises
        ------
        NotFoundError
            When a name matches no entity.

        Examples
        --------
        >>> import kg
        >>> graph = kg.load("output")                                       # doctest: +SKIP
        >>> [p.title[:40] for p in graph.papers_with("Mistral", "GSM8K")]   # doctest: +SKIP
        """
        groups = [kgg.family(self._g, self.entity(e).id) if variants else {self.entity(e).id} for e in entities]
        if not groups:
            return []
        papers = set.intersection(*({p for e in group for p in kgg.papers_with(self._g, e)} for group in groups))
        return [self.paper_record(p) for p in sorted(papers)]

    def variants(self, entity: str | Entity) -> list[Entity]:
        """The variants of a family (``variantOf`` links, followed through variants of variants),
        most papers first, then by id: ``Llama 2`` -> ``Llama 2 7B``, ``Llama 2-Chat``,
        ``Llama 2-Chat 7B``, ... An entity that is no family has none.

        Raises
        ------
        NotFoundError
            When no entity matches ``entity``.

        Examples
        --------
        >>> import kg
        >>> graph = kg.load("output")                                       # doctest: +SKIP
        >>> [(v.label, v.paper_count) for v in graph.variants("Qwen2.5")]  # doctest: +SKIP
        [('Qwen2.5 32B', 1)]
        """
        eid = self.entity(entity).id
        records = [self.entity_record(v) for v in kgg.family(self._g, eid) - {eid}]
        return sorted(records, key=lambda e: (-e.paper_count, e.id))

    def entities_of(self, paper: str | Paper, type: str | None = None) -> list[Entity]:
        """Entities a paper mentions (of one type if given, in any case), by type then label.

        Raises
        ------
        NotFoundError
            When no paper matches ``paper``.
        ValueError
            When ``type`` is not one of :data:`kg.records.ENTITY_TYPES`.
        """
        type = entity_type(type)
        pid = self.paper(paper).id
        nodes = [e for e in self._g.successors(pid) if self._g.nodes[e].get("kind") == "Entity"]
        return sorted(
            (self.entity_record(e) for e in nodes if type is None or self._g.nodes[e]["type"] == type),
            key=lambda e: (e.type, e.label),
        )

    def entities_by_paper(
        self, *entities: str | Entity, type: str, variants: bool = True
    ) -> list[tuple[Paper, list[Entity]]]:
        """For each paper mentioning every one of ``entities``, its entities of ``type``:
        "which papers evaluate X on Y, and with which metrics?"

        Parameters
        ----------
        *entities : str or Entity
            As for :meth:`papers_with` (names, aliases, ids or records).
        type : str
            One of :data:`kg.records.ENTITY_TYPES`, in any case.
        variants : bool
            As for :meth:`papers_with`: a family stands for itself and its variants.

        Returns
        -------
        list of (Paper, list of Entity)
            The papers of :meth:`papers_with`, in its order, each with its entities of
            ``type`` as :meth:`entities_of` gives them (an empty list when it has none).

        Raises
        ------
        NotFoundError
            When a name matches no entity.
        ValueError
            When ``type`` is not an entity type.

        Examples
        --------
        >>> import kg
        >>> graph = kg.load("output")                                          # doctest: +SKIP
        >>> for paper, metrics in graph.entities_by_paper("Mistral", "GSM8K", type="Metric"):  # doctest: +SKIP
        ...     print(paper.title[:50], [m.label for m in metrics])
        """
        entity_type(type)  # a misspelt type fails even when no paper matches
        return [(p, self.entities_of(p, type)) for p in self.papers_with(*entities, variants=variants)]

    def shared_entities(self, a: str | Paper, b: str | Paper) -> list[Entity]:
        """The entities two papers both mention, most informative (in fewest papers) first, then by id.

        Raises
        ------
        NotFoundError
            When no paper (id or title substring) matches ``a`` or ``b``.
        """
        shared = kgg.shared_entities(self._g, self.paper(a).id, self.paper(b).id)
        return [self.entity_record(e) for e in shared]

    def related_papers(self, paper: str | Paper, k: int = 10) -> list[Related]:
        """The ``k`` most related papers, each with the shared entities that explain it.

        A build keeps each paper's ``--related`` (default 10) strongest links, so a larger
        ``k`` gives no more than those.

        Raises
        ------
        NotFoundError
            When no paper matches ``paper``.
        ValueError
            When ``k`` is negative.
        """
        if k < 0:
            raise ArgumentError(f"k must be 0 or more, not {k}")
        pid = self.paper(paper).id
        return [
            Related(self.paper_record(q), w, tuple(self.entity_record(e) for e in shared))
            for q, w, shared in kgg.related_papers(self._g, pid, k)
        ]

    def co_occurring(self, entity: str | Entity, type: str | None = None) -> list[tuple[Entity, int]]:
        """Entities mentioned in the same papers as ``entity`` (of one type if given, in any case),
        with shared-paper counts, most shared papers first.

        Raises
        ------
        NotFoundError
            When no entity matches ``entity``.
        ValueError
            When ``type`` is not one of :data:`kg.records.ENTITY_TYPES`.
        """
        type = entity_type(type)
        eid = self.entity(entity).id
        return [(self.entity_record(e), n) for e, n in kgg.co_occurring(self._g, eid, type)]

    def path(self, a: str | Paper | Entity, b: str | Paper | Entity) -> list[Paper | Entity]:
        """A shortest path between two papers/entities through the papers and entities linking them.

        Returns
        -------
        list of Paper or Entity
            From ``a`` to ``b``, both included; empty when nothing joins them.

        Raises
        ------
        NotFoundError
            When ``a`` or ``b`` names no paper or entity.
        """
        nodes = kgg.path(self._g, self.node(a), self.node(b))
        return [self.entity_record(n) if self._g.nodes[n]["kind"] == "Entity" else self.paper_record(n) for n in nodes]

    def communities(self) -> list[kgg.Community]:
        """Communities of papers and entities (Louvain), labelled by their top entities."""
        return kgg.communities(self._g)

    def to_networkx(self) -> nx.DiGraph:
        """The underlying networkx graph (a live view: copy it before changing it)."""
        return self._g

    def stats(self) -> dict[str, Any]:
        """Counts of nodes by kind/type and edges by relation."""
        nodes: dict[str, int] = {}
        for _, d in self._g.nodes(data=True):
            key = d.get("type", d.get("kind", "?"))
            nodes[key] = nodes.get(key, 0) + 1
        edges: dict[str, int] = {}
        for _, _, r in self._g.edges(data="relation"):
            edges[r] = edges.get(r, 0) + 1
        return {"nodes": dict(sorted(nodes.items())), "edges": dict(sorted(edges.items()))}

    def sparql(self, query: str) -> QueryResult:
        """Answer a read-only SPARQL query from the build's RDF (``graph.nt``, in pyoxigraph).

        The prefixes ``kg:``, ``skos:``, ``dcterms:``, ... (``kg.rdf.store.QUERY_PREFIXES``)
        need no PREFIX line. The store is loaded on the first query and kept, on disk in the
        build's ``.oxigraph/`` as ``kg query`` keeps it, so later queries start at once.

        Returns
        -------
        kg.rdf.store.QueryResult
            ``.variables`` and ``.rows`` of plain values (``.terms`` with their kinds) for
            SELECT, ``.boolean`` for ASK, ``.triples`` for CONSTRUCT and DESCRIBE;
            ``.to_table()``, ``.to_json()`` and ``.to_csv()`` write it out.

        Raises
        ------
        QueryError
            A malformed query, an update (the graph is read-only), a ``SERVICE`` clause,
            or a graph with no build directory (``kg.build`` without ``outdir``).

        Examples
        --------
        >>> graph = kg.load("output")                                              # doctest: +SKIP
        >>> graph.sparql("SELECT (COUNT(?p) AS ?n) WHERE { ?p a kg:Paper }").rows  # doctest: +SKIP
        (('420',),)
        """
        from kg.rdf.store import load_store
        from kg.rdf.store import query as run

        if self._store is None:
            if self.outdir is None:
                raise QueryError("this graph was built without an output directory: pass one to kg.build to query it")
            self._store = load_store(self.outdir)
        return run(self._store, query)

    @classmethod
    def load(cls, outdir: str | Path) -> KnowledgeGraph:
        """Load a build directory (its ``graph.json``)."""
        return cls(kgg.read_graph(outdir), outdir)
