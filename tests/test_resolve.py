"""Entity resolution rules, one test each."""

from __future__ import annotations

import pytest

from kg.records import Mention
from kg.resolve import normalise_key, parse_model_name, resolve, slugify


def m(paper: str, text: str, label: str = "Method", long_form: str | None = None) -> Mention:
    return Mention(paper, "abstract", 0, len(text), text, label, 0.9, "test", long_form=long_form)


def by_text(mentions: list[Mention]) -> dict[str, str]:
    res = resolve(mentions)
    return {mm.paper_id + "/" + mm.text: eid for mm, eid in zip(mentions, res.mention_entity, strict=True)}


def test_normalisation_folds_case_hyphens_spaces_plurals_possessives() -> None:
    assert normalise_key("Flash Attention") == normalise_key("FlashAttention") == normalise_key("flash-attention")
    assert normalise_key("Transformers") == normalise_key("transformer")
    assert normalise_key("BERT's") == normalise_key("BERT")
    assert normalise_key("Llama\u20112") == normalise_key("Llama-2")  # non-breaking hyphen
    assert normalise_key("class") == "class" and normalise_key("analysis") == "analysis"
    assert normalise_key("CNNs") == normalise_key("CNN")
    # a word in capitals is a word: its plural folds as in lower case; an acronym ending in S stays
    assert normalise_key("LARGE LANGUAGE MODELS") == normalise_key("Large Language Model")
    assert normalise_key("NEURAL NETWORKS") == normalise_key("neural network")
    assert normalise_key("ADAS") != normalise_key("ADA") and normalise_key("LLMS") != normalise_key("LLM")
    assert normalise_key("PPYOLOE-S") != normalise_key("PPYOLOE")  # a size letter after a hyphen
    assert normalise_key("YOLOv8s") != normalise_key("YOLOv8")  # a size letter, not a plural


def test_abbreviation_defined_in_one_paper_resolves_bare_use_elsewhere() -> None:
    ms = [
        m("p1", "Large Language Models"),
        m("p1", "LLMs", long_form="Large Language Models"),
        m("p2", "LLMs"),
        m("p3", "large language models"),
    ]
    ids = by_text(ms)
    assert len(set(ids.values())) == 1
    ent = resolve(ms).entities[0]
    assert ent.paper_count == 3
    assert {"LLMs", "large language models"} <= {ent.label, *ent.aliases}


def test_ambiguous_short_form_stays_apart_and_is_reported() -> None:
    ms = [
        m("p1", "SQL", "Method", long_form="Structured Query Language"),
        m("p2", "SQL", "Method", long_form="Sparse Quantized Layers"),
        m("p3", "SQL", "Method"),
    ]
    res = resolve(ms)
    ids = res.mention_entity
    assert len(set(ids)) == 3
    assert res.ambiguities[0].short_form == "SQL"
    assert set(res.ambiguities[0].long_forms) == {"Structured Query Language", "Sparse Quantized Layers"}
    # Entities that share a label get distinct ids that cannot read as a version ("sql-2")
    assert len({e.id for e in res.entities}) == 3
    assert [e.id for e in res.entities if e.id != "Method:sql"] == [
        e.id for e in res.entities if e.id.startswith("Method:sql--")
    ]


def test_sized_models_link_to_one_family() -> None:
    ms = [
        m("p1", "Llama2-7B", "Model"),
        m("p2", "Llama-2 7B", "Model"),
        m("p3", "LLaMA-2-7B", "Model"),
        m("p4", "Llama-2 70B", "Model"),
        m("p5", "Llama 2", "Model"),
    ]
    res = resolve(ms)
    ids = dict(zip([x.paper_id for x in ms], res.mention_entity, strict=True))
    assert ids["p1"] == ids["p2"] == ids["p3"]
    assert ids["p4"] != ids["p1"]
    ents = {e.id: e for e in res.entities}
    assert ents[ids["p1"]].variant_of == ents[ids["p4"]].variant_of == ids["p5"]
    assert ents[ids["p1"]].label.endswith("7B")


