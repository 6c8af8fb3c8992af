"""Score extracted mentions against gold spans (``kg eval``).

Gold and predictions use the same JSONL format, one paper a line::

    {"id": ..., "title": ..., "abstract": ...,
     "entities": [{"field": "abstract", "start": 10, "end": 17, "text": "ImageNet", "label": "Dataset"}]}

Three micro-averaged views, as ``GUIDELINES.md`` defines them:

* **exact typed**: a prediction is right when (paper, field, start, end, label)
  equals a gold span's;
* **exact untyped**: the same without the label;
* **overlap**: predictions and gold spans of the same paper, field and label
  that overlap are paired one to one (a maximum matching), and each pair counts
  once on both sides: one prediction over two gold spans finds one of them, two
  predictions inside one gold span count one right and one wrong.

:func:`load_gold` reads both and refuses, naming file, line and entity, any span
it cannot trust (unknown field, offsets outside the field, ``text`` that is not
the field's slice...): a span skipped or misread would move the scores silently.

Predicted labels are first mapped with ``label_map`` (e.g. ``Model -> Method``,
``Dataset -> Material`` for SciERC), then both sides keep only ``labels`` (by
default every label of either side, so a prediction of a label the gold never
uses counts as wrong rather than vanishing).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import InputError
from kg.ingest.text import clean_offsets, without_surrogates
from kg.records import Field, Mention, Paper

if TYPE_CHECKING:
    from spacy.language import Language

    from kg.extract.pipeline import Mode

__all__ = [
    "CURVE_THRESHOLDS",
    "SCIERC_LABEL_MAP",
    "SCIERC_SCORED",
    "EvalReport",
    "GoldDoc",
    "Scores",
    "Span",
    "align_predictions",
    "as_prediction",
    "confidence_curve",
    "format_curve",
    "format_report",
    "load_gold",
    "predict",
    "predict_mentions",
    "score",
    "verbatim_mentions",
]

#: kg label -> SciERC label, as GUIDELINES.md maps them.
SCIERC_LABEL_MAP: dict[str, str] = {"Model": "Method", "Dataset": "Material"}
#: SciERC's labels that kg's types map onto (OtherScientificTerm and Generic are not scored).
SCIERC_SCORED: tuple[str, ...] = ("Method", "Task", "Metric", "Material")

Span = tuple[str, str, int, int, str]  # (doc id, field, start, end, label)


@dataclass(frozen=True, slots=True)
class GoldDoc:
    """One annotated paper."""

    id: str
    title: str
    abstract: str
    spans: tuple[Span, ...]
    record_id: str | None = None  # a build's mentions.jsonl: the id the input record had


@dataclass(frozen=True, slots=True)
class Scores:
    """Micro precision, recall and F1 with the counts behind them."""

    tp_pred: int
    n_pred: int
    tp_gold: int
    n_gold: int

    @property
    def precision(self) -> float:
        return self.tp_pred / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp_gold / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True, slots=True)
class EvalReport:
    """Scores per label and overall, in the three views."""

    labels: tuple[str, ...]
    exact: dict[str, Scores]
    untyped: Scores
    overlap: dict[str, Scores]
    n_docs: int

    def as_dict(self) -> dict[str, object]:
        def row(s: Scores) -> dict[str, float | int]:
            return {
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "f1": round(s.f1, 4),
                "n_pred": s.n_pred,
                "n_gold": s.n_gold,
            }

        return {
            "docs": self.n_docs,
            "labels": list(self.labels),
            "exact_typed": {k: row(v) for k, v in self.exact.items()},
            "exact_untyped": row(self.untyped),
            "overlap_typed": {k: row(v) for k, v in self.overlap.items()},
        }


def load_gold(path: str | Path) -> list[GoldDoc]:
    """Read a gold (or prediction) JSONL file, refusing any record or span it cannot trust.

    Gold is what scores are measured against, so a span the scorer skipped or
    misread would move the figures silently; every defect is an error instead,
    and predictions (``kg eval --pred``) are held to the same rules.

    Parameters
    ----------
    path : str or Path
        One paper a line: ``{"id", "title", "abstract", "entities": [{"field",
        "start", "end", "text", "label"}, ...]}``; blank lines are skipped, and so
        are the rows ``kg extract`` writes for records it rejected (an ``"error"``
        and no spans).

    Returns
    -------
    list of GoldDoc
        In file order, one per record.

    Raises
    ------
    InputError
        Naming ``file:line`` (and ``entities[i]``, counted from 0, for a span) when:

        * the line is not JSON, or not a JSON object;
        * the record has no ``id``, a null one, or the id of an earlier record
          (``1`` and ``"1"`` are one id): the scores are per paper id, so two
          records under one id would pool their spans;
        * ``title`` or ``abstract`` is neither a string nor null/absent;
        * ``entities`` is missing (a paper with no spans says ``"entities": []``, so
          that a misspelt key is not read as a paper with none) or is not a list;
        * an entity is not an object;
        * its ``field`` is missing or not ``"title"``/``"abstract"`` (there is no
          default field);
        * ``start`` or ``end`` is missing or not an integer (``4.0``, ``"4"`` and
          ``true`` are refused), or the span is not ``0 <= start < end <= len(field)``
          (an empty span can match nothing);
        * its ``label`` is missing or not a non-empty string;
        * its ``text``, which is optional (null counts as absent), is not a string
          or is not ``field[start:end]``.

    Examples
    --------
    >>> import tempfile
    >>> entity = {"field": "abstract", "start": 7, "end": 11, "text": "BERT", "label": "Method"}
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     gold = Path(folder) / "gold.jsonl"
    ...     _ = gold.write_text(json.dumps({"id": "x", "abstract": "We use BERT.", "entities": [entity]}))
    ...     load_gold(gold)[0].spans
    (('x', 'abstract', 7, 11, 'Method'),)
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").split("\n")  # not splitlines(): U+2028 may be in a string
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read gold file ({err})") from err
    docs: list[GoldDoc] = []
    first_line: dict[str, int] = {}
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            row = json.loads(line)
        except ValueError as err:
            raise InputError(f"{where}: not JSON ({err}); expected one gold record a line, {_RECORD_SHAPE}") from err
        if isinstance(row, dict) and "error" in row and not row.get("entities"):
            continue  # ``kg extract``'s row for a record it could not read: no text, no spans
        doc = _gold_doc(row, where)
        earlier = first_line.setdefault(doc.id, lineno)
        if earlier != lineno:
            raise InputError(
                f"{where}: id {_shown(doc.id)} is the id of line {earlier} too; scores are per paper id, "
                "so give each record its own id (or join the two records' spans into one)"
            )
        docs.append(doc)
    return docs


