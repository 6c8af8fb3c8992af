"""The ``kg_sentences`` component: sentence bounds from the text, in one regular expression.

A mention carries its sentence and the gazetteer's cue words must share a sentence with
the name, but nothing in kg needs spaCy's per-token sentence flags. spaCy's
``sentencizer`` walks every token in Python; this component finds the bounds with one
regex over the text and stores them as ``(start, end)`` character offsets in
``doc.user_data["kg_sentences"]`` (plain tuples survive multiprocessing).

A sentence ends at ``.``, ``!`` or ``?`` followed by white space and a capital, digit,
quote or bracket (not after "e.g.", "i.e.", "et al.", "Fig." and similar), and at every
line break: the title and the abstract, which kg joins with a blank line, are never one
sentence.
"""

from __future__ import annotations

import bisect
import re

from spacy.language import Language
from spacy.tokens import Doc

from .candidates import doc_text

__all__ = ["SENTENCES_KEY", "sentence_bounds", "sentence_of"]

SENTENCES_KEY = "kg_sentences"
# The lookbehinds come after the punctuation: Python's ``re`` would try a leading one at every
# position of the text.
_NOT_AFTER = r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bet al\.)(?<!\bvs\.)(?<!\bFig\.)(?<!\bEq\.)(?<!\bcf\.)(?<!\bresp\.)"
_BREAK = re.compile(r"[.!?]" + _NOT_AFTER + r"(?=\s+[\"'(\[A-Z0-9])|\n")


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """Character bounds of the sentences of ``text``, white space trimmed, empty ones left out.

    Examples
    --------
    >>> t = "CATS: sparse LLMs\\n\\nWe test e.g. Llama 2. It works! See Fig. 3 here."
    >>> [t[s:e] for s, e in sentence_bounds(t)]
    ['CATS: sparse LLMs', 'We test e.g. Llama 2.', 'It works!', 'See Fig. 3 here.']
    """
    bounds = []
    start = 0
    for m in _BREAK.finditer(text):
        end = m.end() if m.group() != "\n" else m.start()
        bounds.append((start, end))
        start = m.end()
    bounds.append((start, len(text)))
    result = []
    for s, e in bounds:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            result.append((s, e))
    return result


def sentence_of(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Bounds of the sentence of ``doc`` that holds the span ``start:end`` (the doc if none)."""
    bounds = doc.user_data.get(SENTENCES_KEY)
    if not bounds:
        return 0, len(doc_text(doc))
    starts = [s for s, _ in bounds]
    i = max(0, bisect.bisect_right(starts, start) - 1)
    s, e = bounds[i]
    return int(s), max(int(e), end)


@Language.component("kg_sentences")
def sentences(doc: Doc) -> Doc:
    """Store the doc's sentence bounds (see the module docstring)."""
    doc.user_data[SENTENCES_KEY] = sentence_bounds(doc_text(doc))
    return doc
