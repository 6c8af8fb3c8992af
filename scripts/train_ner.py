"""Train the statistical NER that ships inside kg (``kg/extract/resources/ner``).

One command reproduces the shipped model::

    .venv/bin/python scripts/train_ner.py

Steps:

1. convert SciERC train (350 abstracts, twice), a seeded sample of 5,000 SciREX
   sentences (none from the 40 SciREX papers held out for evaluation, none from
   the openings annotated with kg's types; ``data/annotations/scirex_split.json``)
   and kg's own annotated papers (``data/annotations/*.jsonl``: 340 sample papers
   and 160 SciREX paper openings, twice; kg's five types; title and abstract
   joined as the pipeline sees them) to spaCy
   ``DocBin`` files under ``training/ner/<run>/``, with labels mapped to the
   NER's four (``Material`` -> ``Dataset``, ``Model`` -> ``Method``;
   ``OtherScientificTerm`` and ``Generic`` dropped). Which Methods are Models
   is decided after the NER, in ``kg_merge``;
2. optionally (``--pretrain-epochs``; off by default: three epochs did not
   beat random initialisation at equal steps here) pretrain the ``tok2vec``
   weights with ``spacy pretrain`` (character objective) on unlabelled text:
   SciREX sections, SciERC train and the sample abstracts, minus the papers of
   the evaluation gold sets;
3. optionally (``--vectors DIMS``; off by default: 64 dimensions did not beat
   the shipped recipe out of fold, see the README) make static word vectors
   from the same unlabelled text (:func:`train_vectors`) and give them to the
   ``tok2vec`` (``include_static_vectors``);
4. train ``tok2vec`` + ``ner`` with spaCy's training loop from
   ``scripts/ner.cfg`` (CPU, no vectors unless ``--vectors``); spaCy keeps the checkpoint with the
   best entity F1 on the dev corpus (SciERC dev plus the seed gold set), which
   is used for model selection only;
5. score that checkpoint on SciERC dev (kg labels mapped back to SciERC's) and
   on the seed gold set (``Model`` -> ``Method``) with this script's own scorer:
   exact typed micro P/R/F1 per label and overall;
6. unless ``--no-install``, copy it to the package and write ``kg_meta.json``
   (labels, data, seed, steps, wall time, dev scores). The per-label precision
   on the seed gold set becomes the NER mention confidence in ``kg_merge``.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from spacy.training.initialize import init_nlp
from spacy.training.loop import train as train_loop
from spacy.util import filter_spans

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"  # the project checkout sits beside shared/
SCIERC_TRAIN = DATA / "scierc" / "train.jsonl"
SCIERC_DEV = DATA / "scierc" / "dev.jsonl"
SCIREX_TRAIN = DATA / "scirex" / "train_sections.jsonl"
#: Which SciREX papers are held out, and whose opening is kg-annotated (``scripts/scirex_split.py``).
SCIREX_SPLIT = REPO / "data" / "annotations" / "scirex_split.json"
KG_TRAIN = sorted((REPO / "data" / "annotations").glob("*.jsonl"))
KG_DEV = REPO / "tests" / "data" / "gold" / "seed_gold.jsonl"
#: Gold sets whose papers never reach training or pretraining text.
EVALUATION_GOLD = sorted((REPO / "tests" / "data" / "gold").glob("*.jsonl"))
SAMPLE = sorted((REPO / "data" / "sample").glob("*.txt"))
FIELD_SEPARATOR = "\n\n"  # kg.extract.pipeline.FIELD_SEPARATOR
BASE_CONFIG = REPO / "scripts" / "ner.cfg"
TRAINING_DIR = REPO / "training" / "ner"
PACKAGE_MODEL = REPO / "kg" / "extract" / "resources" / "ner"

#: SciERC/SciREX label -> kg label; labels not listed are dropped.
SOURCE_TO_KG: dict[str, str] = {
    "Method": "Method",
    "Task": "Task",
    "Metric": "Metric",
    "Material": "Dataset",
    # kg's own annotations: the NER does not tell Models from Methods (SciERC and SciREX do not).
    "Model": "Method",
    "Dataset": "Dataset",
}
#: kg label -> SciERC label, for scoring on SciERC dev (GUIDELINES.md).
KG_TO_SCIERC: dict[str, str] = {
    "Method": "Method",
    "Model": "Method",
    "Task": "Task",
    "Metric": "Metric",
    "Dataset": "Material",
}
KG_LABELS: tuple[str, ...] = ("Method", "Task", "Metric", "Dataset")
SENTENCE_END = frozenset({".", "?", "!"})

ScoredSpan = tuple[str, int, int, str]  # (doc id, start, end, SciERC label)


@dataclass
class ConversionStats:
    """Counts behind one corpus conversion, reported in ``kg_meta.json``."""

    docs: int = 0
    spans_kept: int = 0
    spans_dropped_label: int = 0
    spans_misaligned: int = 0
    spans_dropped_overlap: int = 0
    labels: Counter[str] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        """Plain-JSON form (``asdict`` would turn the Counter into tuple keys)."""
        return {**{k: v for k, v in vars(self).items() if k != "labels"}, "labels": dict(self.labels)}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read one JSON object per line."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def annotate(
    nlp: Language,
    record: dict[str, Any],
    stats: ConversionStats,
    *,
    with_title: bool = False,
) -> Doc:
    """Tokenize a record's abstract (or title + abstract) and set its kg-labelled entities.

    Spans that do not fall on token boundaries are expanded to the covering
    tokens (and counted); of overlapping spans the longest is kept.

    Parameters
    ----------
    nlp : Language
        Supplies the tokenizer.
    record : dict
        ``{"title", "abstract", "entities": [{"field", "start", "end", "label"}]}``.
    stats : ConversionStats
        Updated in place.
    with_title : bool
        Make the doc ``title + FIELD_SEPARATOR + abstract``, as kg's pipeline
        sees a paper, and keep title mentions too.

    Returns
    -------
    Doc
    """
    title = (record.get("title") or "").replace("\n", " ") if with_title else ""
    offset = {"title": 0, "abstract": len(title) + len(FIELD_SEPARATOR) if with_title else 0}
    doc = nlp.make_doc(f"{title}{FIELD_SEPARATOR}{record['abstract']}" if with_title else record["abstract"])
    spans: list[Span] = []
    for ent in record["entities"]:
        label = SOURCE_TO_KG.get(ent["label"])
        if label is None or (ent["field"] == "title" and not with_title) or ent["field"] not in offset:
            stats.spans_dropped_label += 1
            continue
        start, end = ent["start"] + offset[ent["field"]], ent["end"] + offset[ent["field"]]
        span = doc.char_span(start, end, label=label)
        if span is None:
            stats.spans_misaligned += 1
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None:
            spans.append(span)
    kept = filter_spans(spans)
    stats.spans_dropped_overlap += len(spans) - len(kept)
    stats.spans_kept += len(kept)
    stats.labels.update(span.label_ for span in kept)
    doc.ents = kept
    stats.docs += 1
    return doc


def sentence_chunks(doc: Doc, max_tokens: int) -> Iterator[Doc]:
    """Split a long annotated doc into sentences of at most ``max_tokens``.

    A break goes after ``.``/``?``/``!`` (or at ``max_tokens``), never inside
    an entity, so every chunk keeps its entities whole.
    """
    start = 0
    for i, token in enumerate(doc):
        if i + 1 == len(doc):
            break
        inside_entity = doc[i + 1].ent_iob_ == "I"
        if not inside_entity and (token.text in SENTENCE_END or i + 1 - start >= max_tokens):
            yield doc[start : i + 1].as_doc()
            start = i + 1
    if start < len(doc):
        yield doc[start:].as_doc()


def scirex_sentences(nlp: Language, limit: int, max_tokens: int, seed: int, stats: ConversionStats) -> list[Doc]:
    """Return a seeded sample of SciREX sentences that contain an entity.

    SciREX does not annotate every generic phrase, so sentences without any
    entity are skipped rather than taught as "nothing here".

    Parameters
    ----------
    limit : int
        Number of sentences to keep; ``-1`` keeps all, ``0`` none.
    """
    if limit == 0:
        return []
    held_out, kg_typed = scirex_excluded()
    sentences = [
        chunk
        for record in read_jsonl(SCIREX_TRAIN)
        if scirex_trainable(record, held_out, kg_typed)
        for chunk in sentence_chunks(annotate(nlp, record, stats), max_tokens)
        if chunk.ents
    ]
    if 0 < limit < len(sentences):
        sentences = random.Random(seed).sample(sentences, limit)
    stats.docs = len(sentences)
    stats.spans_kept = sum(len(doc.ents) for doc in sentences)
    stats.labels = Counter(ent.label_ for doc in sentences for ent in doc.ents)
    return sentences


def write_docbin(docs: Iterable[Doc], path: Path) -> None:
    """Serialize docs to a ``.spacy`` file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docs, store_user_data=False).to_disk(path)


