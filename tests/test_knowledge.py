"""The Python API (kg.knowledge.KnowledgeGraph), on a small graph and on the sample build."""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import pytest

import kg
from kg import graph as kgg
from kg.knowledge import KnowledgeGraph
from kg.records import Entity, Mention, Paper
from kg.resolve import Resolution


def _small() -> KnowledgeGraph:
    """Three papers; "Llama 2" is a family with a size and a chat variant, the chat variant has a size."""
    papers = [
        Paper("p1", "FlashAttention on Llama 2", "Accuracy."),
        Paper("p2", "Llama 2 7B on MMLU", "Accuracy and F1."),
        Paper("p3", "Llama 2-Chat 7B on MMLU", "BLEU."),
    ]
    ents = (
        Entity("Method:flashattention", "Method", "FlashAttention", (), 1, 1),
        Entity("Model:llama-2", "Model", "Llama 2", ("Llama-2",), 1, 1),
        Entity("Model:llama-2-7b", "Model", "Llama 2 7B", (), 1, 1, variant_of="Model:llama-2"),
        Entity("Model:llama-2-chat", "Model", "Llama 2-Chat", (), 0, 0, variant_of="Model:llama-2"),
        Entity("Model:llama-2-chat-7b", "Model", "Llama 2-Chat 7B", (), 1, 1, variant_of="Model:llama-2-chat"),
        Entity("Dataset:mmlu", "Dataset", "MMLU", (), 2, 2),
        Entity("Metric:accuracy", "Metric", "accuracy", (), 2, 2),
        Entity("Metric:f1", "Metric", "F1", (), 1, 1),
        Entity("Metric:bleu", "Metric", "BLEU", (), 1, 1),
    )
    mentions_of = [
        (Mention("p1", "title", 0, 14, "FlashAttention", "Method"), "Method:flashattention"),
        (Mention("p1", "title", 18, 25, "Llama 2", "Model"), "Model:llama-2"),
        (Mention("p1", "abstract", 0, 8, "Accuracy", "Metric"), "Metric:accuracy"),
        (Mention("p2", "title", 0, 10, "Llama 2 7B", "Model"), "Model:llama-2-7b"),
        (Mention("p2", "title", 14, 18, "MMLU", "Dataset"), "Dataset:mmlu"),
        (Mention("p2", "abstract", 0, 8, "Accuracy", "Metric"), "Metric:accuracy"),
        (Mention("p2", "abstract", 13, 15, "F1", "Metric"), "Metric:f1"),
        (Mention("p3", "title", 0, 15, "Llama 2-Chat 7B", "Model"), "Model:llama-2-chat-7b"),
        (Mention("p3", "title", 19, 23, "MMLU", "Dataset"), "Dataset:mmlu"),
        (Mention("p3", "abstract", 0, 4, "BLEU", "Metric"), "Metric:bleu"),
    ]
    for m, _ in mentions_of:  # the mentions are real spans of their papers
        paper = next(p for p in papers if p.id == m.paper_id)
        assert getattr(paper, m.field)[m.start : m.end] == m.text
    res = Resolution(ents, tuple(e for _, e in mentions_of))
    return KnowledgeGraph(kgg.build_graph(papers, [m for m, _ in mentions_of], res, k=5, max_df=1.0))


def test_records_of_missing_or_wrong_ids_raise_not_found_saying_what_to_pass() -> None:
    graph = _small()
    assert graph.paper_record("p1").title == "FlashAttention on Llama 2"
    assert graph.entity_record("Model:llama-2").label == "Llama 2"
    with pytest.raises(kg.NotFoundError, match=r"'nope' is not a paper id \(no such node\): pass a paper id"):
        graph.paper_record("nope")
    with pytest.raises(kg.NotFoundError, match=r"'nope' is not an entity id \(no such node\).*graph\.entity\(name\)"):
        graph.entity_record("nope")
    with pytest.raises(kg.NotFoundError, match=r"'Model:llama-2' is not a paper id \(it is an entity\)"):
        graph.paper_record("Model:llama-2")
    with pytest.raises(kg.NotFoundError, match=r"'p1' is not an entity id \(it is a paper\)"):
        graph.entity_record("p1")
    # a KgError (the CLI prints it as one line) and still a KeyError (callers catching that keep working)
    with pytest.raises(kg.KgError):
        graph.paper_record("nope")
    with pytest.raises(KeyError) as caught:
        graph.entity_record("nope")
    assert str(caught.value).startswith("'nope' is not")  # not KeyError's quoted repr


