"""The ``kg_merge`` component: from candidate spans to final mentions.

Components propose; this one decides. In order:

1. collect candidates: the rule components' (``doc.user_data``) and the trained
   ``ner``'s (``doc.ents``, confidence = its per-label precision on SciERC dev);
2. clean spans: strip determiners, possessives and punctuation at the edges,
   drop vague phrases ("our method", "existing approaches") and spans with
   brackets inside;
3. type: a gazetteer entry for the surface form decides; otherwise a ``Method``
   that looks like a specific model (size suffix, digit-bearing name, "X model")
   becomes ``Model``, and a ``Dataset`` from the NER must look like a name;
4. abbreviations: a long form/short form pair takes the type voted by the
   candidates on either form (or the long form's head noun), and every bare use
   of the short form in the doc becomes a mention too;
5. overlaps: candidates are taken greedily by **priority** — gazetteer and
   abbreviations (0; a defined long form contains names, as "Contextually Aware
   Thresholding for Sparsity" contains "Sparsity", and is the longer span),
   precise patterns (2, confidence >= 0.8), ner (3), other patterns (4) — then
   by length (longer first), then by confidence, then by position. A candidate overlapping one
   already taken is dropped.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from spacy.language import Language
from spacy.tokens import Doc

from .abbreviations import short_form_occurrences
from .candidates import (
    Candidate,
    TakenSpans,
    after_spaced_hyphen,
    doc_text,
    get_candidates,
    model_variant_end,
)
from .gazetteer import COMPOUND_SUFFIXES, Gazetteer, names_number_precision
from .patterns import MODEL_WORDS, ORGANISATIONS, TASK_HEADS, head_type
from .typer import name_types
from .vocabulary import spells_otherwise

__all__ = ["MAX_MENTION_CHARS", "MERGED_KEY", "MergedMention", "Merger", "get_mentions"]

MERGED_KEY = "kg_mentions"
#: The longest mention kept, in characters; a candidate span over it is dropped.
MAX_MENTION_CHARS = 200
ABBREVIATIONS_KEY = "kg_abbreviations"

_LEADING_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "our",
        "their",
        "its",
        "this",
        "these",
        "those",
        "such",
        "his",
        "her",
        "my",
        "your",
        "we",
        "both",
        "each",
        "every",
        "any",
        "all",
        "some",
        "several",
        "many",
        "various",
        "existing",
        "standard",
    ]
)
_VAGUE = frozenset(
    [
        "method",
        "methods",
        "approach",
        "approaches",
        "model",
        "models",
        "framework",
        "frameworks",
        "technique",
        "techniques",
        "algorithm",
        "algorithms",
        "system",
        "systems",
        "task",
        "tasks",
        "dataset",
        "datasets",
        "data",
        "benchmark",
        "benchmarks",
        "metric",
        "metrics",
        "performance",
        "results",
        "result",
        "work",
        "paper",
        "study",
        "experiments",
        "experiment",
        "baseline",
        "baselines",
        "it",
        "they",
        "them",
        "this",
        "that",
        "which",
        "problem",
        "problems",
        "solution",
        "solutions",
        "architecture",
        "architectures",
        "network",
        "networks",
        "representation",
        "representations",
    ]
)
_TRAILING_WORDS = frozenset("the a an of for and or to in on with by from that which is are as at via using".split())
_EDGE_PUNCT = " \t\n.,;:!?\"'`()[]{}~"  # "~" is LaTeX's unbreakable space ("learning~(RL)")
_END_PUNCT = _EDGE_PUNCT + "-"  # no name ends with a hyphen ("Reinforcement Learning-that adjusts")
_SIZE = re.compile(r"(?<![A-Za-z])\d+(?:\.\d+)?\s?[BMbm]\b")
# A versioned name: letters, then a version number at the end ("GPT-4", "ChatGLM2", "Phi-3.5"),
# not a coined name with digits inside ("D3RoMa", "ToC3D").
_DIGIT_NAME = re.compile(r"^[A-Za-z][A-Za-z.\-]*?-?v?\d+(?:\.\d+)?[a-z]?$")
# A number format ("FP8", "INT4", "nf4", "BF16", "MXFP4") is a technique, never a model: the
# training annotations type it Method each of the 19 times they mark one.
_NUMBER_FORMAT = re.compile(r"(?:mx)?(?:fp|bf|u?int|nf)\d{1,2}", re.IGNORECASE)
_NAME_TYPES = frozenset(["Method", "Model", "Dataset", "Metric"])  # types a coined name can take
_MODEL_CUES = frozenset(["model", "models", "network", "networks", "llm", "llms", "checkpoint", "checkpoints"])
# Name-like text: two capitals, a digit, or camel case ("PreludeNet", "nuScenes", "bAbi").
_NAME_LIKE = re.compile(r"[A-Z].*[A-Z]|\d|^[A-Z][a-z]+[A-Z]|^[a-z]+[A-Z]")


@dataclass(frozen=True, slots=True)
class MergedMention:
    """A final mention in doc offsets (before mapping back to title/abstract)."""

    start_char: int
    end_char: int
    label: str
    source: str
    confidence: float
    long_form: str | None = None


def _is_ner(candidate: Candidate) -> bool:
    return candidate.source == "ner"


_WEAK = 4  # the rank of the weakest patterns


def priority(candidate: Candidate) -> int:
    """Rank of a candidate's source in overlap resolution (lower wins)."""
    component = candidate.source.split(":", 1)[0]
    if component in ("kg_gazetteer", "kg_abbreviations"):
        return 0
    if component == "kg_patterns":
        return 2 if candidate.confidence >= 0.8 else _WEAK
    return 3


def _cuts_math(surface: str) -> bool:
    """Whether a span cuts through LaTeX math, holds a command or a formula as a word of its
    own: an odd number of "$" ("$ accuracy", "$ 90.1"), a backslash ("$10\\%$", "$2.5\\times$
    speedup"), "$ & $ throughput". A name built on a formula ("$φ$-Decoding") is not.
    """
    return surface.count("$") % 2 == 1 or "\\" in surface or bool(_MATH_WORD.search(surface))


_MATH_WORD = re.compile(r"(?:^|\s)\$[^$]*\$(?:\s|$)")
#: "low-" or "high-" right before a span: the span heads an adjective ("low-latency inference").
#: Out of fold on the 500 training papers the NER's Metric after one was never marked (5 of 5).
_LEVEL_BEFORE = re.compile(r"(?<![\w-])(?:ultra-low|low|high|lower|higher)-$", re.IGNORECASE)


def _tidy(chosen: list[Candidate], text: str) -> list[Candidate]:
    """The chosen mentions without whitespace at their edges (the NER's spans can end in a
    second space, a no-break space or a carriage return, and later refinements move their
    ends), and without those naming nothing (no letter or digit: "$ & $")."""
    out: list[Candidate] = []
    seen: set[tuple[int, int]] = set()
    for c in chosen:
        start, end = c.start_char, c.end_char
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if not any(ch.isalnum() for ch in text[start:end]) or (start, end) in seen:
            continue
        seen.add((start, end))
        out.append(c if (start, end) == (c.start_char, c.end_char) else replace(c, start_char=start, end_char=end))
    return out