def gold_spans(records: Iterable[dict[str, Any]]) -> set[ScoredSpan]:
    """All SciERC gold spans of the four scored labels, overlapping ones included."""
    scored = set(KG_TO_SCIERC.values())
    return {(r["id"], e["start"], e["end"], e["label"]) for r in records for e in r["entities"] if e["label"] in scored}


def predicted_spans(nlp: Language, records: list[dict[str, Any]]) -> set[ScoredSpan]:
    """Run ``nlp`` on each abstract and map its entity labels to SciERC's."""
    docs = nlp.pipe(r["abstract"] for r in records)
    return {
        (r["id"], ent.start_char, ent.end_char, KG_TO_SCIERC[ent.label_])
        for r, doc in zip(records, docs, strict=True)
        for ent in doc.ents
        if ent.label_ in KG_TO_SCIERC
    }


def prf(predicted: set[ScoredSpan], gold: set[ScoredSpan]) -> dict[str, float | int]:
    """Micro precision, recall and F1 of exact matches, with counts."""
    tp = len(predicted & gold)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "tp": tp,
        "n_pred": len(predicted),
        "n_gold": len(gold),
    }


def score_dev(nlp: Language, records: list[dict[str, Any]]) -> dict[str, Any]:
    """Score ``nlp`` on SciERC dev: exact typed micro P/R/F1, per kg label and overall.

    Returns
    -------
    dict
        ``{"overall": {...}, "untyped": {...}, "per_label": {kg label: {...}}}``.
    """
    predicted, gold = predicted_spans(nlp, records), gold_spans(records)
    per_label = {
        label: prf(
            {s for s in predicted if s[3] == KG_TO_SCIERC[label]}, {s for s in gold if s[3] == KG_TO_SCIERC[label]}
        )
        for label in KG_LABELS
    }
    untyped = prf({(*s[:3], "") for s in predicted}, {(*s[:3], "") for s in gold})
    return {"overall": prf(predicted, gold), "untyped": untyped, "per_label": per_label}


