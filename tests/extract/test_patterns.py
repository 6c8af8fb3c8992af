"""Each ``kg_patterns`` rule on hand-written sentences: what it finds and what it must leave alone."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kg.extract.patterns import (
    RULES,
    _name_occurrences,
    _whole_words,
    find_patterns,
    head_type,
    rule_metric_phrase,
    type_from_context,
)

CASES: list[tuple[str, str, set[tuple[str, str]], set[str]]] = [
    # rule, text, expected (text, label) hits, texts that must not be hits
    (
        "model_size",
        "We fine-tune Mistral-7B and Llama 2 70B and Qwen2.5-72B-Instruct on 8 GPUs with 7B tokens.",
        {("Mistral-7B", "Model"), ("Llama 2 70B", "Model"), ("Qwen2.5-72B-Instruct", "Model")},
        {"7B", "8 GPUs"},
    ),
    (
        "model_size",
        "TPI-LLM: Serving 70B-scale LLMs on edge devices with 7B-parameter models, and Mistral-7B-v0.1.",
        {("Mistral-7B-v0.1", "Model")},
        {"Serving 70B", "Serving 70B-scale", "LLMs", "7B"},
    ),
    (
        "model_size",  # checkpoints' lower-case sizes, but a figure's panel is no model
        "We prune OPT-6.7b, LLaMA-13b, Mistral-7b-instruct and Llama-2-7b-chat-hf; see Table-3b and Fig. 7b.",
        {
            ("OPT-6.7b", "Model"),
            ("LLaMA-13b", "Model"),
            ("Mistral-7b-instruct", "Model"),
            ("Llama-2-7b-chat-hf", "Model"),
        },
        {"Table-3b", "Fig. 7b", "7b"},
    ),
    (
        "model_size",  # a lower-case size only after a model the vocabulary knows
        "Figures 2-3b, Tables 1-3b, Fig. 4-2b, Appendix B-2b and Eqs. 1-2b show Kepler-22b, WASP-12b, "
        "Phase-2b trials, Type-2b cells, Fe-3b ions and Subtask-1b.",
        set(),
        {"Figures 2-3b", "Tables 1-3b", "Fig. 4-2b", "B-2b", "Eqs. 1-2b", "Kepler-22b", "WASP-12b", "Phase-2b"},
    ),
    (
        "title_prefix",
        "CATS: Contextually-Aware Thresholding for Sparsity in Large Language Models\n\nWe show that CATS works.",
        {("CATS", "Method")},
        set(),
    ),
    ("title_prefix", "PreludeNet: a network for depth\n\nPreludeNet is fast.", {("PreludeNet", "Model")}, set()),
    (
        "title_prefix",
        "ChildPlay: A New Benchmark for Understanding Children's Gaze Behaviour\n\nWe release ChildPlay.",
        {("ChildPlay", "Dataset")},
        set(),
    ),
    ("title_prefix", "Towards Efficient Inference: a survey\n\nWe survey.", set(), {"Towards Efficient Inference"}),
    (
        "named",
        "We present a framework called DepthMaster. We propose PreludeNet, a network for depth.",
        {("DepthMaster", "Method"), ("PreludeNet", "Model")},
        set(),
    ),
    ("named", "We introduce OVO-Bench, a benchmark for video.", {("OVO-Bench", "Dataset")}, set()),
    (
        "named",  # a multi-word name keeps all its capitalised words, a version, a tokenized hyphen
        "A method called Internal Confidence works. We introduce CADE 2.5 (fast), and a framework "
        "named Multi - Center Learning , which helps; a method called Ascent. The rest.",
        {
            ("Internal Confidence", "Method"),
            ("CADE 2.5", "Method"),
            ("Multi - Center Learning", "Method"),
            ("Ascent", "Method"),
        },
        {"Internal", "CADE", "Ascent. The"},
    ),
    (
        "the_x_dataset",
        "Results on the ChildPlay dataset, the nuScenes benchmark and a new dataset.",
        {("ChildPlay", "Dataset"), ("nuScenes", "Dataset")},
        {"new", "a new"},
    ),
    (
        "the_x_dataset",
        "Results on the SNLI and SciTail datasets, three VQA benchmarks and person ReID datasets.",
        {("SciTail", "Dataset")},
        {"VQA", "ReID"},  # a plural keyword after a kind of data names no dataset
    ),
    (
        "the_x_dataset",
        "We release the YCB - Video dataset , and test on it . It has 92 videos . Done .",
        {("YCB - Video", "Dataset")},  # tokenized text: a spaced hyphen joins the name
        {"Video"},
    ),
    (
        "evaluate_on",
        "We evaluate our model on KITTI, NYUv2 and ScanNet.",
        {("KITTI", "Dataset"), ("NYUv2", "Dataset"), ("ScanNet", "Dataset")},
        {"We"},
    ),
    (
        "the_x_dataset",
        "Agents search over both local and the Web corpus, and the Pile corpus.",
        {("Pile", "Dataset")},
        {"Web"},  # the Web is no dataset
    ),
    (
        "evaluate_on",
        "We report results on GPUs, FPGAs and COCO.",
        {("COCO", "Dataset")},
        {"GPUs", "FPGAs"},  # a plural acronym is a kind of thing, not a dataset
    ),
    (
        "metric_phrase",
        "It achieves a 1.67x speedup, reduces latency by 20% and yields lower perplexity.",
        {("speedup", "Metric"), ("latency", "Metric"), ("perplexity", "Metric")},
        {"1.67x"},
    ),
    (
        "task_phrase",
        "We study monocular depth estimation. It facilitates recognition. Methods for camouflaged object detection.",
        {("monocular depth estimation", "Task"), ("camouflaged object detection", "Task")},
        {"facilitates recognition", "recognition"},
    ),
    (
        "task_phrase",
        "This enables accurate depth estimation.",
        set(),
        {"accurate depth estimation"},  # evaluative adjectives never start a task name
    ),
    (
        "name_shape",
        "DepthMaster, a diffusion model, beats the ChatGLM2 baseline and the NYUv2 benchmark on the GPU in 3D.",
        {("DepthMaster", "Model"), ("NYUv2", "Dataset")},
        {"GPU", "3D"},
    ),
    ("name_shape", "We run it on an H100 with FP16 and 3DGS.", set(), {"H100", "FP16", "3DGS"}),  # no type cue
    (
        "name_shape",
        "Long-thought reasoning LLMs, such as OpenAI's O1 and DeepSeek-R1, think at length.",
        {("DeepSeek-R1", "Model")},
        {"OpenAI"},  # the maker is not the model
    ),
]


@pytest.mark.parametrize(
    ("rule", "text", "expected", "absent"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_rule(rule: str, text: str, expected: set[tuple[str, str]], absent: set[str]) -> None:
    hits = find_patterns(text, (rule,))
    got = {(text[s:e], label) for s, e, label, _, _ in hits}
    assert expected <= got, got
    assert not {t for t, _ in got} & absent, got
    for start, end, _, name, confidence in hits:
        assert name == rule and 0 < confidence <= 1 and 0 <= start < end <= len(text)


def test_every_rule_is_tested() -> None:
    assert {c[0] for c in CASES} == set(RULES)


def test_title_prefix_finds_later_uses() -> None:
    text = "CATS: Contextually-Aware Thresholding for Sparsity\n\nWe show that CATS works and CATS-2 is other."
    spans = [(s, e) for s, e, *_ in find_patterns(text, ("title_prefix",))]
    assert [text[s:e] for s, e in spans] == ["CATS", "CATS"]
    assert spans[1][0] == text.index("CATS works")


def test_head_and_context_typing() -> None:
    assert head_type("Large Language Models") == "Method"
    assert head_type("monocular depth estimation") == "Task"
    assert head_type("the KITTI benchmark") == "Dataset"
    assert head_type("top-1 accuracy") == "Metric"
    assert head_type("word error rate") == head_type("signal-to-noise-ratio") == head_type("F1-score") == "Metric"
    assert head_type("Contextually Aware Thresholding for Sparsity") == "Method"
    assert head_type("purple") is None
    assert type_from_context("a benchmark for evaluating models") == "Dataset"
    assert type_from_context("a method for compressing models") == "Method"
    assert type_from_context("a single-step diffusion model for depth") == "Model"


# The scans below replace regular expressions that Python's ``re`` tried at every position; each
# must find exactly what its expression found. The alphabet is small so that words, near misses,
# joins ("xCATS", "CATS-2") and separators all occur often.
def _texts(pieces: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces), max_size=40).map("".join)


_SCAN_TEXT = _texts([*"CATSxyz ino-._2()\n", "CATS", "estimation", "reduces latency", "2x speedup"])


@settings(max_examples=300, deadline=None)
@given(_SCAN_TEXT, st.integers(min_value=0, max_value=30))
@example("xCATS CATS", 1)  # the start counts as the text's start, whatever is before it
def test_name_occurrences_are_the_whole_word_pattern(text: str, start: int) -> None:
    start = min(start, len(text))
    pattern = re.compile(r"(?<![\w\-])" + re.escape("CATS") + r"(?![\w\-])")
    expected = [start + m.start() for m in pattern.finditer(text[start:])]
    assert list(_name_occurrences(text, "CATS", start)) == expected


@settings(max_examples=300, deadline=None)
@given(_SCAN_TEXT)
def test_whole_words_are_the_bounded_alternation(text: str) -> None:
    words = ("estimation", "CATS", "in")
    pattern = re.compile(r"\b(?:" + "|".join(words) + r")\b")
    assert _whole_words(text, words) == [m.span() for m in pattern.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(_texts([*"xr 2.5×", "2x ", "reduces ", "the ", "latency", "speedup", "throughput", "FLOPs"]))
def test_metric_phrases_are_the_single_alternation(text: str) -> None:
    # The expression the rule used before it was split in two.
    single = re.compile(
        r"\d+(?:\.\d+)?\s?[x×]\s+(speedups?|speed-ups?|acceleration|compression|throughput|higher throughput)\b"
        r"|\b(?:reduc\w*|lower\w*|improv\w*|increas\w*|boost\w*|decreas\w*|cut\w*|minimi[sz]\w*|maximi[sz]\w*)\s+"
        r"(?:the\s+|its\s+|their\s+)?(?:inference\s+|end-to-end\s+|average\s+|overall\s+|decoding\s+)?"
        r"(latency|throughput|perplexity|memory (?:usage|footprint|consumption)|accuracy|energy consumption|"
        r"inference time|training time|wall-clock time|error rate|FLOPs)\b"
    )
    expected = [m.span(1) if m.group(1) else m.span(2) for m in single.finditer(text)]
    assert [(s, e) for s, e, *_ in rule_metric_phrase(text)] == expected


def test_a_very_long_token_is_no_model_and_the_sized_name_after_it_is_found() -> None:
    # the size rule's name parts are bounded: unbounded runs side by side were quadratic in a long token
    from kg.resolve import parse_model_name

    token = "Ab" * 50_000
    text = f"We propose {token} and {token}-scale methods, then fine-tune Mistral-7B on them."
    hits = [(text[start:end], rule) for start, end, _, rule, _ in RULES["model_size"](text)]
    assert hits == [("Mistral-7B", "model_size")]
    assert parse_model_name(token + "-7B") is None  # no model is named so
    assert parse_model_name("Llama-2 7B") == ("Llama-2", "7B", None)
