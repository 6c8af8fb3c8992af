"""The ``kg_patterns`` component: contextual cues that name new entities.

Papers name their own contributions and the things they test on in a few
stock phrasings. Each rule below is a small function over the doc text that
proposes typed spans with a fixed confidence; rules with confidence >= 0.8 rank
above the statistical NER in ``kg_merge``, the others below it.

==================  ==========  ========================================================
rule                confidence  cue
==================  ==========  ========================================================
``model_size``      0.90        "Mistral-7B", "Llama 2 70B", "Qwen2.5-72B-Instruct"
``title_prefix``    0.85        the title's "Name: description" prefix (+ its later uses)
``named``           0.85        "called / named / dubbed / termed X", "we propose X"
``the_x_dataset``   0.85        "the X dataset / benchmark / corpus" -> "X"
``evaluate_on``     0.80        "evaluate ... on X, Y and Z" (name-like items)
``metric_phrase``   0.80        "1.67x speedup", "reduces latency", "lower perplexity"
``task_phrase``     0.70        "monocular depth estimation", "camouflaged object detection"
``name_shape``      0.50        CamelCase or digit-bearing names ("DepthMaster", "ChatGLM2")
==================  ==========  ========================================================

Task phrases are kept tight: up to three lower-case modifiers before the task
head, never evaluative adjectives ("accurate", "efficient", "robust", "real-time").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc

from .candidates import add_candidate, doc_text, spaced_hyphen_piece
from .vocabulary import default_gazetteer, is_plural_acronym

__all__ = [
    "MODEL_WORDS",
    "ORGANISATIONS",
    "RULES",
    "TASK_HEADS",
    "PatternMatcher",
    "find_patterns",
    "head_type",
    "type_from_context",
    "type_from_title",
]

Hit = tuple[int, int, str, str, float]  # start, end, label, rule, confidence

_NAME = r"[A-Z][\w.]*(?:-[\w.]+)*"
# A name-like token: capitals inside, digits, or CamelCase ("PreludeNet", "YOLOv10", "OVO-Bench").
_NAMELIKE = re.compile(r"^(?=.{2,40}$)(?:[A-Za-z][\w.\-]*[A-Z0-9][\w.\-]*|[A-Z]{2,}[\w\-]*)$")
_NOT_NAMES = frozenset(
    [
        "AI",
        "Web",  # "the Web corpus", "local and Web search"
        "Internet",
        "GPU",
        "GPUs",
        "CPU",
        "CPUs",
        "TPU",
        "TPUs",
        "FP8",
        "FP16",
        "FP32",
        "BF16",
        "INT4",
        "INT8",
        "INT2",
        "2D",
        "3D",
        "4D",
        "1D",
        "ML",
        "NLP",
        "CV",
        "API",
        "APIs",
        "URL",
        "SOTA",
        "II",
        "III",
        "IV",
        "OOD",
        "IID",
        "RGB",
        "RGB-D",
        "HD",
        "UI",
        "LiDAR",
        "US",
        "UK",
        "EU",
        "H100",
        "A100",
        "V100",
        "COVID-19",
        "GitHub",
        "HuggingFace",
        "Code",
        "Website",
        "Project",
        "Our",
        "We",
        "The",
        "This",
        "These",
        "However",
        "Moreover",
    ]
)
#: Organisations that release models, datasets and methods; never entities themselves ("OpenAI's o1").
ORGANISATIONS = frozenset(
    [
        "OpenAI",
        "DeepMind",
        "Google",
        "Google DeepMind",
        "Microsoft",
        "Meta",
        "Meta AI",
        "NVIDIA",
        "Anthropic",
        "Alibaba",
        "Baidu",
        "Tencent",
        "ByteDance",
        "Huawei",
        "IBM",
        "Intel",
        "AMD",
        "EleutherAI",
        "MosaicML",
        "StabilityAI",
    ]
)
_NOT_NAMES = _NOT_NAMES | ORGANISATIONS
_DATASET_WORDS = frozenset(["dataset", "datasets", "benchmark", "benchmarks", "corpus", "corpora", "suite", "testbed"])
#: Head nouns of models and networks ("depth model", "detection network").
MODEL_WORDS = frozenset(
    [
        "model",
        "models",
        "network",
        "networks",
        "net",
        "llm",
        "llms",
        "detector",
        "detectors",
        "transformer",
        "encoder",
        "decoder",
        "autoencoder",
        "autoencoders",
        "classifier",
        "chatbot",
        "assistant",
        "backbone",
        "vlm",
        "vlms",
        "mllm",
    ]
)
_METHOD_WORDS = frozenset(
    [
        "method",
        "methods",
        "framework",
        "frameworks",
        "approach",
        "technique",
        "algorithm",
        "pipeline",
        "strategy",
        "scheme",
        "mechanism",
        "paradigm",
        "procedure",
        "system",
        "library",
        "toolkit",
        "compiler",
        "attention",
        "decoding",
        "learning",
        "training",
        "tuning",
        "optimization",
        "distillation",
        "quantization",
        "pruning",
        "sampling",
        "routing",
        "search",
        "thresholding",
        "adaptation",
        "regularization",
        "scaling",
    ]
)
_TASK_HEADS = (
    "estimation|detection|segmentation|classification|recognition|generation|translation|summarization|"
    "answering|retrieval|synthesis|tracking|forecasting|captioning|localization|completion|reconstruction|"
    "parsing|inpainting|deblurring|denoising|editing|grounding"
)
#: Head nouns of tasks ("depth estimation", "question answering"), as a regex alternation.
TASK_HEADS = _TASK_HEADS
_METRIC_HEADS = frozenset(
    [
        "accuracy",
        "precision",
        "recall",
        "latency",
        "throughput",
        "perplexity",
        "speedup",
        "error",
        "loss",
        "score",
        "f1",
        "bleu",
        "rouge",
        "auc",
        "fid",
        "psnr",
        "ssim",
        "miou",
        # a rate or a ratio is measured: 42 of the 45 such ends of a training span are Metrics
        # ("success rate", "compression ratio"; the others name a task, "click-through rate")
        "rate",
        "rates",
        "ratio",
        "ratios",
    ]
)
_EVALUATIVE = frozenset(
    [
        "accurate",
        "efficient",
        "robust",
        "real-time",
        "fast",
        "faster",
        "better",
        "improved",
        "novel",
        "existing",
        "new",
        "effective",
        "high-quality",
        "scalable",
        "reliable",
        "precise",
        "simple",
        "strong",
        "state-of-the-art",
        "competitive",
        "generalizable",
        "generalized",
        "universal",
        "unified",
        "general",
        "large",
        "small",
        "various",
        "different",
        "many",
        "several",
        "multiple",
        "our",
        "their",
        "its",
        "this",
        "these",
        "the",
        "a",
        "an",
        "such",
        "thereby",
        "available",
        "deeper",
        "individual",
        "diverse",
        "performance",
        "across",
        "both",
        "each",
        "other",
        "overall",
        "further",
        "downstream",
        "final",
        "subsequent",
        "standard",
        "traditional",
        "conventional",
        "current",
        "prior",
        "previous",
        "recent",
        "future",
        "better",
        "worse",
        "more",
        "less",
        "most",
        "least",
        "only",
        "also",
        "even",
        "still",
    ]
)
_STOP = frozenset(
    [
        "of",
        "for",
        "and",
        "in",
        "on",
        "to",
        "with",
        "by",
        "from",
        "as",
        "at",
        "or",
        "is",
        "are",
        "via",
        "under",
        "over",
        "into",
        "than",
        "that",
        "which",
    ]
)


def word_type(word: str) -> str | None:
    """The type a cue word presents: "benchmark" -> Dataset, "network" -> Model, "framework" -> Method."""
    if word in _DATASET_WORDS:
        return "Dataset"
    if word in MODEL_WORDS:
        return "Model"
    if word in _METHOD_WORDS:
        return "Method"
    return None


def head_type(text: str) -> str | None:
    """Type a noun phrase by its head (last) word.

    Examples
    --------
    >>> head_type("Large Language Models"), head_type("monocular depth estimation")
    ('Method', 'Task')
    >>> head_type("ImageNet benchmark"), head_type("top-1 accuracy"), head_type("purple")
    ('Dataset', 'Metric', None)
    >>> head_type("Contextually Aware Thresholding for Sparsity"), head_type("a diffusion model for deblurring")
    ('Method', 'Method')
    >>> head_type("detection and tracking")
    'Task'

    """
    words = re.findall(r"[\w@\-]+", text.lower())
    if not words:
        return None
    # "Contextually Aware Thresholding for Sparsity", "a diffusion model for deblurring": the head
    # comes before the preposition.
    cut = next((i for i, w in enumerate(words) if w in _STOP), 0)
    before = _head_word_type(words[cut - 1], cut) if cut else None
    if before is not None and words[cut] not in ("and", "or"):
        return before
    return _head_word_type(words[-1], len(words)) or before


def _head_word_type(head: str, n_words: int) -> str | None:
    if head in _DATASET_WORDS:
        return "Dataset"
    if head in _METRIC_HEADS or head.rpartition("-")[2] in _METRIC_HEADS:  # "signal-to-noise-ratio"
        return "Metric"
    if head in _TASK_HEAD_WORDS and n_words > 1:
        return "Task"
    if head in MODEL_WORDS or head in _METHOD_WORDS or head.rstrip("s") in _METHOD_WORDS:
        return "Method"
    return None


def type_from_context(text: str) -> str:
    """Decide Dataset / Model / Method for a named contribution from the words describing it.

    The first type word wins, so "a benchmark for evaluating models" is a Dataset
    and "a method for compressing models" a Method.

    Examples
    --------
    >>> type_from_context("A New Benchmark for Understanding Children's Gaze Behaviour")
    'Dataset'
    >>> type_from_context("a single-step diffusion model for depth")
    'Model'
    >>> type_from_context("Contextually-Aware Thresholding for Sparsity in Large Language Models")
    'Method'
    """
    for word in re.findall(r"[A-Za-z][\w\-]*", text.lower()):
        label = word_type(word)
        if label is not None:
            return label
        if word in _STOP:
            return "Method"
    return "Method"


_CLAIM_VERBS = frozenset("can cannot could are is do does make makes need needs".split())


def type_from_title(description: str) -> str:
    """Type a title's "Name: description" contribution by the description's head noun.

    The head is the last word before the first preposition ("A New **Benchmark** for ...",
    "Fully-Convolutional Speech Synthesis **Model**"); a description that starts with a verb
    in -ing ("Accelerating LLMs with ...") presents a method, whatever it acts on.

    Examples
    --------
    >>> type_from_title("A New Benchmark for Understanding Children's Gaze Behaviour")
    'Dataset'
    >>> type_from_title("Fully-Convolutional Non-Autoregressive Speech Synthesis Model")
    'Model'
    >>> type_from_title("Accelerating LLMs with Copy-Paste Speculative Decoding")
    'Method'
    >>> type_from_title("LLMs Can Predict if They Can Do Better")  # a claim about models
    'Method'
    """
    words = re.findall(r"[A-Za-z][\w\-]*", description)
    if not words:
        return "Method"
    first = words[0].lower()
    if first.endswith("ing") and first not in _METHOD_WORDS and len(first) > 5:
        return "Method"
    if any(w.lower() in _CLAIM_VERBS for w in words[1:3]):
        return "Method"  # a claim, not a description: "LLMs Can Predict if They Can Do Better"
    cut = next((i for i, w in enumerate(words) if w.lower() in _STOP), len(words))
    head = words[cut - 1].lower() if cut else first
    label = word_type(head) or word_type(head.rstrip("s"))
    if label is not None:
        return label
    return type_from_context(" ".join(words[:cut]) or description)


def _is_name(token: str) -> bool:
    return bool(_NAMELIKE.match(token)) and token not in _NOT_NAMES and not re.fullmatch(r"[\d.\-]+[A-Za-z]?", token)


def _title_end(text: str) -> int:
    sep = text.find("\n\n")
    return sep if sep >= 0 else len(text)


# --- rules -------------------------------------------------------------------------------

#: :data:`_NAME` with bounded parts, for :data:`_SIZE_NAME`: its unbounded runs of ``[\w.]*`` side by side
#: made a search over one long token without a size quadratic in the token (98k characters: 8 s).
_BOUNDED_NAME = r"[A-Z][\w.]{0,60}(?:-[\w.]{1,60}){0,6}"
_SIZE_NAME = re.compile(
    rf"(?<![\w-])({_BOUNDED_NAME}?[A-Za-z][\w.]{{0,60}}(?:[- ](?:\d+(?:\.\d+)?|[A-Z][\w.]{{0,60}}))?)"
    # A size in billions or millions; a lower-case "b" only hyphenated, as checkpoints are named
    # ("LLaMA-7b", "OPT-6.7b"), since "Fig. 7b" and "Table 3b" name no model.
    r"(?:[- ](\d+(?:\.\d+)?[BM])|-(\d+(?:\.\d+)?b))"
    # not before a lower-case compound word: "70B-scale LLMs", "7B-parameter models" name no model;
    # "-hf" is a checkpoint's Hugging Face format ("Llama-2-7b-hf")
    r"(?:-(?:Instruct|Chat|Base|instruct|chat|base|it|Coder|Math|VL|v\d+(?:\.\d+)*))?(?:-hf)?(?![\w]|-[a-z])"
)


_SIZE_HINT = re.compile(r"[- ]\d+(?:\.\d+)?[BM]|-\d+(?:\.\d+)?b")  # what _SIZE_NAME cannot match without


def _names_a_known_model(name: str) -> bool:
    """Whether ``name`` is a vocabulary Model, in any case ("LLaMA", "OPT", "Llama-2")."""
    entry = default_gazetteer().lookup_any_case(name)
    return entry is not None and entry.type == "Model"


def rule_model_size(text: str) -> Iterator[Hit]:
    if not _SIZE_HINT.search(text):
        return
    for m in _SIZE_NAME.finditer(text):
        name = m.group(1).split()[-1] if " " in m.group(1) and not m.group(1).split()[-1][0].isdigit() else m.group(1)
        start = m.end(1) - len(name)
        # A lower-case size only after a model the vocabulary knows: "Kepler-22b", "Phase-2b",
        # "Fe-3b", "Tables 1-3b" and "Appendix B-2b" are planets, trials, ions and pages.
        if m.group(3) is not None and not _names_a_known_model(name):
            continue
        if name[0].isupper() and name not in _NOT_NAMES:
            yield start, m.end(), "Model", "model_size", 0.9


_TITLE_PREFIX = re.compile(r"^\s*([A-Za-z][\w.\-]*(?: [A-Za-z0-9][\w.\-]*){0,2})\s*:\s+(\S.*)$")
_TITLE_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "survey",
        "review",
        "overview",
        "introduction",
        "position",
        "perspective",
        "tutorial",
        "benchmarking",
        "rethinking",
        "towards",
        "toward",
        "on",
        "beyond",
        "revisiting",
        "deep",
        "learning",
        "understanding",
    ]
)


def rule_title_prefix(text: str) -> Iterator[Hit]:
    end = _title_end(text)
    m = _TITLE_PREFIX.match(text[:end])
    if not m:
        return
    name, description = m.group(1), m.group(2)
    words = name.split()
    if any(w.lower() in _TITLE_STOP for w in words) or not words[0][0].isupper():
        return
    if len(words) > 1 and not any(_is_name(w) for w in words):
        return
    if name in _NOT_NAMES:
        return
    label = type_from_title(description)
    yield m.start(1), m.end(1), label, "title_prefix", 0.85
    for later in _name_occurrences(text, name, end):
        yield later, later + len(name), label, "title_prefix", 0.85


def _name_occurrences(text: str, name: str, start: int) -> Iterator[int]:
    """Where ``name`` occurs in ``text[start:]`` with no word character or hyphen either side.

    What ``re.finditer(r"(?<![\\w\\-])" + re.escape(name) + r"(?![\\w\\-])", text[start:])`` finds
    (``start`` counts as the start of the text), without compiling a pattern per name.

    Examples
    --------
    >>> list(_name_occurrences("CATS: x. CATS, CATS-2, xCATS and CATS", "CATS", 4))
    [9, 33]
    """

    def joins(char: str) -> bool:
        return _is_word_char(char) or char == "-"

    i = text.find(name, start)
    while i >= 0:
        j = i + len(name)
        if (i == start or not joins(text[i - 1])) and (j == len(text) or not joins(text[j])):
            yield i
            i = text.find(name, j)
        else:
            i = text.find(name, i + 1)


_NAMED = re.compile(
    r"\b(?:called|named|dubbed|termed|coined|namely)\s+(" + _NAME + r")"
    r"|\b[Ww]e\s+(?:propose|introduce|present|develop|design|release|build|construct|curate)\s+("
    + _NAME
    + r")(?=[\s,.:;])"
)


# More words of a multi-word name after its first: capitalised words, a version, tokenized hyphens
# ("called Delta Activation Layer", "named Multi - Center Learning", "We introduce CADE 2.5").
_NAME_MORE = re.compile(r"(?:(?: | - )(?:[A-Z][\w]*(?:-[\w]+)*|\d+(?:\.\d+)?(?![\w.]))){1,4}")


def rule_named(text: str) -> Iterator[Hit]:
    for m in _NAMED.finditer(text):
        group = 1 if m.group(1) else 2
        name = m.group(group).rstrip(".,")
        if not _is_name(name) and not (group == 1 and name[0].isupper() and len(name) > 2):
            continue
        if name in _NOT_NAMES:
            continue
        start = m.start(group)
        if name == m.group(group) and (more := _NAME_MORE.match(text, m.end(group))):
            name = text[start : more.end()]
        after = text[start + len(name) : start + len(name) + 80]
        before = text[max(0, m.start() - 60) : m.start()]
        if group == 1:
            label = _type_from_before(before) or type_from_context(after.lstrip(" ,("))
        else:
            label = type_from_context(after.lstrip(" ,("))
        yield start, start + len(name), label, "named", 0.85


def _type_from_before(before: str) -> str | None:
    words = reversed(re.findall(r"[a-z][\w\-]*", before.lower()))
    return next((label for label in map(word_type, words) if label is not None), None)


# Keywords and heads are searched without a leading lookbehind or \\b (Python's ``re`` would
# test it at every position); their left edge is checked in Python.
_DATASET_KEYWORD = re.compile(r"(?:dataset|benchmark|corpus|suite|test set|database)s?\b")
# The name right before a keyword: searched in a window ending at the keyword (``$`` is the
# window's end), which is far cheaper than scanning every capitalised word of the text.
_X_BEFORE_KEYWORD = re.compile(r"(?<![\w-])((?:[A-Z][\w.\-]*|[a-z]+[A-Z][\w.\-]*)(?: [A-Z0-9][\w.\-]*){0,2})\s+$")


def rule_the_x_dataset(text: str) -> Iterator[Hit]:
    for keyword in _DATASET_KEYWORD.finditer(text):
        if keyword.start() == 0 or not text[keyword.start() - 1].isspace():
            continue
        m = _X_BEFORE_KEYWORD.search(text, max(0, keyword.start() - 100), keyword.start())
        if m is None:
            continue
        words = m.group(1).split()
        while words and (words[0].lower() in _TITLE_STOP or words[0] in _NOT_NAMES or words[0].lower() in _EVALUATIVE):
            words = words[1:]
        if not words or not any(_is_name(w) or w[0].isupper() for w in words):
            continue
        name = " ".join(words)
        start = m.end(1) - len(name)
        if name.lower() in {"new", "large", "synthetic", "public", "large-scale"}:
            continue
        # In tokenized text a spaced hyphen joins the name ("the YCB - Video dataset").
        while (piece := spaced_hyphen_piece(text, start)) is not None:
            start = piece
        if keyword.group(0).endswith("s") and not _lists_names(text, start):
            continue  # "medical QA benchmarks", "person ReID datasets": a kind of data, not a name
        yield start, m.end(1), "Dataset", "the_x_dataset", 0.85


_BEFORE_NAMES = re.compile(r"(?:\b(?:the|and|or)|,)\s+$")


def _lists_names(text: str, start: int) -> bool:
    """Whether the name at ``start`` follows "the", "and", "or" or a comma: "the SNLI and SciTail
    datasets" names datasets, "three VQA benchmarks" or "document QA datasets" a kind of data."""
    return _BEFORE_NAMES.search(text, max(0, start - 6), start) is not None


