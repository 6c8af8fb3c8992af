"""The ``kg_confidence`` component: a calibrated confidence for every mention.

The components that propose mentions each give a fixed confidence (the gazetteer 0.95, a
pattern its rule's, the NER its label's precision on a dev set), which says little about one
mention: the NER's Method spans are right 38% of the time out of fold, but "speculative
decoding" and "encoder" are not equally likely. This component replaces each confidence with
the probability, estimated by a logistic regression, that an annotator following kg's
guidelines marks exactly that span with that type.

The features are cheap facts about the mention (:func:`mention_features`): its label and
source, the shape and head word of its text, the words on either side, how often the text
recurs in the paper, whether it is in the title. The weights (``resources/confidence.json``)
are fitted by ``scripts/train_confidence.py`` on the full pipeline's *out-of-fold* mentions
on kg's 500 annotated training papers (each half extracted by an NER trained without it, see
``scripts/crossval.py``), so they describe the extractor on text it has not seen.

Choosing mentions is left to the merger: this component changes no span and no label. A
threshold (``--min-confidence``) is the user's choice; the README tabulates what each costs.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from kg.errors import ExtractError

from .candidates import FIELD_SEPARATOR, doc_text
from .merge import _NAME_LIKE, MERGED_KEY, _head_word

__all__ = [
    "FEATURE_VERSION",
    "ConfidenceModel",
    "MentionConfidence",
    "confidence_model_path",
    "fit_confidence",
    "load_confidence_model",
    "mention_features",
]

#: Bumped whenever :func:`mention_features` changes; a weights file for another version is refused.
FEATURE_VERSION = 1
_WINDOW = 40  # characters of context looked at on either side of a mention
_TOKEN = re.compile(r"[\w\-]+|[^\s\w]")
_DIGIT = re.compile(r"\d")


def mention_features(
    text: str, title_end: int, start: int, end: int, label: str, source: str, *, lowered: str | None = None
) -> list[str]:
    """The features of the mention ``text[start:end]`` typed ``label`` by ``source``.

    Parameters
    ----------
    text : str
        The doc's text: title, separator, abstract (:func:`kg.extract.paper_text`).
    title_end : int
        Where the title ends in ``text``; context never crosses from one field into the other.
    start, end : int
        The mention's character offsets in ``text``.
    label, source : str
        Its type and the component that found it (``"ner"``, ``"kg_patterns:named"``, ...).
    lowered : str, optional
        ``text.lower()``, when the caller has it already (one per doc, not one per mention).

    Returns
    -------
    list of str
        Indicator features, each conjoined with the label (``"L=Metric|head=latency"``), plus
        the label and source alone.

    Examples
    --------
    >>> text = "CATS: sparsity\\n\\nWe measure latency and accuracy of CATS on GLUE."
    >>> f = mention_features(text, 14, 27, 34, "Metric", "ner")
    >>> [x for x in f if "head=" in x or "prev=" in x or "next=" in x]
    ['L=Metric|head=latency', 'L=Metric|prev=measure', 'L=Metric|next=and']
    >>> "L=Metric|intitle=False" in f, "L=Model|cnt=2" in mention_features(text, 14, 0, 4, "Model", "ner")
    (True, True)
    """
    surface = text[start:end]
    return [*_name_features(surface, label, source), *_context_features(text, lowered, title_end, start, end, label)]


@lru_cache(maxsize=65536)
def _name_features(surface: str, label: str, source: str) -> tuple[str, ...]:
    """The features of what a mention says (its text, type and source), not of where it is."""
    low = surface.lower()
    words = low.split()
    tagged = (
        f"name={_NAME_LIKE.search(surface) is not None}",
        f"nw={min(len(words), 4)}",
        f"lower={surface.islower()}",
        f"digit={_DIGIT.search(surface) is not None}",
        f"caps={surface.isupper()}",
        f"head={_head_word(surface)}",
        f"surf={low}",
        f"first={words[0] if words else ''}",
        f"src={source}",
    )
    return (f"L={label}", f"src={source}", *(f"L={label}|{t}" for t in tagged))


def _context_features(text: str, lowered: str | None, title_end: int, start: int, end: int, label: str) -> list[str]:
    """The features of where a mention is: its field, the words beside it, its text's recurrence."""
    low = text[start:end].lower()
    in_title = end <= title_end
    field_start, field_end = (0, title_end) if in_title else (title_end, len(text))
    before = _TOKEN.findall(text[max(field_start, start - _WINDOW) : start])
    after = _TOKEN.findall(text[end : min(field_end, end + _WINDOW)])
    lowered = text.lower() if lowered is None else lowered
    return [
        f"L={label}|cnt={min(lowered.count(low), 3)}",
        f"L={label}|field={'title' if in_title else 'abstract'}",
        f"L={label}|prev={before[-1].lower() if before else '<s>'}",
        f"L={label}|next={after[0].lower() if after else '</s>'}",
        # the title lowered on its own: lowering can lengthen text ("İ" is two characters), so
        # the whole text's lowered form is not cut at the title's end
        f"L={label}|intitle={low in text[:title_end].lower()}",
    ]


