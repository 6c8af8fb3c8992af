"""The Schwartz–Hearst abbreviation component on hand-written sentences."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.language import Language

from kg.extract.abbreviations import (
    _word_before,
    best_long_form,
    find_abbreviations,
    is_short_form,
    short_form_occurrences,
)

from .conftest import mentions_of


@pytest.mark.parametrize(
    ("text", "long_form", "short_form"),
    [
        ("Large Language Models (LLMs) are strong.", "Large Language Models", "LLMs"),
        (
            "We propose Contextually Aware Thresholding for Sparsity (CATS), a method.",
            "Contextually Aware Thresholding for Sparsity",
            "CATS",
        ),
        ("We fine-tune with low-rank adaptation (LoRA) only.", "low-rank adaptation", "LoRA"),
        ("the KV (key-value) cache grows with length", "key-value", "KV"),
        ("It uses Monte Carlo Tree Search (MCTS) at test time.", "Monte Carlo Tree Search", "MCTS"),
        # a letter of the short form also inside a word: the initials decide, not the shortest match
        ("RLHF, with Proximal Policy Optimization (PPO) as the default.", "Proximal Policy Optimization", "PPO"),
        ("We train a multi-head attention (MHA) layer.", "multi-head attention", "MHA"),
        (
            "We propose Gradient-Preserving clipping Policy Optimization (GPPO) here.",
            "Gradient-Preserving clipping Policy Optimization",
            "GPPO",
        ),
    ],
)
def test_finds_pairs(text: str, long_form: str, short_form: str) -> None:
    pairs = find_abbreviations(text)
    assert [(p.long_form, p.short_form) for p in pairs] == [(long_form, short_form)]
    pair = pairs[0]
    assert text[pair.long_start : pair.long_end] == long_form
    assert text[pair.short_start : pair.short_end] == short_form


@pytest.mark.parametrize(
    "text",
    [
        "as shown before (see Fig. 3) and in 2023 (2023)",
        "a cohort of patients (N = 65) was studied",
        "a new model (BERT) is used",  # the letters of BERT are not in "a new model"
        "results (i.e. accuracy) improve",
        "we use the method (LLMs)",
    ],
)
def test_rejects_non_definitions(text: str) -> None:
    assert find_abbreviations(text) == []


def test_short_form_shape() -> None:
    assert is_short_form("LLMs") and is_short_form("PreludeNet") and is_short_form("D3RoMa")
    assert not is_short_form("2023") and not is_short_form("e.g. this") and not is_short_form("x")


@pytest.mark.parametrize(
    "text", ["we devise reinforcement learning~(RL) methods", "we propose **reinforcement learning** (RL) here"]
)
def test_markup_before_the_bracket(text: str) -> None:
    [pair] = find_abbreviations(text)
    assert (pair.long_form, pair.short_form) == ("reinforcement learning", "RL")


def test_long_form_starts_at_a_word() -> None:
    text = "we adapt Large Language Models"
    start = best_long_form("LLMs", text)
    assert start is not None and text[start:] == "Large Language Models"
    assert best_long_form("XYZ", "Large Language Models") is None


def test_later_bare_uses_and_plural() -> None:
    text = "Large Language Models (LLMs) reason. An LLM can plan; LLMs can act. LLMsX is not one."
    assert [text[s:e] for s, e in short_form_occurrences(text, "LLMs")] == ["LLM", "LLMs"]  # not (LLMs), not LLMsX


def test_pipeline_makes_both_forms_and_later_uses_one_type(rules_nlp: Language) -> None:
    abstract = (
        "We study Contextually Aware Thresholding for Sparsity (CATS) in transformers. "
        "CATS reduces latency, and CATS keeps accuracy."
    )
    mentions = mentions_of(rules_nlp, abstract, title="Sparsity for speed")
    cats = [m for m in mentions if m.text in {"CATS", "Contextually Aware Thresholding for Sparsity"}]
    assert [m.text for m in cats] == ["Contextually Aware Thresholding for Sparsity", "CATS", "CATS", "CATS"]
    assert {m.label for m in cats} == {"Method"}
    assert {m.long_form for m in cats if m.text == "CATS"} == {"Contextually Aware Thresholding for Sparsity"}
    assert all(m.source == "kg_abbreviations" for m in cats)


def test_tokenized_hyphen_short_form() -> None:
    # SciREX-style text, tokens joined by spaces: "LS - GAN" is one short form there.
    text = "the Loss - Sensitive Generative Adversarial Network ( LS - GAN ) . The LS - GAN , and a GAN ."
    pairs = find_abbreviations(text)
    assert [(p.long_form, p.short_form) for p in pairs] == [
        ("Loss - Sensitive Generative Adversarial Network", "LS - GAN")
    ]
    assert short_form_occurrences(text, "GAN") == [(text.rindex("GAN"), text.rindex("GAN") + 3)]


def test_spaced_hyphen_in_running_text_is_a_dash() -> None:
    text = "Two families - GAN and VAE (GV). We use the LS - GAN, a GAN."
    assert not is_short_form("LS - GAN")
    assert len(short_form_occurrences(text, "GAN")) == 3  # every bare GAN, "LS - GAN" included


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the abstract defines an acronym the vocabulary knows in another sense: its definition wins
        ("Test-time scaling (TTS) helps LLMs. TTS is cheap.", {("TTS", "Method"), ("Test-time scaling", "Method")}),
        ("Visual question answering (VQA) is hard. VQA needs vision.", {("VQA", "Task")}),
        # the vocabulary's sense
        ("Text-to-speech (TTS) is old. TTS needs audio.", {("TTS", "Task")}),
        ("We prompt the Segment Anything Model (SAM) with boxes. SAM segments.", {("SAM", "Model")}),
        # a long form the vocabulary does not list is no other sense
        ("A deep convolutional generative adversarial network (DCGAN) is trained. DCGAN works.", {("DCGAN", "Model")}),
        # the long form's head outvotes the NER's and the vocabulary's sense (MAE: mean absolute error)
        (
            "We pretrain masked autoencoders (MAEs) and report the accuracy of MAEs and their error.",
            {("MAEs", "Method"), ("masked autoencoders", "Method")},
        ),
        ("We report the mean absolute error (MAE) and accuracy. MAE drops.", {("MAE", "Metric")}),
    ],
)
def test_an_abstracts_definition_outranks_the_vocabularys_sense(
    rules_nlp: Language, text: str, expected: set[tuple[str, str]]
) -> None:
    found = {(m.text, m.label) for m in mentions_of(rules_nlp, text)}
    assert expected <= found
    for short, label in expected:
        assert {lab for t, lab in found if t == short} == {label}  # every use has the pair's type


def test_a_definition_sharing_no_word_with_the_vocabularys_is_another_sense(rules_nlp: Language) -> None:
    # The vocabulary spells SAM out as "Segment Anything Model"; "Sparse Access Memory" shares no
    # word with it. The rules alone have no type for the pair, so its uses are not the Model SAM.
    text = "We call it Sparse Access Memory (SAM), a memory access scheme. SAM is fast."
    assert not [m for m in mentions_of(rules_nlp, text) if m.text == "SAM"]


def test_a_plural_class_noun_is_no_long_form() -> None:
    text = "Recently, end-to-end Transformer-based detectors (DETRs) have become popular."
    assert find_abbreviations(text) == []
    assert [p.long_form for p in find_abbreviations("an autoregressive (AR) model")] == ["autoregressive"]


def test_uses_of_an_acronym_for_a_class_are_no_datasets(rules_nlp: Language) -> None:
    text = "Application-Specific Integrated Circuits (ASICs) are fast. We evaluate it on ASICs and on COCO."
    assert {m.text for m in mentions_of(rules_nlp, text) if m.label == "Dataset"} == {"COCO"}
    # unless the text names it a dataset outright
    text = "We present the ICPC benchmark of 254 international collegiate programming contest (ICPC) tasks."
    assert ("ICPC", "Dataset") in {(m.text, m.label) for m in mentions_of(rules_nlp, text)}


def test_another_sense_takes_the_type_of_its_long_form(full_nlp: Language) -> None:
    text = (
        "We present a differentiable memory access scheme, which we call Sparse Access Memory (SAM). "
        "We show that SAM achieves asymptotic lower bounds in space and time."
    )
    sams = [m for m in mentions_of(full_nlp, text) if m.text == "SAM"]
    assert len(sams) == 2
    assert {(m.label, m.long_form) for m in sams} == {("Method", "Sparse Access Memory")}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"ab \t\n\u00a0(", "LLM", "  "]), max_size=30).map("".join), st.integers(0, 60))
def test_word_before_is_the_last_word_pattern(text: str, end: int) -> None:
    end = min(end, len(text))
    m = re.search(r"(\S+)\s*$", text[:end])
    assert _word_before(text, end) == (m.span(1) if m else None)