def test_size_letters_and_releases_are_variants_of_their_family() -> None:
    ms = [
        m("p1", "BERT-large", "Model"),
        m("p2", "BERT-base", "Model"),
        m("p3", "BERT", "Model"),
        m("p4", "YOLOv10-S", "Method"),  # the NER's type, before the Model mentions below
        m("p5", "YOLOv10-S", "Model"),
        m("p6", "YOLOv10-S", "Model"),
        m("p7", "Phi-4-reasoning-plus", "Model"),
        m("p8", "Phi-4-Reasoning-Plus", "Model"),
        m("p9", "SWE-bench Lite", "Dataset"),  # a subset of a benchmark, not a model variant
    ]
    res = resolve(ms)
    ids = dict(zip([x.paper_id for x in ms], res.mention_entity, strict=True))
    ents = {e.id: e for e in res.entities}
    assert ents[ids["p1"]].variant_of == ents[ids["p2"]].variant_of == ids["p3"] != ids["p1"] != ids["p2"]
    assert ids["p4"] == ids["p5"] and ents[ids["p5"]].type == "Model"
    assert ents[ids["p5"]].variant_of is not None and ents[ents[ids["p5"]].variant_of].label == "YOLOv10"
    assert ids["p7"] == ids["p8"]
    assert ents[ids["p9"]].variant_of is None and ents[ids["p9"]].type == "Dataset"


def test_a_variant_is_decided_by_the_corpus_not_one_mention() -> None:
    # Mostly a Method, mostly a Dataset, a Method family: one Model mention makes no variant.
    ms = [m(f"p{i}", "Self-Instruct", "Method") for i in range(3)] + [m("p3", "Self-Instruct", "Model")]
    ms += [m(f"q{i}", "Objaverse-XL", "Dataset") for i in range(3)] + [m("q3", "Objaverse-XL", "Model")]
    ms += [m("r0", "GRPO", "Method"), m("r1", "GRPO", "Method"), m("r2", "GRPO-Zero", "Model")]
    res = resolve(ms)
    assert all(e.variant_of is None for e in res.entities)
    assert {e.label: e.type for e in res.entities} == {
        "Self-Instruct": "Method",
        "Objaverse-XL": "Dataset",
        "GRPO": "Method",
        "GRPO-Zero": "Model",
    }


@pytest.mark.parametrize("reverse", [False, True])
def test_every_spelling_of_a_variant_is_one_entity_in_any_order(reverse: bool) -> None:
    names = [
        ("Gemini 2.0 Flash Lite", "Model"),
        ("Gemini-2.0-Flash-Lite", "Model"),
        ("Gemini 2.0 Flash-Lite", "Method"),
        ("Swin-B", "Model"),
        ("SwinB", "Model"),
        ("Swin B", "Method"),
        ("BERT\u2010large", "Model"),  # a Unicode hyphen
        ("BERT Large", "Model"),
    ]
    ms = [m(f"p{i}", text, label) for i, (text, label) in enumerate(names)]
    res = resolve(ms[::-1] if reverse else ms)
    ids = {mm.text: eid for mm, eid in zip(ms[::-1] if reverse else ms, res.mention_entity, strict=True)}
    assert ids["Gemini 2.0 Flash Lite"] == ids["Gemini-2.0-Flash-Lite"] == ids["Gemini 2.0 Flash-Lite"]
    assert ids["Swin-B"] == ids["SwinB"] == ids["Swin B"]
    assert ids["BERT\u2010large"] == ids["BERT Large"]
    ents = {e.id: e for e in res.entities}
    assert all(ents[i].variant_of and ents[i].type == "Model" for i in ids.values())


def test_a_vocabulary_model_that_is_a_variant_links_to_its_family() -> None:
    res = resolve([m("p1", "Llama-2-Chat", "Model"), m("p2", "Llama 2", "Model")])
    chat, base = res.mention_entity
    assert {e.id: e.variant_of for e in res.entities}[chat] == base


def test_a_family_defined_as_an_abbreviation_is_its_long_form() -> None:
    ms = [
        m("p1", "Learning from Peers", "Model"),
        m("p1", "LeaP", "Model", long_form="Learning from Peers"),
        m("p1", "LeaP-T", "Model"),
    ]
    res = resolve(ms)
    ents = {e.id: e for e in res.entities}
    assert len(ents) == 2
    assert ents[res.mention_entity[2]].variant_of == res.mention_entity[0] == res.mention_entity[1]


def test_type_conflict_is_settled_by_majority_with_evidence() -> None:
    ms = [m("p1", "PreludeNet", "Model"), m("p2", "PreludeNet", "Model"), m("p3", "PreludeNet", "Method")]
    res = resolve(ms)
    (ent,) = res.entities
    assert ent.type == "Model"
    assert ent.type_votes == (("Model", 2), ("Method", 1))
    assert res.type_conflicts == (ent,)