@dataclass(frozen=True, slots=True)
class ConfidenceModel:
    """A logistic regression over :func:`mention_features`.

    Parameters
    ----------
    weights : mapping of str to float
        One weight per feature; features not in it weigh nothing.
    bias : float
    meta : dict
        How the weights were fitted and what they scored (written by ``scripts/train_confidence.py``).
    """

    weights: Mapping[str, float]
    bias: float
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def probability(self, features: Iterable[str]) -> float:
        """The estimated probability that a mention with ``features`` is right.

        Examples
        --------
        >>> ConfidenceModel({"a": 2.0}, -2.0).probability(["a", "unseen"])
        0.5
        """
        return _sigmoid(self.bias + sum(self.weights.get(f, 0.0) for f in features))

    def to_json(self) -> dict[str, Any]:
        """The model as JSON (the format of ``resources/confidence.json``)."""
        return {
            "feature_version": FEATURE_VERSION,
            "bias": self.bias,
            "weights": dict(sorted(self.weights.items())),
            "meta": self.meta,
        }


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def fit_confidence(
    examples: Sequence[tuple[Sequence[str], bool]],
    *,
    min_count: int = 2,
    l2: float = 1.0,
    iterations: int = 300,
    learning_rate: float = 0.5,
) -> ConfidenceModel:
    """Fit a logistic regression to ``(features, right)`` examples.

    Full-batch AdaGrad on the L2-regularised log loss, from zero weights, so the result is a
    function of the examples and their order only. Conjoined features seen fewer than
    ``min_count`` times are left out (the label and source features are always kept).

    Examples
    --------
    >>> data = [(["L=A", "L=A|x"], True)] * 8 + [(["L=A", "L=A|y"], False)] * 8
    >>> m = fit_confidence(data)
    >>> m.probability(["L=A", "L=A|x"]) > 0.8 > 0.2 > m.probability(["L=A", "L=A|y"])
    True
    """
    if not examples:
        raise ExtractError("no examples to fit a confidence model to")
    counts = Counter(f for features, _ in examples for f in set(features))
    vocab = {f: i for i, f in enumerate(sorted(f for f, c in counts.items() if c >= min_count or "|" not in f))}
    rows: list[int] = []
    cols: list[int] = []
    for r, (features, _) in enumerate(examples):
        for f in sorted(set(features)):
            if f in vocab:
                rows.append(r)
                cols.append(vocab[f])
    row = np.array(rows, dtype=np.int64)
    col = np.array(cols, dtype=np.int64)
    y = np.array([1.0 if right else 0.0 for _, right in examples])
    n, v = len(examples), len(vocab)
    w = np.zeros(v)
    bias = 0.0
    w_acc = np.full(v, 1e-8)
    b_acc = 1e-8
    for _ in range(iterations):
        z = np.bincount(row, weights=w[col], minlength=n) + bias
        p = 1.0 / (1.0 + np.exp(-z))
        residual = p - y
        grad = (np.bincount(col, weights=residual[row], minlength=v) + l2 * w) / n
        grad_b = float(residual.mean())
        w_acc += grad * grad
        b_acc += grad_b * grad_b
        w -= learning_rate * grad / np.sqrt(w_acc)
        bias -= learning_rate * grad_b / math.sqrt(b_acc)
    names = sorted(vocab, key=vocab.__getitem__)
    weights = {f: round(float(x), 5) for f, x in zip(names, w, strict=True) if abs(x) >= 5e-5}
    meta = {"examples": n, "positives": int(y.sum()), "min_count": min_count, "l2": l2, "iterations": iterations}
    return ConfidenceModel(weights, round(bias, 5), meta)


