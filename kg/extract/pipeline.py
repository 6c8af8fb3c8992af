"""Build the extraction pipeline and turn papers into mentions.

The pipeline is a spaCy ``Language`` whose components are registered factories:

==================  =========================================================
``tok2vec``, ``ner``  trained statistical NER shipped in ``resources/ner``
                      (``mode="full"`` only)
``kg_sentences``      sentence bounds (punctuation and line breaks: title and
                      abstract are never one sentence)
``kg_abbreviations``  Schwartz–Hearst long form / short form pairs
``kg_gazetteer``      curated names from ``resources/gazetteer.jsonl``
``kg_patterns``       contextual cues ("we propose X", "the X dataset", ...)
``kg_merge``          types, cleans and de-overlaps candidates into mentions
``kg_confidence``     a calibrated confidence for each mention (``mode="full"``)
==================  =========================================================

A paper is processed as one doc, ``title + "\\n\\n" + abstract``, so that an
abbreviation defined in the abstract also finds its short form in the title.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import re
from collections import deque
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Literal

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from kg import __version__
from kg.errors import ExtractError
from kg.ingest.text import has_surrogates
from kg.records import Mention, Paper

# Importing the component modules registers their factories with spaCy.
from . import abbreviations as _abbreviations  # noqa: F401
from . import candidates as _candidates
from . import confidence as _confidence  # noqa: F401
from . import gazetteer as _gazetteer  # noqa: F401
from . import merge as _merge
from . import patterns as _patterns  # noqa: F401
from . import sentences as _sentences
from .candidates import FIELD_SEPARATOR
from .modes import MODES, Mode

__all__ = [
    "FIELD_SEPARATOR",
    "MODES",
    "Mode",
    "build_pipeline",
    "doc_mentions",
    "doc_span",
    "extract_papers",
    "extractor_version",
    "make_doc",
    "paper_text",
]

RULE_COMPONENTS = ("kg_abbreviations", "kg_gazetteer", "kg_patterns", "kg_merge")

# spaCy's English suffix rules split a final period after a lower-case letter or a digit, not
# after a capital (so that "U.S." and "Corp." stay whole); a size at the end of a sentence then
# stays one token with the period ("Llama-2 7B.", "Qwen-72B."), and the size and the name are
# missed. A period after a digit and a scale letter is a full stop.
SIZE_PERIOD_SUFFIX = r"(?<=[0-9][BMKT])\."


def split_size_periods(nlp: Language) -> Language:
    """Make ``nlp``'s tokenizer split the period after a size ("7B." -> "7B", "."); returns ``nlp``.

    Examples
    --------
    >>> [t.text for t in split_size_periods(spacy.blank("en"))("on Qwen-72B. Then U.S. data.")]
    ['on', 'Qwen-72B', '.', 'Then', 'U.S.', 'data', '.']
    """
    suffixes = [*nlp.Defaults.suffixes, SIZE_PERIOD_SUFFIX]  # type: ignore[misc]
    nlp.tokenizer.suffix_search = spacy.util.compile_suffix_regex(suffixes).search  # type: ignore[union-attr]
    return nlp


def ner_model_path() -> Path:
    """Return the directory of the trained NER pipeline shipped with the package."""
    return Path(str(resources.files("kg.extract") / "resources" / "ner"))


def build_pipeline(mode: Mode = "full", *, ner_path: str | Path | None = None, calibrate: bool = True) -> Language:
    """Build the kg extraction pipeline.

    Parameters
    ----------
    mode : {"full", "names", "rules"}
        ``"full"`` loads the trained NER shipped with kg and adds the rule
        components; ``"names"`` keeps only the NER spans that look like names
        (capitals inside, digits: a graph of named things only); ``"rules"``
        uses only the rule components (no NER, several times faster).
    ner_path : path, optional
        Another trained spaCy pipeline with an ``ner`` component to use instead
        of the shipped one.
    calibrate : bool
        In ``"full"`` mode, end with ``kg_confidence``, which gives every mention the
        probability that it is right (:mod:`kg.extract.confidence`); without it each
        mention keeps its component's fixed confidence.

    Returns
    -------
    spacy.language.Language

    Examples
    --------
    >>> nlp = build_pipeline("rules")
    >>> nlp.pipe_names[-1]
    'kg_merge'
    """
    if mode not in MODES:
        raise ExtractError(f"unknown extraction mode {mode!r}; use one of {', '.join(MODES)}")
    if mode != "rules":
        path = Path(ner_path) if ner_path else ner_model_path()
        if not (path / "meta.json").exists():
            raise ExtractError(f"no trained NER pipeline at {path}; reinstall kg or run scripts/train_ner.py")
        nlp = spacy.load(path, exclude=["parser", "tagger", "lemmatizer"])
        confidences = ner_confidences(path)
    else:
        nlp = spacy.blank("en")
        confidences = {}
    split_size_periods(nlp)
    nlp.add_pipe("kg_sentences")
    nlp.add_pipe("kg_abbreviations")
    nlp.add_pipe("kg_gazetteer")
    nlp.add_pipe("kg_patterns")
    nlp.add_pipe(
        "kg_merge",
        config={"ner_confidence": confidences, "ner_names_only": mode == "names", "weak_patterns": mode == "rules"},
    )
    if mode == "full" and calibrate:
        nlp.add_pipe("kg_confidence")
    return nlp


def ner_confidences(path: Path) -> dict[str, float]:
    """Per-label confidence of the NER: its precision on the kg-typed dev set, from ``kg_meta.json``.

    Falls back to the SciERC dev precision for models trained without kg-typed dev data.
    """
    meta_file = path / "kg_meta.json"
    if not meta_file.exists():
        return {}
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    if not isinstance(meta, dict):
        return {}
    for section in ("dev_kg", "dev"):
        per_label = (meta.get(section) or {}).get("per_label", {})
        if per_label:
            return {str(k): float(v.get("precision", 0.5)) for k, v in per_label.items() if isinstance(v, dict)}
    return {}


@lru_cache(maxsize=4)
def extractor_version(mode: Mode = "full") -> str:
    """Return a version string that changes whenever extraction output could.

    It hashes kg's version, spaCy's and thinc's (tokenization and the network can
    change with them), the extract package's source, the gazetteer file, every
    file of the trained model (its weights too, not only its meta) and (full mode)
    the confidence weights, so it can key a cache of extraction results.
    """
    import thinc

    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: pass one of {', '.join(MODES)}")
    digest = hashlib.sha256(f"kg {__version__} {mode} spacy {spacy.__version__} thinc {thinc.__version__}".encode())
    res = resources.files("kg.extract") / "resources"
    digest.update((res / "gazetteer.jsonl").read_bytes())
    # The rules are code: any change to the extract package changes the version.
    for module in sorted(p.name for p in resources.files("kg.extract").iterdir() if p.name.endswith(".py")):
        digest.update((resources.files("kg.extract") / module).read_bytes())
    if mode != "rules":
        model = Path(str(res / "ner"))
        for item in sorted(p for p in model.rglob("*") if p.is_file()):
            digest.update(item.relative_to(model).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(item.read_bytes()).digest())
    if mode == "full":
        digest.update((res / "confidence.json").read_bytes())
    return f"{__version__}+{mode}.{digest.hexdigest()[:12]}"


def paper_text(paper: Paper) -> str:
    """Return the text the pipeline sees for ``paper``: title, separator, abstract.

    Newlines inside the title become spaces, and every other kind of space (a tab, a
    no-break or thin space, a carriage return) a plain one, so the rules that join a
    name to its size or version ("Llama 2\u00a07B") see them as spaces; one character for
    one, so offsets hold (mentions and sentences are cut from the paper's own fields).
    """
    title = paper.title.translate(_TITLE_SPACES)
    return f"{title}{FIELD_SEPARATOR}{paper.abstract.translate(_SPACES)}"


#: Each space character but the newline (and the line and paragraph separators, which
#: become one) as a plain space: ``str.translate`` tables for :func:`paper_text`.
_SPACES = {
    ord(c): " "
    for c in "\t\x0b\x0c\r\x1c\x1d\x1e\x1f\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
} | {ord(c): "\n" for c in "\x85\u2028\u2029"}
_TITLE_SPACES = _SPACES | {ord("\n"): " ", ord("\x85"): " ", ord("\u2028"): " ", ord("\u2029"): " "}


#: A run of text without white space longer than this is one token. spaCy's tokenizer strips a
#: run's prefixes and suffixes one at a time, each time copying the rest, so its time is quadratic
#: in the run (90,000 "(" took half an hour); no name is that long (the longest gold span has 104).
LONGEST_RUN = 1000
_LONG_RUN = re.compile(rf"\S{{{LONGEST_RUN + 1},}}")


def make_doc(nlp: Language, text: str) -> Doc:
    """Tokenize ``text`` and remember it on the doc, so no component has to rebuild ``doc.text``.

    A run without white space longer than :data:`LONGEST_RUN` characters is one token.
    """
    runs = list(_LONG_RUN.finditer(text)) if len(text) > LONGEST_RUN else []
    doc = nlp.make_doc(text) if not runs else _doc_with_long_runs(nlp, text, runs)
    doc.user_data[_candidates.TEXT_KEY] = text  # spaCy's tokenization is non-destructive
    return doc


def _doc_with_long_runs(nlp: Language, text: str, runs: list[re.Match[str]]) -> Doc:
    """The doc of ``text`` tokenized as usual but for ``runs``, one token each (same text, same offsets)."""
    parts: list[Doc] = []
    last = 0
    for run in runs:
        if run.start() > last:
            parts.append(nlp.make_doc(text[last : run.start()]))
        parts.append(Doc(nlp.vocab, words=[run.group()], spaces=[False]))
        last = run.end()
    if last < len(text):
        parts.append(nlp.make_doc(text[last:]))
    doc = Doc.from_docs(parts, ensure_whitespace=False)
    if doc.text != text:  # offsets would be wrong: say so rather than write them
        raise ExtractError("tokenizing a text with long runs changed the text (a bug in kg; please report it)")
    return doc


def doc_span(paper: Paper, mention: Mention) -> tuple[int, int]:
    """The offsets in :func:`paper_text` of a mention given in field offsets (the inverse of :func:`doc_mentions`).

    Examples
    --------
    >>> p = Paper(id="p", title="CATS", abstract="We test CATS.")
    >>> m = Mention("p", "abstract", 8, 12, "CATS", "Method")
    >>> s, e = doc_span(p, m); paper_text(p)[s:e]
    'CATS'
    """
    offset = 0 if mention.field == "title" else len(paper.title) + len(FIELD_SEPARATOR)
    return mention.start + offset, mention.end + offset


def doc_mentions(doc: Doc, paper: Paper) -> list[Mention]:
    """Map the ``kg_merge`` output of ``doc`` back to field offsets of ``paper``."""
    title_len = len(paper.title)
    abstract_start = title_len + len(FIELD_SEPARATOR)
    mentions: list[Mention] = []
    sentence_texts: dict[tuple[int, int], str] = {}
    for m in _merge.get_mentions(doc):
        if m.end_char <= title_len:
            field: Literal["title", "abstract"] = "title"
            start, end = m.start_char, m.end_char
            text = paper.title[start:end]
        elif m.start_char >= abstract_start:
            field = "abstract"
            start, end = m.start_char - abstract_start, m.end_char - abstract_start
            text = paper.abstract[start:end]
        else:
            continue  # spans the separator: not a mention of either field
        bounds = _sentences.sentence_of(doc, m.start_char, m.end_char)
        sent_text = sentence_texts.get(bounds)
        if sent_text is None:  # one string per sentence, shared by its mentions (and by pickle)
            # from the field itself, as the mention's text is (the doc's text has plain spaces)
            offset = 0 if field == "title" else abstract_start
            own = paper.title if field == "title" else paper.abstract
            sent_text = sentence_texts[bounds] = own[max(bounds[0] - offset, 0) : bounds[1] - offset].strip()
        mentions.append(
            Mention(
                paper_id=paper.id,
                field=field,
                start=start,
                end=end,
                text=text,
                label=m.label,
                confidence=round(m.confidence, 4),
                source=m.source,
                sentence=sent_text,
                long_form=m.long_form,
            )
        )
    return mentions


def extract_papers(
    papers: Iterable[Paper],
    nlp: Language | None = None,
    *,
    batch_size: int = 64,
    n_process: int = 1,
    min_confidence: float = 0.0,
) -> Iterator[tuple[Paper, list[Mention]]]:
    """Run the pipeline over ``papers``, yielding each paper with its mentions, in order.

    Parameters
    ----------
    papers : iterable of Paper
        Consumed lazily: at most a few batches per process are in flight.
    nlp : Language, optional
        A pipeline from :func:`build_pipeline`; the full pipeline by default.
    batch_size : int
        Docs per ``nlp.pipe`` batch (and per task sent to a worker).
    n_process : int
        Worker processes. Workers are forked with the pipeline already loaded and send back
        mentions, not spaCy docs, which is what makes a second process pay off (``nlp.pipe``'s
        own ``n_process`` serialises every doc back to the parent). Where ``fork`` is not
        available, ``nlp.pipe(n_process=...)`` is used.
    min_confidence : float
        Leave out mentions whose confidence is below this (see :mod:`kg.extract.confidence`).

    Raises
    ------
    ValueError
        When ``n_process`` or ``batch_size`` is below 1 (``n_process=-1``: one per CPU).
    ExtractError
        When a paper's title or abstract is not a string.
    """
    if n_process < 1 and n_process != -1:
        raise ValueError(f"n_process must be 1 or more (or -1: one per CPU), not {n_process}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be 1 or more, not {batch_size}")
    nlp = nlp if nlp is not None else build_pipeline("full")
    for paper, mentions in _extract(map(_checked, papers), nlp, batch_size, n_process):
        yield paper, [m for m in mentions if m.confidence >= min_confidence] if min_confidence > 0 else mentions


def _checked(paper: Paper) -> Paper:
    """``paper``, if its title and abstract are strings (a list or None would be read as its repr)."""
    for field in ("title", "abstract"):
        value = getattr(paper, field)
        if not isinstance(value, str):
            raise ExtractError(f"paper {paper.id!r}: its {field} is {type(value).__name__}, not a string")
        if has_surrogates(value):  # spaCy cannot encode them; kg's readers replace them
            raise ExtractError(
                f"paper {paper.id!r}: its {field} holds a lone surrogate; "
                "replace them first (kg.ingest.text.without_surrogates)"
            )
    return paper


def _extract(
    papers: Iterable[Paper], nlp: Language, batch_size: int, n_process: int
) -> Iterator[tuple[Paper, list[Mention]]]:
    if n_process > 1 and "fork" in mp.get_all_start_methods():
        yield from _extract_forked(papers, nlp, batch_size, n_process)
        return
    pairs = ((make_doc(nlp, paper_text(p)), p) for p in papers)
    for doc, paper in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size, n_process=n_process):
        yield paper, doc_mentions(doc, paper)


_WORKER_NLP: Language | None = None  # the pipeline a forked worker inherits


def _extract_batch(batch: list[Paper]) -> list[list[Mention]]:
    assert _WORKER_NLP is not None, "extraction worker started without a pipeline"
    docs = _WORKER_NLP.pipe((make_doc(_WORKER_NLP, paper_text(p)) for p in batch), batch_size=len(batch))
    return [doc_mentions(doc, paper) for doc, paper in zip(docs, batch, strict=True)]


def _batches(papers: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    batch: list[Paper] = []
    for paper in papers:
        batch.append(paper)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _extract_forked(
    papers: Iterable[Paper], nlp: Language, batch_size: int, n_process: int
) -> Iterator[tuple[Paper, list[Mention]]]:
    global _WORKER_NLP
    _WORKER_NLP = nlp
    try:
        with mp.get_context("fork").Pool(n_process) as pool:
            pending: deque[tuple[list[Paper], AsyncResult[list[list[Mention]]]]] = deque()
            for batch in _batches(papers, batch_size):
                pending.append((batch, pool.apply_async(_extract_batch, (batch,))))
                if len(pending) >= 4 * n_process:
                    yield from _collect(*pending.popleft())
            while pending:
                yield from _collect(*pending.popleft())
    finally:
        _WORKER_NLP = None


def _collect(batch: list[Paper], result: AsyncResult[list[list[Mention]]]) -> Iterator[tuple[Paper, list[Mention]]]:
    yield from zip(batch, result.get(), strict=True)
