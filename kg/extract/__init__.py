"""Extract: typed mentions of methods, models, datasets, metrics and tasks, with spaCy.

The extractor is a spaCy pipeline of registered factories (trained ``ner``,
``kg_sentences``, ``kg_abbreviations``, ``kg_gazetteer``, ``kg_patterns``, ``kg_merge``,
``kg_confidence``),
built by :func:`build_pipeline` and run over papers by :func:`extract_papers`.

Examples
--------
>>> from kg.records import Paper
>>> nlp = build_pipeline("rules")
>>> [(paper, mentions)] = extract_papers([Paper(id="p", title="", abstract="We fine-tune BERT on GLUE.")], nlp)
>>> [(m.text, m.label) for m in mentions]
[('BERT', 'Model'), ('GLUE', 'Dataset')]
"""

from __future__ import annotations

from .pipeline import MODES, Mode, build_pipeline, doc_mentions, extract_papers, extractor_version, paper_text

__all__ = ["MODES", "Mode", "build_pipeline", "doc_mentions", "extract_papers", "extractor_version", "paper_text"]
