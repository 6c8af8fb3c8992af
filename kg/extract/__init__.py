"""Extract: typed mentions of methods, models, datasets, metrics and tasks, with spaCy.

The extractor is a spaCy pipeline of registered factories (trained ``ner``,
``kg_sentences``, ``kg_abbreviations``, ``kg_gazetteer``, ``kg_patterns``, ``kg_merge``,
``kg_confidence``),
built by :func:`build_pipeline` and run over papers by :func:`extract_papers`.

Importing the package loads nothing heavy: spaCy and the pipeline module load on
first use of a name from it (PEP 562), so modules that need only the vocabulary
(:mod:`kg.extract.vocabulary`) or the modes (:mod:`kg.extract.modes`) stay light.

Examples
--------
>>> from kg.extract import build_pipeline, extract_papers
>>> from kg.records import Paper
>>> nlp = build_pipeline("rules")
>>> [(paper, mentions)] = extract_papers([Paper(id="p", title="", abstract="We fine-tune BERT on GLUE.")], nlp)
>>> [(m.text, m.label) for m in mentions]
[('BERT', 'Model'), ('GLUE', 'Dataset')]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .modes import MODES, Mode

if TYPE_CHECKING:
    from .pipeline import build_pipeline, doc_mentions, extract_papers, extractor_version, paper_text

__all__ = ["MODES", "Mode", "build_pipeline", "doc_mentions", "extract_papers", "extractor_version", "paper_text"]

_FROM_PIPELINE = frozenset(["build_pipeline", "doc_mentions", "extract_papers", "extractor_version", "paper_text"])


def __getattr__(name: str) -> Any:
    if name in _FROM_PIPELINE:
        return getattr(importlib.import_module(".pipeline", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
