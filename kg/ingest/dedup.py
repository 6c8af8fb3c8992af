"""Merge records of the same paper.

Two records are one paper when

1. they share a normalised arXiv id or a normalised DOI (:func:`~kg.ingest.ids.clean_arxiv_id`,
   :func:`~kg.ingest.ids.clean_doi`), directly or through a third record that has both;
2. one has neither id and their normalised titles are equal (as ``title:`` ids always
   merged): such a record joins the first paper with that title, with ids or without;
3. both have ids of different kinds that do not contradict each other (one only an
   arXiv id, the other only a DOI) and their normalised titles *and* abstracts are equal.

Two different arXiv ids (or DOIs) are never merged by rule 3. The merged paper's id
is chosen as :func:`~kg.ingest.ids.paper_id` chooses it: the arXiv id if the paper
has one, else its DOI, else the hash of its title; its text is its first record's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from kg.records import Paper

from .ids import normalise_title, paper_id

__all__ = ["Deduplicator", "merge_papers"]


def merge_papers(first: Paper, other: Paper) -> Paper:
    """Keep ``first``'s text, fill its missing metadata from ``other``, accumulate sources."""
    return replace(
        first,
        authors=first.authors or other.authors,
        year=first.year if first.year is not None else other.year,
        url=first.url or other.url,
        arxiv_id=first.arxiv_id or other.arxiv_id,
        doi=first.doi or other.doi,
        record_id=first.record_id or other.record_id,
        sources=first.sources + tuple(s for s in other.sources if s not in first.sources),
    )


_METADATA = ("authors", "year", "url", "arxiv_id", "doi", "record_id")


def _fills_in(first: Paper, other: Paper) -> bool:
    """Whether ``other`` has metadata that ``first`` lacks (so merging changes ``first``)."""
    return any(getattr(first, f) in (None, ()) and getattr(other, f) not in (None, ()) for f in _METADATA)


def _text_key(paper: Paper) -> bytes:
    """A digest of the normalised title and abstract (rule 3 compares these)."""
    text = normalise_title(paper.title) + "\x1f" + normalise_title(paper.abstract)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


@dataclass(slots=True)
class _Cluster:
    """The records that had one per-record id (all of a ``title:`` id, or all of one arXiv id or DOI)."""

    paper: Paper
    title_key: str
    sources: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    arxiv_ids: list[str] = field(default_factory=list)
    dois: list[str] = field(default_factory=list)
    # Ordered (insertion order, not a set's hash order): rule 3 unions in this order, so the
    # merge must not depend on PYTHONHASHSEED.
    text_keys: dict[bytes, None] = field(default_factory=dict)
    title_keys: dict[str, None] = field(default_factory=dict)
    records: int = 0

    @property
    def has_id(self) -> bool:
        return bool(self.arxiv_ids or self.dois)