_EVAL_ON = re.compile(
    r"\b(?:evaluat\w*|benchmark\w*|experiments?|results|tested|test|validated?|trained|fine-tuned)\b[^.;:]{0,60}?\bon\s+"
    r"((?:the\s+)?[A-Z][\w.\-]*(?:\s*,\s*(?:and\s+)?[A-Z][\w.\-]*)*(?:\s*,?\s*and\s+[A-Z][\w.\-]*)?)"
)


def rule_evaluate_on(text: str) -> Iterator[Hit]:
    for m in _EVAL_ON.finditer(text):
        for item in re.finditer(r"[A-Z][\w.\-]*", m.group(1)):
            token = item.group(0).rstrip(".")
            # "on GPUs and FPGAs", "on LLMs": a plural acronym is a kind of thing, not a dataset
            # (the training annotations type such spans Method 489 times, Dataset never).
            if _is_name(token) and not is_plural_acronym(token):
                start = m.start(1) + item.start()
                yield start, start + len(token), "Dataset", "evaluate_on", 0.8


# Two phrases, searched apart so that each search can skip ahead to its first character (one
# alternation starting with ``\d`` and ``\b`` is tried at every position); the scan below takes
# the leftmost of the two, as one alternation would.
_SPEEDUP_PHRASE = re.compile(
    r"(?<!\d)\d+(?:\.\d+)?\s?[x×]\s+(speedups?|speed-ups?|acceleration|compression|throughput|higher throughput)\b"
)
# A word boundary before the verb is checked in Python (see ``rule_metric_phrase``).
_CHANGE_PHRASE = re.compile(
    r"(?:reduc|lower|improv|increas|boost|decreas|cut|minimi[sz]|maximi[sz])\w*\s+"
    r"(?:the\s+|its\s+|their\s+)?(?:inference\s+|end-to-end\s+|average\s+|overall\s+|decoding\s+)?"
    r"(latency|throughput|perplexity|memory (?:usage|footprint|consumption)|accuracy|energy consumption|"
    r"inference time|training time|wall-clock time|error rate|FLOPs)\b"
)


