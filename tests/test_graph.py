"""Graph construction, the paper projection and traversal functions."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import pytest
from networkx.algorithms import bipartite

from kg import graph as kgg
from kg.records import Entity, Mention, Paper
from kg.resolve import Resolution


def test_projection_matches_networkx_idf_weights() -> None:
    pe = {"p1": {"a", "b", "hub"}, "p2": {"a", "hub"}, "p3": {"b", "c", "hub"}, "p4": {"c", "hub"}, "p5": {"d"}}
    links = kgg.project_papers(pe, k=10, max_df=0.5)
    idf = kgg.idf_weights(pe)
    b = nx.Graph()
    b.add_nodes_from(pe, bipartite=0)
    for p, ents in pe.items():
        b.add_edges_from((p, e) for e in ents if e != "hub")  # hub is in 4/5 > max_df
    proj = bipartite.generic_weighted_projected_graph(
        b, list(pe), weight_function=lambda g, u, v: sum(idf[e] for e in set(g[u]) & set(g[v]))
    )
    ours = {(link.source, link.target): link.weight for link in links}
    for u, v, d in proj.edges(data=True):
        assert ours[(u, v)] == pytest.approx(d["weight"], abs=1e-6)
        assert ours[(v, u)] == pytest.approx(d["weight"], abs=1e-6)
    assert len(ours) == 2 * proj.number_of_edges()
    assert all("hub" not in link.shared for link in links)


def test_projection_keeps_top_k_and_prefers_rare_entities() -> None:
    pe = {f"p{i}": {"common", f"rare{i // 2}"} for i in range(20)}
    links = kgg.project_papers(pe, k=3, max_df=1.0)
    out_degree: dict[str, int] = {}
    for link in links:
        out_degree[link.source] = out_degree.get(link.source, 0) + 1
    assert max(out_degree.values()) <= 3
    first = [link for link in links if link.source == "p0"]
    assert first[0].target == "p1"  # shares the rare entity
    assert first[0].weight == pytest.approx(math.log(20 / 2) + math.log(20 / 20))


def _tiny() -> nx.DiGraph:
    papers = [
        Paper("p1", "FlashAttention on Llama 2", "x"),
        Paper("p2", "Llama 2 on MMLU", "y"),
        Paper("p3", "Unrelated", "z"),
    ]
    ents = (
        Entity("Method:flashattention", "Method", "FlashAttention", (), 1, 1),
        Entity("Model:llama-2", "Model", "Llama 2", ("Llama-2",), 2, 2),
        Entity("Model:llama-2-7b", "Model", "Llama 2 7B", (), 1, 1, variant_of="Model:llama-2"),
        Entity("Dataset:mmlu", "Dataset", "MMLU", (), 1, 1),
    )
    ms = [
        Mention("p1", "title", 0, 14, "FlashAttention", "Method", 0.9, "kg_gazetteer"),
        Mention("p1", "title", 18, 25, "Llama 2", "Model", 0.9, "kg_gazetteer"),
        Mention("p2", "title", 0, 7, "Llama 2", "Model", 0.9, "kg_gazetteer"),
        Mention("p2", "abstract", 0, 1, "y", "Model", 0.5, "ner"),
        Mention("p2", "title", 11, 15, "MMLU", "Dataset", 0.9, "kg_gazetteer"),
    ]
    res = Resolution(
        ents, ("Method:flashattention", "Model:llama-2", "Model:llama-2", "Model:llama-2-7b", "Dataset:mmlu")
    )
    return kgg.build_graph(papers, ms, res, k=5, max_df=1.0)


def test_build_graph_schema_and_traversal(tmp_path: Path) -> None:
    g = _tiny()
    assert g.nodes["p1"]["kind"] == "Paper"
    assert g.edges["p1", "Model:llama-2"]["relation"] == "usesModel"
    assert g.edges["p2", "Dataset:mmlu"]["relation"] == "usesDataset"
    assert g.edges["Model:llama-2-7b", "Model:llama-2"]["relation"] == "variantOf"
    assert kgg.papers_with(g, "Model:llama-2") == ["p1", "p2"]
    assert kgg.papers_with(g, "Model:llama-2", "Dataset:mmlu") == ["p2"]
    assert kgg.path(g, "Method:flashattention", "Dataset:mmlu") == [
        "Method:flashattention",
        "p1",
        "Model:llama-2",
        "p2",
        "Dataset:mmlu",
    ]
    assert kgg.path(g, "p3", "p1") == []
    assert ("Dataset:mmlu", 1) in kgg.co_occurring(g, "Model:llama-2")
    memo: dict[str, set[str]] = {}
    for e in kgg.entity_nodes(g):  # a memo shared by many calls changes no answer
        for type_ in (None, "Dataset", "Method"):
            assert kgg.co_occurring(g, e, type_, memo=memo) == kgg.co_occurring(g, e, type_)
    assert kgg.co_occurring(g, "Model:llama-2", "Dataset") == [("Dataset:mmlu", 1)]
    assert all(e != "Model:llama-2" for e, _ in kgg.co_occurring(g, "Model:llama-2"))
    kgg.write_graph(g, tmp_path / "graph.json")
    back = kgg.read_graph(tmp_path)
    assert sorted(back.nodes) == sorted(g.nodes)
    assert back.edges["p1", "Model:llama-2"]["mentions"] == g.edges["p1", "Model:llama-2"]["mentions"]
    kgg.write_graphml(g, tmp_path / "graph.graphml")
    assert nx.read_graphml(tmp_path / "graph.graphml").number_of_nodes() == g.number_of_nodes()


def test_sample_links_respect_k_and_explain_themselves(sample_build: Path) -> None:
    from kg.knowledge import KnowledgeGraph

    graph = KnowledgeGraph.load(sample_build)
    g = graph.to_networkx()
    out_links: dict[str, int] = {}
    for u, _, r in g.edges(data="relation"):
        if r == "relatedPaper":
            out_links[u] = out_links.get(u, 0) + 1
    assert out_links and max(out_links.values()) <= 10  # kg build's default k
    paper = graph.papers_with("FlashAttention")[0]
    related = graph.related_papers(paper, k=3)
    assert len(related) == 3
    assert all(r.shared and r.weight > 0 for r in related)
    assert [r.weight for r in related] == sorted((r.weight for r in related), reverse=True)


def test_streamed_graph_json_is_what_json_dump_writes(sample_build: Path, tmp_path: Path) -> None:
    import json

    g = kgg.read_graph(sample_build)
    kgg.write_graph(g, tmp_path / "graph.json")
    whole = json.dumps(kgg.graph_to_json(g), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert (tmp_path / "graph.json").read_text(encoding="utf-8") == whole
    assert nx.utils.graphs_equal(kgg.read_graph(tmp_path / "graph.json"), g)


def test_streamed_graph_json_converts_mentions_wherever_they_are(tmp_path: Path) -> None:
    # Off the schema too (a user's graph): mentions outside an edge's "mentions", and a
    # "mentions" value that is not a tuple of them, give what json.dump(graph_to_json) gives.
    import json

    m = Mention("p", "title", 0, 4, "BERT", "Model")
    g = nx.DiGraph(community_labels={})
    g.add_node("n", mentions=(m,), single=m, votes=(("Model", 2), ("Method", 1)), names=("a", "b"))
    g.add_edge("a", "b", first=m, mentions="ab")
    g.add_edge("b", "c", mentions={"k": 1}, nested=((m,), ("x",)))
    kgg.write_graph(g, tmp_path / "graph.json")
    whole = json.dumps(kgg.graph_to_json(g), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert (tmp_path / "graph.json").read_text(encoding="utf-8") == whole
    assert '"text":"BERT"' in whole


def test_build_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    """Separate processes (string hashing differs in each) write byte-identical outputs (Louvain saw set order)."""
    import os
    import subprocess
    import sys

    sample = sorted((Path(__file__).resolve().parent.parent / "data" / "sample").glob("*.txt"))
    kg = str(Path(sys.executable).parent / "kg")
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        args = [kg, "-q", "build", *map(str, sample), "--mode", "rules", "-o", str(tmp_path / seed)]
        subprocess.run(args, check=True, env=env, capture_output=True)
    for output in (tmp_path / "1").iterdir():
        if output.is_file() and not output.name.endswith(".sections"):  # an index names its file's inode
            assert output.read_bytes() == (tmp_path / "2" / output.name).read_bytes(), output.name


def test_streamed_graphml_reads_back_as_networkx_would_have_written_it(sample_build: Path, tmp_path: Path) -> None:
    from kg.graph_io import _flat_attrs

    g = kgg.read_graph(sample_build)
    g.nodes[next(iter(g.nodes))]["label"] = 'quote " & <tag> \n new line'  # escaping
    kgg.write_graphml(g, tmp_path / "ours.graphml")
    flat = nx.DiGraph()
    flat.add_nodes_from((n, _flat_attrs(d)) for n, d in g.nodes(data=True))
    flat.add_edges_from((u, v, _flat_attrs(d)) for u, v, d in g.edges(data=True))
    nx.write_graphml(flat, tmp_path / "networkx.graphml")
    ours, theirs = nx.read_graphml(tmp_path / "ours.graphml"), nx.read_graphml(tmp_path / "networkx.graphml")
    assert nx.utils.graphs_equal(ours, theirs)
    assert ours.number_of_nodes() == g.number_of_nodes() and ours.number_of_edges() == g.number_of_edges()


def _topics() -> nx.DiGraph:
    """Three topics of seven papers; each topic entity is in four of its topic's papers; one hub in all."""
    g = nx.DiGraph()
    g.add_node("E:hub", kind="Entity", type="Metric", label="accuracy", paper_count=21)
    for topic in ("depth", "speech", "vision"):
        papers = [f"{topic}-{i}" for i in range(7)]
        g.add_nodes_from(papers, kind="Paper")
        for k in range(7):
            entity = f"E:{topic}-{k}"
            g.add_node(entity, kind="Entity", type="Method", label=f"{topic} method {k}", paper_count=4)
            for i in range(k, k + 4):
                g.add_edge(papers[i % 7], entity, relation="usesMethod")
        for p in papers:
            g.add_edge(p, "E:hub", relation="reportsMetric")
    return g