class Tee(io.StringIO):
    """A text buffer that also echoes everything to another stream."""

    def __init__(self, echo: IO[str]) -> None:
        super().__init__()
        self.echo = echo

    def write(self, text: str) -> int:
        self.echo.write(text)
        self.echo.flush()
        return super().write(text)


def learning_curve(log: str) -> list[dict[str, float]]:
    """Parse spaCy's console log rows (``E # LOSS... ENTS_F ENTS_P ENTS_R SCORE``)."""
    rows = []
    for line in log.splitlines():
        cells = line.split()
        if len(cells) == 8 and re.fullmatch(r"\d+", cells[0]) and re.fullmatch(r"\d+", cells[1]):
            epoch, step, _, _, f, p, r, _ = cells
            rows.append(
                {"epoch": int(epoch), "step": int(step), "ents_f": float(f), "ents_p": float(p), "ents_r": float(r)}
            )
    return rows


def train(config_path: Path, output_dir: Path, overrides: dict[str, Any]) -> tuple[float, list[dict[str, float]]]:
    """Train with spaCy's loop; return wall time (s) and the dev learning curve.

    ``output_dir`` receives spaCy's ``model-best`` and ``model-last``.
    """
    config = spacy.util.load_config(config_path, overrides=overrides, interpolate=False)
    started = time.perf_counter()
    nlp = init_nlp(config, use_gpu=-1)
    log = Tee(sys.stdout)
    train_loop(nlp, output_dir, use_gpu=-1, stdout=log, stderr=sys.stderr)
    return time.perf_counter() - started, learning_curve(log.getvalue())


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """Turn ``section.key=value`` strings into a spaCy overrides dict (values are JSON, else strings)."""
    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, _, raw = pair.partition("=")
        try:
            overrides[key] = json.loads(raw)
        except json.JSONDecodeError:
            overrides[key] = raw
    return overrides


