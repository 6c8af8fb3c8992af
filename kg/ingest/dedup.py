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


class Deduplicator:
    """Collects papers, merging those with the same id; keeps first-seen order.

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
        self.merged = 0

    def add(self, paper: Paper) -> None:
        """Add a paper, merging it into an earlier one with the same id."""
        earlier = self._papers.get(paper.id)
        if earlier is None:
            self._papers[paper.id] = paper
        else:
            self._papers[paper.id] = merge_papers(earlier, paper)
            self.merged += 1

    def extend(self, papers: Iterable[Paper]) -> None:
        for paper in papers:
            self.add(paper)

    def papers(self) -> tuple[Paper, ...]:
        return tuple(self._papers.values())