_FIELDS = ("title", "abstract")
_RECORD_SHAPE = '{"id", "title", "abstract", "entities": [...]}'
_SPAN_SHAPE = '{"field": "abstract", "start": 7, "end": 11, "text": "BERT", "label": "Method"}'


def _shown(value: object, limit: int = 60) -> str:
    """``value`` as JSON, cut to ``limit`` characters, for an error message."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _gold_doc(row: object, where: str) -> GoldDoc:
    """The record parsed from line ``where``, checked as :func:`load_gold` documents."""
    if not isinstance(row, dict):
        raise InputError(f"{where}: not a gold record (got {_shown(row)}); expected a JSON object {_RECORD_SHAPE}")
    if row.get("id") is None:
        got = "missing 'id'" if "id" not in row else "'id' is null"
        raise InputError(f"{where}: {got}; give each gold record the id of its paper, {_RECORD_SHAPE}")
    doc_id = str(row["id"])
    texts: dict[str, str] = {}
    for field in _FIELDS:
        value = row.get(field)
        if value is not None and not isinstance(value, str):
            raise InputError(f"{where}: {field!r} is {_shown(value)}; it must be a string (or null)")
        texts[field] = value or ""
    if "entities" not in row:
        raise InputError(
            f"{where}: missing 'entities' (keys: {', '.join(sorted(map(str, row)))}); give each record its spans "
            f'as "entities": [{_SPAN_SHAPE}], or "entities": [] for a paper with none'
        )
    entities = row["entities"]
    if not isinstance(entities, list):
        raise InputError(f"{where}: 'entities' is {_shown(entities)}; it must be a list of spans like [{_SPAN_SHAPE}]")
    spans = tuple(_span(entity, doc_id, texts, f"{where}: entities[{i}]") for i, entity in enumerate(entities))
    record_id = str(row["record_id"]) if row.get("record_id") is not None else None
    return GoldDoc(doc_id, texts["title"], texts["abstract"], spans, record_id)


def _span(entity: object, doc_id: str, texts: Mapping[str, str], where: str) -> Span:
    """One entity of a record as a :data:`Span`, checked against the record's ``texts``."""
    if not isinstance(entity, dict):
        raise InputError(f"{where}: got {_shown(entity)}; each entity must be an object like {_SPAN_SHAPE}")
    field = entity.get("field")
    if field not in _FIELDS:
        got = "missing 'field'" if "field" not in entity else f"'field' is {_shown(field)}"
        raise InputError(f'{where}: {got}; it must be "title" or "abstract", the field the offsets index')
    start, end = _offset(entity, "start", field, where), _offset(entity, "end", field, where)
    text = texts[field]
    if not 0 <= start < end <= len(text):
        raise InputError(
            f"{where}: span {start}:{end} is not within {field} (length {len(text)}); "
            f"offsets must satisfy 0 <= start < end <= {len(text)}; fix or remove the span"
        )
    label = entity.get("label")
    if not isinstance(label, str) or not label:
        got = "missing 'label'" if "label" not in entity else f"'label' is {_shown(label)}"
        raise InputError(f'{where}: {got}; each span needs its type as a non-empty string, e.g. "Method"')
    quoted = entity.get("text")
    if quoted is not None and quoted != text[start:end]:
        raise InputError(
            f"{where}: 'text' is {_shown(quoted)} but {field}[{start}:{end}] is {_shown(text[start:end])}; "
            "fix the offsets or the text (or leave 'text' out)"
        )
    return (doc_id, field, start, end, label)


