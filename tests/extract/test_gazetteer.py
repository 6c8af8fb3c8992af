"""The curated vocabulary (``resources/gazetteer.jsonl``) and the ``kg_gazetteer`` component."""

from __future__ import annotations

from collections import defaultdict

import pytest
from spacy.language import Language

from kg.extract.gazetteer import Gazetteer, load_gazetteer
from kg.extract.vocabulary import lookup_key
from kg.records import ENTITY_TYPES

from .conftest import found, mentions_of


def test_every_entry_is_typed_sourced_and_unambiguous() -> None:
    entries = load_gazetteer()
    assert len(entries) >= 400
    claimed: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        assert entry.type in ENTITY_TYPES, entry
        assert entry.source.strip(), f"{entry.canonical}: no source"
        for surface in entry.surfaces:
            assert surface == surface.strip() and surface, entry
            claimed[lookup_key(surface, not entry.case_sensitive and surface == surface.lower())].add(entry.type)
    clashes = {s: t for s, t in claimed.items() if len(t) > 1}
    assert not clashes, f"surface forms claimed by entries of different types: {clashes}"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "We fine-tune BERT and RoBERTa on GLUE and report BLEU and ROUGE-L scores.",
            {("BERT", "Model"), ("RoBERTa", "Model"), ("GLUE", "Dataset"), ("BLEU", "Metric"), ("ROUGE-L", "Metric")},
        ),
        (
            "We report accuracy and mIoU on ImageNet and COCO.",
            {("accuracy", "Metric"), ("mIoU", "Metric"), ("ImageNet", "Dataset"), ("COCO", "Dataset")},
        ),
        ("Depth on KITTI and NYUv2 is measured by AbsRel.", {("KITTI", "Dataset"), ("NYUv2", "Dataset")}),
        (  # the wider vocabulary: summarisation, code, 3D, speech and agent benchmarks, their measures
            "We summarise CNN/DailyMail and XSum, solve BigCodeBench and miniF2F, segment S3DIS with "
            "PointNet++ and report PESQ, FVD and Spearman correlation for HiFi-GAN on WebArena.",
            {
                ("CNN/DailyMail", "Dataset"),
                ("XSum", "Dataset"),
                ("BigCodeBench", "Dataset"),
                ("miniF2F", "Dataset"),
                ("S3DIS", "Dataset"),
                ("PointNet++", "Model"),
                ("PESQ", "Metric"),
                ("FVD", "Metric"),
                ("Spearman correlation", "Metric"),
                ("HiFi-GAN", "Model"),
                ("WebArena", "Dataset"),
            },
        ),
        (  # spellings of a version ("SQuADv2" had been the NER's, typed Model)
            "Routers generalize to out-of-domain tasks (MMLU, SQuADv2, SQuAD v2.0).",
            {("MMLU", "Dataset"), ("SQuADv2", "Dataset"), ("SQuAD v2.0", "Dataset")},
        ),
        (
            "Question Answering and question answering.",
            {("Question Answering", "Task"), ("question answering", "Task")},
        ),
    ],
)
def test_hits(rules_nlp: Language, sentence: str, expected: set[tuple[str, str]]) -> None:
    assert expected <= found(rules_nlp, sentence)


def test_model_hit_swallows_its_size(rules_nlp: Language) -> None:
    hits = found(rules_nlp, "We compare Llama-2 7B, Llama2-7B and Qwen2.5-72B-Instruct with GPT-4o.")
    assert {
        ("Llama-2 7B", "Model"),
        ("Llama2-7B", "Model"),
        ("Qwen2.5-72B-Instruct", "Model"),
        ("GPT-4o", "Model"),
    } <= hits
    assert ("Llama-2", "Model") not in hits  # nested names: only the longest


def test_model_hit_swallows_a_checkpoint_s_tuning_and_format(rules_nlp: Language) -> None:
    # Hugging Face checkpoint names: a lower-case size, a tuning, the "-hf" format
    hits = found(rules_nlp, "We prune Llama-2-7b-hf, Llama-2-7b-chat-hf and Llama-2-13b-chat.")
    assert {("Llama-2-7b-hf", "Model"), ("Llama-2-7b-chat-hf", "Model"), ("Llama-2-13b-chat", "Model")} <= hits
    assert ("Llama-2", "Model") not in hits


