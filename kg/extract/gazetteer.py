"""The ``kg_gazetteer`` component: curated names of models, datasets, metrics, tasks and methods.

The vocabulary is data, not code: ``resources/gazetteer.jsonl`` holds one entry
a line (``canonical``, ``type``, ``aliases``, ``case_sensitive``,
``cue_required``, ``source`` and optional ``patterns``); ``resources/SOURCES.md``
says where the entries come from.

Matching rules, chosen to keep common words from becoming entities:

* a surface form with an upper-case letter ("BERT", "LLMs", "Places") only
  matches exactly as written; an all-lower-case one ("question answering") also
  matches in any case, unless the entry is ``case_sensitive``;
* a ``cue_required`` entry ("Places", "ARC", "Gemini", "MATH") only fires when
  its sentence holds a cue word for its type ("dataset", "benchmark" for a
  Dataset; "model", "LLM" for a Model; "score", "metric" for a Metric);
* among overlapping hits the longest wins; a Model hit swallows a following size
  ("Llama-2 7B", "Llama2-7B", "Qwen2.5-72B-Instruct"), a Dataset hit a year or version
  ("PASCAL VOC 2012", "VQA v2.0", "WikiText-2");
* a name inside a longer hyphenated or dotted name is no hit ("LLM" in "TPI-LLM", "Dr.LLM", and
  across the tokenized hyphens of corpora like SciREX: "GAN" in "LS - GAN", "IJB" in "IJB - A"),
  nor one whose final digit is glued to more letters ("FastSpeech 2" in "FastSpeech 2s");
* a Metric hit follows kg's span rules for measures (see :func:`_metric_span`): not inside a
  hyphenated compound, not a setting ("at inference time"), with a defining qualifier
  ("inference latency");
* ``patterns`` are regular expressions over single tokens for open-ended
  families ("YOLOv10", "ResNet-152").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from .candidates import TakenSpans, add_candidate, after_spaced_hyphen, doc_text, looks_tokenized, model_variant_end
from .sentences import sentence_of
from .vocabulary import Gazetteer, GazetteerEntry, load_gazetteer

__all__ = ["CUE_WORDS", "Gazetteer", "GazetteerEntry", "GazetteerMatcher", "load_gazetteer"]

#: Words that must share a sentence with a ``cue_required`` entry of each type.
CUE_WORDS: dict[str, frozenset[str]] = {
    "Dataset": frozenset(
        [
            "dataset",
            "datasets",
            "benchmark",
            "benchmarks",
            "corpus",
            "corpora",
            "evaluate",
            "evaluated",
            "evaluation",
            "suite",
            "split",
            "test",
        ]
    ),
    "Model": frozenset(
        ["model", "models", "llm", "llms", "language", "gpt", "chatbot", "assistant", "checkpoint", "checkpoints"]
    ),
    "Metric": frozenset(
        ["score", "scores", "metric", "metrics", "measured", "higher", "lower", "improves", "improvement"]
    ),
    "Method": frozenset(["method", "methods", "technique", "algorithm", "framework"]),
    "Task": frozenset(["task", "tasks"]),
}
_SIZE_TOKEN = re.compile(r"^\d+(?:\.\d+)?[BMKbmk]$|^\d+x\d+[BMKbm]$")
_SIZE_SUFFIX = re.compile(r"^(?:Instruct|Chat|Base|Coder|Math|Vision|VL|it|chat|instruct|base|hf)$")
_CUE_WORD = re.compile(r"[a-z]+")


class GazetteerMatcher:
    """Finds gazetteer entries in docs (the ``kg_gazetteer`` component)."""

    def __init__(self, nlp: Language, path: str | Path | None, confidence: float) -> None:
        self.entries = load_gazetteer(path)
        self.confidence = confidence
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.folded = PhraseMatcher(nlp.vocab, attr="LOWER")
        pattern_parts: list[str] = []
        make = nlp.make_doc
        for i, entry in enumerate(self.entries):
            key = str(i)
            exact, folded = [], []
            for surface in entry.surfaces:
                if entry.case_sensitive or surface != surface.lower():
                    exact.append(surface)
                    if not entry.case_sensitive and surface[0].islower():
                        # at the start of a sentence or a title: "Multimodal LLMs", "Latent CoT"
                        exact.append(surface[0].upper() + surface[1:])
                else:
                    folded.append(surface)
            if exact:
                self.exact.add(key, [make(s) for s in exact])
            if folded:
                self.folded.add(key, [make(s) for s in folded])
            pattern_parts.extend(
                f"(?P<p{i}_{j}>{p.removeprefix('^').removesuffix('$')})" for j, p in enumerate(entry.patterns)
            )
        # One regex over the text for all open-ended families, anchored at token-like boundaries. A
        # hyphen may follow: what comes after it is judged as after any hit ("YOLOv10-S" is the
        # model with its variant, "YOLOv8-based" a mention of YOLOv8, "ResNet-50-C4" another name).
        self.pattern = (
            re.compile(r"(?<![\w\-.])(?:" + "|".join(pattern_parts) + r")(?!\w|-(?!\w))") if pattern_parts else None
        )

    def __call__(self, doc: Doc) -> Doc:
        hits: list[tuple[int, int, int]] = []
        for matcher in (self.exact, self.folded):
            for match_id, start, end in matcher(doc):
                hits.append((start, end, int(doc.vocab.strings[match_id])))
        if self.pattern is not None:
            for m in self.pattern.finditer(doc_text(doc)):
                span = doc.char_span(m.start(), m.end())
                if span is not None and m.lastgroup:
                    hits.append((span.start, span.end, int(m.lastgroup[1:].split("_")[0])))
        text = doc_text(doc)
        for start, end, i in _longest_first(hits):
            entry = self.entries[i]
            span = doc[start:end]
            if entry.cue_required and not _has_cue(span, entry.type):
                continue
            extended = end
            if entry.type == "Model":
                extended = _extend_size(doc, end)
            elif entry.type == "Dataset":
                extended = _extend_version(doc, end)
            # A size or version joins the name unless a compound follows it; then, as for any hit,
            # the bare name counts unless it is itself inside a compound ("PASCAL VOC 2007 - 2012").
            # A model's variant ("BERT-large", "GPT-4-Turbo") is no compound: kg_merge joins it.
            # A slash lists models and datasets ("SD/SDXL", "OPT-175B/BLOOM", "MNIST/CIFAR-10"); it
            # joins a class or a metric into another name ("CNN/DM", "BLEU/ROUGE" stay whole).
            listed = entry.type in ("Model", "Dataset")
            if extended != end and not _inside_compound(text, doc[start].idx, _char_end(doc, extended), listed):
                end = extended
            elif _inside_compound(
                text, doc[start].idx, _name_end(text, doc[start].idx, _char_end(doc, end), entry), listed
            ):
                continue
            if entry.type == "Metric":
                bounds = _metric_span(doc, start, end, entry)
                if bounds is None:
                    continue
                start, end = bounds
            add_candidate(doc, doc[start].idx, _char_end(doc, end), entry.type, "kg_gazetteer", self.confidence)
        return doc


def _longest_first(hits: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The hits (start, end, entry) that no longer one overlaps, longest first, in text order."""
    free = TakenSpans()
    taken = [h for h in sorted(set(hits), key=lambda h: (-(h[1] - h[0]), h[0], h[2])) if free.take(h[0], h[1])]
    return sorted(taken)