def clean_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Trim a span of ``text`` to its name; ``None`` if nothing meaningful is left.

    Examples
    --------
    >>> t = "We beat the ImageNet baseline."
    >>> s, e = clean_span(t, 8, 20)
    >>> t[s:e]
    'ImageNet'
    >>> t = "on the IJB - A benchmark"
    >>> s, e = clean_span(t, 7, 14)
    >>> t[s:e]
    'IJB - A'
    """
    while start < end and (text[start] in _EDGE_PUNCT or text.startswith("**", start, end)):
        start += 2 if text[start] == "*" else 1  # "**": Markdown bold ("**LeaP**"; not "A*")
    while end > start and (text[end - 1] in _END_PUNCT or text.endswith("**", start, end)):
        end -= 2 if text[end - 1] == "*" else 1
    words = text[start:end].split(" ")
    while len(words) > 1 and words[0].lower() in _LEADING_WORDS:
        start += len(words[0]) + 1
        words = words[1:]
    while len(words) > 1 and words[-1].lower() in _TRAILING_WORDS and words[-2] != "-":
        end -= len(words[-1]) + 1  # (not "A" after a tokenized hyphen: "IJB - A")
        words = words[:-1]
    if end > start and text[start:end].endswith(("'s", "’s")):
        end -= 2
    span = text[start:end]
    if not span or any(c in span for c in "()[]{}") or "\n" in span or "-LRB-" in span or "-RRB-" in span:
        return None  # no brackets inside a name (nor their Penn Treebank escapes)
    if span.lower() in _VAGUE or (len(span) < 2 and not span.isupper()):
        return None
    return start, end


_GENERIC_HEADS = frozenset(
    """inference reasoning performance efficiency cost costs analysis evaluation training learning
    generation prediction understanding tasks task computation process processing results quality
    accuracy speed time memory scaling design models model data information knowledge problem""".split()
)


# Phrases kg's annotation conventions never mark (tests/data/gold/ANNOTATION_NOTES.md): umbrella
# fields, generic cost and quality words, hardware, and settings.
_NEVER_ENTITIES = frozenset(
    phrase.strip()
    for phrase in """deep learning|machine learning|artificial intelligence|ai|ml|dl|robustness|performance
    |efficiency|overhead|overheads|computational cost|computational costs|computational efficiency
    |computational complexity|computational overhead|computational resources|inference cost
    |inference costs|inference efficiency|training cost|training costs|real-world applications
    |real-world scenarios|downstream tasks|gpu|gpus|cpu|cpus|tpu|tpus|hardware|end-to-end|1-d|2-d
    |3-d|state-of-the-art|sota|parameters|scalability|generalization|interpretability|vram|asic|asics
    |fpga|fpgas|npu|npus|1d|2d|3d|4d|rgb|rgbd|rgb-d|rgb - d|ood|out-of-distribution|in-distribution""".split("|")
) | {name.lower() for name in ORGANISATIONS}
# Parts and kinds of any model, named by what they do ("the encoder", "a statistical model",
# "inference engines"), singular and plural: the kg-typed annotations (training papers and seed
# gold) mark none of their 100-odd uses. Not "decoder" and "classifier", which SciERC marks
# (5 of SciERC dev's gold Methods), nor "generative models", which kg marks as a family.
_NEVER_ENTITIES |= {
    form
    for phrase in """encoder|generator|discriminator|model architecture
    |neural network architecture|network architecture|neural architecture
    |statistical model|learning algorithm|inference engine|deep learning model""".split("|")
    for form in (phrase.strip(), phrase.strip() + "s")
}


# Accelerators and memories by product name ("A100", "NVIDIA H100", "RTX 4090", "GH200", "HBM3"):
# hardware, none of kg's types.
_HARDWARE = re.compile(
    r"(?:nvidia\s+)?(?:tesla\s+)?(?:[ahvp]100|h200|h800|a800|a6000|a40|a10g?|l40s?|l4|t4|k80"
    r"|(?:geforce\s+)?(?:rtx|gtx)\s?\d{3,4}(?:\s?ti)?|\d{4}(?:\s?ti)?|jetson(?:\s\w+)?|gh200|gb200|b[12]00"
    r"|(?:amd\s+)?mi[23]\d0x?"
    r"|hbm\d?e?|tpu(?:\s?v\d)?|fpga|npu|[ds]ram)s?"
)
# A number with at most a unit or a scale ("1.7B", "70B", "8x", "40%"): a quantity names nothing
# on its own, and before a Metric it is not part of the measure's name.
_QUANTITY_TEXT = r"[~≈<>]?\d[\d.,]*\s?(?:%|x|×|s|ms|B|M|K|GB|MB|points?|pp)?"
_BARE_QUANTITY = re.compile(_QUANTITY_TEXT, re.IGNORECASE)
_SIGNED_QUANTITY = re.compile(r"[+\-−±]" + _QUANTITY_TEXT, re.IGNORECASE)  # "+36" (%), a change
# Organisations in author lines ("Max Planck Institute"): none of kg's types ("DeepMind Lab" is an
# environment, so not "lab").
_ORGANISATION_HEADS = frozenset("institute university laboratory laboratories inc corporation".split())
# Heads of qualities, not measures: the kg-typed training annotations (data/annotations/, 500
# papers) end a Metric with one of these words in under 5% of the word's uses ("performance" 5 of
# 437, "robustness" 1 of 21, "gain" 1 of 52), against "latency" 89 of 111 and "accuracy" 217 of
# 224 (`scripts/metric_heads.py` prints them; a test holds the list to it).
_QUALITY_HEADS = frozenset(
    """performance capability capabilities robustness understanding reasoning inference evaluation
    gain gains reduction reductions increase increases improvement improvements""".split()
)
# Heads that name what is measured or a part of the model, not a measure: "reasoning
# ability", "search space", "token sequence", "training loss". Each ends a Metric in under
# 5% of its 20+ uses in the training annotations (``scripts/metric_heads.py``).
_NON_MEASURE_HEADS = frozenset(
    """ability abilities space spaces sequence sequences layer layers token tokens content
    cot average capacity loss function functions confidence""".split()
)
_NO_MEASURE_HEADS = _QUALITY_HEADS | _NON_MEASURE_HEADS
# "the tree-structuredness metric" names the metric "tree-structuredness" (the annotation
# notes leave the word out; the training annotations end no Metric with it, 0 of 59 uses).
_METRIC_WORD = re.compile(r"[\s-]+metrics?$", re.IGNORECASE)


# Words that end an adjective compound ("RL-tuned", "flow-based", "Latency-Aware", "decoder-only"):
# an NER span ending in one stops before the noun it describes. The 500 kg-typed training papers
# end 3 of their 8,662 gold spans so ("verifier-free") and the NER's 24 such out-of-fold spans
# were all wrong.
_ADJECTIVE_TAILS = COMPOUND_SUFFIXES | frozenset(
    """trained tuned finetuned pretrained aligned distilled enhanced augmented informed conditioned
    supervised efficient intensive optimal constrained bound""".split()
)
_HYPHEN_TAIL = re.compile(r"-\s?([A-Za-z]+)$")


def _ends_in_adjective(surface: str) -> bool:
    """Whether a span ends with an adjective compound, and so before the noun it qualifies.

    Examples
    --------
    >>> [_ends_in_adjective(s) for s in ("RL-tuned", "flow-based", "Small - scale", "GPT-4", "Res2Net-based model")]
    [True, True, True, False, False]
    """
    m = _HYPHEN_TAIL.search(surface)
    return m is not None and m.group(1).lower() in _ADJECTIVE_TAILS


def _too_generic(surface: str) -> bool:
    """Whether an NER span names nothing specific: a generic word, a phrase kg never marks, hardware or a number.

    Examples
    --------
    >>> [_too_generic(s) for s in ("inference", "computational cost", "GPUs", "speculative decoding")]
    [True, True, True, False]
    >>> [_too_generic(s) for s in ("A100", "NVIDIA H100 GPUs", "1.7B", "Llama-2 7B", "T5")]
    [True, True, True, False, False]
    >>> [_too_generic(s) for s in ("+36", "T=5", "Max Planck Institute", "NVIDIA 4090 GPU", "GPT-4")]
    [True, True, True, True, False]
    """
    folded = " ".join(surface.lower().split())
    if folded.endswith((" gpu", " gpus")):
        folded = folded.rpartition(" ")[0]
    return (
        folded in _GENERIC_HEADS
        or folded in _NEVER_ENTITIES
        or _HARDWARE.fullmatch(folded) is not None
        or _BARE_QUANTITY.fullmatch(folded) is not None
        or _SIGNED_QUANTITY.fullmatch(folded) is not None
        or "=" in folded  # a setting: "T=5", "k = 3"
        or folded.rpartition(" ")[2] in _ORGANISATION_HEADS
    )


# Parts of a model, or measures and laws named after one ("UNet encoder", "Inception scores").
_PART_WORDS = frozenset(
    """encoder encoders decoder decoders backbone backbones layer layers head heads block blocks
    embedding embeddings features tokenizer tokenizers weights law laws score scores loss losses
    attention""".split()
)
# Heads that end no task: procedures ("bilevel optimization", "distributed training", "sparse
# computation"; the kg-typed training annotations end 1 of their 1,511 Task spans with one, and
# 96 Methods, but the NER's out-of-fold Task spans so headed were all wrong as Methods too:
# "optimization" alone is marked nowhere), and settings and data ("real-world applications",
# "open-world videos", "noisy environments"; no kg-typed span ends with one).
_NOT_TASK_HEADS = frozenset(
    """optimization training computation representation representations process applications
    scenarios settings environments videos domains""".split()
)
# Words that praise or place an approach, not part of the task it addresses ("Robust Monocular
# Depth Estimation", "practical stereo matching", "SOTA video depth estimation": the kg-typed
# training annotations mark the task without them in 19 of the NER's 23 such out-of-fold Task
# spans; "automatic speech recognition", "complex reasoning" and "novel view synthesis" are names
# and keep theirs).
_APPROACH_WORDS = frozenset(
    """robust practical fast efficient accurate scalable universal generic general real-world sota
    state-of-the-art public classical systematic approximate explorable effective reliable simple
    improved conventional traditional challenging difficult downstream modern typical popular
    important key critical large-scale high-quality powerful lightweight flexible accelerated""".split()
)
# Gerunds of verbs that act on something: a span they start is a verb phrase, not a task's name
# ("estimating depth", "addressing reasoning", "unlocking reasoning"; out of fold, all 19 of the
# NER's Task spans that start with one of these were wrong, and 38 of the 44 that start with any
# lower-case gerund). Nouns in -ing ("singing voice synthesis", "bounding box regression") are not listed.
_DOING_VERBS = frozenset(
    """estimating generating constructing addressing abstracting unlocking mining identifying
    predicting conducting detecting representing enhancing recovering reporting aiding recognizing
    improving solving achieving enabling handling using performing evaluating reducing capturing
    developing building designing creating producing extracting analyzing analysing exploring
    investigating studying tackling computing inferring simulating optimizing supporting
    facilitating leveraging exploiting mitigating preventing avoiding accelerating""".split()
)
# Verbs the NER takes into a Metric span ("enhancing throughput", "boosting output accuracy"): the
# training annotations start no Metric with one.
_CHANGING_VERBS = _DOING_VERBS | frozenset(
    """boosting minimizing minimising maximizing maximising minimize minimise maximize maximise
    increasing decreasing lowering raising cutting causing lacking sacrificing trading balancing
    preserving maintaining retaining""".split()
)
# Words that name a system doing a task, not the task.
_SYSTEM_WORDS = MODEL_WORDS | {"estimator", "estimators", "predictor", "predictors", "generator", "generators"}
_CLASS_WORDS = {
    **dict.fromkeys(["model", "models"], "Model"),
    **dict.fromkeys(["dataset", "datasets", "benchmark", "benchmarks", "corpus"], "Dataset"),
}
_NAME_THEN_CLASS = re.compile(r"(\S+) (\S+)")


def _after_approach_words(text: str, start: int, end: int) -> int | None:
    """Where a task's name starts once the words praising its approach are left out.

    Returns ``start`` unchanged when the span does not begin with one, and ``None`` when what
    is left is vague.

    Examples
    --------
    >>> t = "Robust Monocular Depth Estimation"
    >>> t[_after_approach_words(t, 0, len(t)):]
    'Monocular Depth Estimation'
    >>> _after_approach_words("downstream tasks", 0, 16) is None, _after_approach_words("robust", 0, 6)
    (True, 0)
    """
    words = text[start:end].split(" ")
    new = start
    while len(words) > 1 and (
        words[0].lower().rstrip(",") in _APPROACH_WORDS or (new > start and words[0] in ("and", "or"))
    ):
        new += len(words[0]) + 1
        words = words[1:]
    if new == start:
        return start
    return None if clean_span(text, new, end) is None or _too_generic(text[new:end]) else new


def _name_of_class_phrase(text: str, start: int, end: int, label: str) -> tuple[int, str]:
    """A name and its class word ("the DeepSeek model", "the LJSpeech dataset") mention the name.

    Returns the span's new end and label: the name alone, typed by the class word, when the
    span is one name-like word and a class word ("Qwen3 models" -> "Qwen3", Model); otherwise
    ``(end, label)`` unchanged ("language models", "CATS-based models").

    Examples
    --------
    >>> t = "the DeepSeek model and diffusion models"
    >>> _name_of_class_phrase(t, 4, 18, "Method"), _name_of_class_phrase(t, 23, 39, "Method")
    ((12, 'Model'), (39, 'Method'))
    >>> _name_of_class_phrase("GRU models", 0, 10, "Method")
    (3, 'Method')
    """
    m = _NAME_THEN_CLASS.fullmatch(text, start, end)
    if m is None or m.group(2).lower() not in _CLASS_WORDS or not _NAME_LIKE.search(m.group(1)):
        return end, label
    name = m.group(1)
    if name.rpartition("-")[2].lower() in COMPOUND_SUFFIXES or not any(c.isalpha() for c in name):
        return end, label  # "CATS-based models" are models based on CATS; "2024 datasets" name none
    kind = _CLASS_WORDS[m.group(2).lower()]
    return m.end(1), label if kind == "Model" and _is_acronym(name) else kind


# A lower-case class word ending an NER Dataset span, and the lower-case descriptors before it:
# the kg-typed training annotations end no Dataset with one (0 of 511; "Caltech Pedestrian
# Dataset" writes it as part of the name).
_DATASET_TAIL = re.compile(r"(?:\s+[a-z][a-z-]*)*?\s+(?:dataset|datasets|benchmark|benchmarks|corpus|corpora)$")


def _before_class_words(text: str, start: int, end: int) -> int:
    """A dataset is named without its class word: "Market - 1501 dataset" -> "Market - 1501".

    Lower-case words between the name and the class word describe it and go too ("MOMA human
    activity dataset" -> "MOMA", "nuScenes detection benchmark" -> "nuScenes"); a span with no
    name-like word before them is left as it is (the caller drops generic spans).

    Examples
    --------
    >>> t = "the Market - 1501 dataset, the MOMA human activity dataset and a new benchmark"
    >>> [t[s:_before_class_words(t, s, e)] for s, e in ((4, 25), (31, 58), (63, 78))]
    ['Market - 1501', 'MOMA', 'a new benchmark']
    """
    m = _DATASET_TAIL.search(text, start, end)
    if m is None or m.start() <= start or not _NAME_LIKE.search(text[start : m.start()]):
        return end
    return m.start()


def names_a_quality(surface: str) -> bool:
    """Whether a phrase proposed as a Metric is headed by a quality rather than a measure.

    Examples
    --------
    >>> [names_a_quality(s) for s in ("predictive performance", "model robustness", "reasoning efficiency")]
    [True, True, False]
    """
    return _head_word(surface) in _QUALITY_HEADS


def names_no_measure(surface: str) -> bool:
    """Whether a phrase proposed as a Metric is headed by a quality or a thing rather than a measure.

    Examples
    --------
    >>> [names_no_measure(s) for s in ("reasoning ability", "search space", "training loss", "error rate")]
    [True, True, True, False]
    """
    return _head_word(surface) in _NO_MEASURE_HEADS


# Lower-case heads of data that is described, not named ("a single RGB image", "aligned RGB and
# depth video sequences"): the kg-typed training annotations end no Dataset with any of them in
# 1,000+ uses, bar two names that write the word with a capital ("YCB - Video").
_RAW_DATA_HEADS = frozenset(
    """image images video videos data frames clips channels samples scans photos text texts
    documents recordings signals sequences""".split()
)


# Heads of a description, not of a technique. A problem, task, solution or formulation is never
# a Method in the kg-typed training annotations; representations, processes, architectures,
# filters, kernels, layers and thoughts are, when named ("Kalman Filters", "Delta Activation
# Layer", "chain of thought", a vocabulary entry), but the NER's other such spans are the
# features, pieces and states of a model ("hidden representations", "the reasoning process",
# "GPU kernels": leaving them out removes 104 out-of-fold mentions, one of them right).
_DESCRIPTION_HEADS = frozenset("problem problems task tasks solution solutions formulation formulations".split())
_PART_OR_STATE_HEADS = frozenset("representations process architectures filters kernels layers thought".split())


# Author lines of text taken from PDFs: "W.Xiong", "D. Yu", "PekingUniversity" (no gold span of
# the training, seed or SciERC annotations has either shape). Not "...Lab" or "...Research":
# DeepLab and DeepResearch are systems.
_PERSON = re.compile(r"^(?:[A-Z]\.\s?)+[A-Z][a-z]+")
_GLUED_AFFILIATION = re.compile(r"[a-z](?:University|Institute|Laboratory)\b")


def names_a_person_or_affiliation(surface: str) -> bool:
    """Whether an NER span is an author's name or affiliation from an author line.

    Examples
    --------
    >>> [names_a_person_or_affiliation(s) for s in ("W.Xiong", "D. Yu", "PekingUniversity")]
    [True, True, True]
    >>> [names_a_person_or_affiliation(s) for s in ("ResNet", "DeepLab", "DeepResearch", "R-Net", "GPT-4")]
    [False, False, False, False, False]
    """
    return _PERSON.match(surface) is not None or _GLUED_AFFILIATION.search(surface) is not None


# How long a model reasons is a behaviour, not a task ("overly short reasoning", "long thinking"):
# of the 224 spans of the kg-typed annotations that end in one of these heads, none that starts
# with one of these words is a Task (two are the Method "long chains of thought"), and the NER's
# 9 such out-of-fold Tasks were all wrong.
_LENGTH_WORDS = frozenset(
    "short shorter long longer lengthy overly excessive redundant unnecessary verbose concise".split()
)
_REASONING_HEADS = frozenset("reasoning thinking thought thoughts".split())


def describes_reasoning_length(surface: str) -> bool:
    """Whether a span describes how long a model reasons ("short reasoning", "lengthy thinking").

    Examples
    --------
    >>> [describes_reasoning_length(s) for s in ("short reasoning", "excessive thinking", "long-context reasoning")]
    [True, True, False]
    """
    words = surface.lower().split()
    return len(words) > 1 and words[0] in _LENGTH_WORDS and words[-1] in _REASONING_HEADS


# "complex tasks", "generative tasks", "various problems": a class of tasks named by a vague word is
# none (the NER's 10 such out-of-fold Tasks were all wrong; "NLP tasks", "ranking tasks" are not
# touched, as SciERC marks them).
_VAGUE_TASK_WORDS = frozenset(
    """complex generative visual mathematical various different diverse several specific general multiple new
    similar simple difficult hard challenging novel other such related many few common standard typical""".split()
)
_TASK_WORDS = frozenset("task tasks problem problems sub-tasks subtasks".split())


def names_tasks_vaguely(surface: str) -> bool:
    """Whether a span is a vague word and "tasks" or "problems" ("complex tasks", "various problems").

    Examples
    --------
    >>> [names_tasks_vaguely(s) for s in ("complex tasks", "generative tasks", "NLP tasks", "complex reasoning")]
    [True, True, False, False]
    """
    words = surface.lower().split()
    return len(words) == 2 and words[0] in _VAGUE_TASK_WORDS and words[1] in _TASK_WORDS


def describes_no_technique(surface: str) -> bool:
    """Whether an NER Method span is headed by a word that names no technique (see ``_DESCRIPTION_HEADS``).

    Examples
    --------
    >>> [describes_no_technique(s) for s in ("optimization problem", "hidden representations", "GPU kernels")]
    [True, True, True]
    >>> [describes_no_technique(s) for s in ("Kalman Filters", "speculative decoding", "Delta Activation Layer")]
    [False, False, False]
    """
    head = surface.rsplit(None, 1)[-1]
    folded = head.lower()
    return folded in _DESCRIPTION_HEADS or (folded in _PART_OR_STATE_HEADS and not head[:1].isupper())


def names_raw_data(surface: str) -> bool:
    """Whether a phrase proposed as a Dataset describes data rather than naming a dataset.

    Examples
    --------
    >>> [names_raw_data(s) for s in ("RGB image", "RGB - D data", "YCB - Video", "KITTI")]
    [True, True, False, False]
    """
    words = surface.split()
    return len(words) > 0 and words[-1] in _RAW_DATA_HEADS


def _head_word(surface: str) -> str:
    """The last word of a phrase, in lower case ("" if it has none)."""
    words = re.findall(r"[a-z@]+", surface.lower())
    return words[-1] if words else ""


_QUANTITY = re.compile(_QUANTITY_TEXT + r"\s+(?=\S)")


def _skip_quantities(text: str, start: int, end: int) -> int:
    """A Metric span names the measure, not the number: "143.66s runtime" -> "runtime".

    Examples
    --------
    >>> t = "a 143.66s runtime and 2.5x speedup"
    >>> [t[_skip_quantities(t, s, e):e] for s, e in ((2, 17), (22, 34))]
    ['runtime', 'speedup']
    """
    m = _QUANTITY.match(text, start, end)
    return m.end() if m and m.end() < end else start


# A rate written as a unit: "FPS", "tokens per second", "tokens/s".
_RATE_UNIT = re.compile(
    r"(?:fps|(?:tokens?|frames?|samples?|images?|queries|requests)(?:\s+per\s+second|/s))", re.IGNORECASE
)
_NUMBER_BEFORE = re.compile(r"\d[\d.,]*\s?[KMB]?\s*$")


def is_a_unit(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a rate's unit after its number: "495 FPS", "20 tokens per second".

    The kg-typed annotations (training papers and seed gold) mark 1 of 14 such units and 1 of 2
    of the same words used as a name ("measured in FPS"), which stay.

    Examples
    --------
    >>> t = "runs at 495 FPS and 1.2K tokens per second; FPS matters"
    >>> [is_a_unit(t, s, e) for s, e in ((12, 15), (25, 42), (44, 47))]
    [True, True, False]
    """
    if _RATE_UNIT.fullmatch(text, start, end) is None:
        return False
    return _NUMBER_BEFORE.search(text, max(0, start - 24), start) is not None


def _before_a_value(text: str, start: int, end: int) -> int:
    """A Metric span names the measure, not its value: "FID=3.88" -> "FID".

    Examples
    --------
    >>> t = "yields a FID=3.88 and FID = 4.1"
    >>> [t[s:_before_a_value(t, s, e)] for s, e in ((9, 17), (22, 31))]
    ['FID', 'FID']
    """
    equals = text.find("=", start, end)
    if equals <= start:
        return end
    return len(text[:equals].rstrip()) if text[start:equals].strip() else end


# A release's variant or version after a known model's name is part of the name, as model
# cards name them: "Grok 3", "Gemini 2.0 Flash Experimental", "QVQ-72B-Preview", "OLMo-2 1B Base",
# "AlphaGo Zero", "CornerNet - Lite" (tokenized text). Out of fold on the 500 training papers,
# 15 of 16 such spans are marked with the variant. A bare number is a version only once, only
# after a name without digits, only as one digit (and a decimal), and not before a unit:
# "GPT-4 5 shot", "BERT 1 epoch", "Claude 80.1" and "Llama 3 8 GPUs" keep their names as they are.
def looks_like_model(span_text: str, next_word: str) -> bool:
    """Whether a Method-typed span names a specific model rather than a technique."""
    if _SIZE.search(span_text):
        return True
    if " " not in span_text and _DIGIT_NAME.match(span_text) and not span_text.isupper():
        return True
    return next_word.lower() in _MODEL_CUES and bool(_NAME_LIKE.search(span_text)) and not _is_acronym(span_text)


def _is_acronym(text: str) -> bool:
    """An acronym before "model" mostly names a class or a task, not a model: the training
    annotations type "GAN models", "NMT model", "NLI models" Method or Task 22 times, Model twice."""
    return text.isalpha() and text.isupper()


@Language.factory(
    "kg_merge",
    default_config={
        "ner_confidence": {},
        "default_ner_confidence": 0.5,
        "ner_names_only": True,
        "weak_patterns": True,
    },
)
def make_merger(
    nlp: Language,
    name: str,
    ner_confidence: dict[str, float],
    default_ner_confidence: float,
    ner_names_only: bool,
    weak_patterns: bool,
) -> Merger:
    """Create the ``kg_merge`` component (see the module docstring)."""
    return Merger(ner_confidence, default_ner_confidence, ner_names_only, weak_patterns)


class Merger:
    """Turn the candidates on a doc into non-overlapping typed mentions."""

    def __init__(
        self,
        ner_confidence: dict[str, float],
        default_ner_confidence: float,
        ner_names_only: bool = True,
        weak_patterns: bool = True,
    ) -> None:
        self.ner_confidence = dict(ner_confidence)
        self.default_ner_confidence = default_ner_confidence
        # The NER learnt SciERC's convention, which marks descriptive phrases ("learning-based
        # methods"); kg's types are names. By default only name-like NER spans are kept.
        self.ner_names_only = ner_names_only
        # The weakest patterns (task phrases, bare name shapes: the last rank of `priority`) find
        # what no other component does. Beside the trained NER what they add alone is mostly
        # wrong (precision 0.05 and 0.08 on the 500 training papers, 0 of 5 on the seed gold),
        # so the full pipeline turns them off; without the NER they are right about half the time.
        self.weak_patterns = weak_patterns
        self.gazetteer = Gazetteer()

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        candidates = [
            c for c in self._collect(doc, text) if c is not None and (self.weak_patterns or priority(c) < _WEAK)
        ]
        extra, redefined, not_datasets = self._abbreviation_candidates(doc, text, candidates)
        if redefined or not_datasets:
            candidates = [
                c
                for c in candidates
                # the abstract's own definition of an acronym outranks the vocabulary's
                if not (c.source == "kg_gazetteer" and (c.start_char, c.end_char) in redefined)
                # a long form that names no dataset: what names it one outright stays ("the ICPC
                # benchmark", a vocabulary name)
                and not (
                    c.label == "Dataset"
                    and (c.start_char, c.end_char) in not_datasets
                    and c.source not in ("kg_gazetteer", "kg_patterns:the_x_dataset")
                )
            ]
        candidates.extend(extra)
        links = url_spans(text)
        if links:  # a link names a repository or a page, not an entity
            candidates = [c for c in candidates if not _in_spans(c, links)]
        kinds = _defined_kinds(doc, text, self.gazetteer)
        typed = self._type_names(_select(candidates, text), text, kinds, _own_names(candidates, text))
        chosen = _joined_metrics(_with_task_heads(_propagate(_number_formats(typed, text), text), text), text)
        if links:
            chosen = [c for c in chosen if not _in_spans(c, links)]
        long_forms = _long_forms(doc, text)
        merged = []
        for c in _tidy(chosen, text):
            surface = text[c.start_char : c.end_char]
            merged.append((c.start_char, c.end_char, c.label, c.source, c.confidence, long_forms.get(surface)))
        doc.user_data[MERGED_KEY] = merged
        return doc

    def _collect(self, doc: Doc, text: str) -> list[Candidate | None]:
        raw = get_candidates(doc)
        raw.extend(
            Candidate(
                ent.start_char,
                ent.end_char,
                ent.label_,
                "ner",
                self.ner_confidence.get(ent.label_, self.default_ner_confidence),
            )
            for ent in doc.ents
        )
        # No name is that long (the longest of 98,573 gold spans in SciERC, SciREX and the seed gold has
        # 104 characters): a span over it is a run of junk ("A-A-A-…"), and the string work on it was quadratic.
        return [self._refine(text, c) if c.end_char - c.start_char <= MAX_MENTION_CHARS else None for c in raw]

    def _refine(self, text: str, cand: Candidate) -> Candidate | None:
        bounds = clean_span(text, cand.start_char, cand.end_char)
        if bounds is None:
            return None
        start, end = bounds
        if _is_ner(cand) and _cuts_math(text[start:end]):
            return None  # the NER reads LaTeX math as words: "$ accuracy", "$2.5\\times$ speedup"
        if is_a_unit(text, start, end):
            return None
        if cand.label == "Metric":
            if _is_ner(cand) and _LEVEL_BEFORE.search(text, max(0, start - 12), start):
                return None  # an adjective, not the measure: "a low-latency design", "high-throughput serving"
            start = _skip_quantities(text, start, end)
            end = _before_a_value(text, start, end)
        label = cand.label
        if _is_ner(cand):
            end, label = _name_of_class_phrase(text, start, end, label)
            if label == "Metric" and (m := _METRIC_WORD.search(text, start, end)) and m.start() > start:
                end = m.start()
            if label == "Dataset":
                end = _before_class_words(text, start, end)
        if label == "Metric" and _is_ner(cand):
            verb, space, rest = text[start:end].partition(" ")
            if space and verb.lower() in _CHANGING_VERBS:  # "minimizing drafting latency": the measure is the rest
                start = end - len(rest)
        surface = text[start:end]
        if label == "Metric" and names_number_precision(text, start, end):
            return None  # "mixed precision", "4-bit precision", whoever proposed it
        entry = self.gazetteer.lookup(surface)
        if _is_ner(cand) and entry is None and self._drop_ner(surface, label):
            return None
        if label == "Metric" and cand.source == "ner" and entry is None:
            # A measure is named by its head: "feed-forward convolutional networks" is no Metric.
            head = head_type(surface)  # (the head of "success rate of retrieval" is not "retrieval")
            label = head if head in ("Method", "Model") and " of " not in surface else label
        if label == "Task" and _is_ner(cand) and entry is None:
            named_from = _after_approach_words(text, start, end)
            if named_from is None:
                return None  # "downstream tasks" (the rest is vague)
            stripped = named_from != start
            start, surface = named_from, text[named_from:end]
            verb, _, rest = surface.partition(" ")
            if verb in _DOING_VERBS and rest:
                # "estimating optical flow" names the task "optical flow"; a verb phrase names none
                known = self.gazetteer.lookup(rest)
                if known is None or known.type != "Task":
                    return None
                start, surface, entry = end - len(rest), rest, known
            elif stripped:
                entry = self.gazetteer.lookup(surface)
        task_head = surface.rpartition(" ")[2].lower() if label == "Task" and _is_ner(cand) and entry is None else ""
        if task_head in _SYSTEM_WORDS:
            # "video depth estimator" is a model of the task: the training annotations end no Task
            # with a model word (0 of 788 such spans; 732 are Methods).
            label = "Method"
        elif task_head in _NOT_TASK_HEADS:
            return None
        if entry is not None and cand.source != "kg_gazetteer":
            label = entry.type
        elif (
            label == "Method"
            and cand.source == "ner"  # the gazetteer and the rules typed their own names
            and (looks_like_model(surface, _next_word(text, end)) or self._extends_a_model(surface))
        ):
            label = "Model"
        elif label == "Dataset" and _is_ner(cand) and not _NAME_LIKE.search(surface):
            return None  # SciERC's "Material" includes generic stuff ("image sequence")
        if label == "Model" and cand.source in ("kg_gazetteer", "kg_patterns:model_size", "ner"):
            end = model_variant_end(text, start, end)
        return Candidate(start, end, label, cand.source, cand.confidence)

    def _type_names(
        self, chosen: list[Candidate], text: str, kinds: frozenset[str] = frozenset(), own: frozenset[str] = frozenset()
    ) -> list[Candidate]:
        """Give each coined name the type its abstract presents it as (see :mod:`.typer`).

        ``kinds`` are the acronyms the abstract defines by a technique or task (:func:`_defined_kinds`).
        A vocabulary name keeps the vocabulary's type, except in the paper that introduces it
        (``own``, the name its title leads with, :func:`_own_names`): there the paper's own
        presentation decides between Model and Method, as for any coined name ("DepthCrafter:
        Generating ...", "a novel method" is a Method in its own paper, a Model elsewhere).
        """
        # A name the title leads with is coined whatever its shape ("Dualformer", "Timo").
        names = [
            c
            for c in chosen
            if c.label in _NAME_TYPES
            and (_NAME_LIKE.search(text[c.start_char : c.end_char]) or text[c.start_char : c.end_char] in own)
        ]
        settled = frozenset(
            text[c.start_char : c.end_char]
            for c in names
            if (c.source == "kg_gazetteer" or self.gazetteer.lookup(text[c.start_char : c.end_char]))
            and not (text[c.start_char : c.end_char] in own and c.label in _OWN_TYPES)
        )
        types = name_types(text, [(c.start_char, c.end_char, c.label) for c in names], keep=settled, kinds=kinds)
        if not types:
            return chosen
        retyped = []
        for c in chosen:
            label = types.get(text[c.start_char : c.end_char], c.label) if c.label in _NAME_TYPES else c.label
            retyped.append(c if label == c.label else replace(c, label=label))
        return retyped

    def _extends_a_model(self, surface: str) -> bool:
        """Whether a span is a known model with a variant after it: "GPT-4-Turbo", "BERT-large",
        "DeepSeek-R1-Distill-Qwen-7B", "Gemini 2.0 Flash".

        The training annotations type such spans Model 88 times, otherwise 5 ("UNet encoder",
        "Inception scores", "Chinchilla scaling laws"): a part, a measure or a description after
        the name, or a compound ("BERT-based"), leaves the span what it was.
        """
        last = surface.rsplit(" ", 1)[-1].lower()
        if last in _GENERIC_TAIL or last in _PART_WORDS or names_a_quality(surface):
            return False
        for cut in re.finditer(r"[- ]", surface):
            if cut.start() > MAX_MENTION_CHARS:
                break
            entry = self.gazetteer.lookup(surface[: cut.start()])
            if entry is not None:
                rest = re.split(r"[- ]", surface[cut.end() :].lower())
                return entry.type == "Model" and not any(w in COMPOUND_SUFFIXES for w in rest)
        return False

    def _drop_ner(self, surface: str, label: str) -> bool:
        """Whether an NER span (not in the gazetteer) names nothing kg should keep."""
        return (
            _too_generic(surface)
            or _ends_in_adjective(surface)
            # two names joined: "the PILE and M2-BERT-base" (the NER's named spans with "and"
            # were all wrong on the training papers; long forms with one come from abbreviations)
            or (label in ("Dataset", "Model", "Metric") and " and " in surface)
            or (label == "Metric" and names_no_measure(surface))
            or (label == "Method" and describes_no_technique(surface))
            or names_a_person_or_affiliation(surface)
            or (label == "Task" and (describes_reasoning_length(surface) or names_tasks_vaguely(surface)))
            or (label == "Dataset" and names_raw_data(surface))
            or (self.ner_names_only and not _NAME_LIKE.search(surface))
        )

    def _abbreviation_candidates(
        self, doc: Doc, text: str, candidates: list[Candidate]
    ) -> tuple[list[Candidate], set[tuple[int, int]], set[tuple[int, int]]]:
        """Candidates for both forms of every abbreviation pair and the later uses of its short form,
        the short-form spans whose gazetteer type the pair's definition overrides, and the
        short-form spans whose long form names no dataset."""
        extra: list[Candidate] = []
        redefined: set[tuple[int, int]] = set()
        not_datasets: set[tuple[int, int]] = set()
        by_span: dict[tuple[int, int], list[tuple[int, Candidate]]] = {}  # not every candidate for every pair
        for i, c in enumerate(candidates):
            by_span.setdefault((c.start_char, c.end_char), []).append((i, c))
        for long_s, long_e, short_s, short_e in doc.user_data.get(ABBREVIATIONS_KEY, []):
            short = text[short_s:short_e]
            occurrences = short_form_occurrences(text, short)
            spans = [(long_s, long_e), (short_s, short_e), *occurrences]
            # Only a candidate for a whole form says what the pair is: a name inside the long
            # form ("Sparsity" in "Contextually Aware Thresholding for Sparsity") does not.
            exact = set(spans)
            # An acronym the vocabulary knows in another sense than the long form it defines
            # here ("TTS" is text-to-speech there, "Test-time scaling (TTS)" here; "VQA" a
            # dataset there, "visual question answering (VQA)" here): its gazetteer hits on
            # the short form say nothing about this pair. A long form the vocabulary does not
            # list ("deep convolutional generative adversarial network (DCGAN)") is no evidence,
            # unless the vocabulary spells the acronym out and the two spellings share no word
            # ("Sparse Access Memory (SAM)" is not the Segment Anything Model).
            known = self.gazetteer.lookup(short)
            meant = self.gazetteer.lookup(text[long_s:long_e])
            other_sense = known is not None and (
                meant != known if meant is not None else spells_otherwise(known, short, text[long_s:long_e])
            )
            short_spans = exact - {(long_s, long_e)}
            votes: Counter[str] = Counter()
            # In another sense the short form's candidates carry the vocabulary's type (the
            # NER's are retyped by the entry too), so only the long form's vote. (In the
            # candidates' order: the first label counted wins a tie.)
            voting = [ic for span in exact if not (other_sense and span in short_spans) for ic in by_span.get(span, ())]
            for _, c in sorted(voting, key=lambda ic: ic[0]):
                votes[c.label] += 3 - min(priority(c), 2)
            head = head_type(text[long_s:long_e])
            if head is not None:  # "Acoustic Question Answering" is a Task whatever the NER says
                votes[head] += 2
            label = votes.most_common(1)[0][0] if votes else None
            if label is None:
                if other_sense:  # whatever this acronym is here, it is not the vocabulary's
                    redefined |= short_spans
                continue
            if label == "Dataset" and head != "Dataset":
                long_form = text[long_s:long_e]
                if not _NAME_LIKE.search(long_form) or (
                    _plural_head(long_form) and (known is None or known.type != "Dataset")
                ):
                    # A lower-case long form names no dataset ("system-on-chip (SoC)"), a plural
                    # one a class of things ("Knowledge Bases (KBs)", "Application-Specific
                    # Integrated Circuits (ASICs)"): neither is found as a Dataset ("on ASICs").
                    if known is None or known.type != "Dataset":
                        not_datasets |= short_spans
                    continue
            if (
                label == "Method"
                and known is None
                and (_names_one_network(text[long_s:long_e]) or _proposes_a_model(text, long_s, long_e))
            ):
                label = "Model"  # "Face Attention Network (FAN)"; "Deep Neural Networks (DNNs)" stay a class
            if other_sense and known is not None and label != known.type:
                redefined |= short_spans
            for s, e in sorted(set(spans)):
                if clean_span(text, s, e) == (s, e):
                    extra.append(Candidate(s, e, label, "kg_abbreviations", 0.85))
        return extra, redefined, not_datasets


def _defined_kinds(doc: Doc, text: str, gazetteer: Gazetteer) -> frozenset[str]:
    """Short forms whose long form names a technique or a task, not a model.

    "Temporal Point Processes (TPP)", "Next-Block Prediction (NBP)", "video frame interpolation
    (VFI)": the long form's last word is no model word (``MODEL_WORDS``: "model", "network",
    "detector", ...) and no "...Net", so "TPP models" are models of that kind. A long form that
    ends in a known model's name ("ToolPrefer-LLaMA (TP-LLaMA) model") names a model.
    """
    return frozenset(
        text[short_s:short_e]
        for long_s, long_e, short_s, short_e in doc.user_data.get(ABBREVIATIONS_KEY, [])
        if _describes_a_kind(text[long_s:long_e], gazetteer)
    )


def _describes_a_kind(long_form: str, gazetteer: Gazetteer | None = None) -> bool:
    """Whether an abbreviation's long form ends in a word that names no model (see :func:`_defined_kinds`).

    With a ``gazetteer``, a last word that is a known model ("ToolPrefer-LLaMA") names one too.

    Examples
    --------
    >>> [_describes_a_kind(s) for s in ("Temporal Point Processes", "Face Attention Network", "PreludeNet")]
    [True, False, False]
    """
    last = re.split(r"[\s-]+", long_form.strip())[-1]
    if not last or last.lower() in MODEL_WORDS or re.search(r"Nets?$", last):
        return False
    known = gazetteer.lookup(last) if gazetteer is not None else None
    return known is None or known.type != "Model"


def _plural_head(long_form: str) -> bool:
    """Whether a long form ends in a plural noun ("Knowledge Bases"; not "Benchmark", "Analysis").

    Examples
    --------
    >>> [_plural_head(s) for s in ("Knowledge Bases", "Integrated Circuits", "Reasoning Benchmark", "Focus")]
    [True, True, False, False]
    """
    last = long_form.rsplit(None, 1)[-1].lower()
    return len(last) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "is"))


