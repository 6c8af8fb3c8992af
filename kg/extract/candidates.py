"""Candidate spans proposed by extraction components.

Every component of the kg pipeline (gazetteer, patterns, abbreviations, the
trained ``ner``) *proposes* typed spans; the final ``kg_merge`` component picks
the mentions. Candidates live in ``doc.user_data`` as plain tuples so that docs
survive ``nlp.pipe(..., n_process=N)``, which ships docs between processes as
msgpack.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc

__all__ = ["CANDIDATES_KEY", "Candidate", "add_candidate", "doc_text", "get_candidates"]

CANDIDATES_KEY = "kg_candidates"
TEXT_KEY = "kg_text"


def doc_text(doc: Doc) -> str:
    """``doc.text``, computed once per doc.

    ``Doc.text`` joins every token on each access; four components asking for it
    cost more than all the rules. kg's components never change a doc's tokens, so
    the text is cached in ``doc.user_data``.
    """
    text = doc.user_data.get(TEXT_KEY)
    if not isinstance(text, str):
        text = doc.user_data[TEXT_KEY] = doc.text
    return text


@dataclass(frozen=True, slots=True)
class Candidate:
    """A typed character span proposed by one component.

    Parameters
    ----------
    start_char, end_char : int
        Offsets into ``doc.text``.
    label : str
        Proposed entity type (Method, Model, Dataset, Metric, Task).
    source : str
        ``component`` or ``component:rule`` that proposed the span.
    confidence : float
        The component's confidence in ``[0, 1]``.
    """

    start_char: int
    end_char: int
    label: str
    source: str
    confidence: float


def add_candidate(doc: Doc, start_char: int, end_char: int, label: str, source: str, confidence: float) -> None:
    """Record a candidate span on ``doc``.

    Examples
    --------
    >>> import spacy
    >>> doc = spacy.blank("en")("We use BERT.")
    >>> add_candidate(doc, 7, 11, "Model", "kg_gazetteer", 0.95)
    >>> get_candidates(doc)[0].label
    'Model'
    """
    if not 0 <= start_char < end_char <= len(doc_text(doc)):
        raise ValueError(f"candidate offsets {start_char}:{end_char} outside the doc")
    doc.user_data.setdefault(CANDIDATES_KEY, []).append((start_char, end_char, label, source, float(confidence)))


def get_candidates(doc: Doc) -> list[Candidate]:
    """Return the candidates recorded on ``doc`` so far, in insertion order."""
    return [
        Candidate(int(s), int(e), str(lab), str(src), float(conf))
        for s, e, lab, src, conf in doc.user_data.get(CANDIDATES_KEY, [])
    ]
