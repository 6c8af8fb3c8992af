"""``kg_merge``: span cleaning, typing and the documented overlap priority."""

from __future__ import annotations

import itertools
import re

import pytest
from spacy.language import Language

from kg.extract.candidates import Candidate
from kg.extract.merge import Merger, _number_formats, _select, clean_span, looks_like_model, priority, url_spans

from .conftest import found, mentions_of


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        ("the ImageNet", "ImageNet"),
        ("our BERT's", "BERT"),
        ("(LoRA),", "LoRA"),
        ("knowledge distillation of", "knowledge distillation"),
        ("Reinforcement Learning-", "Reinforcement Learning"),  # "Learning-that adjusts": a dash
        ("~LoRA~", "LoRA"),  # LaTeX's unbreakable space
        ("**LeaP**", "LeaP"),  # Markdown bold
        ("A*", "A*"),  # the search algorithm
    ],
)
def test_clean_span_trims_to_the_name(span: str, expected: str) -> None:
    text = f"x {span} y"
    bounds = clean_span(text, 2, 2 + len(span))
    assert bounds is not None and text[bounds[0] : bounds[1]] == expected


@pytest.mark.parametrize("span", ["our method", "existing approaches", "these models", "results", "a (b) c"])
def test_clean_span_drops_vague_phrases(span: str) -> None:
    assert clean_span(span, 0, len(span)) is None


def test_priority_order() -> None:
    def cand(source: str, confidence: float = 0.9) -> Candidate:
        return Candidate(0, 4, "Method", source, confidence)

    assert priority(cand("kg_gazetteer")) == priority(cand("kg_abbreviations")) == 0
    assert priority(cand("kg_patterns:named", 0.85)) < priority(cand("ner", 0.6)) < priority(cand("kg_patterns:x", 0.5))


def _selected(candidates: list[Candidate], text: str) -> list[tuple[str, str]]:
    """(text, source) of what :func:`_select` keeps, in order."""
    return [(text[c.start_char : c.end_char], c.source) for c in _select(candidates, text)]


def test_select_prefers_priority_then_length() -> None:
    text = "Llama 2 7B is a model"
    chosen = _selected(
        [
            Candidate(0, 7, "Model", "kg_gazetteer", 0.95),
            Candidate(0, 10, "Model", "kg_patterns:model_size", 0.9),
            Candidate(0, 10, "Method", "ner", 0.6),
            Candidate(16, 21, "Method", "kg_patterns:name_shape", 0.5),
        ],
        text,
    )
    assert chosen == [
        ("Llama 2", "kg_gazetteer"),
        ("model", "kg_patterns:name_shape"),
    ]


def test_a_term_yields_only_to_an_ner_span_that_can_win() -> None:
    text = "the PI latency and statistical machine translation"
    pi, latency = text.index("PI"), text.index("latency")
    smt, mt = text.index("statistical"), text.index("machine")
    chosen = _selected(
        [
            Candidate(pi, pi + 2, "Method", "kg_abbreviations", 0.9),
            Candidate(latency, latency + 7, "Metric", "kg_gazetteer", 0.9),
            Candidate(pi, latency + 7, "Metric", "ner", 0.7),  # cut by "PI": cannot win
            Candidate(mt, len(text), "Task", "kg_gazetteer", 0.9),
            Candidate(smt, len(text), "Task", "ner", 0.7),  # a longer name: the term yields
        ],
        text,
    )
    assert chosen == [
        ("PI", "kg_abbreviations"),
        ("latency", "kg_gazetteer"),
        ("statistical machine translation", "ner"),
    ]


def test_a_class_or_task_with_capitals_yields_to_a_longer_name_it_heads() -> None:
    text = "Video LLMs beat the Recursive Transformer on ImageNet Object Detection"
    video, llms = text.index("Video"), text.index("LLMs")
    rec, trf = text.index("Recursive"), text.index("Transformer")
    inet, det = text.index("ImageNet"), text.index("Object")
    chosen = _selected(
        [
            Candidate(llms, llms + 4, "Method", "kg_gazetteer", 0.9),
            Candidate(video, llms + 4, "Method", "ner", 0.7),  # "Video LLMs": a kind of LLM
            Candidate(trf, trf + 11, "Method", "kg_gazetteer", 0.9),
            Candidate(rec, trf + 11, "Method", "ner", 0.7),
            Candidate(inet, inet + 8, "Dataset", "kg_gazetteer", 0.9),  # a name never yields
            Candidate(det, len(text), "Task", "kg_gazetteer", 0.9),
            Candidate(inet, len(text), "Dataset", "ner", 0.7),  # another type: the task stays
        ],
        text,
    )
    assert [t for t, _ in chosen] == [
        "Video LLMs",
        "Recursive Transformer",
        "ImageNet",
        "Object Detection",
    ]