def _is_word_char(char: str) -> bool:
    """What ``\\w`` matches in a ``str`` pattern."""
    return char.isalnum() or char == "_"


def _next_change(text: str, pos: int) -> re.Match[str] | None:
    """The first ``_CHANGE_PHRASE`` match at or after ``pos`` that starts at a word boundary."""
    while (m := _CHANGE_PHRASE.search(text, pos)) is not None:
        if m.start() == 0 or not _is_word_char(text[m.start() - 1]):
            return m
        pos = m.start() + 1
    return None


def rule_metric_phrase(text: str) -> Iterator[Hit]:
    """Metrics in "3.1x speedup" and "reduces (the) latency" phrases.

    Examples
    --------
    >>> [text[s:e] for text in ["2.5x speedup, and it reduces the latency; xreduces latency"]
    ...  for s, e, *_ in rule_metric_phrase(text)]
    ['speedup', 'latency']
    """
    pos = 0
    speedup = _SPEEDUP_PHRASE.search(text)
    change = _next_change(text, 0)
    while speedup is not None or change is not None:
        # The two cannot start at one position (a digit, a letter); take the leftmost, as an alternation does.
        if change is None or (speedup is not None and speedup.start() < change.start()):
            m, pos = speedup, speedup.end()  # type: ignore[union-attr]
        else:
            m, pos = change, change.end()
        assert m is not None
        yield m.start(1), m.end(1), "Metric", "metric_phrase", 0.8
        if speedup is not None and speedup.start() < pos:
            speedup = _SPEEDUP_PHRASE.search(text, pos)
        if change is not None and change.start() < pos:
            change = _next_change(text, pos)