def install(model_dir: Path, meta: dict[str, Any]) -> None:
    """Copy a trained pipeline into the package and write ``kg_meta.json`` beside it."""
    if PACKAGE_MODEL.exists():
        shutil.rmtree(PACKAGE_MODEL)
    shutil.copytree(model_dir, PACKAGE_MODEL)
    (PACKAGE_MODEL / "kg_meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


#: The packages whose versions decide the trained weights (thinc's numerics, blis's kernels).
_NUMERIC_PACKAGES = ("spacy", "thinc", "numpy", "blis", "cymem", "preshed", "murmurhash", "srsly")


def training_environment() -> dict[str, str]:
    """Python, the machine and the versions of the packages the weights depend on, for ``kg_meta.json``.

    The same seed gives byte-identical weights only with the same versions: a venv rebuilt with
    the same spaCy but other (unpinned) thinc, blis or numpy versions diverged from step 200.
    """
    import platform
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version(), "machine": platform.machine()}
    for name in _NUMERIC_PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def directory_size(path: Path) -> int:
    """Total size in bytes of the files under ``path``."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def paper_of(record: dict[str, Any]) -> str:
    """The SciREX paper a section record (id ``<sha>#<n>``) belongs to."""
    return str(record["id"]).split("#", 1)[0]


def evaluation_ids() -> set[str]:
    """Ids of the papers in the evaluation gold sets (``tests/data/gold``)."""
    return {str(r["id"]) for path in EVALUATION_GOLD for r in read_jsonl(path)}


def scirex_excluded() -> tuple[set[str], set[str]]:
    """SciREX papers held out for evaluation, and those whose opening is trained on with kg's labels.

    No section of a held-out paper is trained on. The first section of a kg-annotated paper is
    left out of the SciREX sentences, so its text is not taught under two conventions.
    """
    if not SCIREX_SPLIT.exists():  # fail closed: without the split, held-out papers would be trained on
        raise SystemExit(f"{SCIREX_SPLIT} is missing; run scripts/scirex_split.py")
    split = json.loads(SCIREX_SPLIT.read_text(encoding="utf-8"))
    return set(split["heldout"]), set(split["train"])


def scirex_trainable(record: dict[str, Any], held_out: set[str], kg_typed: set[str]) -> bool:
    """Whether a SciREX section may be trained on with SciREX's labels.

    Never a section of a held-out paper; not the opening of a paper annotated with kg's types.
    """
    paper = paper_of(record)
    return paper not in held_out and not (paper in kg_typed and str(record["id"]).endswith("#0"))


def pretraining_texts(limit_words: int = 300) -> list[str]:
    """Unlabelled text for ``spacy pretrain``: SciREX, SciERC train and the sample, minus evaluation papers.

    SciREX sections are cut into pieces of at most ``limit_words`` words.
    """
    held_out = {r["abstract"] for path in EVALUATION_GOLD for r in read_jsonl(path)}
    scirex_held_out, _ = scirex_excluded()
    texts: list[str] = []
    for record in read_jsonl(SCIREX_TRAIN):
        if paper_of(record) in scirex_held_out:
            continue
        words = record["abstract"].split(" ")
        texts.extend(" ".join(words[i : i + limit_words]) for i in range(0, len(words), limit_words))
    texts.extend(r["abstract"] for r in read_jsonl(SCIERC_TRAIN))
    sys.path.insert(0, str(REPO))
    from kg.ingest import read_papers  # the project's own page-dump reader

    texts.extend(
        f"{p.title}{FIELD_SEPARATOR}{p.abstract}" for p in read_papers(SAMPLE).papers if p.abstract not in held_out
    )
    return texts


def pretrain_tok2vec(config_path: Path, run_dir: Path, epochs: int, seed: int) -> tuple[Path, float, int]:
    """Pretrain the tok2vec weights (``spacy pretrain``, character objective).

    Returns
    -------
    (path, seconds, words)
        The weights of the last epoch, wall time and the number of words per epoch.
    """
    from spacy.training.pretrain import pretrain

    texts = pretraining_texts()
    raw = run_dir / "pretrain.jsonl"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    overrides = {"paths.raw_text": str(raw), "pretraining.max_epochs": epochs, "system.seed": seed}
    config = spacy.util.load_config(config_path, overrides=overrides, interpolate=False)
    out = run_dir / "pretrain"
    out.mkdir(exist_ok=True)
    started = time.perf_counter()
    pretrain(config, out, silent=False)
    return out / f"model{epochs - 1}.bin", time.perf_counter() - started, sum(len(t.split()) for t in texts)


def train_vectors(
    run_dir: Path, dims: int, *, max_rows: int = 20000, min_count: int = 5, window: int = 5
) -> dict[str, Any]:
    """Count-based word vectors (positive PMI, truncated SVD) from :func:`pretraining_texts`.

    No pretrained vectors can be downloaded here, so the tok2vec's static vectors are made from
    the same unlabelled text as pretraining (Levy, Goldberg and Dagan 2015: PPMI with context
    counts smoothed by the power 0.75, co-occurrences weighted by 1/distance within
    ``window``, SVD with the singular values' square roots, rows of unit length). Keys are
    spaCy's ``NORM`` (lowercased) forms of the ``max_rows`` most frequent non-punctuation
    words seen at least ``min_count`` times; the table is deterministic (ARPACK from a fixed
    start vector, each dimension's sign fixed). The vectors pipeline is saved to
    ``run_dir/vectors`` for ``[initialize] vectors``.

    Returns
    -------
    dict
        What went in and how long it took, for ``kg_meta.json``.
    """
    import numpy as np
    from scipy.sparse import coo_matrix, csr_matrix, diags
    from scipy.sparse.linalg import svds

    started = time.perf_counter()
    nlp = spacy.blank("en")
    texts = pretraining_texts()
    docs_norms: list[list[str]] = []
    counts: Counter[str] = Counter()
    for doc in nlp.tokenizer.pipe(texts, batch_size=256):
        norms = [t.norm_ for t in doc if not (t.is_space or t.is_punct)]
        docs_norms.append(norms)
        counts.update(norms)
    ranked = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))[:max_rows]
    index = {w: i for i, w in enumerate(ranked)}
    n = len(ranked)
    rows: list[Any] = []
    cols: list[Any] = []
    vals: list[Any] = []
    for norms in docs_norms:
        ids = np.array([index.get(w, -1) for w in norms], dtype=np.int64)
        for d in range(1, window + 1):
            a, b = ids[:-d], ids[d:]
            keep = (a >= 0) & (b >= 0)
            a, b = a[keep], b[keep]
            rows += [a, b]
            cols += [b, a]
            vals.append(np.full(2 * len(a), 1.0 / d))
    cooc = coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)).tocsr()
    cooc.sum_duplicates()
    total = cooc.sum()
    word_p = np.asarray(cooc.sum(axis=1)).ravel() / total
    context = np.asarray(cooc.sum(axis=0)).ravel() ** 0.75
    context_p = context / context.sum()
    pmi = cooc.multiply(1.0 / total).tocsr()
    pmi = csr_matrix(diags(1.0 / word_p) @ pmi @ diags(1.0 / context_p))
    pmi.data = np.maximum(np.log(pmi.data), 0.0)
    pmi.eliminate_zeros()
    v0 = np.full(min(pmi.shape), 1.0 / np.sqrt(min(pmi.shape)))
    u, s, _ = svds(pmi, k=dims, v0=v0, solver="arpack")
    order = np.argsort(-s)
    u, s = u[:, order], s[order]
    u *= np.where(u[np.abs(u).argmax(axis=0), np.arange(dims)] < 0, -1.0, 1.0)
    table = u * np.sqrt(s)
    table /= np.maximum(np.linalg.norm(table, axis=1, keepdims=True), 1e-12)
    from spacy.vectors import Vectors

    vectors = Vectors(strings=nlp.vocab.strings, shape=table.shape, attr="NORM")
    for i, word in enumerate(ranked):
        vectors.add(word, row=i)
    vectors.data[:] = table.astype("float32")
    nlp.vocab.vectors = vectors
    out = run_dir / "vectors"
    out.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out)
    return {
        "method": "PPMI (context power 0.75, 1/distance weights) + truncated SVD, sqrt(S), unit rows",
        "words": sum(len(x) for x in docs_norms),
        "rows": n,
        "dims": dims,
        "window": window,
        "min_count": min_count,
        "path": str(out),
        "wall_time_seconds": round(time.perf_counter() - started, 1),
    }