def test_model_typing_evidence() -> None:
    assert looks_like_model("Mistral-7B", "")
    assert looks_like_model("ChatGLM2", "")
    assert looks_like_model("PreludeNet", "model")
    assert not looks_like_model("D3RoMa", "")  # digits inside a coined name are not a version
    assert not looks_like_model("knowledge distillation", "model")
    assert not looks_like_model("GAN", "models")  # an acronym before "model" names a class
    assert not looks_like_model("NMT", "model")


def test_mentions_do_not_overlap_and_match_their_text(rules_nlp: Language) -> None:
    title = "CATS: Contextually-Aware Thresholding for Sparsity in Large Language Models"
    abstract = (
        "Large Language Models (LLMs) are costly. We evaluate CATS on Mistral-7B and Llama-2 7B with "
        "accuracy on MMLU and GSM8K, and it achieves a 1.5x speedup in wall-clock time."
    )
    mentions = mentions_of(rules_nlp, abstract, title)
    fields = {"title": title, "abstract": abstract}
    for field in fields:
        spans = sorted((m.start, m.end) for m in mentions if m.field == field)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), spans
    for m in mentions:
        assert fields[m.field][m.start : m.end] == m.text
        assert 0 < m.confidence <= 1 and m.source
    got = {(m.text, m.label) for m in mentions}
    assert {("Mistral-7B", "Model"), ("Llama-2 7B", "Model"), ("MMLU", "Dataset"), ("GSM8K", "Dataset")} <= got
    assert {("CATS", "Method"), ("LLMs", "Method"), ("speedup", "Metric")} <= got


def test_vague_references_are_not_mentions(rules_nlp: Language) -> None:
    texts = {t for t, _ in found(rules_nlp, "Our method beats existing methods. This framework is a novel approach.")}
    assert not texts & {"Our method", "method", "existing methods", "This framework", "a novel approach"}


@pytest.mark.parametrize(
    ("surface", "label"),
    [
        ("feed-forward convolutional networks", "Method"),  # a network is no measure
        ("top-1 accuracy", "Metric"),
        ("success rate of retrieval", "Metric"),  # the head of "X of Y" is X
        ("memory footprint", "Metric"),
    ],
)
def test_ner_metrics_are_typed_by_their_head(surface: str, label: str) -> None:
    text = f"We report {surface} here."
    start = text.index(surface)
    refined = Merger({}, 0.7, ner_names_only=False)._refine(
        text, Candidate(start, start + len(surface), "Metric", "ner", 0.7)
    )
    assert refined is not None and (text[refined.start_char : refined.end_char], refined.label) == (surface, label)


def _refine_ner(surface: str, label: str) -> tuple[str, str] | None:
    text = f"We report {surface} here."
    start = text.index(surface)
    refined = Merger({}, 0.7, ner_names_only=False)._refine(
        text, Candidate(start, start + len(surface), label, "ner", 0.7)
    )
    return None if refined is None else (text[refined.start_char : refined.end_char], refined.label)