_TASK_HEAD_WORDS = tuple(_TASK_HEADS.split("|"))
_TASK_MODIFIERS = re.compile(r"\b((?:[a-z][a-z0-9\-]+ ){1,3})$")  # up to three words before a head


_TASK_LEFT = frozenset(
    """for of on in to and or the a an via with from towards toward like as including such
    improve improves improving boost boosts tackle tackles address addresses study""".split()
)


def _whole_words(text: str, words: Iterable[str]) -> list[tuple[int, int]]:
    """Bounds of every occurrence of one of ``words`` as a whole word (``\\b...\\b``), in text order.

    ``str.find`` per word is several times faster than one alternation, which Python's ``re``
    tries at every position.

    Examples
    --------
    >>> _whole_words("depth estimation, overestimation, video-generation", ("estimation", "generation"))
    [(6, 16), (40, 50)]
    """
    found = []
    for word in words:
        i = text.find(word)
        while i >= 0:
            j = i + len(word)
            if (i == 0 or not _is_word_char(text[i - 1])) and (j == len(text) or not _is_word_char(text[j])):
                found.append((i, j))
                i = text.find(word, j)
            else:
                i = text.find(word, i + 1)
    found.sort()
    return found


def rule_task_phrase(text: str) -> Iterator[Hit]:
    consumed = 0  # a phrase never reaches back into the previous one
    for head_start, head_end in _whole_words(text, _TASK_HEAD_WORDS):
        m = _TASK_MODIFIERS.search(text, max(consumed, head_start - 120), head_start)
        if m is None:
            continue
        consumed = head_end
        words = m.group(1).split()
        keep: list[str] = []
        for w in reversed(words):
            if w in _STOP or w in _EVALUATIVE or w.endswith("ly") or len(keep) == 2:
                break
            keep.insert(0, w)
        if not keep:
            continue
        # Without POS tags, a left context of a preposition, article or sentence start is
        # what tells "for camouflaged object detection" from "it facilitates recognition".
        left_words = words[: len(words) - len(keep)]
        start = head_start - len(" ".join(keep)) - 1
        if left_words:
            if left_words[-1] not in _TASK_LEFT:
                continue
        else:
            before = text[max(0, m.start() - 25) : m.start()].rstrip()
            last = before.split()[-1].lower() if before.split() else ""
            if before and before[-1] not in ".,;:(\n" and last not in _TASK_LEFT:
                continue
        yield start, head_end, "Task", "task_phrase", 0.7


