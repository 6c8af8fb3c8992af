"""Deduplication across id kinds: arXiv ids, DOIs, URLs, titles and abstracts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg.ingest import read_papers
from kg.ingest.dedup import Deduplicator
from kg.ingest.ids import arxiv_id_in_url, clean_arxiv_id, clean_doi, doi_in_url, paper_id
from kg.ingest.records import make_paper
from kg.records import Paper

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"


@pytest.mark.parametrize(
    "raw",
    [
        "2307.08691",
        "arXiv:2307.08691v1",
        "ARXIV: 2307.08691",
        "https://arxiv.org/pdf/2307.08691v2.pdf",
        "http://arxiv.org/abs/2307.08691v2",
        "https://export.arxiv.org/abs/2307.08691",
        "arxiv.org/pdf/2307.08691",
    ],
)
def test_arxiv_ids_normalise(raw: str) -> None:
    assert clean_arxiv_id(raw) == "2307.08691"


def test_dois_and_urls_normalise() -> None:
    assert clean_doi("10.1000/FA2") == clean_doi("https://doi.org/10.1000/fa2") == clean_doi("doi:10.1000/Fa2")
    assert clean_doi("https://dx.doi.org/10.1000/FA2") == "10.1000/fa2"
    assert arxiv_id_in_url("https://arxiv.org/abs/2307.08691") == "2307.08691"
    assert arxiv_id_in_url("https://example.org/abs/2307.08691") is None
    assert doi_in_url("https://doi.org/10.1000/FA2") == "10.1000/fa2"
    # a link's percent escapes belong to the URL: the DOI is the decoded text
    assert doi_in_url("https://doi.org/10.1002%2FABC") == clean_doi("https://doi.org/10.1002%2Fabc") == "10.1002/abc"
    assert clean_doi("doi.org/10.1000/X") == clean_doi("dx.doi.org/10.1000/x") == "10.1000/x"  # no scheme


@pytest.mark.parametrize(
    ("fields", "kept", "warned"),
    [
        ({"arxiv_id": "2401.00001 <b>"}, (None, None), {"arxiv_id"}),
        ({"arxiv_id": "see the PDF"}, (None, None), {"arxiv_id"}),
        ({"doi": "2401.00001 <b>"}, (None, None), {"doi"}),
        ({"doi": "10.1000/a b"}, (None, None), {"doi"}),
        ({"doi": "10.1000/50%off"}, (None, None), {"doi"}),
        # a bad field does not hide a good id in the URL; a URL that holds none stays the link, unwarned
        ({"arxiv_id": "n/a", "url": "https://arxiv.org/abs/2307.08691v2"}, ("2307.08691", None), {"arxiv_id"}),
        ({"url": "https://arxiv.org/abs/not an id"}, (None, None), set()),
        ({"arxiv_id": "hep-th/9901001", "doi": "https://doi.org/10.1002%2FX"}, ("hep-th/9901001", "10.1002/x"), set()),
    ],
)
def test_a_malformed_id_is_left_out_and_the_paper_kept(
    fields: dict[str, str], kept: tuple[str | None, str | None], warned: set[str], caplog: pytest.LogCaptureFixture
) -> None:
    paper = make_paper({"title": "A Title", "abstract": "Text.", **fields}, Path("in.jsonl"), 7)
    assert isinstance(paper, Paper)
    assert (paper.arxiv_id, paper.doi) == kept
    expected = f"arxiv:{kept[0]}" if kept[0] else f"doi:{kept[1]}" if kept[1] else paper_id("A Title")
    assert paper.id == expected
    messages = [r.getMessage() for r in caplog.records]
    assert {m.split()[1] for m in messages} == warned, messages  # one warning per bad field, naming it
    assert all(m.startswith("in.jsonl:7: ") and m.endswith("the paper is kept without it") for m in messages)
    assert paper.url == fields.get("url")


@pytest.mark.parametrize("order", [("dup.jsonl", "dup_feed.xml"), ("dup_feed.xml", "dup.jsonl")])
def test_one_paper_under_every_id_kind(order: tuple[str, str]) -> None:
    result = read_papers([DATA / name for name in order])
    flash = [p for p in result.papers if p.title.startswith("FlashAttention-2")]
    assert len(flash) == 1
    paper = flash[0]
    assert (paper.id, paper.arxiv_id, paper.doi) == ("arxiv:2307.08691", "2307.08691", "10.1000/fa2")
    assert len(paper.sources) == 6  # five JSONL records and the Atom entry
    assert (result.records_read, len(result.papers), result.merged, len(result.rejects)) == (8, 2, 5, 1)
    assert result.records_read == len(result.papers) + result.merged + len(result.rejects)


def test_without_the_bridging_record_doi_and_arxiv_stay_apart() -> None:
    # The DOI-only and arXiv-only records have different abstracts and no record holds both ids;
    # the records without ids join the first paper with their title.
    result = read_papers([DATA / "dup.jsonl"])
    assert [(p.id, len(p.sources)) for p in result.papers] == [("doi:10.1000/fa2", 2), ("arxiv:2307.08691", 3)]
    assert result.merged == 3


def test_different_id_kinds_merge_on_same_title_and_abstract() -> None:
    d = Deduplicator()
    d.add(Paper("doi:10.1/x", "A Title", "Same text.", doi="10.1/x", sources=("a:1",)))
    d.add(Paper("arxiv:2401.00001", "a title!", "same  TEXT", arxiv_id="2401.00001", sources=("b:1",)))
    d.add(Paper("arxiv:2401.00002", "A Title", "Same text.", arxiv_id="2401.00002", sources=("c:1",)))
    papers = d.papers()
    # The second arXiv id contradicts the first: that record stays its own paper.
    assert [(p.id, p.doi, p.sources) for p in papers] == [
        ("arxiv:2401.00001", "10.1/x", ("a:1", "b:1")),
        ("arxiv:2401.00002", None, ("c:1",)),
    ]
    assert d.merged == 1


def test_same_title_different_ids_are_different_papers() -> None:
    d = Deduplicator()
    d.add(Paper("arxiv:1", "Introduction", "One.", arxiv_id="1", sources=("a:1",)))
    d.add(Paper("arxiv:2", "Introduction", "Two.", arxiv_id="2", sources=("a:2",)))
    d.add(Paper("title:x", "Introduction", "Three.", sources=("a:3",)))
    assert [(p.id, p.sources) for p in d.papers()] == [("arxiv:1", ("a:1", "a:3")), ("arxiv:2", ("a:2",))]


_SEEDED = """
from kg.ingest.dedup import Deduplicator
from kg.ingest.ids import paper_id
from kg.records import Paper