def test_parse_model_name_and_slug() -> None:
    assert parse_model_name("Mistral-7B") == ("Mistral", "7B", None)
    assert parse_model_name("Qwen2.5-72B-Instruct") == ("Qwen2.5", "72B", "Instruct")
    assert parse_model_name("GPT-4") is None
    assert slugify("Llama 2 7B") == "llama-2-7b"
    assert slugify("<script>") == "script"


def test_resolution_is_deterministic_regardless_of_input_order() -> None:
    ms = [m("p1", "BERT", "Model"), m("p2", "RoBERTa", "Model"), m("p3", "bert", "Model")]
    a = resolve(ms)
    b = resolve(list(reversed(ms)))
    assert [e.id for e in a.entities] == [e.id for e in b.entities]


def test_extracted_names_meet_case_sensitive_gazetteer_entries_in_any_case() -> None:
    ms = [
        m("p1", "DeepSeek-R1", "Model"),
        m("p2", "Deepseek-R1", "Method"),  # the NER's casing; digits make it a name
        m("p3", "NuScenes", "Dataset"),
        m("p4", "nuScenes", "Dataset"),
        m("p5", "Llama", "Method"),  # capitalised, and the NER calls models Methods
        m("p6", "LLaMA", "Model"),
        m("p7", "MATH", "Dataset"),
        m("p8", "math", "Task"),  # a lower-case word is not the MATH dataset
    ]
    ids = by_text(ms)
    assert ids["p1/DeepSeek-R1"] == ids["p2/Deepseek-R1"] == "Model:deepseek-r1"
    assert ids["p3/NuScenes"] == ids["p4/nuScenes"]
    assert ids["p5/Llama"] == ids["p6/LLaMA"]
    assert ids["p7/MATH"] != ids["p8/math"]
    assert ids["p8/math"].startswith("Task:")


@pytest.mark.parametrize(
    ("listed", "variant", "label"),
    [
        ("depth estimation", "depth-estimation", "Task"),
        ("AIME 2024", "AIME2024", "Dataset"),
        ("Cityscapes", "CityScape", "Dataset"),
        ("supervised fine-tuning", "supervised finetuning", "Method"),
    ],
)
def test_spelling_variants_of_a_vocabulary_name_join_its_entity(listed: str, variant: str, label: str) -> None:
    ids = by_text([m("p1", listed, label), m("p2", variant, label)])
    assert ids[f"p1/{listed}"] == ids[f"p2/{variant}"]


def test_names_apart_by_more_than_spelling_stay_apart() -> None:
    # "R@1" is the vocabulary's recall at 1; "R1" (DeepSeek's model, a rule) is not. "math" the
    # task is not MATH the dataset, a case-sensitive entry.
    ids = by_text([m("p1", "R@1", "Metric"), m("p2", "R1"), m("p3", "MATH", "Dataset"), m("p4", "math", "Task")])
    assert len(set(ids.values())) == 4


def test_a_vocabulary_acronym_defined_with_a_variant_long_form_keeps_the_vocabularys_sense() -> None:
    ms = [
        m("p1", "NeRF", long_form="neural radiance fields"),
        m("p2", "NeRF", long_form="Neural Rendering Fields"),  # shares words with the vocabulary's spelling
        m("p3", "SAM", "Model"),
        m("p4", "SAM", "Method", long_form="Sparse Access Memory"),  # shares none with "Segment Anything Model"
    ]
    ids = by_text(ms)
    assert ids["p1/NeRF"] == ids["p2/NeRF"]
    assert ids["p3/SAM"] != ids["p4/SAM"]


def test_an_acronym_that_keeps_its_vocabulary_sense_is_one_entity_with_its_long_form() -> None:
    # "Generative Pre-trained Transformer (GPT)" in one paper: its long form is no vocabulary name,
    # so the acronym keeps the vocabulary's GPT there, in the bare uses of other papers, and the
    # long form is that entity too.
    ms = [
        m("p1", "Generative Pre-trained Transformer", "Model"),
        m("p1", "GPT", "Model", long_form="Generative Pre-trained Transformer"),
        m("p2", "GPT", "Model"),
        m("p3", "GPTs", "Model"),
    ]
    res = resolve(ms)
    assert len(set(res.mention_entity)) == 1
    (entity,) = res.entities
    assert entity.label == "GPT" and entity.id == "Model:gpt"


def test_model_generations_are_apart_in_the_vocabulary() -> None:
    ids = by_text(
        [
            m("p1", "Claude 3", "Model"),
            m("p2", "Claude 3.5 Sonnet", "Model"),
            m("p3", "MobileNet", "Model"),
            m("p4", "MobileNetV2", "Model"),
            m("p5", "BIG-Bench", "Dataset"),
            m("p6", "BBH", "Dataset"),
        ]
    )
    assert ids["p1/Claude 3"] != ids["p2/Claude 3.5 Sonnet"]
    assert ids["p3/MobileNet"] != ids["p4/MobileNetV2"]
    assert ids["p5/BIG-Bench"] != ids["p6/BBH"]