def test_model_hit_swallows_its_size_variant(rules_nlp: Language) -> None:
    hits = found(rules_nlp, "We fine-tune BERT-large, T5-XXL, ViT-L/16 and Swin-T, but not BERT-based models.")
    assert {("BERT-large", "Model"), ("T5-XXL", "Model"), ("ViT-L/16", "Model"), ("Swin-T", "Model")} <= hits
    assert ("BERT", "Model") in hits  # "BERT-based" is a compound: the bare name counts
    assert not {("BERT", "Model"), ("T5", "Model")} & found(rules_nlp, "It beats BERT-large and T5-XXL.")


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("We evaluate on Llama-2 7B. It works.", "Llama-2 7B"),
        ("Results on LLaMA3-70B. It works.", "LLaMA3-70B"),
        ("We train on ImageNet-1K. It works.", "ImageNet-1K"),
    ],
)
def test_a_size_at_the_end_of_a_sentence(rules_nlp: Language, sentence: str, name: str) -> None:
    """spaCy keeps "7B." one token (a capital before a period); kg's tokenizer splits it."""
    assert name in {text for text, _ in found(rules_nlp, sentence)}


def test_open_ended_families(rules_nlp: Language) -> None:
    assert {("YOLOv10", "Model"), ("ResNet-152", "Model")} <= found(rules_nlp, "YOLOv10 and ResNet-152 are strong.")


def test_open_ended_families_keep_their_variants(rules_nlp: Language) -> None:
    """A family found by its pattern is judged by what follows a hyphen, as a listed name is."""
    hits = found(rules_nlp, "Our YOLOv10-S beats YOLOv6-S, YOLOv8-based detectors and ResNet-50-C4 heads.")
    assert {("YOLOv10-S", "Model"), ("YOLOv6-S", "Model"), ("YOLOv8", "Model")} <= hits
    assert not {("YOLOv10", "Model"), ("ResNet-50", "Model")} & hits  # "-C4": another name


@pytest.mark.parametrize(
    "sentence",
    [
        "The places we visited were nice.",  # "Places" the dataset is case-sensitive
        "Places we visited were nice.",  # ... and needs a dataset cue in its sentence
        "The Gemini telescope observed the galaxy.",  # "Gemini" the model needs a model cue
        "BERTology studies what transformers learn.",  # no match inside a longer token
        "TPI-LLM and Dr.LLM serve SE-MoE models.",  # ... nor inside a longer hyphenated name
        "Summaries on CNN/DM improve.",  # "CNN" of the CNN/DailyMail dataset
        "We DROP the RACE condition; an Octo of GAIA data.",  # capitalised words need their cue
        "Replica exchange improves sampling.",
    ],
)
def test_near_misses(rules_nlp: Language, sentence: str) -> None:
    labels = {text for text, _ in found(rules_nlp, sentence)}
    assert not labels & {"places", "Places", "Gemini", "BERT", "LLM", "MoE", "CNN", "DROP", "RACE", "Octo", "GAIA"}
    assert "Replica" not in labels


def test_hyphenated_modifiers_keep_the_name(rules_nlp: Language) -> None:
    assert ("LLM", "Method") in found(rules_nlp, "We study LLM-based agents.")


def test_cue_words_enable_ambiguous_names(rules_nlp: Language) -> None:
    assert ("Places", "Dataset") in found(rules_nlp, "Places is a scene dataset we evaluate on.")
    assert ("Gemini", "Model") in found(rules_nlp, "We prompt the Gemini model.")


def test_lookup_folds_spelling_variants() -> None:
    gazetteer = Gazetteer()
    entry = gazetteer.lookup("LLaMA-2")
    assert entry is not None and entry.canonical == "Llama 2" and entry.type == "Model"
    assert gazetteer.lookup("large language model") == gazetteer.lookup("Large Language Models")
    assert gazetteer.lookup("places") is None


@pytest.mark.parametrize(
    ("sentence", "present", "absent"),
    [
        (
            "It reduces inference latency and end-to-end latency.",
            {("inference latency", "Metric"), ("end-to-end latency", "Metric")},
            {"latency"},
        ),
        ("Depth is computed at inference time.", set(), {"inference time"}),
        ("Scaling Inference Time Compute helps.", set(), {"Inference Time"}),
        ("A low-latency, Latency-Aware system.", set(), {"latency", "Latency"}),
        ("Weights in mixed precision and 4-bit precision.", set(), {"precision"}),
        ("We report precision and recall.", {("precision", "Metric"), ("recall", "Metric")}, set()),
        (
            "It trades accuracy for speed and doubles inference speed.",
            {("speed", "Metric"), ("inference speed", "Metric")},
            set(),
        ),
        ("We speed up decoding, and it speeds up training.", set(), {"speed", "speeds"}),
    ],
)
def test_metric_span_rules(rules_nlp: Language, sentence: str, present: set[tuple[str, str]], absent: set[str]) -> None:
    hits = found(rules_nlp, sentence)
    assert present <= hits
    assert not {text for text, _ in hits} & absent