def _has_cue(span: Span, etype: str) -> bool:
    cues = CUE_WORDS.get(etype, frozenset())
    text = doc_text(span.doc)
    start, end = sentence_of(span.doc, span.start_char, span.end_char)
    around = text[start : span.start_char] + " " + text[span.end_char : end]
    return any(word in cues for word in _CUE_WORD.findall(around.lower()))


def _name_end(text: str, start: int, end: int, entry: GazetteerEntry) -> int:
    """Where the name of the hit ``text[start:end]`` ends: a Model's with its variants."""
    return model_variant_end(text, start, end) if entry.type == "Model" else end


def _char_end(doc: Doc, end: int) -> int:
    return doc[end - 1].idx + len(doc[end - 1])


def _extend_version(doc: Doc, end: int) -> int:
    """Swallow a year or version after a dataset name (token end ``end``); see ``_DATASET_VERSION``."""
    m = _DATASET_VERSION.match(doc_text(doc), _char_end(doc, end))
    if m is None:
        return end
    span = doc.char_span(doc[end - 1].idx, m.end())
    return span.end if span is not None else end


def _extend_size(doc: Doc, end: int) -> int:
    """Swallow a size after a model name: ``7B``, ``- 7B``, ``-7B-Instruct``, ``-7b-chat-hf``; in tokenized text
    also a depth or version across a spaced hyphen (``ResNet - 50``, ``VGG - 16``)."""
    i = end
    if (
        i + 1 < len(doc)
        and doc[i].text == "-"
        and doc[i - 1].whitespace_
        and doc[i].whitespace_
        and _DEPTH_TOKEN.match(doc[i + 1].text)
        and looks_tokenized(doc_text(doc))
    ):
        return i + 2
    if i < len(doc) and doc[i].text == "-" and doc[i].whitespace_ == "" and doc[i - 1].whitespace_ == "":
        i += 1
    if i < len(doc) and _SIZE_TOKEN.match(doc[i].text) and (i == end or doc[i - 1].whitespace_ == ""):
        i += 1
        for _ in range(2):  # "-chat", "-hf", "-chat-hf"
            if i + 1 < len(doc) and doc[i].text == "-" and _SIZE_SUFFIX.match(doc[i + 1].text):
                i += 2
        return i
    return end