@pytest.mark.parametrize(
    ("surface", "label"),
    [
        ("predictive performance", "Metric"),  # qualities, not measures
        ("model robustness", "Metric"),
        ("generalization capabilities", "Metric"),
        ("estimation error reduction", "Metric"),
        ("reasoning ability", "Metric"),  # what is measured, not the measure
        ("search space", "Metric"),
        ("training loss", "Metric"),
        ("evaluation metrics", "Metric"),  # no name once "metrics" is left out
        ("A100", "Dataset"),  # hardware
        ("NVIDIA H100 GPUs", "Model"),
        ("RTX 4090", "Method"),
        ("NVIDIA 4090 GPU", "Method"),
        ("+36", "Method"),  # a change, not a name
        ("T=5", "Method"),  # a setting
        ("Max Planck Institute", "Method"),  # an author's affiliation
        ("PekingUniversity", "Method"),  # and an author line of a PDF
        ("W.Xiong", "Method"),
        ("1.7B", "Model"),  # a size without its model
        ("70B", "Method"),
        ("VRAM", "Dataset"),  # hardware
        ("ASICs", "Dataset"),
        ("RGB image", "Dataset"),  # data described, not named
        ("aligned RGB and depth video sequences", "Dataset"),
        ("energy function", "Metric"),  # what is measured, not the measure
        ("confidence", "Metric"),
        ("PILE and M2-BERT-base", "Dataset"),  # two names joined
        ("2D", "Metric"),  # dimensions, channels and distribution settings name nothing
        ("RGBD", "Dataset"),
        ("OOD", "Dataset"),
        ("encoder", "Method"),  # parts and kinds of any model
        ("inference engines", "Method"),
        ("neural network architecture", "Method"),
        ("quality and speed", "Metric"),
        ("bilevel optimization", "Task"),  # a procedure or a setting heads no task
        ("open-world videos", "Task"),
        ("GH200", "Method"),  # hardware
        ("HBM3e", "Method"),
        ("TPU v4", "Model"),
        ("RL-tuned", "Model"),  # an adjective compound stops before its noun
        ("HoneyBee-trained", "Model"),
        ("Latency-Aware", "Method"),
        ("flow-based", "Method"),
        ("Small - scale", "Method"),
    ],
)
def test_ner_spans_that_name_nothing_are_dropped(surface: str, label: str) -> None:
    assert _refine_ner(surface, label) is None


def test_an_ner_metric_leaves_out_the_verb_that_changes_it() -> None:
    merger = Merger({}, 0.7, ner_names_only=False)
    for text, span, measure in (
        ("We aim at minimizing drafting latency.", "minimizing drafting latency", "drafting latency"),
        ("It works by enhancing throughput.", "enhancing throughput", "throughput"),
        ("Boosting output accuracy helps.", "Boosting output accuracy", "output accuracy"),
    ):
        start = text.index(span)
        found = merger._refine(text, Candidate(start, start + len(span), "Metric", "ner", 0.7))
        assert found is not None and text[found.start_char : found.end_char] == measure, text
    text = "The training time grows."  # a gerund naming the measure stays
    start = text.index("training time")
    kept = merger._refine(text, Candidate(start, start + len("training time"), "Metric", "ner", 0.7))
    assert kept is not None and text[kept.start_char : kept.end_char] == "training time"


def test_an_ner_metric_heading_a_low_or_high_adjective_is_dropped() -> None:
    merger = Merger({}, 0.7, ner_names_only=False)
    for text, surface in (
        ("We build a low-latency system.", "latency"),
        ("We build a Low-latency system.", "latency"),
        ("It gives high-throughput serving.", "throughput"),
        ("It suits ultra-low-latency links.", "latency"),
    ):
        start = text.index(surface, text.index("-"))
        assert merger._refine(text, Candidate(start, start + len(surface), "Metric", "ner", 0.7)) is None, text
    # the measure itself stays, and so does a name after a hyphen ("below-latency" is no level)
    for text, surface in (("It lowers the latency.", "latency"), ("A slow-latency path.", "latency")):
        start = text.index(surface)
        assert merger._refine(text, Candidate(start, start + len(surface), "Metric", "ner", 0.7)) is not None, text


@pytest.mark.parametrize(
    ("surface", "expected"),
    [
        ("DeepSeek model", ("DeepSeek", "Model")),  # a name and its class word: the name
        ("Qwen3 models", ("Qwen3", "Model")),
        ("LJSpeech dataset", ("LJSpeech", "Dataset")),
        ("GRU models", ("GRU", "Method")),  # an acronym of a class stays a class
        ("COCO dataset", ("COCO", "Dataset")),
        ("language models", ("language models", "Method")),  # no name: the class itself
        ("CATS-based models", ("CATS-based models", "Method")),  # models based on CATS
    ],
)
def test_ner_name_and_class_word_give_the_name(surface: str, expected: tuple[str, str]) -> None:
    assert _refine_ner(surface, "Method") == expected


@pytest.mark.parametrize(
    ("surface", "expected"),
    [
        ("Market - 1501 dataset", "Market - 1501"),  # several words of a name, then the class word
        ("STL - 10 datasets", "STL - 10"),
        ("MOMA human activity dataset", "MOMA"),  # lower-case descriptors go with it
        ("KITTI depth benchmark", "KITTI"),
        ("nuScenes detection benchmark", "nuScenes"),  # a lower-case camel name is a name too
        ("Caltech Pedestrian Dataset", "Caltech Pedestrian Dataset"),  # a capital: part of the name
    ],
)
def test_an_ner_dataset_is_named_without_its_class_word(surface: str, expected: str) -> None:
    assert _refine_ner(surface, "Dataset") == (expected, "Dataset")