def test_communities_split_papers_by_the_entities_they_share() -> None:
    g = _topics()
    found = kgg.communities(g)
    by_topic = {c.papers[0].split("-")[0]: c for c in found}
    assert sorted(by_topic) == ["depth", "speech", "vision"]
    for topic, community in by_topic.items():
        assert {p.split("-")[0] for p in community.papers} == {topic}
        assert {e.split(":")[1].split("-")[0] for e in community.entities} == {topic}
    assert sorted(len(c.papers) for c in found) == [7, 7, 7]
    assert all("E:hub" not in c.entities for c in found)  # in every paper: left out
    assert by_topic["depth"].label == "depth method 0 / depth method 1 / depth method 2"  # ties in paper count: by id
    assert [c.id for c in found] == list(range(len(found)))


def test_communities_are_seeded_and_agree_with_networkx_louvain() -> None:
    g = _topics()
    assert kgg.communities(g) == kgg.communities(g)
    u = nx.Graph((p, e) for p, e in g.edges if e != "E:hub")
    expected = sorted(sorted(part) for part in nx.community.louvain_communities(u, seed=1))
    got = sorted(sorted(c.papers + c.entities) for c in kgg.communities(g, seed=7))
    assert got == expected
    assert kgg.communities(nx.DiGraph()) == []


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda d: d.pop("graph"), "KeyError"),
        (lambda d: d.pop("nodes"), "KeyError"),
        (lambda d: d.update(graph=None), "AttributeError"),
        (lambda d: d["graph"].update(community_labels={"a": "x"}), "ValueError"),
        (lambda d: next(n for n in d["nodes"] if n["kind"] == "Entity").pop("label"), "has no label"),
        (lambda d: d["nodes"][0].pop("id"), "KeyError"),
        (lambda d: next(e for e in d["edges"] if e.get("mentions")).update(mentions=[{"x": 1}]), "TypeError"),
        (lambda d: d.update(version=99), "format version 99"),
    ],
)
def test_a_damaged_graph_json_is_an_export_error_saying_so(sample_build: Path, tmp_path: Path, edit, says) -> None:  # type: ignore[no-untyped-def]
    import json

    from kg.errors import ExportError

    data = json.loads((sample_build / "graph.json").read_text(encoding="utf-8"))
    edit(data)
    (tmp_path / "graph.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ExportError, match=says):
        kgg.read_graph(tmp_path)