#: Hyphenated modifiers after a name that leave it a mention of its own ("LLM-based", "ViT-like").
COMPOUND_SUFFIXES = frozenset(
    """based like style driven powered generated centric aware specific guided assisted level scale
    sized size free only enabled compatible inspired friendly oriented agnostic dependent""".split()
)
_COMPOUND_RIGHT = re.compile(r"-([A-Za-z]+)")
# The same across a tokenized hyphen ("IJB - A", "COCO - Stuff"): only before a capital or digit, as
# " - " before a lower-case word is a dash in running text.
_SPACED_COMPOUND_RIGHT = re.compile(r" - (?:[A-Z0-9][A-Za-z0-9]*|([a-z]+))\b")
_SHORT_NAME_END = re.compile(r"(?<![\w-])[A-Z0-9][A-Za-z0-9]{0,5}$")
_DEPTH_TOKEN = re.compile(r"^v?\d{1,4}[a-z]?$")
#: A year or version after a dataset name is part of it ("PASCAL VOC 2012", "VQA v2.0",
#: "WikiText-2", "ImageNet-1k", "STL - 10"), as in the seed gold's "AIME 2024" and "NYU Depth v2",
#: and so is a named subset ("SWE-bench Lite", "GPQA Diamond", "ARC-Challenge"), as the training
#: annotations mark "MixEval Hard" and "Arena Hard".
_DATASET_SUBSET = "Lite|Verified|Hard|Pro|Mini|Plus|Live|Extended|Diamond|Easy|Challenge"
_DATASET_VERSION = re.compile(
    rf"(?: (?:(?:19|20)\d\d|[vV]\d+(?:\.\d+)*|\d+\.\d+|{_DATASET_SUBSET})"
    rf"|(?:-| - )(?:\d+[kKM]?|[vV]\d+(?:\.\d+)*|{_DATASET_SUBSET}))"
    r"(?![\w-]|\.\d|\s?%| (?:points?|pp|percent|images|samples|examples|pairs|videos|clips|questions|"
    r"instances|sentences|documents|classes|categories|queries|times)\b)"
)


def _inside_compound(text: str, start: int, end: int, slash_lists: bool = False) -> bool:
    """Whether ``text[start:end]`` is only part of a longer name.

    "LLM" in "TPI-LLM" or "Dr.LLM", "MoE" in "SE-MoE", "LLM" in "LLM-as-a-judge", "CNN" in
    "CNN/DM" are parts of other names; "LLM" in "LLM-based" is a mention of its own. With
    ``slash_lists``, a slash on either side separates names ("SD/SDXL").

    Examples
    --------
    >>> t = "TPI-LLM and Dr.LLM beat LLM-based and LLM-as-a-judge baselines"
    >>> [_inside_compound(t, s, s + 3) for s in (4, 15, 24, 38)]
    [True, True, False, True]
    >>> _inside_compound("FastSpeech 2s is fast", 0, 12), _inside_compound("FastSpeech 2 is fast", 0, 12)
    (True, False)
    >>> t = "IJB - A , COCO - the set , LLM - based ."  # tokenized hyphens
    >>> _inside_compound(t, 0, 3), _inside_compound(t, 10, 14), _inside_compound(t, 27, 30)
    (True, False, False)
    >>> _inside_compound("IJB - A results, on GLUE. Fine.", 0, 3)  # " - " is a dash here
    False
    >>> _inside_compound("SD/SDXL", 3, 7), _inside_compound("SD/SDXL", 3, 7, slash_lists=True)
    (True, False)
    """
    joiners = "-." if slash_lists else "-./"
    if start >= 2 and text[start - 1] in joiners and text[start - 2].isalnum():
        return True
    if after_spaced_hyphen(text, start):
        return True
    if not slash_lists and end + 1 < len(text) and text[end] == "/" and text[end + 1].isalnum():
        return True  # "CNN" in "CNN/DM" (the CNN/DailyMail dataset)
    if end < len(text) and text[end - 1].isdigit() and text[end].isalpha():
        return True  # "FastSpeech 2" in "FastSpeech 2s", "GPT-4" in "GPT-4x": another name
    right = _COMPOUND_RIGHT.match(text, end)
    if right is not None:
        return right.group(1).lower() not in COMPOUND_SUFFIXES
    if not looks_tokenized(text) or not _SHORT_NAME_END.search(text, max(0, end - 7), end):
        return False  # " - " is a dash: "question answering - SQuAD and TriviaQA"
    spaced = _SPACED_COMPOUND_RIGHT.match(text, end)
    return spaced is not None and spaced.group(1) is None