@pytest.mark.parametrize(
    ("surface", "label"),
    [
        ("GPT-4-Turbo", "Model"),  # a known model and its variant
        ("BERT-large", "Model"),
        ("Gemini 2.0 Flash", "Model"),
        ("DeepSeek-R1-Distill-Qwen-7B", "Model"),
        ("UNet encoder", "Method"),  # a part of one
        ("BERT-based retrieval", "Method"),  # a compound
        ("knowledge distillation", "Method"),  # no model at all
    ],
)
def test_an_ner_span_extending_a_known_model_is_a_model(rules_nlp: Language, surface: str, label: str) -> None:
    merger = rules_nlp.get_pipe("kg_merge")
    text = f"We report {surface} here."
    start = text.index(surface)
    refined = merger._refine(text, Candidate(start, start + len(surface), "Method", "ner", 0.7))
    assert refined is not None and refined.label == label


@pytest.mark.parametrize(
    ("surface", "expected"),
    [
        ("Robust Monocular Depth Estimation", ("Monocular Depth Estimation", "Task")),  # praise of the approach
        ("practical stereo matching", ("stereo matching", "Task")),
        ("SOTA video depth estimation", ("video depth estimation", "Task")),
        ("fast and accurate depth estimation", ("depth estimation", "Task")),
        ("video matting and robust tracking", ("video matting and robust tracking", "Task")),  # leading words only
        ("complex reasoning", ("complex reasoning", "Task")),  # names that keep theirs
        ("automatic speech recognition", ("automatic speech recognition", "Task")),
        ("downstream tasks", None),  # nothing left but a vague word
    ],
)
def test_an_ner_task_is_named_without_praise_of_its_approach(surface: str, expected: tuple[str, str] | None) -> None:
    assert _refine_ner(surface, "Task") == expected


@pytest.mark.parametrize(
    ("surface", "expected"),
    [
        ("estimating depth", None),  # a verb phrase names no task
        ("mining high-value samples", None),
        ("addressing complex reasoning", ("complex reasoning", "Task")),
        ("estimating optical flow", ("optical flow", "Task")),  # unless a known task is its object
        ("singing voice synthesis", ("singing voice synthesis", "Task")),  # a noun in -ing
        ("bounding box regression", ("bounding box regression", "Task")),
    ],
)
def test_an_ner_task_is_a_noun_phrase(rules_nlp: Language, surface: str, expected: tuple[str, str] | None) -> None:
    merger = rules_nlp.get_pipe("kg_merge")
    text = f"We report {surface} here."
    start = text.index(surface)
    refined = merger._refine(text, Candidate(start, start + len(surface), "Task", "ner", 0.7))
    assert (None if refined is None else (text[refined.start_char : refined.end_char], refined.label)) == expected


@pytest.mark.parametrize(
    ("surface", "expected"),
    [
        ("optimization problem", None),  # a description, not a technique
        ("closed-form solution", None),
        ("hidden representations", None),  # a model's features, pieces and states
        ("the reasoning process", None),
        ("GPU kernels", None),
        ("Kalman Filters", ("Kalman Filters", "Method")),  # near misses: named ones stay
        ("Delta Activation Layer", ("Delta Activation Layer", "Method")),
        ("contrastive learning", ("contrastive learning", "Method")),
    ],
)
def test_an_ner_method_headed_by_a_description_word_is_dropped(surface: str, expected: tuple[str, str] | None) -> None:
    assert _refine_ner(surface, "Method") == expected


@pytest.mark.parametrize(
    ("surface", "expected"),
    [
        ("short reasoning", None),  # how long a model reasons
        ("overly lengthy thinking", None),
        ("long-context reasoning", ("long-context reasoning", "Task")),  # near misses: tasks
        ("long video understanding", ("long video understanding", "Task")),
        ("complex tasks", None),  # a class of tasks named by a vague word
        ("various problems", None),
        ("NLP tasks", ("NLP tasks", "Task")),  # near misses: a named field
        ("complex reasoning", ("complex reasoning", "Task")),
    ],
)
def test_an_ner_task_describing_a_behaviour_or_a_vague_class_is_dropped(
    surface: str, expected: tuple[str, str] | None
) -> None:
    assert _refine_ner(surface, "Task") == expected