def _names_one_network(long_form: str) -> bool:
    """Whether an abbreviation's long form names one network: its head is a singular "network".

    A coined acronym for a capitalised "... Network" is that network (a Model): "Face Attention
    Network (FAN)", "Loss - Sensitive Generative Adversarial Network (LS - GAN)". Plural heads
    name classes ("Spiking Neural Networks (SNNs)"), so do lower-case ones ("temporal
    convolutional network (TCN)") and "... Neural Network" ("Physics-Informed Neural Network");
    the short forms of well-known classes ("CNN", "GCN") are in the gazetteer, which the caller
    checks.

    Examples
    --------
    >>> _names_one_network("Face Attention Network"), _names_one_network("Spiking Neural Networks")
    (True, False)
    >>> _names_one_network("Bayesian network"), _names_one_network("Physics-Informed Neural Network")
    (False, False)
    """
    words = long_form.split()
    return len(words) > 1 and words[-1] in ("Network", "Net") and words[-2].lower() != "neural"


# "we propose", "we will further present", "a verifier, called": the paper introduces what follows.
_PROPOSED = re.compile(
    r"(?:\b(?:we|i)\s+(?:\w+\s+){0,2}(?:propose|introduce|present|design|develop|devise|build|train)"
    r"|\b(?:called|named|termed|dubbed))\s+(?:(?:a|an|the|our|novel|new)\s+)*$",
    re.IGNORECASE,
)
# Narrower than ``MODEL_WORDS``: a proposed "... Transformer", "... Encoder" or "... Assistant" is
# as often a Method in the annotations (with those words the rule gets 8 fewer spans right).
_MODEL_HEADS = frozenset("model models network networks net nets".split())