def p(abstract, src, arxiv=None, doi=None):
    return Paper(paper_id("T", arxiv, doi), "T", abstract, arxiv_id=arxiv, doi=doi, sources=(src,))


d = Deduplicator()
d.extend([p("one", "j", doi="10.1/x"), p("two", "k", doi="10.1/y"), p("one", "i1", arxiv="2401.00001"),
          p("two", "i2", arxiv="2401.00001")])
print([(x.id, x.sources) for x in d.papers()])
"""


def test_merging_does_not_depend_on_the_hash_seed() -> None:
    # One arXiv id whose two records match two different DOI records by title and abstract:
    # which DOI it joins must be the same in every process (it depended on a set's order).
    outputs = {
        subprocess.run(
            [sys.executable, "-c", _SEEDED],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(1, 7)
    }
    assert len(outputs) == 1, outputs
    assert "('arxiv:2401.00001', ('j', 'i1', 'i2'))" in outputs.pop()


def test_a_file_given_twice_is_read_once(tmp_path: Path) -> None:
    from kg.ingest import read_papers

    (tmp_path / "in").mkdir()
    f = tmp_path / "in" / "a.jsonl"
    f.write_text('{"title": "One paper", "abstract": "We evaluate BERT on GLUE."}\n', encoding="utf-8")
    (tmp_path / "link.jsonl").symlink_to(f)
    result = read_papers([f, tmp_path / "in" / ".." / "in" / "a.jsonl", f, tmp_path / "link.jsonl"])
    assert (result.records_read, len(result.papers), result.merged) == (1, 1, 0)
    assert result.papers[0].sources == (f"{f}:1",)
