"""Shared fixtures for the extraction tests: real spaCy pipelines, built once per session."""

from __future__ import annotations

import pytest
from spacy.language import Language

from kg.extract.pipeline import build_pipeline
from kg.records import Mention, Paper


@pytest.fixture(scope="session")
def rules_nlp() -> Language:
    return build_pipeline("rules")


@pytest.fixture(scope="session")
def full_nlp() -> Language:
    return build_pipeline("full")


def mentions_of(nlp: Language, abstract: str, title: str = "") -> list[Mention]:
    """Run ``nlp`` over one paper and return its mentions."""
    from kg.extract.pipeline import extract_papers

    [(_, mentions)] = list(extract_papers([Paper(id="t", title=title, abstract=abstract)], nlp))
    return mentions


def found(nlp: Language, abstract: str, title: str = "") -> set[tuple[str, str]]:
    """(text, label) of every mention of one paper."""
    return {(m.text, m.label) for m in mentions_of(nlp, abstract, title)}