# CamelCase ("DepthMaster") or a word with a digit ("ChatGLM2", "Qwen2.5"). Python's ``re`` tries
# a leading lookbehind at every position, so the CamelCase pattern checks its left edge after the
# first capital, and digit-bearing words are only searched for in the runs around digits.
_CAMEL = re.compile(r"[A-Z](?<![\w\-][A-Z])[a-z]++[A-Z][A-Za-z]*+\d*+(?![\w\-])")
_WITH_DIGIT = re.compile(r"(?<![\w\-])[A-Za-z]{2}[\w\-.]*?\d[\w\-.]*+")
_DIGIT = re.compile(r"\d")
_RUN_CHAR = re.compile(r"[\w\-.]")
_RUN_REST = re.compile(r"[\w\-.]*+")


def _digit_runs(text: str) -> Iterator[tuple[int, int]]:
    """Maximal runs of word characters, hyphens and dots that hold a digit."""
    end = 0
    for digit in _DIGIT.finditer(text):
        if digit.start() < end:
            continue
        start = digit.start()
        while start > end and _RUN_CHAR.match(text, start - 1):
            start -= 1
        run_end = _RUN_REST.match(text, digit.end())
        end = run_end.end() if run_end else digit.end()
        yield start, end


def _shape_tokens(text: str) -> Iterator[tuple[int, str]]:
    spans: dict[int, str] = {m.start(): m.group() for m in _CAMEL.finditer(text)}
    for run_start, run_end in _digit_runs(text):
        for m in _WITH_DIGIT.finditer(text, run_start, run_end):
            run = m.group()
            while run and not any(c.isdigit() for c in run[run.rfind(".") + 1 :]):
                run = run[: run.rfind(".")]
            if run and m.start() not in spans:
                spans[m.start()] = run
    return iter(sorted(spans.items()))