def _offset(entity: Mapping[str, object], name: str, field: str, where: str) -> int:
    """``entity[name]``, which must be an integer (not a float, a numeric string or a bool)."""
    if name not in entity:
        raise InputError(f"{where}: missing {name!r}; give the span's character offsets into {field}")
    value = entity[name]
    if not isinstance(value, int) or isinstance(value, bool):
        raise InputError(f"{where}: {name!r} is {_shown(value)}; offsets must be integers (string indices)")
    return value


def predict(
    docs: Sequence[GoldDoc],
    mode: Mode = "full",
    *,
    n_process: int = 1,
    ner_path: str | Path | None = None,
    min_confidence: float = 0.0,
) -> list[GoldDoc]:
    """Run kg's extractor (``mode``, see :func:`kg.extract.build_pipeline`) on the text of ``docs``.

    ``ner_path`` replaces the shipped NER with another trained pipeline (``scripts/crossval.py``
    scores fold models this way); mentions below ``min_confidence`` are left out.
    """
    found = predict_mentions(docs, mode, n_process=n_process, ner_path=ner_path)
    return [as_prediction(d, ms, min_confidence) for d, ms in zip(docs, found, strict=True)]


#: The thresholds ``kg eval --curve`` scores.
CURVE_THRESHOLDS: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def confidence_curve(
    gold: Sequence[GoldDoc],
    mode: Mode = "full",
    *,
    thresholds: Sequence[float] = CURVE_THRESHOLDS,
    label_map: Mapping[str, str] | None = None,
    labels: Iterable[str] | None = None,
    n_process: int = 1,
) -> list[tuple[float, EvalReport]]:
    """Score the extractor at each ``--min-confidence`` threshold, extracting once.

    Examples
    --------
    >>> gold = [GoldDoc("a", "", "We fine-tune BERT on GLUE.", (("a", "abstract", 13, 17, "Model"),))]
    >>> curve = confidence_curve(gold, "rules", thresholds=(0.0, 0.99))
    >>> [(t, r.exact["ALL"].n_pred) for t, r in curve]  # GLUE, unmarked here, counts as wrong
    [(0.0, 2), (0.99, 0)]
    >>> [r.labels for _, r in curve]  # one set of labels at every threshold
    [('Dataset', 'Model'), ('Dataset', 'Model')]
    """
    found = predict_mentions(gold, mode, n_process=n_process)
    if labels is None:  # those of every threshold's report: the gold's and every prediction's
        mapped = dict(label_map or {})
        labels = {s[4] for d in gold for s in d.spans} | {mapped.get(m.label, m.label) for ms in found for m in ms}
    return [
        (
            t,
            score(
                gold,
                [as_prediction(d, ms, t) for d, ms in zip(gold, found, strict=True)],
                label_map=label_map,
                labels=labels,
            ),
        )
        for t in thresholds
    ]