def _proposes_a_model(text: str, long_s: int, long_e: int) -> bool:
    """Whether the paper introduces an abbreviation's long form as a model it built.

    "we propose coupled generative adversarial network (CoGAN)", "we present a Multi-Task Deep
    Neural Network (MT-DNN)", "a verifier, called the Process Belief Model (PBM)": the paper's own
    model or network, whatever its case or number. Out of fold, 8 of the 10 such pairs that were
    typed Method are annotated Models ("a landmark retracing network" is a Method).

    Examples
    --------
    >>> t = "We propose coupled generative adversarial network (CoGAN) for it."
    >>> _proposes_a_model(t, 11, 50)
    True
    >>> t = "Recent Large Reasoning Models (LRMs) think."
    >>> _proposes_a_model(t, 7, 29)
    False
    """
    last = text[long_s:long_e].rsplit(None, 1)[-1]
    if last.lower() not in _MODEL_HEADS and not last.endswith("GAN"):
        return False
    return _PROPOSED.search(text, max(0, long_s - 60), long_s) is not None


def _yields_to_ner(cand: Candidate, ners: list[Candidate], text: str) -> bool:
    """A generic gazetteer term inside a longer NER span yields to it.

    "statistical machine translation" is a more specific name than the vocabulary's
    "machine translation". A term with capitals yields only when it is a class or a task
    heading a longer span of its type ("Video LLMs", "Real-time Object Detection"): the
    training annotations mark the longer span. Names ("ImageNet", "BERT") never yield, nor
    does a term whose longer span only adds generic words ("question answering systems").
    """
    if cand.source != "kg_gazetteer":
        return False
    if text[cand.start_char : cand.end_char].islower():
        return any(_yields(cand, n, text) for n in ners)
    # A class or task with capitals is the head of a longer name of its type that ends with
    # it: "Video LLMs", "Recursive Transformer", "factual QA", "Real-time Object Detection".
    return cand.label in ("Method", "Task") and any(
        n.label == cand.label and n.end_char == cand.end_char and _yields(cand, n, text) for n in ners
    )