class Deduplicator:
    """Collects papers and merges the records of one paper (rules in :mod:`kg.ingest.dedup`); first-seen order.

    Records with the same per-record id (``Paper.id``) are folded together as
    they arrive; the rules that join different ids run once, in :meth:`papers`.
    Linear in the number of records however many share an id (100,000 copies
    of one title merge in well under a second): sources are collected in a
    list with a set beside it, and each merged paper is built once, at the end.

    Examples
    --------
    >>> d = Deduplicator()
    >>> d.add(Paper("title:1", "A", "x", sources=("a.txt:1",)))
    >>> d.add(Paper("title:1", "A", "y", year=2024, sources=("b.txt:5",)))
    >>> d.merged, d.papers()[0].year, d.papers()[0].sources
    (1, 2024, ('a.txt:1', 'b.txt:5'))
    >>> d.add(Paper("arxiv:2307.08691", "a!", "z", arxiv_id="2307.08691", sources=("c.jsonl:1",)))
    >>> [(p.id, p.abstract) for p in d.papers()], d.merged
    ([('arxiv:2307.08691', 'x')], 2)
    """

    def __init__(self) -> None:
        self._clusters: dict[str, _Cluster] = {}
        self._records = 0
        self._result: tuple[Paper, ...] | None = None

    @property
    def merged(self) -> int:
        """Records merged into an earlier record of the same paper (records added minus papers)."""
        return self._records - len(self.papers())

    def add(self, paper: Paper) -> None:
        """Add a paper, merging it into an earlier one with the same id."""
        self._records += 1
        self._result = None
        cluster = self._clusters.get(paper.id)
        if cluster is None:
            cluster = self._clusters[paper.id] = _Cluster(paper, normalise_title(paper.title))
            cluster.seen.update(paper.sources)
            cluster.sources.extend(paper.sources)
        else:
            if _fills_in(cluster.paper, paper):
                cluster.paper = merge_papers(cluster.paper, replace(paper, sources=()))
            for source in paper.sources:
                if source not in cluster.seen:
                    cluster.seen.add(source)
                    cluster.sources.append(source)
        cluster.records += 1
        if paper.arxiv_id and paper.arxiv_id not in cluster.arxiv_ids:
            cluster.arxiv_ids.append(paper.arxiv_id)
        if paper.doi and paper.doi not in cluster.dois:
            cluster.dois.append(paper.doi)
        if paper.arxiv_id or paper.doi:
            cluster.text_keys.setdefault(_text_key(paper))
            cluster.title_keys.setdefault(normalise_title(paper.title))

    def extend(self, papers: Iterable[Paper]) -> None:
        for paper in papers:
            self.add(paper)

    def papers(self) -> tuple[Paper, ...]:
        """The merged papers, in the order of their first records."""
        if self._result is None:
            self._result = self._merge()
        return self._result

    def _merge(self) -> tuple[Paper, ...]:
        clusters = list(self._clusters.values())
        parent = list(range(len(clusters)))
        arxiv_of: list[set[str]] = [set(c.arxiv_ids) for c in clusters]
        doi_of: list[set[str]] = [set(c.dois) for c in clusters]

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        def union(a: int, b: int) -> None:
            ra, rb = find(a), find(b)
            if ra == rb:
                return
            ra, rb = min(ra, rb), max(ra, rb)  # the earlier cluster is the root: its record comes first
            parent[rb] = ra
            arxiv_of[ra] |= arxiv_of[rb]
            doi_of[ra] |= doi_of[rb]

        # Rule 1: a shared arXiv id or DOI.
        first_with: dict[str, int] = {}
        for i, c in enumerate(clusters):
            for id_key in [*("arxiv:" + a for a in c.arxiv_ids), *("doi:" + d for d in c.dois)]:
                union(first_with.setdefault(id_key, i), i)
        # Rule 3: ids of different kinds, the same title and abstract.
        first_text: dict[bytes, int] = {}
        for i, c in enumerate(clusters):
            for text_key in c.text_keys:
                j = first_text.setdefault(text_key, i)
                ri, rj = find(i), find(j)
                if ri != rj and len(arxiv_of[ri] | arxiv_of[rj]) <= 1 and len(doi_of[ri] | doi_of[rj]) <= 1:
                    union(ri, rj)
        # Rule 2: a record without ids joins the first paper with its title.
        first_titled: dict[str, int] = {}
        for i, c in enumerate(clusters):
            for key in c.title_keys:
                first_titled.setdefault(key, i)
        for i, c in enumerate(clusters):
            if not c.has_id and c.title_key in first_titled:
                union(first_titled[c.title_key], i)

        groups: dict[int, list[int]] = {}
        for i in range(len(clusters)):
            groups.setdefault(find(i), []).append(i)
        return tuple(self._merged_paper([clusters[i] for i in members]) for _, members in sorted(groups.items()))

    @staticmethod
    def _merged_paper(members: list[_Cluster]) -> Paper:
        if len(members) == 1:
            c = members[0]
            return replace(c.paper, sources=tuple(c.sources)) if c.records > 1 else c.paper
        paper = members[0].paper
        for other in members[1:]:
            if _fills_in(paper, other.paper):
                paper = merge_papers(paper, replace(other.paper, sources=()))
        arxiv = next((c.arxiv_ids[0] for c in members if c.arxiv_ids), None)
        doi = next((c.dois[0] for c in members if c.dois), None)
        sources = dict.fromkeys(s for c in members for s in c.sources)
        return replace(paper, id=paper_id(paper.title, arxiv, doi), arxiv_id=arxiv, doi=doi, sources=tuple(sources))