def test_top_level_package_exports_the_api_names() -> None:
    import kg.knowledge

    assert {"NotFoundError", "Related", "KnowledgeGraph"} <= set(kg.__all__)
    assert kg.NotFoundError is kg.knowledge.NotFoundError
    assert kg.Related is kg.knowledge.Related
    assert all(hasattr(kg, name) for name in kg.__all__)
    assert isinstance(_small().to_networkx(), nx.DiGraph)


def test_type_filters_take_any_case_and_refuse_unknown_types() -> None:
    graph = _small()
    assert [e.label for e in graph.entities("metric")] == [e.label for e in graph.entities("Metric")]
    assert {e.label for e in graph.entities("METRIC")} == {"accuracy", "F1", "BLEU"}
    assert [e.label for e in graph.entities_of("p2", "metric")] == ["F1", "accuracy"]
    assert [(e.label, n) for e, n in graph.co_occurring("MMLU", type="model")] == [
        ("Llama 2 7B", 1),
        ("Llama 2-Chat 7B", 1),
    ]
    valid = r"pass one of Method, Model, Dataset, Metric, Task \(in any case\)"
    for call in (
        lambda: graph.entities("methods"),
        lambda: graph.entities_of("p2", "metrics"),
        lambda: graph.co_occurring("MMLU", type="datasets"),
    ):
        with pytest.raises(ValueError, match=r"unknown entity type '\w+': " + valid):
            call()


def test_the_reviewers_type_filters_on_the_sample(sample_build: Path) -> None:
    graph = kg.load(sample_build)
    with (sample_build / "entities.csv").open(encoding="utf-8") as f:
        methods = sum(row["type"] == "Method" for row in csv.DictReader(f))
    assert len(graph.entities("method")) == len(graph.entities("Method")) == methods > 1000
    datasets = graph.co_occurring("GSM8K", type="dataset")
    assert datasets[0][0].label == "MATH" and datasets == graph.co_occurring("GSM8K", type="Dataset")
    paper = graph.papers_with("GSM8K")[0]
    assert graph.entities_of(paper, "method") == graph.entities_of(paper, "Method") != []


def test_a_family_stands_for_its_variants_unless_asked_not_to() -> None:
    graph = _small()
    assert [v.label for v in graph.variants("Llama 2")] == ["Llama 2 7B", "Llama 2-Chat 7B", "Llama 2-Chat"]
    assert [v.label for v in graph.variants("Llama 2-Chat")] == ["Llama 2-Chat 7B"]
    assert graph.variants("Llama 2 7B") == [] and graph.variants("MMLU") == []
    assert [p.id for p in graph.papers_with("Llama 2")] == ["p1", "p2", "p3"]
    assert [p.id for p in graph.papers_with("Llama 2", variants=False)] == ["p1"]
    assert graph.entity("Llama 2").paper_count == 1  # its own, as variants=False counts
    assert [p.id for p in graph.papers_with("Llama 2-Chat")] == ["p3"]  # no mention of its own
    assert graph.papers_with("Llama 2-Chat", variants=False) == []
    assert [p.id for p in graph.papers_with("Llama 2", "MMLU")] == ["p2", "p3"]
    assert graph.papers_with("Llama 2", "MMLU", variants=False) == []
    assert [p.id for p in graph.papers_with("Llama 2 7B", "MMLU")] == ["p2"]  # a variant is not its family
    assert graph.papers_with() == []


def test_every_entity_without_papers_on_the_sample_is_a_family_with_papers(sample_build: Path) -> None:
    graph = kg.load(sample_build)
    with (sample_build / "entities.csv").open(encoding="utf-8") as f:
        empty = [row["id"] for row in csv.DictReader(f) if row["paper_count"] == "0"]
    assert len(empty) >= 10
    for eid in empty:
        assert graph.variants(eid), eid
        assert graph.papers_with(eid), eid
        assert graph.papers_with(eid, variants=False) == [], eid
    assert [(v.label, v.paper_count) for v in graph.variants("Qwen2.5")] == [("Qwen2.5 32B", 1)]
    assert [p.title for p in graph.papers_with("Qwen2.5")] == [
        "Advancing Language Model Reasoning through Reinforcement Learning and Inference Scaling"
    ]


def test_entities_named_gives_what_its_docstring_shows(sample_build: Path) -> None:
    graph = kg.load(sample_build)
    named = graph.entities_named("SLMs")
    shown = [(e.id, e.aliases) for e in named]
    assert shown == [
        ("Method:slms", ()),
        ("Method:slms--9994fb", ("small models",)),
        ("Method:slms--eff7b3", ("small language models",)),
    ]
    assert [e.paper_count for e in named] == [1, 1, 1]  # a tie: the ids order them
    assert repr([aliases for _, aliases in shown]) in (KnowledgeGraph.entities_named.__doc__ or "")