def _yields(cand: Candidate, ner: Candidate, text: str) -> bool:
    """Whether the gazetteer term ``cand`` lies inside the longer NER span ``ner``, and ``ner`` adds more
    than generic words to it."""
    return (
        ner.start_char <= cand.start_char
        and cand.end_char <= ner.end_char
        and ner.end_char - ner.start_char > cand.end_char - cand.start_char
        and not _only_generic_words(text[ner.start_char : cand.start_char] + " " + text[cand.end_char : ner.end_char])
    )


#: The types a paper's own presentation may swap for its own vocabulary name.
_OWN_TYPES = frozenset(["Model", "Method"])


def _own_names(candidates: Sequence[Candidate], text: str) -> frozenset[str]:
    """The names a title leads with ("DepthCrafter: Generating ..."): the paper's own contribution.

    >>> t = "DepthCrafter: Depth for Videos. We present DepthCrafter."
    >>> sorted(_own_names([Candidate(0, 12, "Method", "kg_patterns:title_prefix", 0.8)], t))
    ['DepthCrafter']
    """
    return frozenset(text[c.start_char : c.end_char] for c in candidates if c.source == "kg_patterns:title_prefix")


def _number_formats(chosen: list[Candidate], text: str) -> list[Candidate]:
    """Type the number formats Method, whatever made them a Model or a Dataset ("nf4" looks like a versioned name).

    Examples
    --------
    >>> t = "nf4 beats FP8 on GPT-4"
    >>> [c.label for c in _number_formats([Candidate(0, 3, "Model", "ner", 0.7),
    ...     Candidate(10, 13, "Model", "ner", 0.7), Candidate(17, 22, "Model", "ner", 0.7)], t)]
    ['Method', 'Method', 'Model']
    """
    return [
        replace(c, label="Method")
        if c.label in ("Model", "Dataset") and _NUMBER_FORMAT.fullmatch(text, c.start_char, c.end_char)
        else c
        for c in chosen
    ]