def test_a_name_glued_to_more_letters_is_another_name(rules_nlp: Language) -> None:
    hits = found(rules_nlp, "FastSpeech 2 is fast, and we further design FastSpeech 2s.")
    assert [t for t, label in hits if t.startswith("FastSpeech")] == ["FastSpeech 2"]
    gaz = Gazetteer()
    assert gaz.lookup("FastSpeech 2s") is None  # no plural of "FastSpeech 2" ...
    entry = gaz.lookup("LLaMAs")  # ... while a name's plural is still the name
    assert entry is not None and entry.canonical == "LLaMA"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("We evaluate on PASCAL VOC 2012 and COCO.", {("PASCAL VOC 2012", "Dataset"), ("COCO", "Dataset")}),
        ("Results on VQA v2.0 improve.", {("VQA v2.0", "Dataset")}),
        ("Perplexity on WikiText - 2 drops , and so on . Done .", {("WikiText - 2", "Dataset")}),
        # a range keeps the name; numbers that are no version stay out of it
        ("We train on PASCAL VOC 2007 - 2012 data.", {("PASCAL VOC 2007", "Dataset")}),
        ("It is 2% better on ImageNet - 2% on COCO.", {("ImageNet", "Dataset"), ("COCO", "Dataset")}),
        ("We gain on ImageNet 1.2 points and sample COCO 2000 images.", {("ImageNet", "Dataset"), ("COCO", "Dataset")}),
        # a named subset is part of the name; a modifier after a hyphen is not
        (
            "It solves SWE-bench Lite and GPQA Diamond, unlike GSM8K Hard-level problems.",
            {("SWE-bench Lite", "Dataset"), ("GPQA Diamond", "Dataset"), ("GSM8K", "Dataset")},
        ),
    ],
)
def test_dataset_hit_swallows_its_year_or_version(
    rules_nlp: Language, sentence: str, expected: set[tuple[str, str]]
) -> None:
    hits = found(rules_nlp, sentence)
    assert expected <= hits
    names = {text for text, label in hits if label == "Dataset"}
    assert names == {text for text, _ in expected}


def test_tokenized_hyphens_join_names(rules_nlp: Language) -> None:
    # SciREX-style text, tokens joined by single spaces: "LS-GAN" reads "LS - GAN".
    text = "We present the LS - GAN , and a GAN . We test on the IJB - A benchmark , with ResNet - 50 ."
    hits = found(rules_nlp, text)
    assert ("GAN", "Method") in hits  # the bare GAN
    assert ("ResNet - 50", "Model") in hits
    assert not any(t.startswith("IJB") and t != "IJB - A" for t, _ in hits)  # no "IJB", no "IJB -"
    spans = [m for m in mentions_of(rules_nlp, text) if m.text == "GAN"]
    assert len(spans) == 1  # not the end of "LS - GAN"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("We study question answering - SQuAD and TriviaQA - at scale.", {("question answering", "Task")}),
        ("MMLU - GSM8K results, and more.", {("MMLU", "Dataset"), ("GSM8K", "Dataset")}),
    ],
)
def test_a_dash_in_running_text_keeps_the_names(
    rules_nlp: Language, sentence: str, expected: set[tuple[str, str]]
) -> None:
    assert expected <= found(rules_nlp, sentence)


def test_classic_benchmarks_and_networks(rules_nlp: Language) -> None:
    hits = found(rules_nlp, "We train Xception and a conditional random field on Omniglot, CUHK03 and FB15k-237.")
    assert {("Xception", "Model"), ("conditional random field", "Method"), ("Omniglot", "Dataset")} <= hits
    assert {("CUHK03", "Dataset"), ("FB15k-237", "Dataset")} <= hits
    # An ordinary word that names a dataset needs a cue: "Yelp" the company is no dataset.
    assert ("Yelp", "Dataset") not in found(rules_nlp, "Yelp is a company in San Francisco.")
    assert ("Yelp", "Dataset") in found(rules_nlp, "We evaluate on the Yelp dataset.")
    # Knowledge bases and datasets whose names end in "Net" stay datasets.
    assert {("WordNet", "Dataset"), ("ConceptNet", "Dataset")} <= found(
        rules_nlp, "Prior works like WordNet and ConceptNet help."
    )


def test_openai_reasoning_models_in_capitals(rules_nlp: Language) -> None:
    hits = found(rules_nlp, "Reasoning LLMs such as OpenAI's O1 and o3-mini think longer.")
    assert {("O1", "Model"), ("o3-mini", "Model")} <= hits