def predict_mentions(
    docs: Sequence[GoldDoc],
    mode: Mode = "full",
    *,
    n_process: int = 1,
    ner_path: str | Path | None = None,
    nlp: Language | None = None,
) -> list[list[Mention]]:
    """The extractor's mentions on the text of each of ``docs``, in order.

    ``nlp`` is a pipeline from :func:`kg.extract.build_pipeline` to use as it is; otherwise one
    is built from ``mode`` and ``ner_path``.
    """
    from kg.extract.pipeline import build_pipeline, extract_papers

    nlp = nlp if nlp is not None else build_pipeline(mode, ner_path=ner_path)
    cleaned = [(clean_offsets(d.title, title=True), clean_offsets(d.abstract)) for d in docs]
    papers = [Paper(id=d.id, title=t[0], abstract=a[0]) for d, (t, a) in zip(docs, cleaned, strict=True)]
    found = extract_papers(papers, nlp, n_process=n_process)
    return [
        verbatim_mentions(mentions, d.title, d.abstract, offsets=(t[1], a[1]))
        for d, (t, a), (_, mentions) in zip(docs, cleaned, found, strict=True)
    ]


def verbatim_mentions(
    mentions: Iterable[Mention],
    title: str,
    abstract: str,
    *,
    offsets: tuple[list[int], list[int]] | None = None,
) -> list[Mention]:
    """Mentions found in the cleaned title and abstract, with offsets (and text) in the verbatim ones.

    kg extracts from cleaned text (:func:`kg.ingest.text.clean_text`: no control characters,
    no surrounding whitespace; titles with whitespace collapsed); a gold file's offsets
    are into its own strings. ``text == field[start:end]`` holds for the returned mentions.

    Examples
    --------
    >>> m = Mention("p", "abstract", 0, 4, "BERT", "Model")
    >>> [(v.start, v.end, v.text) for v in verbatim_mentions([m], "", "   BERT on GLUE")]
    [(3, 7, 'BERT')]
    """
    title_pos, abstract_pos = offsets or (clean_offsets(title, title=True)[1], clean_offsets(abstract)[1])
    out = []
    for m in mentions:
        raw, pos = (title, title_pos) if m.field == "title" else (abstract, abstract_pos)
        start, end = pos[m.start], pos[m.end - 1] + 1
        out.append(replace(m, start=start, end=end, text=raw[start:end]))
    return out


def as_prediction(doc: GoldDoc, mentions: Iterable[Mention], min_confidence: float = 0.0) -> GoldDoc:
    """``doc`` with ``mentions`` (those of at least ``min_confidence``) as its spans, to score with :func:`score`."""
    spans = tuple((doc.id, m.field, m.start, m.end, m.label) for m in mentions if m.confidence >= min_confidence)
    return GoldDoc(doc.id, doc.title, doc.abstract, spans)


def align_predictions(gold: Sequence[GoldDoc], pred: Sequence[GoldDoc]) -> list[GoldDoc]:
    """``pred`` matched to ``gold`` by id, else by ``record_id``, with offsets into the gold doc's text.

    A build's ``mentions.jsonl`` names papers by kg's ids (``title:…``) and carries
    the input record's id as ``record_id``; its text is cleaned (no surrounding
    whitespace, titles with whitespace collapsed). A prediction whose text is the
    cleaned gold text has its spans moved to the gold text's offsets.

    Raises
    ------
    InputError
        When a predicted field that holds spans is neither the gold text nor its
        cleaned form (its offsets would be read against another text), or when two
        prediction records match one gold paper.

    Examples
    --------
    >>> gold = [GoldDoc("r1", "", "  BERT on GLUE", ())]
    >>> pred = [GoldDoc("title:ab", "", "BERT on GLUE", (("title:ab", "abstract", 0, 4, "Model"),), "r1")]
    >>> align_predictions(gold, pred)[0].spans
    (('r1', 'abstract', 2, 6, 'Model'),)
    """
    by_id = {d.id: d for d in gold}
    matched: dict[str, str] = {}  # gold id -> the prediction record's id that matched it
    aligned = []
    for doc in pred:
        target = by_id.get(doc.id)
        if target is None and doc.record_id is not None:
            target = by_id.get(doc.record_id)
        if target is None:
            aligned.append(doc)
            continue
        earlier = matched.setdefault(target.id, doc.id)
        if earlier != doc.id:
            raise InputError(
                f"predictions {_shown(earlier)} and {_shown(doc.id)} both match gold paper {_shown(target.id)} "
                "(by id or record_id); give each predicted paper the id of one gold paper"
            )
        fields = {span[1] for span in doc.spans}
        title = _offsets_onto(doc, target, "title") if "title" in fields else None
        abstract = _offsets_onto(doc, target, "abstract") if "abstract" in fields else None
        spans = []
        for _, field, start, end, label in doc.spans:
            where = title if field == "title" else abstract
            if where is not None:
                start, end = where[start], where[end - 1] + 1
            spans.append((target.id, field, start, end, label))
        aligned.append(GoldDoc(target.id, target.title, target.abstract, tuple(spans), doc.record_id))
    return aligned