def test_a_paper_added_elsewhere_does_not_split_an_entity() -> None:
    # "Long-CoT" names the vocabulary's "long chain-of-thought" only after folding case and hyphens;
    # a paper that defines "long chains of thought (long CoT)" must not pull it apart from "long CoT".
    b = [m("pB", "Long-CoT"), m("pB", "long CoT")]
    alone = by_text(b)
    assert alone["pB/Long-CoT"] == alone["pB/long CoT"] == "Method:long-chain-of-thought"
    a = [m("pA", "long chains of thought"), m("pA", "long CoT", long_form="long chains of thought")]
    both = by_text(a + b)
    assert {both[k] for k in ("pB/Long-CoT", "pB/long CoT", "pA/long CoT", "pA/long chains of thought")} == {
        "Method:long-chain-of-thought"
    }


@pytest.mark.parametrize(
    ("one", "other", "label"),
    [
        ("WikiText-2", "WikiText-103", "Dataset"),
        ("ETTh2", "ETTh1", "Dataset"),
        ("MOT20", "MOT17", "Dataset"),
        ("ICDAR 2013", "ICDAR 2015", "Dataset"),
        ("WMT16", "WMT14", "Dataset"),
        ("LAION-400M", "LAION-5B", "Dataset"),
        ("SQuAD 2.0", "SQuAD", "Dataset"),
        ("ARC-AGI", "ARC", "Dataset"),  # Chollet's corpus is not AI2's reasoning challenge
        ("gpt-oss-20b", "gpt-oss-120b", "Model"),
        ("Mixtral-8x7B", "Mixtral-8x22B", "Model"),
        ("Gemini Pro", "Gemini Ultra", "Model"),
        ("Claude 3 Opus", "Claude 3", "Model"),
        ("Claude 3.5", "Claude 3.5 Sonnet", "Model"),
        ("Stable Diffusion XL", "Stable Diffusion", "Model"),
        ("wav2vec", "wav2vec 2.0", "Model"),
        ("EAGLE-2", "EAGLE", "Method"),
        ("Hits@1", "Hits@10", "Metric"),
        ("R@1", "R@5", "Metric"),
        ("Recall@1", "Precision@1", "Metric"),
        ("ROUGE-1", "ROUGE-L", "Metric"),
    ],
)
def test_versions_sizes_and_settings_of_a_name_are_apart(one: str, other: str, label: str) -> None:
    ids = by_text([m("p1", one, label), m("p2", other, label)])
    assert ids[f"p1/{one}"] != ids[f"p2/{other}"]


def test_sized_names_link_to_their_family() -> None:
    ms = [m("p1", "gpt-oss-20b", "Model"), m("p2", "Yi-34B", "Model"), m("p3", "Mixtral-8x22B", "Model")]
    ms.append(m("p4", "Stable Diffusion XL", "Model"))
    res = resolve(ms)
    family = {e.label: e.variant_of for e in res.entities if e.variant_of}
    assert family == {"gpt-oss 20B": "Model:gpt-oss", "Yi 34B": "Model:yi", "Mixtral 8x22B": "Model:mixtral"}
    assert by_text(ms)["p4/Stable Diffusion XL"] == by_text([m("p5", "SDXL", "Model")])["p5/SDXL"] == "Model:sdxl"


def test_a_version_letter_is_no_size_and_invisible_characters_are_nothing() -> None:
    assert parse_model_name("YOLOv8m") is None and parse_model_name("YOLOv8-7B") == ("YOLOv8", "7B", None)
    ids = by_text(
        [m("p1", "Llama\u200b-2-7B", "Model"), m("p2", "Llama-2-7B", "Model"), m("p3", "Llama\u00ad2", "Model")]
    )
    assert ids["p1/Llama\u200b-2-7B"] == ids["p2/Llama-2-7B"] == "Model:llama-2-7b"
    assert ids["p3/Llama\u00ad2"] == "Model:llama-2"


def test_an_acronym_defined_otherwise_in_another_case_is_not_the_vocabulary_s() -> None:
    # "CoLa" defined as chain-of-layers is a Method of its paper, not the CoLA dataset
    ids = by_text([m("p1", "CoLa", long_form="chain-of-layers"), m("p1", "chain-of-layers")])
    assert ids["p1/CoLa"] == ids["p1/chain-of-layers"] != "Dataset:cola"