#: Left qualifiers that define a measure ("inference latency", "end-to-end latency", "top-1
#: accuracy"): the most frequent left words of Metric mentions ending in a measure noun in kg's
#: annotated training papers (``data/annotations``), minus settings ("online", "at").
METRIC_QUALIFIERS = frozenset(
    """inference memory token generation wall-clock training decoding end-to-end prefill serving
    classification translation prediction reconstruction execution response answer energy power
    peak gpu sampling cache attention detection segmentation retrieval""".split()
)
_SETTING_BEFORE = frozenset(["at", "during", "in"])  # "at inference time" is when, not what is measured
# "inference time compute", "Inference Time Scaling": the time word modifies the next noun.
_MODIFIED_NOUNS = frozenset("compute computation scaling search training adaptation optimization intervention".split())
_SPEED_WORDS = frozenset(["speed", "speeds"])
_SPEED_VERB_AFTER = frozenset(["up", "ups"])
_NUMBER_FORMAT_BEFORE = frozenset(
    "mixed low high half full single double lower higher reduced bit 4-bit 8-bit 16-bit".split()
)


_WORD_BEFORE = re.compile(r"([\w-]+)\s+$")


def names_number_precision(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is the precision of a number format, not the measure.

    Examples
    --------
    >>> t = "mixed precision and 4-bit precision keep precision high"
    >>> [names_number_precision(t, s, s + 9) for s in (6, 26, 41)]
    [True, True, False]
    """
    if text[start:end].lower() != "precision":
        return False
    m = _WORD_BEFORE.search(text, max(0, start - 24), start)
    return m is not None and m.group(1).lower() in _NUMBER_FORMAT_BEFORE


def _metric_span(doc: Doc, start: int, end: int, entry: GazetteerEntry) -> tuple[int, int] | None:
    """Token bounds of a Metric hit after kg's span rules, or ``None`` when it is no measure.

    * part of a hyphenated compound ("low-latency", "Latency-Aware"): not a measure;
    * a time after "at"/"during" ("at inference time"): a setting;
    * "precision" after a number-format word ("mixed precision", "4-bit precision");
    * a defining qualifier before a lower-case measure joins it ("inference latency").
    """
    before = doc[start - 1] if start > 0 else None
    after = doc[end] if end < len(doc) else None
    if (before is not None and before.text == "-" and not before.whitespace_) or (
        after is not None and after.text == "-" and not doc[end - 1].whitespace_
    ):
        return None
    surface = doc[start:end].text
    first = _word_start(doc, start - 1) if before is not None and before.whitespace_ else start
    previous = doc[first:start].text.strip().lower()
    if previous in _SETTING_BEFORE and surface.lower().endswith("time"):
        return None
    if after is not None and after.lower_ in _MODIFIED_NOUNS and surface.lower().endswith("time"):
        return None  # "Inference Time Compute", "inference time scaling": a modifier, not the measure
    if names_number_precision(doc_text(doc), doc[start].idx, _char_end(doc, end)):
        return None
    if surface.lower() in _SPEED_WORDS and after is not None and after.lower_ in _SPEED_VERB_AFTER:
        return None  # "to speed up inference": the verb, not the measure
    if surface.islower() and previous in METRIC_QUALIFIERS and previous not in surface.lower().split():
        return first, end
    return start, end


def _word_start(doc: Doc, i: int) -> int:
    """First token of the whitespace-delimited word that ends with token ``i`` ("end-to-end")."""
    while i > 0 and not doc[i - 1].whitespace_ and doc[i - 1].text not in "([{\"'":
        i -= 1
    return i


@Language.factory("kg_gazetteer", default_config={"path": None, "confidence": 0.95})
def make_gazetteer(nlp: Language, name: str, path: str | None, confidence: float) -> GazetteerMatcher:
    """Create the ``kg_gazetteer`` component (see the module docstring)."""
    return GazetteerMatcher(nlp, path, confidence)