def _overlap(a: Candidate, b: Candidate) -> bool:
    return a.start_char < b.end_char and b.start_char < a.end_char


# Words that make a longer span a description of the name, not a longer name:
# "question answering systems" is the task "question answering", not a method.
_GENERIC_TAIL = frozenset(
    """system systems model models method methods approach approaches framework frameworks technique
    techniques task tasks problem problems module modules component components pipeline pipelines
    tool tools algorithm algorithms architecture architectures application applications setting
    settings scenario scenarios the a an of for""".split()
)


def _only_generic_words(rest: str) -> bool:
    words = rest.lower().split()
    return bool(words) and all(w in _GENERIC_TAIL for w in words)


class _Spans:
    """Candidates by where they start, to find those that may overlap a span without trying them all
    (a 100,000-character abstract has thousands of candidates: all pairs took seconds)."""

    def __init__(self, items: Sequence[Candidate]) -> None:
        self.items = sorted(items, key=lambda c: c.start_char)
        self.starts = [c.start_char for c in self.items]
        self.reach = max((c.end_char - c.start_char for c in self.items), default=0)

    def near(self, span: Candidate) -> list[Candidate]:
        """Every item that overlaps ``span`` (and a few that do not)."""
        lo = bisect.bisect_left(self.starts, span.start_char - self.reach)
        return self.items[lo : bisect.bisect_left(self.starts, span.end_char)]