def confidence_model_path() -> Path:
    """The weights shipped with kg."""
    return Path(str(resources.files("kg.extract") / "resources" / "confidence.json"))


def load_confidence_model(path: str | Path | None = None) -> ConfidenceModel:
    """Load a confidence model (the shipped one by default).

    Raises
    ------
    ExtractError
        When the file is missing, is not a model, or was fitted to another feature version.
    """
    file = Path(path) if path else confidence_model_path()
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        version, bias = data["feature_version"], float(data["bias"])
        weights = {str(k): float(x) for k, x in data["weights"].items()}
        meta = dict(data.get("meta") or {})
        if not all(map(math.isfinite, [bias, *weights.values()])):
            raise ValueError("a weight is not a finite number")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise ExtractError(f"cannot read the confidence model {file} ({err}); run scripts/train_confidence.py") from err
    if version != FEATURE_VERSION:
        raise ExtractError(
            f"{file} was fitted to features version {version}, this kg computes version {FEATURE_VERSION}; "
            "run scripts/train_confidence.py"
        )
    return ConfidenceModel(weights, bias, meta)


class MentionConfidence:
    """Rewrite the confidence of each mention ``kg_merge`` chose (see the module docstring).

    The doc's text is read as :func:`kg.extract.paper_text` writes it: the title ends at the first
    blank line (a text without one is all title).
    """

    def __init__(self, model: ConfidenceModel) -> None:
        self.model = model
        self._name_weight: dict[tuple[str, str, str], float] = {}  # what a surface form contributes

    def __call__(self, doc: Doc) -> Doc:
        merged = doc.user_data.get(MERGED_KEY)
        if not merged:
            return doc
        text = doc_text(doc)
        lowered = text.lower()
        title_end = text.find(FIELD_SEPARATOR)
        title_end = len(text) if title_end < 0 else title_end
        doc.user_data[MERGED_KEY] = [
            (s, e, label, source, self._probability(text, lowered, title_end, s, e, label, source), lf)
            for s, e, label, source, _, lf in merged
        ]
        return doc

    def _probability(
        self, text: str, lowered: str, title_end: int, start: int, end: int, label: str, source: str
    ) -> float:
        """``model.probability(mention_features(...))``, with the part of the surface form memoised."""
        weights = self.model.weights
        key = (text[start:end], label, source)
        name_weight = self._name_weight.get(key)
        if name_weight is None:
            if len(self._name_weight) >= 200_000:
                self._name_weight.clear()
            name_weight = self._name_weight[key] = sum(weights.get(f, 0.0) for f in _name_features(*key))
        # The same additions, in the same order, as ``probability(mention_features(...))``.
        context = _context_features(text, lowered, title_end, start, end, label)
        return _sigmoid(self.model.bias + sum((weights.get(f, 0.0) for f in context), name_weight))


@Language.factory("kg_confidence", default_config={"path": None})
def make_confidence(nlp: Language, name: str, path: str | None) -> MentionConfidence:
    """Create the ``kg_confidence`` component (the shipped weights unless ``path`` is given)."""
    return MentionConfidence(load_confidence_model(path))