@pytest.mark.parametrize("surface", ["video depth estimator", "multi-view 3D detectors", "depth foundation models"])
def test_an_ner_task_named_by_a_model_word_is_a_method(surface: str) -> None:
    assert _refine_ner(surface, "Task") == (surface, "Method")


@pytest.mark.parametrize(
    ("surface", "label"),
    [
        ("reasoning efficiency", "Metric"),  # near misses: measures and names stay
        ("error rate", "Metric"),
        ("inference latency", "Metric"),
        ("Llama-2 7B", "Model"),
        ("T5", "Model"),
        ("K400", "Dataset"),
        ("A2C", "Method"),
        ("generative models", "Method"),  # a family kg marks
        ("classifier", "Method"),  # SciERC marks it
    ],
)
def test_ner_measures_and_names_are_kept(surface: str, label: str) -> None:
    assert _refine_ner(surface, label) == (surface, label)


@pytest.mark.parametrize(
    ("surface", "expected"),
    [
        ("tree-structuredness metric", ("tree-structuredness", "Metric")),
        ("perceptual distance metrics", ("perceptual distance", "Metric")),
        ("error rate", ("error rate", "Metric")),  # near misses: no metric word at the end
        ("metric depth", ("metric depth", "Metric")),
        ("FID=3.88", ("FID", "Metric")),  # the measure, not its value
    ],
)
def test_a_metric_is_named_without_the_word_metric(surface: str, expected: tuple[str, str]) -> None:
    assert _refine_ner(surface, "Metric") == expected


def test_number_formats_are_methods(full_nlp: Language) -> None:
    text = "The analysis reveals that nf4 and fp4 are equally proficient, and that FP8 beats INT8 on GPT-4."
    got = found(full_nlp, text, title="FP8 versus INT8 for efficient deep learning inference")
    labels = {t: label for t, label in got}
    assert all(labels.get(f) in (None, "Method") for f in ("nf4", "fp4", "FP8", "INT8")), got
    assert {"nf4", "FP8"} <= labels.keys()
    assert labels.get("GPT-4") == "Model"
    chosen = [Candidate(0, 4, "Dataset", "ner", 0.7), Candidate(9, 14, "Dataset", "ner", 0.7)]
    assert [c.label for c in _number_formats(chosen, "FP16 and KITTI")] == ["Method", "Dataset"]


