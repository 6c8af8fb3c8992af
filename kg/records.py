"""Records that flow between pipeline stages.

All records are frozen dataclasses: stages never mutate what an earlier stage
produced, they build new records.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

__all__ = [
    "ENTITY_TYPES",
    "Entity",
    "EntityType",
    "Field",
    "Mention",
    "Paper",
    "Reject",
]

EntityType = Literal["Method", "Model", "Dataset", "Metric", "Task"]
Field = Literal["title", "abstract"]

#: The five entity types kg extracts, in display order.
ENTITY_TYPES: tuple[str, ...] = ("Method", "Model", "Dataset", "Metric", "Task")


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper: a title and an abstract plus optional bibliographic metadata.

    Parameters
    ----------
    id : str
        Stable identifier: ``arxiv:<id>``, ``doi:<doi>`` or ``title:<hash>``
        (see :func:`kg.ingest.paper_id`).
    title, abstract : str
        Cleaned text. ``abstract`` may be empty.
    authors : tuple of str
        Author names in input order.
    year : int or None
    url, arxiv_id, doi : str or None
    sources : tuple of str
        ``file:line`` of every input record merged into this paper, first one first.
    record_id : str or None
        The id the input record carried (JSONL/CSV ``id``, BibTeX key), if any;
        ``kg extract`` echoes it so predictions line up with gold files.
    """

    id: str
    title: str
    abstract: str
    authors: tuple[str, ...] = ()
    year: int | None = None
    url: str | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    sources: tuple[str, ...] = ()
    record_id: str | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """A typed span of text in one field of one paper.

    ``text == getattr(paper, field)[start:end]`` always holds.

    Parameters
    ----------
    paper_id : str
    field : {"title", "abstract"}
    start, end : int
        Python string offsets into the field.
    text : str
    label : str
        One of :data:`ENTITY_TYPES`.
    confidence : float
        In ``[0, 1]``; set by the component that found the mention.
    source : str
        The component (and rule) that found it, e.g. ``"kg_gazetteer"``,
        ``"kg_patterns:we_propose"``, ``"ner"``.
    sentence : str
        The sentence the mention occurs in.
    long_form : str or None
        For an abbreviation, the long form it was defined with in this paper.
    """

    paper_id: str
    field: Field
    start: int
    end: int
    text: str
    label: str
    confidence: float = 1.0
    source: str = ""
    sentence: str = ""
    long_form: str | None = None

    def as_dict(self, *, paper_id: bool = True) -> dict[str, Any]:
        """Every field by name (its values are all scalars: no deep copy as in ``dataclasses.asdict``).

        Parameters
        ----------
        paper_id : bool
            Include ``paper_id`` (the extraction cache leaves it out: it is keyed by content).

        Examples
        --------
        >>> m = Mention("p1", "title", 0, 4, "BERT", "Model")
        >>> sorted(m.as_dict(paper_id=False)) == sorted(set(m.as_dict()) - {"paper_id"})
        True
        """
        names = _MENTION_FIELDS if paper_id else _MENTION_FIELDS_BUT_PAPER
        return {name: getattr(self, name) for name in names}

    def to_gold(self) -> dict[str, object]:
        """This mention as an entry of the gold JSONL format (``kg eval``, ``mentions.jsonl``),
        with its confidence, source and sentence (and the long form of an abbreviation), which
        scoring ignores."""
        entry: dict[str, object] = {
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "label": self.label,
            "confidence": self.confidence,
            "source": self.source,
            "sentence": self.sentence,
        }
        if self.long_form is not None:
            entry["long_form"] = self.long_form
        return entry


_MENTION_FIELDS = tuple(f.name for f in fields(Mention))
_MENTION_FIELDS_BUT_PAPER = tuple(name for name in _MENTION_FIELDS if name != "paper_id")


@dataclass(frozen=True, slots=True)
class Entity:
    """A canonical entity: every mention resolved to the same real-world thing.

    Parameters
    ----------
    id : str
        Stable id, ``<type>:<slug>`` (e.g. ``Model:llama-2-7b``).
    type : str
        One of :data:`ENTITY_TYPES`, decided by majority over mentions.
    label : str
        Preferred label (gazetteer canonical name, else most frequent surface form).
    aliases : tuple of str
        Every other surface form seen, sorted.
    mention_count, paper_count : int
        The mentions of this entity itself and the papers they are in. A family's
        variants are counted as themselves, not in the family: a family named only
        through its variants ("Qwen2.5", with Qwen2.5-32B) has 0 (see
        :meth:`kg.KnowledgeGraph.variants` and :meth:`kg.KnowledgeGraph.papers_with`).
    variant_of : str or None
        Id of the family entity for a sized model (``Model:llama-2-7b`` ->
        ``Model:llama-2``).
    type_votes : tuple of (str, int)
        Mention count per type, the evidence behind ``type``.
    """

    id: str
    type: str
    label: str
    aliases: tuple[str, ...] = ()
    mention_count: int = 0
    paper_count: int = 0
    variant_of: str | None = None
    type_votes: tuple[tuple[str, int], ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Reject:
    """An input record that did not make it into the graph, and why."""

    source: str
    line: int | None
    reason: str
    snippet: str = ""
