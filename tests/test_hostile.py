"""The robustness suite: hostile inputs (tests/data/hostile/ plus huge ones made here) built through the CLI.

Nothing crashes, every input record ends up in the graph (as a paper, or merged
into one: its ``file:line`` is among the paper's sources) or in rejects.jsonl
with a reason, exactly once, and report.json's counts add up.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

import kg
from kg.cli import main

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
ABSTRACT = "We propose a new method for this task and evaluate it on a standard benchmark with strong results."
#: Records in each committed file, counted by hand: what a reader must account for.
RECORDS = {
    "arxiv_hostile.xml": 3,
    "bom_utf16.csv": 2,
    "bom_utf8.jsonl": 2,
    "emoji_rtl.jsonl": 5,
    "garbage.jsonl": 6,
    "latex.bib": 3,
    "latex.jsonl": 3,
    "mixed_encodings.txt": 2,
    "nul_bytes.txt": 2,
    "nul_escapes.jsonl": 2,
    "punctuation.csv": 6,
    "truncated.jsonl": 3,
    "wrong_types.json": 6,
}
DUPLICATES = 100_000


def huge_inputs(folder: Path) -> dict[str, int]:
    """Generated here rather than committed: 10 MB lines and 100,000 records with one title."""
    ten_mb = "x" * 10_000_000
    (folder / "long_abstract.jsonl").write_text(
        json.dumps({"title": "A Ten Megabyte Abstract", "abstract": ten_mb})
        + "\n"
        + json.dumps({"title": "Normal Paper After a Huge Line", "abstract": ABSTRACT})
        + "\n"
    )
    (folder / "long_title.jsonl").write_text(json.dumps({"title": ten_mb, "abstract": ABSTRACT}) + "\n")
    (folder / "long_line.txt").write_text(f"A Title Before a Huge Line\n{ten_mb}. Done.\n")
    with (folder / "duplicates.jsonl").open("w") as fh:
        for i in range(DUPLICATES):
            fh.write(json.dumps({"title": "The Same Title Again", "abstract": f"{ABSTRACT} Copy {i}."}) + "\n")
    return {"long_abstract.jsonl": 2, "long_title.jsonl": 1, "long_line.txt": 1, "duplicates.jsonl": DUPLICATES}


def accounted(out: Path) -> Counter[tuple[str, int]]:
    """How often each (file name, line) appears among the papers' sources and the rejects."""
    seen: Counter[tuple[str, int]] = Counter()
    graph = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    for node in graph["nodes"]:
        for source in node.get("sources", ()):
            path, _, line = source.rpartition(":")
            seen[(Path(path).name, int(line))] += 1
    for line in (out / "rejects.jsonl").read_text(encoding="utf-8").splitlines():
        reject = json.loads(line)
        assert reject["reason"], reject
        seen[(Path(reject["source"]).name, int(reject["line"]))] += 1
    return seen


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("hostile")
    records = {**RECORDS, **huge_inputs(folder)}
    inputs = [HOSTILE / name for name in RECORDS] + [folder / name for name in records if name not in RECORDS]
    out = folder / "out"
    result = CliRunner().invoke(main, ["-q", "build", *map(str, inputs), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out, records


def test_every_record_is_in_the_graph_or_rejected_once(hostile_build: tuple[Path, dict[str, int]]) -> None:
    out, records = hostile_build
    seen = accounted(out)
    assert set(seen.values()) == {1}, [k for k, n in seen.items() if n != 1]
    per_file = Counter(name for name, _ in seen)
    assert per_file == records
    papers = json.loads((out / "report.json").read_text())["papers"]
    assert papers["read"] == sum(records.values()) == papers["kept"] + papers["merged"] + papers["rejected"]
    assert papers["merged"] >= DUPLICATES - 1
    assert papers["rejected"] == sum(1 for _ in (out / "rejects.jsonl").open())


def test_report_counts_rejects_by_kind(hostile_build: tuple[Path, dict[str, int]]) -> None:
    out, _ = hostile_build
    papers = json.loads((out / "report.json").read_text())["papers"]
    kinds = papers["reject_reasons"]
    assert sum(kinds.values()) == papers["rejected"]
    # one kind per reason, whatever line, column or key it names
    assert not [kind for kind in kinds if any(c.isdigit() for c in kind)], kinds
    assert kinds["empty title"] >= 5 and kinds["title too long"] == 1


def test_rejects_of_one_kind_count_together_whatever_they_name(tmp_path: Path) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("title,abstract,year\nGood,An abstract.,2020\nA,b,c,d\nA,b,c,d,e\n", encoding="utf-8")
    bib = tmp_path / "keys.bib"
    entry = "@article{{{key},\n  title = {{{title}}},\n  abstract = {{About {title}.}}\n}}\n"
    bib.write_text(
        "".join(entry.format(key=k, title=t) for k, t in [("a", "One"), ("a", "Two"), ("b", "Three"), ("b", "Four")])
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["-q", "build", str(rows), str(bib), "-o", str(out), "--mode", "rules"])
    assert result.exit_code == 0, result.output
    papers = json.loads((out / "report.json").read_text())["papers"]
    assert papers["reject_reasons"] == {"duplicate BibTeX key …": 2, "row has N columns, header has N": 2}
    assert (papers["read"], papers["kept"], papers["rejected"]) == (7, 3, 4)


def test_rejects_say_why(hostile_build: tuple[Path, dict[str, int]]) -> None:
    out, _ = hostile_build
    reasons = {
        (Path(r["source"]).name, r["line"]): r["reason"]
        for r in map(json.loads, (out / "rejects.jsonl").read_text(encoding="utf-8").splitlines())
    }
    assert reasons[("truncated.jsonl", 3)].startswith("not valid JSON")
    assert reasons[("long_abstract.jsonl", 1)] == "abstract too long (10000000 chars, limit 100000)"
    assert reasons[("long_title.jsonl", 1)] == "title too long (10000000 chars, limit 2000)"
    assert reasons[("latex.bib", 10)] == "unterminated BibTeX entry"
    assert [reasons[("punctuation.csv", line)] for line in (2, 3, 4, 5, 7)] == [
        "empty title (nothing left after cleaning)"
    ] * 5
    assert reasons[("wrong_types.json", 3)] == "title is not a string (a JSON array)"  # the line it starts on
    assert reasons[("wrong_types.json", 5)] == "abstract is not a string (a JSON number)"
    assert reasons[("garbage.jsonl", 1)] == "JSON value is not an object"
    assert all(len(r["snippet"]) <= 200 for r in map(json.loads, (out / "rejects.jsonl").open()))


def test_hostile_text_survives_into_every_output(hostile_build: tuple[Path, dict[str, int]]) -> None:
    out, _ = hostile_build
    titles = {p.title for p in kg.load(out).papers()}
    for title in (
        "$φ$-Decoding: Adaptive Foresight Sampling",
        "$D^3$: Scaling Up Deepfake Detection",
        "🚀 Rocket-LLM: Faster Decoding 🧪",
        "למידה עמוקה לזיהוי תמונות",
        "Résumé Parsing with Transformers",  # a cp1252 line in a UTF-8 file
        "UTF-16 Encoded Paper",
        "BOM First Title",
        "Nul in the Middle of a Title",
        "Lone \ufffd Surrogate",
        "C++ Templates for Tensor Programs",
        "Line Separator and Paragraph in a Title",
    ):
        assert title in titles
    stores = {}
    for name, fmt in (("graph.nt", ox.RdfFormat.N_TRIPLES), ("graph.ttl", ox.RdfFormat.TURTLE),
                      ("graph.jsonld", ox.RdfFormat.JSON_LD)):  # fmt: skip
        store = ox.Store()
        store.bulk_load(path=str(out / name), format=fmt)
        stores[name] = {str(q) for q in store}
    assert stores["graph.nt"] == stores["graph.ttl"] == stores["graph.jsonld"]
    graphml = nx.read_graphml(out / "graph.graphml")
    assert any(d.get("title") == "🚀 Rocket-LLM: Faster Decoding 🧪" for _, d in graphml.nodes(data=True))
    with (out / "entities.csv").open(newline="", encoding="utf-8") as fh:
        assert next(csv.reader(fh))[0] == "id"
    assert all(json.loads(line)["id"] for line in (out / "mentions.jsonl").open(encoding="utf-8"))
    assert (out / "graph.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
