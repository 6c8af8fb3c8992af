"""Merge records of the same paper."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from kg.records import Paper

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


class Deduplicator:
    """Collects papers, merging those with the same id; keeps first-seen order.

    Linear in the number of records however many share an id (100,000 copies
    of one title merge in well under a second): sources are collected in a
    list with a set beside it, and the merged paper is built once, at the end.

    Examples
    --------
    >>> d = Deduplicator()
    >>> d.add(Paper("title:1", "A", "x", sources=("a.txt:1",)))
    >>> d.add(Paper("title:1", "A", "y", year=2024, sources=("b.txt:5",)))
    >>> d.merged, d.papers()[0].year, d.papers()[0].sources
    (1, 2024, ('a.txt:1', 'b.txt:5'))
    """

    def __init__(self) -> None:
        self._papers: dict[str, Paper] = {}
        self._sources: dict[str, list[str]] = {}
        self._seen: dict[str, set[str]] = {}
        self.merged = 0

    def add(self, paper: Paper) -> None:
        """Add a paper, merging it into an earlier one with the same id."""
        earlier = self._papers.get(paper.id)
        if earlier is None:
            self._papers[paper.id] = paper
            return
        self.merged += 1
        if _fills_in(earlier, paper):
            self._papers[paper.id] = replace(merge_papers(earlier, replace(paper, sources=())), sources=earlier.sources)
        seen = self._seen.get(paper.id)
        if seen is None:
            seen = self._seen[paper.id] = set(earlier.sources)
            self._sources[paper.id] = []
        extra = self._sources[paper.id]
        for source in paper.sources:
            if source not in seen:
                seen.add(source)
                extra.append(source)

    def extend(self, papers: Iterable[Paper]) -> None:
        for paper in papers:
            self.add(paper)

    def papers(self) -> tuple[Paper, ...]:
        return tuple(
            replace(p, sources=p.sources + tuple(self._sources[pid])) if pid in self._sources else p
            for pid, p in self._papers.items()
        )
