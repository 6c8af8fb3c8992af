"""``kg_confidence``: features, the fit, the shipped weights, and the threshold through the API."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from spacy.language import Language

from kg.errors import ExtractError
from kg.evaluate import load_gold
from kg.extract.confidence import (
    FEATURE_VERSION,
    ConfidenceModel,
    fit_confidence,
    load_confidence_model,
    mention_features,
)
from kg.extract.merge import get_mentions
from kg.extract.pipeline import build_pipeline, extract_papers, make_doc, paper_text
from kg.records import Paper

from .conftest import mentions_of

GOLD = Path(__file__).resolve().parent.parent / "data" / "gold"


def _context(features: list[str]) -> dict[str, str]:
    """The label-conjoined features as a dict (``"L=Metric|head=latency"`` -> ``{"head": "latency"}``)."""
    return dict(f.split("|", 1)[1].split("=", 1) for f in features if "|" in f)


def test_features_describe_the_mention_and_stop_at_its_field() -> None:
    paper = Paper(id="p", title="CATS for LLMs", abstract="CATS cuts latency. We test CATS on GLUE.")
    text = paper_text(paper)
    title_end = len(paper.title)
    in_title = _context(mention_features(text, title_end, 0, 4, "Model", "kg_patterns:title_prefix"))
    assert in_title["field"] == "title" and in_title["prev"] == "<s>" and in_title["next"] == "for"
    assert in_title["cnt"] == "3" and in_title["intitle"] == "True" and in_title["caps"] == "True"
    assert in_title["src"] == "kg_patterns:title_prefix"
    last = text.index("LLMs")
    assert _context(mention_features(text, title_end, last, last + 4, "Model", "ner"))["next"] == "</s>"
    first = title_end + 2  # the abstract's first word: nothing of the title before it
    opening = _context(mention_features(text, title_end, first, first + 4, "Model", "ner"))
    assert opening["prev"] == "<s>" and opening["field"] == "abstract" and opening["next"] == "cuts"
    start = text.index("latency")
    feats = mention_features(text, title_end, start, start + 7, "Metric", "ner")
    assert feats[:2] == ["L=Metric", "src=ner"]
    assert all(f.startswith("L=Metric|") for f in feats[2:])
    got = _context(feats)
    assert got["head"] == "latency" and got["name"] == "False" and got["lower"] == "True"
    assert got["cnt"] == "1" and got["intitle"] == "False" and got["nw"] == "1"


def test_fit_separates_what_is_right_from_what_is_not_and_is_deterministic() -> None:
    data = (
        [(["L=Metric", "L=Metric|head=accuracy"], True)] * 30
        + [(["L=Metric", "L=Metric|head=complexity"], False)] * 30
        + [(["L=Metric", "L=Metric|head=latency"], True)] * 10
        + [(["L=Metric", "L=Metric|head=latency"], False)] * 10
        + [(["L=Metric", "L=Metric|head=once"], True)]
    )
    model = fit_confidence(data)
    p = {h: model.probability(["L=Metric", f"L=Metric|head={h}"]) for h in ("accuracy", "complexity", "latency")}
    assert p["accuracy"] > 0.8 and p["complexity"] < 0.2 and 0.35 < p["latency"] < 0.65
    assert "L=Metric|head=once" not in model.weights  # seen once: below min_count
    assert "L=Metric" in model.weights or model.bias != 0
    assert fit_confidence(data) == model
    assert model.meta["examples"] == 81 and model.meta["positives"] == 41
    with pytest.raises(ExtractError, match="no examples"):
        fit_confidence([])


def test_probability_is_stable_far_from_zero() -> None:
    model = ConfidenceModel({"big": 800.0, "small": -800.0}, 0.0)
    assert model.probability(["big"]) == 1.0 and model.probability(["small"]) == 0.0
    assert model.probability([]) == 0.5
    assert math.isclose(ConfidenceModel({}, math.log(3)).probability([]), 0.75)


def test_weights_round_trip_and_bad_files_say_what_to_do(tmp_path: Path) -> None:
    model = fit_confidence([(["L=A", "L=A|x"], True)] * 3 + [(["L=A", "L=A|y"], False)] * 3)
    path = tmp_path / "confidence.json"
    path.write_text(json.dumps(model.to_json()), encoding="utf-8")
    loaded = load_confidence_model(path)
    assert loaded == model and loaded.meta == model.meta
    path.write_text(json.dumps({**model.to_json(), "feature_version": FEATURE_VERSION + 1}), encoding="utf-8")
    with pytest.raises(ExtractError, match=r"train_confidence\.py"):
        load_confidence_model(path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ExtractError, match="cannot read the confidence model"):
        load_confidence_model(path)
    good = model.to_json()
    for broken in (
        {"weights": [1, 2]},
        {"weights": {"a": None}},
        {"weights": {"a": "x"}},
        {"bias": "nan"},
        {"meta": [1]},
    ):
        path.write_text(json.dumps({**good, **broken}), encoding="utf-8")
        with pytest.raises(ExtractError, match="cannot read the confidence model"):
            load_confidence_model(path)
    with pytest.raises(ExtractError, match="cannot read"):
        load_confidence_model(tmp_path / "missing.json")


def test_shipped_weights_were_fitted_out_of_fold() -> None:
    model = load_confidence_model()
    assert model.meta["examples"] > 5000 and len(model.weights) > 1000
    assert "out-of-fold" in model.meta["trained_on"]
    curve = model.meta["out_of_fold"]["by_threshold"]
    assert curve["0.0"]["ALL"]["precision"] < curve["0.3"]["ALL"]["precision"] < curve["0.5"]["ALL"]["precision"]


def test_only_the_full_pipeline_is_calibrated() -> None:
    assert build_pipeline("full").pipe_names[-2:] == ["kg_merge", "kg_confidence"]
    assert build_pipeline("full", calibrate=False).pipe_names[-1] == "kg_merge"
    assert "kg_confidence" not in build_pipeline("names").pipe_names
    assert "kg_confidence" not in build_pipeline("rules").pipe_names


def test_confidence_ranks_right_mentions_above_wrong_ones(full_nlp: Language) -> None:
    """On the seed gold (not trained on), right mentions get higher confidence, and the
    mentions above 0.5 are right more often than those below."""
    docs = load_gold(GOLD / "seed_gold.jsonl")
    papers = [Paper(id=d.id, title=d.title, abstract=d.abstract) for d in docs]
    right, wrong = [], []
    for doc, (_, mentions) in zip(docs, extract_papers(papers, full_nlp), strict=True):
        gold = {s[1:] for s in doc.spans}
        for m in mentions:
            assert 0.0 <= m.confidence <= 1.0
            (right if (m.field, m.start, m.end, m.label) in gold else wrong).append(m.confidence)
    assert sum(right) / len(right) > sum(wrong) / len(wrong) + 0.15
    high = sum(c >= 0.5 for c in right) / (sum(c >= 0.5 for c in right) + sum(c >= 0.5 for c in wrong))
    low = sum(c < 0.5 for c in right) / (sum(c < 0.5 for c in right) + sum(c < 0.5 for c in wrong))
    assert high > low + 0.2


def test_a_generic_span_gets_less_confidence_than_a_known_name(full_nlp: Language) -> None:
    mentions = mentions_of(full_nlp, "We propose a decoder for speculative decoding that reduces latency on ImageNet.")
    by_text = {m.text: (m.source, m.confidence) for m in mentions}
    assert by_text["decoder"][0] == "ner" and by_text["speculative decoding"][0] == "kg_gazetteer"
    assert by_text["decoder"][1] < 0.3 < 0.8 < min(by_text[t][1] for t in ("speculative decoding", "ImageNet"))


def test_min_confidence_keeps_the_mentions_at_or_above_it(full_nlp: Language) -> None:
    docs = load_gold(GOLD / "seed_gold.jsonl")[:10]
    papers = [Paper(id=d.id, title=d.title, abstract=d.abstract) for d in docs]
    every = [ms for _, ms in extract_papers(papers, full_nlp)]
    kept = [ms for _, ms in extract_papers(papers, full_nlp, min_confidence=0.5)]
    assert [[m for m in ms if m.confidence >= 0.5] for ms in every] == kept
    assert sum(map(len, kept)) < sum(map(len, every))


def test_the_component_computes_what_the_features_and_weights_say(full_nlp: Language) -> None:
    """The component memoises each surface form's share; its result is exactly the model's probability."""
    model = load_confidence_model()
    docs = load_gold(GOLD / "seed_gold.jsonl")[:15]
    papers = [Paper(id=d.id, title=d.title, abstract=d.abstract) for d in docs]
    checked = 0
    for _ in range(2):  # the second pass runs on the memo
        for paper in papers:
            text = paper_text(paper)
            doc = full_nlp(make_doc(full_nlp, text))
            for m in get_mentions(doc):
                features = mention_features(text, len(paper.title), m.start_char, m.end_char, m.label, m.source)
                assert m.confidence == model.probability(features), m
                checked += 1
    assert checked > 300


def test_a_title_that_lengthens_when_lowered_is_still_the_title() -> None:
    from kg.extract.candidates import FIELD_SEPARATOR
    from kg.extract.confidence import _context_features

    title = "İİİİİİİİ BERT"  # "İ".lower() is two characters
    text = title + FIELD_SEPARATOR + "We use BERT."
    start = text.rindex("BERT")
    features = _context_features(text, None, len(title), start, start + 4, "Model")
    assert "L=Model|intitle=True" in features