def test_a_size_before_or_after_a_release_word_is_one_model() -> None:
    ids = by_text([m("p1", "Llama-2-7B-chat", "Model"), m("p2", "Llama-2-Chat-7B", "Model")])
    assert ids["p1/Llama-2-7B-chat"] == ids["p2/Llama-2-Chat-7B"] == "Model:llama-2-chat-7b"
    # a release word before the size stays in the family's name: "StarCoder-Base-15B" is StarCoderBase 15B
    ids = by_text([m("p1", "StarCoderBase-15B", "Model"), m("p2", "StarCoder-Base-15B", "Model")])
    assert ids["p1/StarCoderBase-15B"] == ids["p2/StarCoder-Base-15B"]
    ids = by_text([m("p1", "Phi-3-mini", "Model"), m("p2", "Phi-3-Mini-3.8B", "Model")])
    assert resolve([m("p2", "Phi-3-Mini-3.8B", "Model")]).entities[-1].variant_of != "Model:phi-3"
    res = resolve([m("p1", "RT-DETR-R50", "Model"), m("p2", "RT-DETR", "Model")])
    assert {e.label: e.variant_of for e in res.entities} == {"RT-DETR-R50": "Model:rt-detr", "RT-DETR": None}


def test_a_checkpoint_s_spellings_are_its_model() -> None:
    # the tuning before or after the size, a lower-case size, Hugging Face's "-hf" and Meta's prefix
    ids = by_text(
        [
            m("p1", "Qwen2.5-7B-Instruct", "Model"),
            m("p2", "Qwen2.5-Instruct-7B", "Model"),
            m("p3", "Qwen-2.5-7b-instruct", "Model"),
        ]
    )
    assert len(set(ids.values())) == 1
    ids = by_text([m("p1", "Llama-2-7b-hf", "Model"), m("p2", "Llama-2 7B", "Model"), m("p3", "LLaMA-2-7b", "Model")])
    assert set(ids.values()) == {"Model:llama-2-7b"}
    ids = by_text([m("p1", "Llama-2-7b-chat-hf", "Model"), m("p2", "Llama-2-Chat-7B", "Model")])
    assert set(ids.values()) == {"Model:llama-2-chat-7b"}
    ids = by_text([m("p1", "Meta-Llama-3-8B", "Model"), m("p2", "Llama-3-8B", "Model")])
    assert set(ids.values()) == {"Model:llama-3-8b"}
    # a name's own "-Chat" stays in it unless the rest is a known model: OpenChat is not a Chat of "Open"
    ids = by_text([m("p1", "Open-Chat-7B", "Model"), m("p2", "OpenChat-7B", "Model"), m("p3", "MiniChat-3B", "Model")])
    assert ids["p1/Open-Chat-7B"] == ids["p2/OpenChat-7B"] != ids["p3/MiniChat-3B"]
    assert all(e.variant_of != "Model:open" for e in resolve([m("p1", "Open-Chat-7B", "Model")]).entities)
    # "Base" before a size names a model of its own; a tuning alone is no family
    assert resolve([m("p1", "StarCoder-Base-15B", "Model")]).entities[-1].label != "StarCoder 15B Base"
    assert by_text([m("p1", "Chat-7B", "Model")])["p1/Chat-7B"] != by_text([m("p1", "7B", "Model")])["p1/7B"]


def test_a_lower_case_name_of_several_words_typed_as_the_vocabulary_s_is_its_entry() -> None:
    ids = by_text([m("p1", "Stable Diffusion", "Model"), m("p2", "stable diffusion", "Model")])
    assert set(ids.values()) == {"Model:stable-diffusion"}
    # typed otherwise, or a single lower-case word, it is a name of its own
    assert [e.label for e in resolve([m("p1", "math", "Task"), m("p2", "math", "Dataset")]).entities] == ["math"]
    assert [e.label for e in resolve([m("p1", "stable diffusion", "Method")]).entities] == ["stable diffusion"]


def test_a_ranking_metric_s_short_form_is_its_long_one() -> None:
    for first, second in (("R@1", "Recall@1"), ("Recall@1", "R@1")):
        ids = by_text([m("p1", first, "Metric"), m("p2", second, "Metric"), m("p3", "P@10", "Metric")])
        assert ids[f"p1/{first}"] == ids[f"p2/{second}"] == "Metric:recall-1"
    assert ids["p3/P@10"] == "Metric:precision-10"