def rule_name_shape(text: str) -> Iterator[Hit]:
    for start, token in _shape_tokens(text):
        token = token.rstrip(".")
        if not _is_name(token) or (token.isupper() and not any(c.isdigit() for c in token)):
            continue
        end = start + len(token)
        sentence_start = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start)) + 1
        label = _cue_after(text[end : end + 60]) or _type_from_before(text[sentence_start:start][-40:])
        if label is not None:  # a shape alone names nothing typed: "H100", "FP16", "3DGS"
            yield start, end, label, "name_shape", 0.5


def _cue_after(after: str) -> str | None:
    """The type word among the first four words after a name ("X model", "X, a benchmark")."""
    words = re.findall(r"[A-Za-z][\w\-]*", after.lower())[:4]
    return next((label for label in map(word_type, words) if label is not None), None)


#: The rules, in the order they run.
RULES: dict[str, Callable[[str], Iterator[Hit]]] = {
    "model_size": rule_model_size,
    "title_prefix": rule_title_prefix,
    "named": rule_named,
    "the_x_dataset": rule_the_x_dataset,
    "evaluate_on": rule_evaluate_on,
    "metric_phrase": rule_metric_phrase,
    "task_phrase": rule_task_phrase,
    "name_shape": rule_name_shape,
}


def find_patterns(text: str, rules: tuple[str, ...] | None = None) -> list[Hit]:
    """All pattern hits in ``text`` as (start, end, label, rule, confidence).

    Examples
    --------
    >>> [(h[3], "x"[:0] + "...") for h in find_patterns("We evaluate Mistral-7B.", ("model_size",))]
    [('model_size', '...')]
    """
    hits: list[Hit] = []
    for name in rules or tuple(RULES):
        hits.extend(RULES[name](text))
    return [h for h in hits if 0 <= h[0] < h[1] <= len(text)]


class PatternMatcher:
    """Proposes the pattern hits of a doc as candidates (the ``kg_patterns`` component)."""

    def __init__(self, rules: tuple[str, ...]) -> None:
        unknown = [r for r in rules if r not in RULES]
        if unknown:
            raise ValueError(f"unknown pattern rules {unknown}; known: {', '.join(RULES)}")
        self.rules = rules

    def __call__(self, doc: Doc) -> Doc:
        for start, end, label, rule, confidence in find_patterns(doc_text(doc), self.rules):
            add_candidate(doc, start, end, label, f"kg_patterns:{rule}", confidence)
        return doc


@Language.factory("kg_patterns", default_config={"rules": list(RULES)})
def make_patterns(nlp: Language, name: str, rules: list[str]) -> PatternMatcher:
    """Create the ``kg_patterns`` component with the named rules (all by default)."""
    return PatternMatcher(tuple(rules))
