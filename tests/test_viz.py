"""graph.html: self-contained, escaped, within budget, deterministic."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx

from kg.records import Mention
from kg.viz import render_html, select_nodes

XSS = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def hostile_graph() -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_node("p1", kind="Paper", label=XSS, title=XSS, abstract=f"We use BERT. {XSS}", year=2024, authors=(XSS,))
    g.add_node("p2", kind="Paper", label="Another paper", title="Another paper", abstract="BERT again.")
    g.add_node(
        "Model:bert", kind="Entity", type="Model", label="BERT", aliases=(XSS, "bert"), mention_count=2, paper_count=2
    )
    g.add_node("Dataset:glue", kind="Entity", type="Dataset", label="GLUE", aliases=(), mention_count=1, paper_count=1)
    m = Mention("p1", "abstract", 7, 11, "BERT", "Model", 0.95, "kg_gazetteer")
    g.add_edge("p1", "Model:bert", relation="usesModel", mention_count=1, confidence=0.95, mentions=(m,))
    g.add_edge("p2", "Model:bert", relation="usesModel", mention_count=1, confidence=0.95, mentions=())
    g.add_edge("p2", "Dataset:glue", relation="usesDataset", mention_count=1, confidence=0.95, mentions=())
    g.add_edge("p1", "p2", relation="relatedPaper", weight=0.7, shared=("Model:bert",))
    return g


def test_html_is_self_contained_and_escaped(tmp_path: Path) -> None:
    out = tmp_path / "graph.html"
    summary = render_html(hostile_graph(), out)
    html = out.read_text()
    assert summary.nodes_shown == 4 and summary.edges_shown == 3  # similarity edge off by default
    assert not re.search(r"<(?:script|link|img)[^>]+(?:src|href)\s*=", html, re.I)
    assert "node_modules" not in html
    assert "<script>window.__pwned" not in html  # the title only appears JSON-escaped
    assert "\\u003cscript\\u003ewindow.__pwned" in html
    assert len(re.findall(r"^<script", html, re.M)) == 3  # data block, vis-network, our code


def test_overview_respects_the_budget_and_says_so(tmp_path: Path) -> None:
    g = nx.DiGraph()
    for i in range(300):
        g.add_node(f"p{i}", kind="Paper", label=f"Paper {i}", title=f"Paper {i}", abstract="")
    for j in range(30):
        g.add_node(
            f"Method:m{j}", kind="Entity", type="Method", label=f"m{j}", aliases=(), mention_count=1, paper_count=j + 1
        )
        for i in range(j + 1):
            g.add_edge(f"p{(i * 7 + j) % 300}", f"Method:m{j}", relation="usesMethod", mentions=())
    nodes = select_nodes(g, max_nodes=50)
    assert len(nodes) == 50 and nodes[0] == "Method:m29"  # most connected entity first
    assert sum(n.startswith("Method:") for n in nodes) > 10  # hubs do not take the whole budget
    summary = render_html(g, tmp_path / "g.html", max_nodes=50)
    assert summary.nodes_shown == 50 and summary.nodes_total == 330
    assert "showing 50 of 330 nodes" in (tmp_path / "g.html").read_text()
    focus = render_html(g, tmp_path / "f.html", focus="Method:m3", depth=1)
    assert focus.nodes_shown == 5  # the entity and its four papers


def test_render_is_deterministic(tmp_path: Path) -> None:
    render_html(hostile_graph(), tmp_path / "a.html")
    render_html(hostile_graph(), tmp_path / "b.html")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()


def astral_graph() -> nx.DiGraph:
    """A paper whose abstract has two-unit (UTF-16) characters before its mentions."""
    g = nx.DiGraph()
    abstract = "We cut 𝒪(n²) to 𝒪(n) with FlashAttention 🚀 on GSM8K."
    authors = ("\u202eMallory", "Bob Smith")  # a right-to-left override in one name
    g.add_node("p1", kind="Paper", label="Fast", title="Fast", abstract=abstract, year=2024, authors=authors)
    g.add_node("Method:fa", kind="Entity", type="Method", label="FlashAttention", aliases=(), paper_count=1)
    g.add_node("Dataset:gsm8k", kind="Entity", type="Dataset", label="GSM8K", aliases=(), paper_count=1)
    links = (("Method:fa", "FlashAttention", "usesMethod"), ("Dataset:gsm8k", "GSM8K", "usesDataset"))
    for node, text, relation in links:
        start = abstract.index(text)
        m = Mention("p1", "abstract", start, start + len(text), text, node.split(":")[0], 0.9, "kg_gazetteer")
        g.add_edge("p1", node, relation=relation, mention_count=1, confidence=0.9, mentions=(m,))
    return g


def test_abstract_preview_is_cut_into_pieces_by_python_offsets() -> None:
    from kg.viz import _abstract_preview

    pieces = _abstract_preview(astral_graph(), "p1")
    assert [p for p in pieces if p[1]] == [["FlashAttention", "Method"], ["GSM8K", "Dataset"]]
    assert "".join(text for text, _ in pieces) == astral_graph().nodes["p1"]["abstract"]
    long = _abstract_preview(astral_graph(), "p1", limit=10)
    assert long == [["We cut 𝒪(n…", ""]]  # mentions past the cut are not highlighted


def test_types_and_min_papers_filter_an_ego_network_too_and_take_any_case() -> None:
    g = hostile_graph()
    assert set(select_nodes(g, focus="Model:bert")) == {"Model:bert", "p1", "p2"}
    assert select_nodes(g, focus="p2", types=["dataset"]) == ["p2", "Dataset:glue"]  # the focus stays
    assert set(select_nodes(g, focus="p2")) == {"p2", "p1", "Model:bert", "Dataset:glue"}
    assert set(select_nodes(g, focus="p2", min_papers=2)) == {"p2", "p1", "Model:bert"}  # GLUE is in one
    assert select_nodes(g, types=["DATASET"]) == ["Dataset:glue"]


def test_unknown_focus_or_type_is_a_clear_error() -> None:
    import pytest

    from kg.errors import NotFoundError

    with pytest.raises(NotFoundError, match="no node 'Model:nope'"):
        select_nodes(hostile_graph(), focus="Model:nope")
    with pytest.raises(ValueError, match="unknown node type 'Datasets'"):
        select_nodes(hostile_graph(), types=["Datasets"])
    with pytest.raises(ValueError, match="max_nodes must be at least 1, not 0"):
        select_nodes(hostile_graph(), max_nodes=0)


def family_graph() -> nx.DiGraph:
    """A family ("Llama 2") that no paper names itself, only its variant ("Llama 2 7B") does."""
    g = hostile_graph()
    g.add_node("Model:llama-2", kind="Entity", type="Model", label="Llama 2", aliases=(), paper_count=0)
    g.add_node("Model:llama-2-7b", kind="Entity", type="Model", label="Llama 2 7B", aliases=(), paper_count=1)
    g.add_edge("p2", "Model:llama-2-7b", relation="usesModel", mention_count=1, confidence=0.9, mentions=())
    g.add_edge("Model:llama-2-7b", "Model:llama-2", relation="variantOf")
    return g


def test_a_kept_variant_brings_its_family_and_a_family_counts_its_variants_papers(tmp_path: Path) -> None:
    g = family_graph()
    overview = select_nodes(g)
    assert set(overview) == set(g.nodes)  # the family too, though no paper names it
    assert overview.index("Model:llama-2") == overview.index("Model:llama-2-7b") + 1  # right after its variant
    assert "Model:llama-2" in select_nodes(g, focus="Model:llama-2-7b")  # one paper, through its variant
    assert "Model:llama-2" not in select_nodes(g, focus="Model:llama-2-7b", min_papers=2)
    render_html(g, tmp_path / "g.html")
    assert "showing 6 of 6 nodes; links between related papers not drawn" in (tmp_path / "g.html").read_text()


def test_the_note_says_which_nodes_a_page_shows(tmp_path: Path) -> None:
    g = family_graph()
    render_html(g, tmp_path / "f.html", focus="Model:bert", show_similarity=True)
    assert ">showing 3 of 6 nodes around BERT</span>" in (tmp_path / "f.html").read_text()
    render_html(g, tmp_path / "o.html", max_nodes=2)
    assert (
        ">showing 2 of 6 nodes: the entities in most papers, each with up to 3 of its papers"
        in (tmp_path / "o.html").read_text()
    )
    g.nodes["Model:bert"]["label"] = "<b>BERT</b>"
    render_html(g, tmp_path / "x.html", focus="Model:bert", depth=2)
    assert "within 2 steps of &lt;b&gt;BERT&lt;/b&gt;" in (tmp_path / "x.html").read_text()  # escaped
    render_html(g, tmp_path / "t.html", types=["dataset", "model"], min_papers=2)
    note = re.search(r'id="note">([^<]*)<', (tmp_path / "t.html").read_text()).group(1)
    assert note == "showing 1 of 6 nodes: Model, Dataset only; entities in 2 or more papers"  # no papers promised
