"""kg: a knowledge graph of methods, models, datasets, metrics and tasks from research abstracts.

The public API::

    import kg
    result = kg.build(["data/sample/002_2fb7f3887bc14d24.txt"], "output")
    graph = kg.load("output")
    graph.entity("LLMs").aliases
    graph.papers_with("GPT-4o", "MATH")
    graph.related_papers("FlashAttention", k=5)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

__version__ = "0.1.0"

from kg.errors import (
    ArgumentError,
    ExportError,
    ExtractError,
    InputError,
    KgError,
    NotFoundError,
    QueryError,
    ResultLimitError,
    ServeError,
)
from kg.records import ENTITY_TYPES, Entity, Mention, Paper, Reject

if TYPE_CHECKING:
    from collections.abc import Iterable

    from kg.builder import BuildOptions
    from kg.knowledge import KnowledgeGraph, Related

__all__ = [
    "ENTITY_TYPES",
    "ArgumentError",
    "BuildOptions",
    "Entity",
    "ExportError",
    "ExtractError",
    "InputError",
    "KgError",
    "KnowledgeGraph",
    "Mention",
    "NotFoundError",
    "Paper",
    "QueryError",
    "Reject",
    "Related",
    "ResultLimitError",
    "ServeError",
    "__version__",
    "build",
    "load",
]


def build(
    inputs: Iterable[str | Path],
    outdir: str | Path | None = None,
    *,
    format: str | None = None,
    options: BuildOptions | None = None,
) -> KnowledgeGraph:
    """Build a knowledge graph from input files (and write it to ``outdir`` if given).

    Parameters
    ----------
    inputs : iterable of path
        Page dumps (``.txt``), JSONL/JSON, CSV, arXiv Atom XML or BibTeX files.
    outdir : path, optional
        Output directory; see the README for the files written.
    format : str, optional
        Force an input format instead of guessing from file extensions.
    options : kg.BuildOptions, optional
        Extraction mode, number of related papers, workers, ...

    Returns
    -------
    KnowledgeGraph

    Examples
    --------
    >>> import kg, glob
    >>> graph = kg.build(glob.glob("data/sample/*.txt"))   # doctest: +SKIP
    >>> len(graph.papers())                               # doctest: +SKIP
    420
    """
    from kg.builder import build as _build

    return _build(inputs, outdir, format=format, options=options).graph


def load(outdir: str | Path) -> KnowledgeGraph:
    """Load a build directory written by :func:`build` or ``kg build``.

    Raises
    ------
    ExportError
        When ``outdir`` holds no kg build.
    """
    from kg.knowledge import KnowledgeGraph

    return KnowledgeGraph.load(outdir)


def __getattr__(name: str) -> object:
    # kg.knowledge imports networkx, kg.builder spaCy: only on first use, so that `kg --help` stays fast
    if name in ("KnowledgeGraph", "Related"):
        from kg import knowledge

        return getattr(knowledge, name)
    if name == "BuildOptions":
        from kg.builder import BuildOptions

        return BuildOptions
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
