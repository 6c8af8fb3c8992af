"""Typing coined names by how the abstract presents them (``kg.extract.typer`` via ``kg_merge``)."""

from __future__ import annotations

import pytest
from spacy.language import Language

from kg.extract.typer import name_types, presentation_type

from .conftest import found


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("We propose PreludeNet, a lightweight network for depth.", "PreludeNet", "Model"),
        ("We propose CATS, a novel framework for sparsity.", "CATS", "Method"),
        ("We introduce OVO-Bench (Online Video Benchmark), a benchmark for video LLMs.", "OVO-Bench", "Dataset"),
        ("PATE is a metric for anomaly detection.", "PATE", "Metric"),
        ("Results on the ScanNet++ dataset are strong.", "ScanNet++", "Dataset"),
        ("We fine-tune the model TimeX on traffic data.", "TimeX", "Model"),
        # naming a thing defines it, as an apposition does
        ("Our model, which we call RollingDepth, has two parts.", "RollingDepth", "Model"),
        ("We build a new benchmark and call it OVOB for video.", "OVOB", "Dataset"),
        ("We present a training method named SkipX that saves memory.", "SkipX", "Method"),
        # the head noun after an abbreviation's bracket: "Long Name (LN) model"
        ("This results in our ToolPrefer-LLaMA (TP-LLaMA) model for tools.", "ToolPrefer-LLaMA", "Model"),
        ("This results in our ToolPrefer-LLaMA (TP-LLaMA) model for tools.", "TP-LLaMA", "Model"),
        ("It trains a Unified Feature Optimization (UFO) model in 8 days.", "Unified Feature Optimization", "Model"),
    ],
)
def test_presentation_cues(text: str, name: str, expected: str) -> None:
    start = text.index(name)
    cue = presentation_type(text, start, start + len(name))
    assert cue is not None and cue[0] == expected


def test_based_on_is_not_a_presentation() -> None:
    text = "We build ViT-based methods."
    assert presentation_type(text, 9, 12) is None


def test_a_naming_verb_defines_with_the_strength_of_an_apposition() -> None:
    text = "A method named SkipX works."
    start = text.index("SkipX")
    assert presentation_type(text, start, start + 5) == ("Method", 3)
    text = "We name SkipX after its author."  # no class word before the verb: no cue
    start = text.index("SkipX")
    assert presentation_type(text, start, start + 5) is None


@pytest.mark.parametrize(
    ("text", "strength"),
    [
        ("In this paper, we propose a novel framework, TEMPO, that learns.", 3),  # defines it
        ("We present our lightweight model FastX for phones.", 3),
        ("We compare with the method TEMPO on traffic.", 1),  # names another's: only suggests
    ],
)
def test_an_indefinite_class_noun_right_before_a_name_defines_it(text: str, strength: int | None) -> None:
    name = "TEMPO" if "TEMPO" in text else "FastX"
    start = text.index(name)
    cue = presentation_type(text, start, start + len(name))
    assert (cue[1] if cue else None) == strength


def test_one_type_per_name_and_gazetteer_names_are_kept() -> None:
    text = "TimeX is a new model. TimeX beats BERT. Then TimeX wins."
    occurrences = [(0, 5, "Method"), (22, 27, "Method"), (34, 38, "Method"), (45, 50, "Method")]
    assert name_types(text, occurrences, keep=frozenset({"BERT"})) == {"TimeX": "Model"}


def test_bench_shape_votes_dataset() -> None:
    assert name_types("We test on LiveBench-Reasoning.", [(11, 30, "Method")]) == {"LiveBench-Reasoning": "Dataset"}


def test_every_occurrence_in_the_pipeline_gets_the_presented_type(rules_nlp: Language) -> None:
    abstract = "We present DepthMaster, a single-step diffusion model. DepthMaster beats ZoeDepth on KITTI."
    hits = found(rules_nlp, abstract, title="DepthMaster: fast depth")
    assert ("DepthMaster", "Model") in hits
    assert ("DepthMaster", "Method") not in hits


@pytest.mark.parametrize("name", ["FlowNet", "CornerNet", "V-Net", "FlowNet 2.0", "MobileNets", "MobileNetV2"])
def test_net_shape_votes_model(name: str) -> None:
    text = f"We train {name} end to end."
    assert name_types(text, [(9, 9 + len(name), "Method")]) == {name: "Model"}


def test_a_presentation_outvotes_the_net_shape() -> None:
    text = "PonderNet is a new algorithm that learns to adapt its computation."
    assert name_types(text, [(0, 9, "Method")]) == {"PonderNet": "Method"}


def test_a_dataset_named_net_stays_a_dataset() -> None:
    text = "We evaluate on TupleNet and KBNet."
    spans = [(text.index(n), text.index(n) + len(n), "Dataset") for n in ("TupleNet", "KBNet")]
    assert name_types(text, spans) == {"TupleNet": "Dataset", "KBNet": "Dataset"}


@pytest.mark.parametrize(
    ("abstract", "acronym", "expected"),
    [
        # the long form names a technique: "NBP models" are models of that kind (the full
        # pipeline: the rules alone give such a pair no type)
        (
            "We study Next-Block Prediction (NBP) for video generation. "
            "NBP models are fast, and the NBP model generates 8 frames per second.",
            "NBP",
            "Method",
        ),
        (
            "Temporal Point Processes (TPP) model discrete events. Marked TPP models are strong, "
            "and our TPP models outperform the baselines.",
            "TPP",
            "Method",
        ),
        (
            # a task in the vocabulary: the acronym is the task, and "VFI model" a model for it
            "We use video frame interpolation (VFI) for augmentation, with features from the flow-based VFI model.",
            "VFI",
            "Task",
        ),
        # the long form names a network: the acronym is that network
        ("We propose the Face Attention Network (FAN) for detection. FAN models are fast.", "FAN", "Model"),
        # the long form ends in a known model's name: the acronym is a model too
        (
            "We tune the policy, resulting in our ToolPrefer-LLaMA (TP-LLaMA) model. TP-LLaMA beats the baselines.",
            "TP-LLaMA",
            "Model",
        ),
    ],
)
def test_a_model_word_after_an_acronym_defined_as_a_kind_does_not_make_it_a_model(
    full_nlp: Language, abstract: str, acronym: str, expected: str
) -> None:
    labels = {label for text, label in found(full_nlp, abstract) if text == acronym}
    assert labels == {expected}