@pytest.mark.parametrize("name", ["GPT", "Llama", "DeepSeek", "I3D", "InferSent", "VideoChat"])
def test_model_families_and_classic_models(rules_nlp: Language, name: str) -> None:
    assert (name, "Model") in found(rules_nlp, f"We compare against {name} on three tasks.")


@pytest.mark.parametrize(
    "kind",
    ["complex reasoning", "multi-step reasoning", "deductive reasoning", "logical reasoning", "spatial reasoning"],
)
def test_kinds_of_reasoning_are_tasks(rules_nlp: Language, kind: str) -> None:
    assert (kind, "Task") in found(rules_nlp, f"LLMs still struggle with {kind} capabilities.")


def test_bare_reasoning_is_no_task(rules_nlp: Language) -> None:
    assert not {text for text, _ in found(rules_nlp, "The model spends more tokens on reasoning.")} & {"reasoning"}


def test_number_formats_are_methods(rules_nlp: Language) -> None:
    hits = found(rules_nlp, "We train in FP8, keep master weights in bfloat16 and quantize to INT4 and nf4.")
    assert {("FP8", "Method"), ("bfloat16", "Method"), ("INT4", "Method"), ("nf4", "Method")} <= hits


def test_common_techniques_are_methods(rules_nlp: Language) -> None:
    hits = found(
        rules_nlp,
        "We combine classifier-free guidance with DDIM, pick answers by majority voting over "
        "best-of-N samples from a draft model, and compare with XGBoost and random forests.",
    )
    expected = {"classifier-free guidance", "DDIM", "majority voting", "best-of-N", "draft model", "XGBoost"}
    assert {(name, "Method") for name in expected | {"random forests"}} <= hits
    # "CFG" is a context-free grammar as often as classifier-free guidance: not an alias
    assert not {text for text, _ in found(rules_nlp, "We parse with a CFG.")} & {"CFG"}


def test_modified_model_classes_are_one_method(rules_nlp: Language) -> None:
    hits = found(rules_nlp, "Video LLMs and multi-modal LLMs trained with long CoT or latent CoT data.")
    names = {"Video LLMs", "multi-modal LLMs", "long CoT", "latent CoT"}
    assert {(name, "Method") for name in names} <= hits
    assert not {text for text, _ in hits} & {"LLMs", "CoT"}


def test_metrics_at_k_and_depth_errors(rules_nlp: Language) -> None:
    hits = found(rules_nlp, "It raises pass@16, Recall@5, nDCG@10 and MRR@10, lowers SqRel and reaches 52% MFU.")
    assert {(name, "Metric") for name in ("pass@16", "Recall@5", "nDCG@10", "MRR@10", "SqRel", "MFU")} <= hits


def test_a_slash_lists_models_and_datasets(rules_nlp: Language) -> None:
    hits = found(rules_nlp, "We guide SD/SDXL, serve OPT-175B/BLOOM and test on MNIST/CIFAR-10.")
    assert {("SDXL", "Model"), ("BLOOM", "Model"), ("MNIST", "Dataset"), ("CIFAR-10", "Dataset")} <= hits
    # a slash still joins a class into a dataset's name
    assert ("CNN/DM", "Dataset") in found(rules_nlp, "Results on CNN/DM are strong.")


def test_a_model_keeps_its_backbone_variant(rules_nlp: Language) -> None:
    hits = found(rules_nlp, "RT-DETR-R50 reaches 53.1% AP.")
    assert ("RT-DETR-R50", "Model") in hits and ("RT-DETR", "Model") not in hits


def test_dataset_versions_and_corpora(rules_nlp: Language) -> None:
    hits = found(rules_nlp, "We pretrain on FineWeb and Wikipedia and test on LiveCodeBench V5 and AIME 24.")
    names = ("FineWeb", "Wikipedia", "LiveCodeBench V5", "AIME 24")
    assert {(name, "Dataset") for name in names} <= hits


def test_a_mixed_case_alias_matches_capitalised_at_a_sentence_start(rules_nlp: Language) -> None:
    hits = found(rules_nlp, "Multimodal LLMs reason over images. Latent CoT helps.")
    assert {("Multimodal LLMs", "Method"), ("Latent CoT", "Method")} <= hits


@pytest.mark.parametrize(
    "name", ["mAP@50", "mAP@50:95", "mAP@0.5:0.95", "mAP50-95", "AP@50", "AR@100", "F1@0.5", "Acc@1", "maj@32"]
)
def test_thresholded_metric_names_are_metrics(rules_nlp: Language, name: str) -> None:
    assert found(rules_nlp, f"We report {name} on the test set.") == {(name, "Metric")}