def _select(candidates: list[Candidate], text: str) -> list[Candidate]:
    # A gazetteer term yields only to an NER span that can win: one that no name of the
    # first rank (gazetteer, abbreviations) cuts, as "PI" cuts "PI latency", or the
    # term would be lost with it ("latency" in "PI latency").
    firm = _Spans([c for c in candidates if priority(c) == 0])
    ners = _Spans(
        [
            n
            for n in candidates
            if _is_ner(n) and not any(_overlap(n, c) and not _yields_to_ner(c, [n], text) for c in firm.near(n))
        ]
    )
    candidates = [c for c in candidates if not _yields_to_ner(c, ners.near(c), text)]
    order = sorted(
        candidates,
        key=lambda c: (priority(c), -(c.end_char - c.start_char), -c.confidence, c.start_char, c.label),
    )
    free = TakenSpans()
    taken = [cand for cand in order if free.take(cand.start_char, cand.end_char)]
    return sorted(taken, key=lambda c: (c.start_char, c.end_char))


_URL = re.compile(
    r"(?:https?://|www\.)\S+|\b(?:[a-z0-9-]+\.)+(?:com|org|net|io|ai|co|edu|gov|dev|me|info)/\S*", re.IGNORECASE
)


def url_spans(text: str) -> list[tuple[int, int]]:
    """The character spans of the links in ``text`` (none of kg's gold spans is inside one).

    Examples
    --------
    >>> t = "Code: https://github.com/x/CATS. Data: huggingface.co/datasets/GLUE, sites.google.com/v/X and www.a.org"
    >>> [t[s:e] for s, e in url_spans(t)]
    ['https://github.com/x/CATS.', 'huggingface.co/datasets/GLUE,', 'sites.google.com/v/X', 'www.a.org']
    """
    if "/" not in text and "www." not in text.lower():  # every link the pattern finds has one of the two
        return []
    return [m.span() for m in _URL.finditer(text)]