def kg_gold_spans(records: Iterable[dict[str, Any]]) -> set[ScoredSpan]:
    """kg-typed gold spans as the NER labels them (``Model`` -> ``Method``), in title+abstract offsets."""
    spans = set()
    for r in records:
        shift = {"title": 0, "abstract": len(r["title"]) + len(FIELD_SEPARATOR)}
        for e in r["entities"]:
            spans.add((r["id"], e["start"] + shift[e["field"]], e["end"] + shift[e["field"]], SOURCE_TO_KG[e["label"]]))
    return spans


def score_kg_dev(nlp: Language, records: list[dict[str, Any]]) -> dict[str, Any]:
    """Score ``nlp`` on a kg-typed gold set with the NER's four labels (exact typed micro P/R/F1)."""
    texts = (f"{r['title']}{FIELD_SEPARATOR}{r['abstract']}" for r in records)
    predicted = {
        (r["id"], ent.start_char, ent.end_char, ent.label_)
        for r, doc in zip(records, nlp.pipe(texts), strict=True)
        for ent in doc.ents
    }
    gold = kg_gold_spans(records)
    per_label = {
        label: prf({s for s in predicted if s[3] == label}, {s for s in gold if s[3] == label}) for label in KG_LABELS
    }
    return {"overall": prf(predicted, gold), "per_label": per_label}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; defaults reproduce the shipped model."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", default="final", help="run name: outputs go to training/ner/<run>/")
    parser.add_argument("--config", type=Path, default=BASE_CONFIG)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-steps", type=int, default=6000, help="override training.max_steps")
    parser.add_argument("--scirex-sentences", type=int, default=5000, help="SciREX sentences to add (-1 all, 0 none)")
    parser.add_argument("--scirex-max-tokens", type=int, default=80, help="cap on a SciREX chunk's length")
    parser.add_argument("--scierc-repeat", type=int, default=2, help="copies of SciERC train (to weight it)")
    parser.add_argument(
        "--kg-train", type=Path, nargs="*", default=KG_TRAIN, help="kg-typed annotated papers to train on"
    )
    parser.add_argument("--kg-repeat", type=int, default=2, help="copies of the kg-typed papers (to weight them)")
    parser.add_argument("--pretrain-epochs", type=int, default=0, help="spacy pretrain epochs (0: no pretraining)")
    parser.add_argument(
        "--vectors", type=int, default=0, metavar="DIMS", help="static word vectors of DIMS dimensions (0: none)"
    )
    parser.add_argument("--init-tok2vec", type=Path, help="pretrained tok2vec weights to start from")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="extra config override")
    parser.add_argument("--no-install", action="store_true", help="do not copy the model into the package")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Build the corpora, (pre)train, score on the dev sets and install the model."""
    args = parse_args(argv)
    run_dir = TRAINING_DIR / args.run
    nlp = spacy.blank("en")
    stats = {name: ConversionStats() for name in ("scierc_train", "scirex", "kg_train", "scierc_dev", "kg_dev")}
    scierc = [annotate(nlp, r, stats["scierc_train"]) for r in read_jsonl(SCIERC_TRAIN)]
    kg_records = [r for f in args.kg_train for r in read_jsonl(f)]
    leaked = {str(r["id"]) for r in kg_records} & (scirex_excluded()[0] | evaluation_ids())
    if leaked:
        raise SystemExit(f"kg-typed training files hold evaluation papers: {sorted(leaked)[:5]}")
    kg_train = [annotate(nlp, r, stats["kg_train"], with_title=True) for r in kg_records]
    dev_records = read_jsonl(SCIERC_DEV)
    kg_dev_records = read_jsonl(KG_DEV)
    dev_docs = [annotate(nlp, r, stats["scierc_dev"]) for r in dev_records]
    dev_docs += [annotate(nlp, r, stats["kg_dev"], with_title=True) for r in kg_dev_records]
    scirex = scirex_sentences(nlp, args.scirex_sentences, args.scirex_max_tokens, args.seed, stats["scirex"])
    train_docs = scierc * args.scierc_repeat + kg_train * args.kg_repeat + scirex
    random.Random(args.seed).shuffle(train_docs)
    write_docbin(train_docs, run_dir / "train.spacy")
    write_docbin(dev_docs, run_dir / "dev.spacy")
    for name, st in stats.items():
        print(f"{name}: {st.as_json()}", flush=True)

    overrides: dict[str, Any] = {
        "paths.train": str(run_dir / "train.spacy"),
        "paths.dev": str(run_dir / "dev.spacy"),
        "system.seed": args.seed,
    }
    pretraining: dict[str, Any] = {}
    init_tok2vec = args.init_tok2vec
    if args.pretrain_epochs and init_tok2vec is None:
        init_tok2vec, seconds, words = pretrain_tok2vec(args.config, run_dir, args.pretrain_epochs, args.seed)
        pretraining = {"epochs": args.pretrain_epochs, "words_per_epoch": words, "wall_time_seconds": round(seconds, 1)}
    if init_tok2vec is not None:
        overrides["paths.init_tok2vec"] = str(init_tok2vec)
    vectors: dict[str, Any] = {}
    if args.vectors:
        vectors = train_vectors(run_dir, args.vectors)
        print(f"vectors: {vectors}", flush=True)
        overrides["paths.vectors"] = vectors["path"]
        overrides["components.tok2vec.model.embed.include_static_vectors"] = True
    if args.max_steps is not None:
        overrides["training.max_steps"] = args.max_steps
    overrides.update(parse_overrides(args.set))
    wall_time, curve = train(args.config, run_dir, overrides)

    model_dir = run_dir / "model-best"
    best = spacy.load(model_dir)
    dev = score_dev(best, dev_records)
    kg_dev = score_kg_dev(best, kg_dev_records)
    best_row = max(curve, key=lambda row: row["ents_f"], default={})
    kg_files = ", ".join(p.name for p in args.kg_train)
    meta = {
        "labels": sorted(best.get_pipe("ner").labels),  # type: ignore[attr-defined]
        "label_map": {**SOURCE_TO_KG, "OtherScientificTerm": None, "Generic": None},
        "training_data": {
            "description": (
                f"SciERC train ({SCIERC_TRAIN.name}, 350 abstracts) x{args.scierc_repeat}"
                + (f" + {stats['scirex'].docs} SciREX sentences containing an entity" if scirex else "")
                + (f" + {len(kg_train)} kg-annotated papers ({kg_files}) x{args.kg_repeat}" if kg_train else "")
                + f"; dev (model selection only): SciERC dev (50 abstracts) + {KG_DEV.name}"
            ),
            **{name: st.as_json() for name, st in stats.items()},
        },
        "pretraining": pretraining or ({"init_tok2vec": str(init_tok2vec)} if init_tok2vec else None),
        "vectors": {k: v for k, v in vectors.items() if k != "path"} or None,
        "seed": args.seed,
        "steps": int(best.config["training"]["max_steps"]),
        "best_step": best_row.get("step"),
        "wall_time_seconds": round(wall_time, 1),
        "overrides": {k: v for k, v in overrides.items() if not k.startswith("paths.")},
        "dev": {"data": "SciERC dev, exact typed micro over Method/Task/Metric/Material (Dataset->Material)", **dev},
        "dev_kg": {"data": f"{KG_DEV.name}, exact typed micro over the NER's labels (Model->Method)", **kg_dev},
        "learning_curve": curve,
        "environment": training_environment(),
    }
    (run_dir / "kg_meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"run": args.run, "wall_time": meta["wall_time_seconds"], "best_step": meta["best_step"]}))
    print(json.dumps({"scierc_dev": dev["overall"], "kg_dev": kg_dev["overall"]}, indent=1))
    if not args.no_install:
        install(model_dir, meta)
        print(f"installed {PACKAGE_MODEL} ({directory_size(PACKAGE_MODEL) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