def test_entities_by_paper_answers_which_papers_evaluate_x_on_y_with_which_metrics() -> None:
    graph = _small()
    answer = graph.entities_by_paper("Llama 2", "MMLU", type="metric")
    metrics_by_paper = [(p.id, [m.label for m in metrics]) for p, metrics in answer]
    assert metrics_by_paper == [("p2", ["F1", "accuracy"]), ("p3", ["BLEU"])]
    assert graph.entities_by_paper("Llama 2", "MMLU", type="Metric", variants=False) == []
    assert [(p.id, [e.label for e in es]) for p, es in graph.entities_by_paper("FlashAttention", type="Dataset")] == [
        ("p1", [])
    ]
    with pytest.raises(kg.KgError, match="unknown entity type 'metrics'"):
        graph.entities_by_paper("MMLU", type="metrics")
    with pytest.raises(kg.NotFoundError, match="no entity named 'Llama 9'"):
        graph.entities_by_paper("Llama 9", type="Metric")


def test_shared_entities_of_two_papers_by_id_or_title() -> None:
    graph = _small()
    assert [e.label for e in graph.shared_entities("p1", "p2")] == ["accuracy"]
    assert [e.label for e in graph.shared_entities("Llama 2 7B on MMLU", graph.paper("p3"))] == ["MMLU"]
    assert graph.shared_entities("p1", "p3") == []
    with pytest.raises(kg.NotFoundError, match="no paper with id or title matching 'nope'"):
        graph.shared_entities("p1", "nope")


def test_metrics_of_the_papers_evaluating_a_model_on_a_dataset_on_the_sample(sample_build: Path) -> None:
    graph = kg.load(sample_build)
    answer = graph.entities_by_paper("GPT-4o", "MATH", type="Metric")
    assert [p.id for p, _ in answer] == [p.id for p in graph.papers_with("GPT-4o", "MATH")] and len(answer) == 4
    assert all(m.type == "Metric" for _, metrics in answer for m in metrics)
    assert ["accuracy" in {m.label for m in metrics} for _, metrics in answer].count(True) >= 2
    first, second = (p for p, _ in answer[:2])
    shared = graph.shared_entities(first, second)
    assert {"GPT-4o", "MATH"} <= {e.label for e in shared}
    assert [e.paper_count for e in shared] == sorted(e.paper_count for e in shared)  # most informative first


def test_an_unknown_name_suggests_close_ones(sample_build: Path) -> None:
    graph = kg.load(sample_build)
    with pytest.raises(kg.NotFoundError) as caught:
        graph.entity("Qwen 2.6")
    assert str(caught.value) == "no entity named 'Qwen 2.6'; close names: 'Qwen2.5'"
    with pytest.raises(kg.NotFoundError) as caught:
        graph.entity("no-such-thing-xyz")
    assert str(caught.value) == "no entity named 'no-such-thing-xyz'"


def test_the_readme_examples_of_papers_with_find_papers_on_the_sample(sample_build: Path) -> None:
    graph = kg.load(sample_build)
    assert len(graph.papers_with("GPT-4o", "MATH")) == len(graph.papers_with("GPT-4o", "MATH", variants=False)) == 4
    assert [v.label for v in graph.variants("Mistral")] == ["Mistral 7B"]
    assert len(graph.papers_with("Mistral", "GSM8K")) == 3  # all three through Mistral 7B
    assert graph.papers_with("Mistral", "GSM8K", variants=False) == []
    assert graph.papers_with("Llama 2", "MMLU") == []  # the README's old example, with or without variants


def test_ids_are_found_in_any_case_and_are_not_names(sample_build: Path) -> None:
    graph = kg.load(sample_build)
    # normalised as a name, the variant's id "Model:ppyoloe-s" lost its size "s" as a plural
    assert graph.entity("model:pp-yoloe").id == "Model:pp-yoloe"
    assert graph.entity("MODEL:PPYOLOE-S").id == "Model:ppyoloe-s"
    assert [e.id for e in graph.entities_named("Model:pp-yoloe")] == []  # names only, as documented
    assert [e.id for e in graph.entities_named("Method:mlm")] == []


def test_an_exact_spelling_wins_over_a_plural_in_more_papers(sample_build: Path) -> None:
    graph = kg.load(sample_build)
    senses = graph.entities_named("MLM")
    assert {e.label for e in senses} >= {"MLM", "MLMs"} and senses[0].label == "MLMs"  # more papers
    assert graph.entity("MLM").label == "MLM"
    assert graph.entity("MLMs").label == "MLMs"
    assert graph.entity("mlm").label == "MLM"  # the same spelling in another case comes next


