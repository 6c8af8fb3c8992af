"""Candidate spans proposed by extraction components.

Every component of the kg pipeline (gazetteer, patterns, abbreviations, the
trained ``ner``) *proposes* typed spans; the final ``kg_merge`` component picks
the mentions. Candidates live in ``doc.user_data`` as plain tuples so that docs
survive ``nlp.pipe(..., n_process=N)``, which ships docs between processes as
msgpack.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Doc

from .vocabulary import MODEL_VARIANT

__all__ = ["CANDIDATES_KEY", "Candidate", "TakenSpans", "add_candidate", "doc_text", "get_candidates"]

CANDIDATES_KEY = "kg_candidates"
TEXT_KEY = "kg_text"


class TakenSpans:
    """Character spans taken one by one, none overlapping another: for "the first that fits wins" choices.

    They are kept by start, so a new span overlaps one taken only if it overlaps its neighbour
    on either side (bisection: comparing it with every span taken was quadratic in a long text).

    Examples
    --------
    >>> taken = TakenSpans()
    >>> [taken.take(s, e) for s, e in [(4, 8), (0, 5), (8, 9), (0, 4)]]
    [True, False, True, True]
    """

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def take(self, start: int, end: int) -> bool:
        """Take ``[start, end)`` if it overlaps no span taken; whether it was taken."""
        at = bisect.bisect_right(self._starts, start)
        if (at > 0 and self._ends[at - 1] > start) or (at < len(self._starts) and self._starts[at] < end):
            return False
        self._starts.insert(at, start)
        self._ends.insert(at, end)
        return True


#: Between a paper's title and its abstract in the text the pipeline sees (:func:`kg.extract.paper_text`).
FIELD_SEPARATOR = "\n\n"


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


# In tokenized text a capitalised word after a spaced hyphen names a variant ("CornerNet - Saccade",
# "CornerNet - Squeeze"; all 5 such out-of-fold uses are annotated with it).
_SPACED_MODEL_VARIANT = re.compile(r" - [A-Z][a-z]+\b(?!-)")
_UNITS = (
    r"times|points?|pp|percent|fold|steps?|layers?|epochs?|shots?|seconds?|s|ms|minutes?|hours?|days?|runs?"
    r"|samples?|examples?|GPUs?|tokens?|images?|tasks?|languages?|datasets?|benchmarks?|heads?|bits?|[kKMBT]"
)
_MODEL_VERSION = re.compile(rf" [1-9](?:\.\d)?(?![\w-]|\.\d|\s?\\?%|\s?[x×](?!\w)|\s\d| ?(?:{_UNITS})\b)")
# A dated snapshot ("o1-preview-2024-09-12", "GPT-4-0613", "claude-3-5-sonnet-20241022") or a
# spelled-out version ("Pythia v0.1", "YOLO v3") after a known model's name.
_MODEL_SNAPSHOT = re.compile(
    r"(?:-(?:20\d\d-[01]\d-[0-3]\d|20\d\d[01]\d[0-3]\d|[01]\d[0-3]\d)| [vV]\d+(?:\.\d+)*)(?![\w-])"
)


def model_variant_end(text: str, start: int, end: int) -> int:
    """Where the known model's name ``text[start:end]`` ends with its variants ("Grok" -> "Grok 3").

    Examples
    --------
    >>> t = "Grok 3 and Gemini 2.0 Flash Experimental beat BERT 3 times, GPT-4 5 shot and Claude 80.1"
    >>> spans = [(t.index(n), t.index(n) + len(n)) for n in ("Grok", "Gemini", "BERT", "GPT-4", "Claude")]
    >>> [t[s:model_variant_end(t, s, e)] for s, e in spans]
    ['Grok 3', 'Gemini 2.0 Flash Experimental', 'BERT', 'GPT-4', 'Claude']
    >>> t = "BERT-large, T5-XXL and ViT-L/16, not BERT-based"
    >>> [t[s:model_variant_end(t, s, s + n)] for s, n in ((0, 4), (12, 2), (23, 3), (37, 4))]
    ['BERT-large', 'T5-XXL', 'ViT-L/16', 'BERT']
    >>> t = "o1-preview-2024-09-12, GPT-4-0613, Pythia v0.1 and GPT-4 1000 times"
    >>> [t[s:model_variant_end(t, s, s + n)] for s, n in ((0, 10), (23, 5), (35, 6), (51, 5))]
    ['o1-preview-2024-09-12', 'GPT-4-0613', 'Pythia v0.1', 'GPT-4']
    """
    spaced = looks_tokenized(text)
    numbered = any(c.isdigit() for c in text[start:end])
    for _ in range(4):
        m = (
            MODEL_VARIANT.match(text, end)
            or _MODEL_SNAPSHOT.match(text, end)
            or (_SPACED_MODEL_VARIANT.match(text, end) if spaced else None)
        )
        if m is None and not numbered:
            m = _MODEL_VERSION.match(text, end)
        if m is None:
            break
        numbered = numbered or any(c.isdigit() for c in m.group())
        end = m.end()
    return end


# A tokenized hyphen (SciREX, PTB-style text: "LS - GAN", "Fast R - CNN", "MT - DNN") after a short
# capitalised piece; after a lower-case word " - " is a dash ("two families - GANs and VAEs").
_SPACED_HYPHEN_LEFT = re.compile(r"(?<![\w-])[A-Z][A-Za-z0-9]{0,5} - $")


@lru_cache(maxsize=64)
def looks_tokenized(text: str) -> bool:
    """Whether ``text`` is in a corpus's tokenisation, tokens joined by spaces ("word , word .").

    Only such text writes a hyphen inside a name as " - " ("LS - GAN"); elsewhere " - " is a dash,
    so the rules for tokenized hyphens apply to tokenized text alone.

    Examples
    --------
    >>> looks_tokenized("We train the LS - GAN , a GAN . It works .")
    True
    >>> looks_tokenized("We compare BERT - and RoBERTa, on GLUE. It works.")
    False
    """
    spaced = text.count(" , ") + text.count(" . ")
    return spaced >= 2 and spaced * 2 >= text.count(", ") + text.count(". ")


def after_spaced_hyphen(text: str, start: int) -> bool:
    """Whether ``text[start:]`` continues a name across a tokenized hyphen ("LS - GAN").

    Examples
    --------
    >>> t = "the LS - GAN , and two families - GAN and VAE . Done ."
    >>> after_spaced_hyphen(t, 9), after_spaced_hyphen(t, 32)
    (True, False)
    >>> after_spaced_hyphen("the LS - GAN, in running text.", 9)
    False
    """
    return spaced_hyphen_piece(text, start) is not None


def spaced_hyphen_piece(text: str, start: int) -> int | None:
    """Where the piece before a tokenized hyphen starts when ``text[start:]`` continues it
    ("GAN" in "the LS - GAN ." continues "LS"), else None (see :func:`after_spaced_hyphen`).

    Examples
    --------
    >>> spaced_hyphen_piece("the LS - GAN , and a GAN . Done .", 9)
    4
    """
    if start < 4:
        return None
    m = _SPACED_HYPHEN_LEFT.search(text, max(0, start - 10), start)
    return m.start() if m is not None and looks_tokenized(text) else None