def _in_spans(cand: Candidate, spans: list[tuple[int, int]]) -> bool:
    return any(s < cand.end_char and cand.start_char < e for s, e in spans)


def _propagate(chosen: list[Candidate], text: str) -> list[Candidate]:
    """Every occurrence is a mention: repeat each chosen surface where no mention covers it.

    A component that found "test-time scaling" once may have missed its other uses; each
    word-bounded, case-sensitive repeat outside the chosen spans gets the same label and source.

    Examples
    --------
    >>> t = "We use test-time scaling. Test-time scaling and test-time scaling help."
    >>> found = _propagate([Candidate(7, 24, "Method", "ner", 0.6)], t)
    >>> [t[c.start_char:c.end_char] for c in found]
    ['test-time scaling', 'test-time scaling']
    """
    taken = sorted((c.start_char, c.end_char) for c in chosen)
    extra: list[Candidate] = []
    seen: set[str] = set()
    for cand in chosen:
        surface = text[cand.start_char : cand.end_char]
        if surface in seen or len(surface) < 3:
            continue
        seen.add(surface)
        for s, e in _occurrences(text, surface):
            i = bisect.bisect_left(taken, (s, e))
            neighbours = taken[max(0, i - 1) : i + 1]
            if any(ts < e and s < te for ts, te in neighbours) or is_a_unit(text, s, e):
                continue
            extra.append(replace(cand, start_char=s, end_char=e))
            bisect.insort(taken, (s, e))
    return sorted(chosen + extra, key=lambda c: (c.start_char, c.end_char)) if extra else chosen


_ACRONYM = re.compile(r"[A-Z][A-Za-z0-9+\-]*[A-Z0-9+]")
_TASK_HEAD_AFTER = re.compile(r"[ -]+(?:" + TASK_HEADS + r"|prediction)\b", re.IGNORECASE)


def _with_task_heads(chosen: list[Candidate], text: str) -> list[Candidate]:
    """An acronym typed Task takes the task's head noun after it: "CTR prediction", "VQA answering".

    The acronym of a quantity or an object ("Click-Through Rate (CTR)", "scene graphs (SG)")
    names the task only with its head. Out of fold on the training papers, 8 of 9 acronyms typed
    Task with a task head after them are marked with it. A head another mention covers stays
    that mention's.

    Examples
    --------
    >>> t = "Deep CTR prediction models and CTR detection"
    >>> found = _with_task_heads([Candidate(5, 8, "Task", "x", 0.5), Candidate(31, 34, "Method", "x", 0.5)], t)
    >>> [t[c.start_char:c.end_char] for c in found]
    ['CTR prediction', 'CTR']
    """
    starts = sorted(c.start_char for c in chosen)
    out = []
    for c in chosen:
        if c.label == "Task" and _ACRONYM.fullmatch(text, c.start_char, c.end_char):
            m = _TASK_HEAD_AFTER.match(text, c.end_char)
            if m is not None:
                i = bisect.bisect_right(starts, c.start_char)
                if i == len(starts) or starts[i] >= m.end():
                    c = replace(c, end_char=m.end())
        out.append(c)
    return out


_METRIC_TAIL = re.compile(r" (?:savings?|overheads?|loss)\b")


def _joined_metrics(chosen: list[Candidate], text: str) -> list[Candidate]:
    """One measure named by two: "TTFT speedup", "latency speedup", "FLOPs savings" are one Metric.

    Two Metric mentions one space apart are one mention, and a Metric followed by "savings",
    "overhead" or "loss" takes the word (out of fold on the training papers, 5 of 6 such pairs and
    5 of 5 such words are marked so; "gains", "reduction" and "improvement" are not).

    Examples
    --------
    >>> t = "a TTFT speedup and FLOPs savings"
    >>> found = _joined_metrics([Candidate(2, 6, "Metric", "a", 0.9), Candidate(7, 14, "Metric", "b", 0.8),
    ...                          Candidate(19, 24, "Metric", "a", 0.9)], t)
    >>> [(t[c.start_char:c.end_char], c.confidence) for c in found]
    [('TTFT speedup', 0.8), ('FLOPs savings', 0.9)]
    """
    out: list[Candidate] = []
    for c in chosen:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.label == "Metric"
            and c.label == "Metric"
            and text[prev.end_char : c.start_char] == " "
        ):
            out[-1] = replace(prev, end_char=c.end_char, confidence=min(prev.confidence, c.confidence))
            continue
        out.append(c)
    starts = [c.start_char for c in out]
    for i, c in enumerate(out):
        m = _METRIC_TAIL.match(text, c.end_char) if c.label == "Metric" else None
        if m is not None and (i + 1 == len(starts) or starts[i + 1] >= m.end()):
            out[i] = replace(c, end_char=m.end())
    return out


def _occurrences(text: str, surface: str) -> Iterator[tuple[int, int]]:
    """Word-bounded occurrences of ``surface`` (no letter, digit, ``_`` or ``-`` either side, not
    the end of a name across a tokenized hyphen, "GAN" in "LS - GAN").

    ``str.find`` rather than a regex per surface: surfaces are many and compiling dominated.
    """
    i = text.find(surface)
    while i >= 0:
        e = i + len(surface)
        if (
            (i == 0 or not _joins(text[i - 1]))
            and (e == len(text) or not _joins(text[e]))
            and not after_spaced_hyphen(text, i)
        ):
            yield i, e
        i = text.find(surface, i + 1)


def _joins(char: str) -> bool:
    return char.isalnum() or char in "_-"


def _long_forms(doc: Doc, text: str) -> dict[str, str]:
    return {
        text[short_s:short_e]: text[long_s:long_e]
        for long_s, long_e, short_s, short_e in doc.user_data.get(ABBREVIATIONS_KEY, [])
    }


def _next_word(text: str, end: int) -> str:
    rest = text[end : end + 40].split()
    return rest[0].strip(".,;:") if rest else ""


def get_mentions(doc: Doc) -> list[MergedMention]:
    """Return the mentions ``kg_merge`` chose on ``doc``, in text order."""
    return [
        MergedMention(int(s), int(e), str(lab), str(src), float(conf), lf)
        for s, e, lab, src, conf, lf in doc.user_data.get(MERGED_KEY, [])
    ]