def _offsets_onto(doc: GoldDoc, target: GoldDoc, field: Field) -> list[int] | None:
    """Where each character of ``doc``'s ``field`` is in ``target``'s: ``None`` when the texts are equal,
    the cleaning's offsets when ``doc``'s is the cleaned form; else an :class:`InputError`."""
    text, gold_text = getattr(doc, field), getattr(target, field)
    if text == gold_text or text == without_surrogates(gold_text):  # kg extract writes U+FFFD for one
        return None
    cleaned, where = clean_offsets(gold_text, title=field == "title")
    if cleaned == text:
        return where
    at = next(
        (i for i, (a, b) in enumerate(zip(text, gold_text, strict=False)) if a != b), min(len(text), len(gold_text))
    )
    raise InputError(
        f"prediction {_shown(doc.id)}: its {field} is not gold paper {_shown(target.id)}'s (they differ from "
        f"character {at}: {_shown(text[at : at + 30])} against {_shown(gold_text[at : at + 30])}), so its offsets "
        "index another text; predict on the gold file's own title and abstract"
    )


def _filtered(spans: Iterable[Span], labels: set[str], label_map: Mapping[str, str]) -> set[Span]:
    result = set()
    for doc, field, start, end, label in spans:
        label = label_map.get(label, label)
        if label in labels:
            result.add((doc, field, start, end, label))
    return result


def _overlap(pred: set[Span], gold: set[Span]) -> int:
    """The most pairs of overlapping spans, one to one, of the same doc, field and label.

    A maximum bipartite matching (augmenting paths, Kuhn's algorithm), per doc, field
    and label; spans of one group are few, so this is fast.

    Examples
    --------
    >>> gold = {("d", "abstract", 0, 4, "M"), ("d", "abstract", 5, 9, "M")}
    >>> _overlap({("d", "abstract", 0, 9, "M")}, gold)  # one prediction over two gold spans
    1
    >>> _overlap({("d", "abstract", 0, 2, "M"), ("d", "abstract", 2, 4, "M")}, gold)  # two inside one
    1
    >>> _overlap({("d", "abstract", 3, 6, "M"), ("d", "abstract", 0, 1, "M")}, gold)  # the one pairing that finds both
    2
    """
    groups: dict[tuple[str, str, str], tuple[list[tuple[int, int]], list[tuple[int, int]]]] = defaultdict(
        lambda: ([], [])
    )
    for doc, field, s, e, label in sorted(pred):
        groups[(doc, field, label)][0].append((s, e))
    for doc, field, s, e, label in sorted(gold):
        if (doc, field, label) in groups:
            groups[(doc, field, label)][1].append((s, e))
    return sum(_matching(p, g) for p, g in groups.values() if g)


def _matching(pred: Sequence[tuple[int, int]], gold: Sequence[tuple[int, int]]) -> int:
    """Size of a maximum matching between overlapping intervals of ``pred`` and ``gold``.

    Augmenting paths found depth first with a stack of its own (a chain of a thousand
    overlapping spans would be deeper than Python's recursion limit).
    """
    edges = [[j for j, (s2, e2) in enumerate(gold) if s < e2 and s2 < e] for s, e in pred]
    owner: dict[int, int] = {}  # gold index -> pred index
    size = 0
    for root in range(len(pred)):
        seen: set[int] = set()
        stack = [(root, iter(edges[root]))]
        came_from: dict[int, int] = {}  # pred index -> the gold span it reaches for on the path
        while stack:
            i, options = stack[-1]
            j = next((j for j in options if j not in seen), None)
            if j is None:
                stack.pop()
                continue
            seen.add(j)
            came_from[i] = j
            if j in owner:
                stack.append((owner[j], iter(edges[owner[j]])))
                continue
            for i2, _ in reversed(stack):  # free gold span: flip the path
                j2 = came_from[i2]
                owner[j2] = i2
            size += 1
            break
    return size