def test_quality_heads_are_rarely_metrics_in_the_training_annotations() -> None:
    """Each head on the lists has its evidence: used 20+ times, under 5% of them as a Metric's head."""
    import importlib.util
    from pathlib import Path

    from kg.extract.merge import _NON_MEASURE_HEADS, _QUALITY_HEADS

    script = Path(__file__).resolve().parents[2] / "scripts" / "metric_heads.py"
    spec = importlib.util.spec_from_file_location("metric_heads", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shares = module.metric_head_shares()
    for head in _QUALITY_HEADS | _NON_MEASURE_HEADS:
        marked, uses = shares[module.fold(head)]
        assert uses >= 20 and marked / uses < 0.05, (head, marked, uses)
    marked, uses = shares["latency"]  # and the measure of the comment: marked nearly always
    assert marked / uses > 0.75


def test_the_precision_of_a_number_format_is_no_metric_whoever_proposes_it() -> None:
    text = "Low-bit LLMs need mixed precision matrix multiplication and report precision and recall."
    merger = Merger({}, 0.7)
    mixed, measure = text.index("precision"), text.rindex("precision")
    for source in ("ner", "kg_gazetteer"):
        assert merger._refine(text, Candidate(mixed, mixed + 9, "Metric", source, 0.7)) is None
        kept = merger._refine(text, Candidate(measure, measure + 9, "Metric", source, 0.7))
        assert kept is not None and (kept.start_char, kept.label) == (measure, "Metric")


@pytest.mark.parametrize("name", ["OpenAI", "Google DeepMind", "NVIDIA"])
def test_organisations_are_not_entities(name: str) -> None:
    text = f"Models such as {name} and others."
    start = text.index(name)
    assert Merger({}, 0.7)._refine(text, Candidate(start, start + len(name), "Model", "ner", 0.7)) is None


def test_a_plural_long_form_names_no_dataset(rules_nlp: Language) -> None:
    """A plural long form is a class ("Knowledge Bases (KBs)") unless the vocabulary knows the dataset (SVHN)."""
    merger = Merger({}, 0.7)
    text = "QA has moved to Knowledge Bases (KBs) instead. KBs are restrictive."
    short = text.index("KBs")
    votes = [Candidate(short, short + 3, "Dataset", "ner", 0.7)]
    uses = {(m.start(), m.end()) for m in re.finditer(r"\bKBs\b", text)}
    assert merger._abbreviation_candidates(rules_nlp(text), text, votes) == ([], set(), uses)  # no Dataset there
    text = "We report results on the Street View House Numbers (SVHN) benchmark."
    doc = rules_nlp(text)
    votes = [c for c in merger._collect(doc, text) if c is not None]
    extra, _, _ = merger._abbreviation_candidates(doc, text, votes)
    assert ("SVHN", "Dataset") in {(text[c.start_char : c.end_char], c.label) for c in extra}


def test_a_lower_case_long_form_names_no_dataset(rules_nlp: Language) -> None:
    # A Dataset vote for the short form alone ("SoC" from the NER) does not make the pair a dataset ...
    text = "We build a system-on-chip (SoC) for inference. The SoC runs fast."
    doc = rules_nlp(text)
    short = text.index("SoC")
    merger = Merger({}, 0.7)
    votes = [Candidate(short, short + 3, "Dataset", "ner", 0.7)]
    uses = {(m.start(), m.end()) for m in re.finditer(r"\bSoC\b", text)}
    assert merger._abbreviation_candidates(doc, text, votes) == ([], set(), uses)  # no Dataset there
    # ... while a named long form still does.
    text = "We evaluate on Common Objects in Context (COCO) and report results on COCO."
    doc = rules_nlp(text)
    short = text.index("COCO")
    extra, redefined, _ = merger._abbreviation_candidates(
        doc, text, [Candidate(short, short + 4, "Dataset", "ner", 0.7)]
    )
    assert redefined == set()  # no gazetteer sense of "COCO" other than the one defined
    assert {(text[c.start_char : c.end_char], c.label) for c in extra} == {
        ("Common Objects in Context", "Dataset"),
        ("COCO", "Dataset"),
    }


def test_an_acronym_for_one_network_is_a_model(rules_nlp: Language) -> None:
    hits = found(rules_nlp, "We propose the Face Attention Network (FAN) for detection. FAN is fast.")
    assert {("Face Attention Network", "Model"), ("FAN", "Model")} <= hits


@pytest.mark.parametrize(
    ("sentence", "long", "short"),
    [
        (
            "We propose coupled generative adversarial network (CoGAN) for it.",
            "coupled generative adversarial network",
            "CoGAN",
        ),
        ("We present a Multi-Task Deep Neural Network (MT-DNN) for NLU.", "Multi-Task Deep Neural Network", "MT-DNN"),
        ("We train a verifier, called the Process Belief Model (PBM), to score.", "Process Belief Model", "PBM"),
        ("We present Multimodal Residual Networks (MRN) for VQA.", "Multimodal Residual Networks", "MRN"),
    ],
)
def test_an_acronym_for_a_network_the_paper_proposes_is_a_model(
    rules_nlp: Language, sentence: str, long: str, short: str
) -> None:
    assert {(long, "Model"), (short, "Model")} <= found(rules_nlp, sentence)


@pytest.mark.parametrize(
    ("sentence", "short"),
    [
        ("Recent Large Reasoning Models (LRMs) think at length.", "LRMs"),  # a class, not proposed
        ("We propose a Temporal Point Process (TPP) for events.", "TPP"),  # proposed, but no model word
        ("Spiking Neural Networks (SNNs) are efficient.", "SNNs"),
        ("A physics-informed neural network (PINN) solves the PDE.", "PINN"),
        ("We use a temporal convolutional network (TCN) for forecasting.", "TCN"),
        ("We build a Graph Convolutional Network (GCN) over the citation graph.", "GCN"),
        ("A Physics-Informed Neural Network (PINN) solves the PDE.", "PINN"),
        ("A Bayesian network (BN) models the joint distribution.", "BN"),
    ],
)
def test_an_acronym_for_a_class_of_networks_stays_a_method(rules_nlp: Language, sentence: str, short: str) -> None:
    labels = {label for text, label in found(rules_nlp, sentence) if text == short}
    assert "Model" not in labels


def test_the_weakest_patterns_speak_only_without_the_ner() -> None:
    from kg.extract.pipeline import build_pipeline

    text = "Methods for lunar crater detection use DepthMaster, a diffusion model."
    rules = build_pipeline("rules")
    weak = {(m.text, m.source) for m in mentions_of(rules, text)}
    assert {("lunar crater detection", "kg_patterns:task_phrase"), ("DepthMaster", "kg_patterns:name_shape")} <= weak
    assert build_pipeline("full").get_pipe("kg_merge").weak_patterns is False
    rules.get_pipe("kg_merge").weak_patterns = False  # the full pipeline's setting, without loading the NER
    sources = {m.source for m in mentions_of(rules, text)}
    assert not sources & {"kg_patterns:task_phrase", "kg_patterns:name_shape"}


@pytest.mark.parametrize("nlp_name", ["rules_nlp", "full_nlp"])
def test_nothing_inside_a_url_is_a_mention(nlp_name: str, request: pytest.FixtureRequest) -> None:
    """A link names a repository, not an entity: none of the 8,662 gold spans of the 500
    training papers is inside one, while 41 out-of-fold mentions were (repeats of the title's name)."""
    nlp = request.getfixturevalue(nlp_name)
    title = "PeriodWave: multi-period flow matching for waveform generation"
    abstract = (
        "We propose PeriodWave, evaluated on LibriTTS with BERT features. "
        "Code: https://github.com/sh-lee-prml/PeriodWave. Demo at www.periodwave.io/BERT, "
        "huggingface.co/LibriTTS/PeriodWave-BERT and sites.google.com/view/PeriodWave (see arxiv.org/abs/BERT)."
    )
    mentions = mentions_of(nlp, abstract, title)
    in_abstract = [(m.text, m.start) for m in mentions if m.field == "abstract"]
    url_start = abstract.index("https://")
    assert ("PeriodWave", abstract.index("PeriodWave")) in in_abstract
    assert ("BERT", abstract.index("BERT")) in in_abstract
    assert all(start < url_start for _, start in in_abstract), in_abstract
    assert ("PeriodWave", 0) in {(m.text, m.start) for m in mentions if m.field == "title"}


def test_a_known_model_keeps_its_variant(rules_nlp: Language) -> None:
    abstract = "We compare AlphaGo Zero, Gemini 2.0 Flash Experimental and QVQ-72B-Preview. BERT 3 times slower."
    got = found(rules_nlp, abstract)
    assert {("AlphaGo Zero", "Model"), ("Gemini 2.0 Flash Experimental", "Model"), ("QVQ-72B-Preview", "Model")} <= got
    assert ("BERT", "Model") in got and not any(text.startswith("BERT ") for text, _ in got)
    numbers = "GPT-4 5 shot. BERT 1 epoch. GPT-4 0.5 seconds. Llama 3 8 GPUs. Scores : GPT-4 85.2 , Claude 80.1 ."
    assert {text for text, label in found(rules_nlp, numbers) if label == "Model"} == {
        "GPT-4",
        "BERT",
        "Llama 3",
        "Claude",
    }
    tokenized = "We introduce CornerNet - Lite , a variant of CornerNet ( Law et al. , 2018 ) , which is fast ."
    assert {("CornerNet - Lite", "Model"), ("CornerNet", "Model")} <= found(rules_nlp, tokenized)
    assert ("CornerNet - Lite", "Model") not in found(rules_nlp, "CornerNet - Lite models, we say, are fast.")


@pytest.mark.parametrize(
    "link", ["periodwave.ai/BERT", "lab.example.io/code/BERT", "WWW.EXAMPLE.NET", "arxiv.org/abs/BERT"]
)
def test_a_link_alone_is_found(link: str, rules_nlp: Language) -> None:
    text = f"Project page: {link} (with BERT)."
    assert [text[s:e] for s, e in url_spans(text)] == [link]
    assert [(m.text, m.start) for m in mentions_of(rules_nlp, text)] == [("BERT", text.index("(with BERT") + 6)]


def test_a_rate_unit_after_its_number_is_no_mention(rules_nlp: Language) -> None:
    text = "It runs at 495 FPS and 1.2K tokens per second, and we report FPS and tokens per second on KITTI."
    units = [(m.text, m.start) for m in mentions_of(rules_nlp, text) if m.text in ("FPS", "tokens per second")]
    assert units == [("FPS", text.rindex("FPS")), ("tokens per second", text.rindex("tokens per second"))]


def test_an_acronym_typed_task_takes_the_task_head_after_it(full_nlp: Language) -> None:
    text = (
        "Deep Click-Through Rate (CTR) prediction models are widely used. "
        "We compress CTR prediction models with a low-rank decomposition."
    )
    later = text.rindex("CTR")
    tasks = {(m.text, m.start) for m in mentions_of(full_nlp, text) if m.label == "Task"}
    assert ("CTR prediction", later) in tasks and ("CTR", later) not in tasks
    assert ("CTR", text.index("CTR")) in tasks  # the definition in brackets stays the acronym


def test_one_measure_named_by_two_metric_words_is_one_mention(rules_nlp: Language) -> None:
    text = "We report a 2.1x TTFT speedup, large FLOPs savings and higher accuracy than latency."
    metrics = {m.text for m in mentions_of(rules_nlp, text) if m.label == "Metric"}
    assert {"TTFT speedup", "FLOPs savings", "accuracy", "latency"} <= metrics
    assert not metrics & {"TTFT", "speedup", "FLOPs"}


def test_a_vocabulary_model_is_a_method_in_its_own_paper_when_presented_so(rules_nlp: Language) -> None:
    own = found(
        rules_nlp,
        "We present DepthCrafter, a novel method for long video depth. DepthCrafter is fast.",
        title="DepthCrafter: Generating Consistent Long Depth Sequences for Open-world Videos",
    )
    assert ("DepthCrafter", "Method") in own and ("DepthCrafter", "Model") not in own
    other = found(rules_nlp, "Our model is more consistent than DepthCrafter on Sintel.", title="Fast Video Depth")
    assert ("DepthCrafter", "Model") in other


def test_a_name_the_title_leads_with_is_typed_by_its_presentation_whatever_its_shape(rules_nlp: Language) -> None:
    title = "Dualformer: Controllable Fast and Slow Thinking by Learning with Randomized Reasoning Traces"
    text = "We present Dualformer, a single Transformer model that integrates both modes. Dualformer is fast."
    assert ("Dualformer", "Model") in found(rules_nlp, text, title=title)
    assert ("Dualformer", "Method") not in found(rules_nlp, text, title=title)
    text = "We introduce HallE-Switch, a controllable LVLM."
    switch = found(rules_nlp, text, title="HallE-Switch: Controlling Objects")
    assert ("HallE-Switch", "Model") in switch


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("We beat Deepseek-R1-Distill models.", "Deepseek-R1", "Deepseek-R1-Distill"),  # a release variant
        ("It surpasses o1-preview-2024-09-12 here.", "o1-preview", "o1-preview-2024-09-12"),  # a snapshot
        ("This describes Pythia v0.1, the entry.", "Pythia", "Pythia v0.1"),  # a spelled-out version
        ("two variants : CornerNet - Saccade , which works . It is fast .", "CornerNet", "CornerNet - Saccade"),
        ("models like FlowNet - based ones .", "FlowNet", "FlowNet"),  # near miss: a compound
        ("We use GPT-4 1000 times.", "GPT-4", "GPT-4"),  # near miss: a count
        ("We use BERT-based retrieval.", "BERT", "BERT"),  # near miss: a compound
    ],
)
def test_an_ner_model_keeps_its_variant(text: str, name: str, expected: str) -> None:
    start = text.index(name)
    refined = Merger({}, 0.7, ner_names_only=False)._refine(
        text, Candidate(start, start + len(name), "Model", "ner", 0.7)
    )
    assert refined is not None and text[refined.start_char : refined.end_char] == expected


def test_a_span_longer_than_any_name_is_dropped() -> None:
    # the NER took all of "A-A-A-…" as one span; the work on it was quadratic (90k characters: minutes)
    from kg.extract.merge import MAX_MENTION_CHARS
    from kg.extract.pipeline import build_pipeline, extract_papers
    from kg.records import Paper

    junk = "A-" * 3000
    paper = Paper(id="t:junk", title="Junk", abstract=f"We propose {junk} and evaluate BERT on GLUE.")
    ((_, mentions),) = extract_papers([paper], build_pipeline("full"))
    assert all(len(m.text) <= MAX_MENTION_CHARS for m in mentions)
    assert {m.text for m in mentions} >= {"BERT", "GLUE"}
