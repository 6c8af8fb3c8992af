"""The extraction pipeline end to end: modes, offsets, sentences, empty fields, no network."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from spacy.language import Language

from kg.errors import ExtractError
from kg.extract.pipeline import build_pipeline, extract_papers, extractor_version
from kg.records import Paper

from .conftest import mentions_of

PAPER = Paper(
    id="p",
    title="PreludeNet: a network for monocular depth estimation",
    abstract="We train PreludeNet on KITTI. It beats ZoeDepth in AbsRel.\nOn NYUv2 it reduces latency.",
)


def test_modes_and_component_order() -> None:
    assert build_pipeline("rules").pipe_names == [
        "kg_sentences",
        "kg_abbreviations",
        "kg_gazetteer",
        "kg_patterns",
        "kg_merge",
    ]
    with pytest.raises(ExtractError, match="unknown extraction mode"):
        build_pipeline("fast")  # type: ignore[arg-type]
    assert len({extractor_version("rules"), extractor_version("full"), extractor_version("names")}) == 3


def test_each_mention_has_its_sentence(rules_nlp: Language) -> None:
    mentions = mentions_of(rules_nlp, PAPER.abstract, PAPER.title)
    assert mentions
    for m in mentions:
        assert m.text in m.sentence, m
    by_text = {m.text: m.sentence for m in mentions}
    assert by_text["KITTI"] == "We train PreludeNet on KITTI."
    assert by_text["PreludeNet"] in {PAPER.title, "We train PreludeNet on KITTI."}
    assert "\n" not in by_text["NYUv2"]


def test_empty_and_odd_fields_give_lists_not_errors(rules_nlp: Language) -> None:
    papers = [
        Paper(id="a", title="", abstract=""),
        Paper(id="b", title="Only a title with BERT", abstract=""),
        Paper(id="c", title="", abstract="   "),
        Paper(id="d", title="ok", abstract="$\\phi$-Decoding \u202eRTL\u202c 🙂 GPT-4"),
    ]
    out = list(extract_papers(papers, rules_nlp))
    assert [p.id for p, _ in out] == ["a", "b", "c", "d"]
    assert out[0][1] == [] and out[2][1] == []
    assert [(m.field, m.text) for m in out[1][1]] == [("title", "BERT")]
    for paper, mentions in out:
        for m in mentions:
            assert getattr(paper, m.field)[m.start : m.end] == m.text


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network access attempted during extraction")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


def test_full_pipeline_loads_from_the_package_without_network(no_network: None) -> None:
    nlp = build_pipeline("full")
    assert nlp.pipe_names[:2] == ["tok2vec", "ner"]
    [(_, mentions)] = list(extract_papers([PAPER], nlp))
    assert {("KITTI", "Dataset"), ("NYUv2", "Dataset")} <= {(m.text, m.label) for m in mentions}
    assert {m.source for m in mentions} <= {"ner", "kg_gazetteer", "kg_abbreviations"} | {
        m.source for m in mentions if m.source.startswith("kg_patterns:")
    }


def test_worker_processes_give_the_same_mentions_in_order(rules_nlp: Language) -> None:
    from pathlib import Path

    from kg.ingest import read_papers

    sample = sorted((Path(__file__).resolve().parents[2] / "data" / "sample").glob("*.txt"))
    papers = read_papers(sample[1:2]).papers[:40]
    single = list(extract_papers(papers, rules_nlp, batch_size=8))
    forked = list(extract_papers(iter(papers), rules_nlp, batch_size=3, n_process=2))
    assert [p.id for p, _ in forked] == [p.id for p in papers]
    assert forked == single
    assert sum(len(m) for _, m in single) > 100


def test_no_mention_has_space_at_its_edges_or_no_letter_and_each_sentence_holds_its_mention(
    full_nlp: Language,
) -> None:
    abstracts = [
        "Tests  of Accuracy and robustness of the autoencoder\u00a0 and the transformer\u00a0 model.",
        "We compare with Grok 3 -  \r\nand GPT-4 on MMLU.",
        "We obtain a $2.5\\times$ speedup and $10\\%$ higher accuracy, $ 90.1 $ accuracy and $ & $ throughput.",
    ]
    for abstract in abstracts:
        for title in ("", "Large\nLanguage Models for BERT"):
            for m in mentions_of(full_nlp, abstract, title):
                assert m.text == m.text.strip() and any(c.isalnum() for c in m.text), m
                assert "$" not in m.text and "\\" not in m.text, m
                assert m.text in m.sentence, m


def test_a_model_keeps_its_size_after_a_no_break_space_or_a_tab(rules_nlp: Language) -> None:
    text = "We fine-tune Llama\u00a02 7B, Llama-2\u00a013B, Qwen2.5\u202f72B and Llama-2\t70B."
    models = {m.text for m in mentions_of(rules_nlp, text) if m.label == "Model"}
    assert models == {"Llama\u00a02 7B", "Llama-2\u00a013B", "Qwen2.5\u202f72B", "Llama-2\t70B"}


def test_the_python_api_refuses_what_it_cannot_read(rules_nlp: Language) -> None:
    from kg.errors import ExtractError
    from kg.extract.pipeline import extract_papers, extractor_version

    for paper in (
        Paper(id="a", title="T", abstract=["GLUE"]),  # type: ignore[arg-type]
        Paper(id="b", title=None, abstract="GLUE"),  # type: ignore[arg-type]
        Paper(id="c", title="T", abstract="BERT \ud83d on GLUE"),
    ):
        with pytest.raises(ExtractError, match=f"paper '{paper.id}'"):
            list(extract_papers([paper], rules_nlp))
    with pytest.raises(ValueError, match="n_process"):
        list(extract_papers([Paper(id="d", title="T", abstract="x")], rules_nlp, n_process=0))
    with pytest.raises(ValueError, match="unknown mode"):
        extractor_version("bogus")  # type: ignore[arg-type]


def test_a_long_run_without_spaces_is_one_token_and_offsets_hold() -> None:
    # spaCy's tokenizer is quadratic in such a run: 90,000 "(" took half an hour
    from kg.extract.pipeline import LONGEST_RUN, build_pipeline, extract_papers, make_doc

    nlp = build_pipeline("rules")
    run = "(" * 90_000
    text = f"We evaluate BERT on GLUE. {run}\n and  SQuAD {'A-' * 600}"
    doc = make_doc(nlp, text)
    assert doc.text == text
    assert [t.text for t in doc if len(t.text) > LONGEST_RUN] == [run, "A-" * 600]
    assert [t.text for t in doc[:6]] == [t.text for t in nlp.make_doc(text[:26])]  # the rest as usual
    paper = Paper(id="t:run", title="Runs", abstract=text)
    ((_, mentions),) = extract_papers([paper], build_pipeline("full"))
    assert {m.text for m in mentions} >= {"BERT", "GLUE", "SQuAD"}
    assert all(paper.abstract[m.start : m.end] == m.text for m in mentions if m.field == "abstract")