def score(
    gold: Sequence[GoldDoc],
    pred: Sequence[GoldDoc],
    *,
    label_map: Mapping[str, str] | None = None,
    labels: Iterable[str] | None = None,
) -> EvalReport:
    """Score predictions against gold.

    Parameters
    ----------
    gold, pred : sequence of GoldDoc
        Matched by id; a gold doc without prediction counts as predicting nothing,
        predictions for unknown ids are ignored.
    label_map : mapping, optional
        Predicted label -> gold label.
    labels : iterable of str, optional
        Labels scored; by default every gold label and every (mapped) predicted one.

    Examples
    --------
    >>> g = [GoldDoc("d", "", "BERT on GLUE",
    ...              (("d", "abstract", 0, 4, "Method"), ("d", "abstract", 8, 12, "Material")))]
    >>> p = [GoldDoc("d", "", "BERT on GLUE",
    ...              (("d", "abstract", 0, 4, "Model"), ("d", "abstract", 5, 12, "Dataset")))]
    >>> r = score(g, p, label_map={"Model": "Method", "Dataset": "Material"})
    >>> r.exact["ALL"].precision, r.exact["ALL"].recall, r.overlap["ALL"].f1
    (0.5, 0.5, 1.0)
    """
    label_map = dict(label_map or {})
    gold_ids = {d.id for d in gold}
    all_gold = [s for d in gold for s in d.spans]
    all_pred = [s for d in pred if d.id in gold_ids for s in d.spans]
    if labels is not None:
        label_set = set(labels)
    else:
        label_set = {s[4] for s in all_gold} | {label_map.get(s[4], s[4]) for s in all_pred}
    g = _filtered(all_gold, label_set, {})
    p = _filtered(all_pred, label_set, label_map)
    exact: dict[str, Scores] = {}
    overlap: dict[str, Scores] = {}
    for label in [*sorted(label_set), "ALL"]:
        gl = g if label == "ALL" else {s for s in g if s[4] == label}
        pl = p if label == "ALL" else {s for s in p if s[4] == label}
        tp = len(gl & pl)
        exact[label] = Scores(tp, len(pl), tp, len(gl))
        paired = _overlap(pl, gl)
        overlap[label] = Scores(paired, len(pl), paired, len(gl))
    gu = {s[:4] for s in g}
    pu = {s[:4] for s in p}
    untyped = Scores(len(gu & pu), len(pu), len(gu & pu), len(gu))
    return EvalReport(tuple(sorted(label_set)), exact, untyped, overlap, len(gold))


def format_report(report: EvalReport) -> str:
    """A plain-text table of the report."""
    lines = [f"{report.n_docs} docs; labels: {', '.join(report.labels)}", ""]
    width = max([12, *(len(label) + 2 for label in report.labels)])  # "OtherScientificTerm" keeps its columns
    header = f"{'view':<14}{'label':<{width}}{'P':>7}{'R':>7}{'F1':>7}{'pred':>7}{'gold':>7}"
    lines.append(header)
    lines.append("-" * len(header))

    def row(view: str, label: str, s: Scores) -> str:
        return f"{view:<14}{label:<{width}}{s.precision:>7.3f}{s.recall:>7.3f}{s.f1:>7.3f}{s.n_pred:>7d}{s.n_gold:>7d}"

    for label, s in report.exact.items():
        lines.append(row("exact typed", label, s))
    lines.append(row("exact untyped", "ALL", report.untyped))
    for label, s in report.overlap.items():
        lines.append(row("overlap typed", label, s))
    return "\n".join(lines)


def format_curve(curve: Sequence[tuple[float, EvalReport]]) -> str:
    """A plain-text table of :func:`confidence_curve`: exact typed P/R/F1, overall and per label."""
    if not curve:
        return ""
    labels = [label for label in curve[0][1].exact if label != "ALL"]
    header = f"{'min conf':>8}{'P':>7}{'R':>7}{'F1':>7}{'pred':>7}  " + "  ".join(
        f"{lab + ' P/R':>13}" for lab in labels
    )
    lines = [f"exact typed, {curve[0][1].n_docs} docs", header, "-" * len(header)]
    for t, report in curve:
        s = report.exact["ALL"]
        cells = "  ".join(f"{report.exact[lab].precision:>7.3f}/{report.exact[lab].recall:.3f}" for lab in labels)
        lines.append(f"{t:>8.1f}{s.precision:>7.3f}{s.recall:>7.3f}{s.f1:>7.3f}{s.n_pred:>7d}  {cells}")
    return "\n".join(lines)