def test_a_name_in_capitals_is_found_in_the_plural_too(sample_build: Path) -> None:
    graph = kg.load(sample_build)
    llm = graph.entity("large language model")
    assert graph.entity("LARGE LANGUAGE MODELS") == graph.entity("Large Language Models") == llm


def test_records_are_taken_wherever_names_are_and_the_wrong_kind_is_not_found() -> None:
    graph = _small()
    paper, entity = graph.paper("p1"), graph.entity("MMLU")
    assert [n.id for n in graph.path(paper, entity)] == [n.id for n in graph.path("p1", "MMLU")]
    assert graph.node(paper) == "p1" and graph.node(entity) == "Dataset:mmlu"
    with pytest.raises(kg.NotFoundError, match="not an entity"):
        graph.entity(paper)  # type: ignore[arg-type]
    with pytest.raises(kg.NotFoundError, match="not a paper"):
        graph.paper(entity)  # type: ignore[arg-type]
    with pytest.raises(kg.NotFoundError):
        graph.papers_with(paper)  # type: ignore[arg-type]
    with pytest.raises(kg.NotFoundError, match="not in this graph"):
        graph.path(Paper("nope", "T", "A"), entity)  # a record of another build


def test_related_papers_refuses_a_negative_k() -> None:
    graph = _small()
    assert graph.related_papers("p2", k=0) == []
    with pytest.raises(kg.ArgumentError, match="0 or more"):
        graph.related_papers("p2", k=-3)


def test_every_line_of_the_readme_python_section_runs_on_the_sample(sample_build: Path) -> None:
    import re

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Python") :]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    lines = [line for line in code.group(1).splitlines() if line.strip()]
    assert 'graph = kg.load("output")' in lines[1]
    namespace: dict[str, object] = {}
    exec("import kg\ngraph = kg.load(SAMPLE)", {"SAMPLE": str(sample_build)} | namespace, namespace)
    block = "\n".join(lines[2:])
    exec(compile(block, "README.md", "exec"), namespace)  # raises if an example fails
    assert namespace["G"].number_of_nodes() > 1000  # type: ignore[attr-defined]


def test_kg_build_stays_callable_after_a_call_and_after_its_module_is_imported(tmp_path: Path) -> None:
    # kg.build's module was kg/build.py: importing it made the package attribute kg.build that module
    import kg
    from kg.builder import BuildOptions  # as the docstring's options type invites

    paper = tmp_path / "p.jsonl"
    paper.write_text('{"title": "One", "abstract": "We evaluate BERT on GLUE."}\n', encoding="utf-8")
    for _ in range(2):
        graph = kg.build([paper], options=BuildOptions(mode="rules"))
        assert [p.title for p in graph.papers()] == ["One"]
    assert kg.BuildOptions is BuildOptions and callable(kg.build)
    with pytest.raises(kg.QueryError, match="built without an output directory"):
        graph.sparql("ASK {}")
    built = kg.build([paper], tmp_path / "out", options=BuildOptions(mode="rules"))
    assert built.sparql("SELECT ?t WHERE { ?p a kg:Paper ; dcterms:title ?t }").rows == (("One",),)


def test_sparql_answers_from_the_build_and_refuses_updates(sample_build: Path) -> None:
    graph = kg.load(sample_build)
    assert graph.sparql("SELECT (COUNT(?p) AS ?n) WHERE { ?p a kg:Paper }").rows == (("420",),)
    ask = graph.sparql("ASK { ?m a kg:Model ; skos:prefLabel 'GPT-4o' }")
    assert ask.kind == "ask" and ask.boolean is True
    with pytest.raises(kg.QueryError, match="read-only"):
        graph.sparql("INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }")
    with pytest.raises(kg.QueryError):
        graph.sparql("SELECT WHERE {")


def test_sparql_finds_its_build_after_a_chdir(sample_build: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(sample_build.parent)
    graph = kg.load(sample_build.name)  # a relative path
    monkeypatch.chdir("/")
    assert graph.sparql("ASK { ?p a kg:Paper }").boolean is True


def test_a_title_substring_picks_a_paper_only_by_its_name(sample_build: Path) -> None:
    graph = kg.load(sample_build)
    assert graph.paper("flashattention").title.startswith("FlashAttention: Fast")  # its name before the colon
    with pytest.raises(kg.NotFoundError, match=r"2 papers match 'llama' \(.*LlamaV-o1.*Shortened LLaMA"):
        graph.paper("llama")  # "LlamaV-o1: ..." merely starts with it, "Shortened LLaMA: ..." holds it too
