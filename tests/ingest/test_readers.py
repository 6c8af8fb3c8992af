"""Every reader on small files: what it yields, what it rejects and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import InputError
from kg.ingest import iter_records, read_papers
from kg.records import Paper, Reject

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"
SAMPLE = sorted((Path(__file__).resolve().parents[2] / "data" / "sample").glob("*.txt"))


def split(items: list[Paper | Reject]) -> tuple[list[Paper], list[Reject]]:
    return [i for i in items if isinstance(i, Paper)], [i for i in items if isinstance(i, Reject)]


def test_pagedump_sample_has_420_unique_papers() -> None:
    result = read_papers(SAMPLE)
    assert (result.records_read, len(result.papers), result.merged, len(result.rejects)) == (476, 420, 56, 0)
    assert result.records_read == len(result.papers) + result.merged + len(result.rejects)
    titles = [p.title for p in result.papers]
    assert titles[0] == "Source-free Depth for Object Pop-out"  # "Subscribe" glued to it is chrome
    assert not any(t.startswith(("Subscribe", "Get trending", "byAK")) or t in {"new", "Mar 17"} for t in titles)
    fp8 = [p for p in result.papers if p.title == "FP8 versus INT8 for efficient deep learning inference"]
    assert len(fp8) == 1 and len(fp8[0].sources) == 3  # in all three dumps


def test_pagedump_title_without_abstract_does_not_shift_pairs(tmp_path: Path) -> None:
    abstract = "This abstract is long enough to be prose. " * 8
    f = tmp_path / "dump.txt"
    f.write_text(f"Subscribe\nFirst Title\n{abstract}\nOrphan Title\nSecond Title\n{abstract}\nMar 17\n")
    papers, rejects = split(list(iter_records(f)))
    assert [p.title for p in papers] == ["First Title", "Second Title"]
    assert [(r.line, r.reason) for r in rejects] == [(4, "title without abstract")]


def test_jsonl_records_rejects_and_merge() -> None:
    result = read_papers([DATA / "papers.jsonl"])
    assert result.records_read == 6
    assert [p.record_id for p in result.papers] == ["a1", "a3"]
    lora = result.papers[0]
    assert lora.id == "arxiv:2106.09685" and lora.year == 2021 and lora.authors == ("Edward Hu", "Yelong Shen")
    assert lora.doi == "10.1000/lora"  # filled in from the duplicate
    assert result.merged == 1
    reasons = {(r.line, r.reason.split(" (")[0]) for r in result.rejects}
    assert reasons == {(2, "missing abstract"), (3, "not valid JSON"), (6, "JSON value is not an object")}
    assert result.papers[1].title.startswith("<script>alert(1)</script>")  # kept as text, escaped on output


def test_csv_reader_matches_columns_case_insensitively() -> None:
    papers, rejects = split(list(iter_records(DATA / "papers.csv")))
    assert [p.record_id for p in papers] == ["p1", "p2"]
    assert papers[0].authors == ("Fisher Yu", "Dequan Wang") and papers[0].year == 2018
    assert papers[1].title == "Titles, with commas" and '"quotes"' in papers[1].abstract
    assert [(r.line, r.reason) for r in rejects] == [(4, "missing abstract")]


def test_csv_without_needed_columns_is_a_clear_error() -> None:
    expected = r"nocolumns\.csv: CSV header has no abstract column \(found: title, summary_text\)"
    with pytest.raises(InputError, match=expected):
        list(iter_records(DATA / "nocolumns.csv"))


def test_arxiv_atom() -> None:
    papers, rejects = split(list(iter_records(DATA / "arxiv.xml")))
    assert [p.id for p in papers] == ["arxiv:2307.08691", "arxiv:2401.10891"]
    assert papers[0].title == "FlashAttention-2: Faster Attention with Better Parallelism and Work Partitioning"
    assert papers[0].doi == "10.48550/arxiv.2307.08691" and papers[0].year == 2023
    assert papers[1].authors == ("Lihe Yang", "Bingyi Kang")
    assert [(r.line, r.reason) for r in rejects] == [(21, "missing abstract")]  # the line the entry starts on


def test_arxiv_refuses_entities(tmp_path: Path) -> None:
    f = tmp_path / "evil.xml"
    f.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><feed xmlns="http://www.w3.org/2005/Atom"/>')
    with pytest.raises(InputError, match="DTD or entity"):
        list(iter_records(f))


def test_bibtex() -> None:
    papers, rejects = split(list(iter_records(DATA / "papers.bib")))
    assert len(papers) == 1
    assert papers[0].title == "Attention Is All You Need" and papers[0].id == "arxiv:1706.03762"
    assert papers[0].authors == ("Vaswani, Ashish", "Shazeer, Noam") and papers[0].record_id == "vaswani2017"
    assert [r.reason for r in rejects] == ["missing abstract"]


def test_format_by_extension_or_name(tmp_path: Path) -> None:
    f = tmp_path / "papers.data"
    f.write_text((DATA / "papers.jsonl").read_text())
    with pytest.raises(InputError, match="cannot tell the format"):
        list(iter_records(f))
    assert len(list(iter_records(f, "jsonl"))) == 6
    with pytest.raises(InputError, match="unknown format"):
        list(iter_records(f, "docx"))


def test_arxiv_api_error_feed_is_a_reject_not_a_paper() -> None:
    result = read_papers([DATA / "arxiv_error.xml"])
    assert result.papers == ()
    (reject,) = result.rejects
    assert reject.reason.startswith("arXiv API error: incorrect id format for 1234.12345")
    assert reject.line == 8  # where the entry starts


def test_non_arxiv_atom_feed_gets_generic_ids() -> None:
    papers, rejects = split(list(iter_records(DATA / "blog.atom")))
    assert rejects == []
    assert [p.id.split(":")[0] for p in papers] == ["title", "title"]
    assert [p.arxiv_id for p in papers] == [None, None]
    assert [p.record_id for p in papers] == ["tag:example.org,2024:post-17", "https://example.org/posts/18"]
    assert papers[0].year == 2024 and papers[1].url == "https://example.org/posts/18"


def test_json_authors_as_objects_and_external_ids() -> None:
    papers, _ = split(list(iter_records(DATA / "semantic_scholar.json")))
    s2 = next(p for p in papers if p.title == "Semantic Scholar Style")
    assert s2.authors == ("Ann Lee", "Bo Chen")
    assert (s2.id, s2.doi) == ("arxiv:2010.11929", "10.1/vit")
    assert papers[0].title == "Json Array Paper One"  # "Title"/"Abstract" keys


def test_reject_lines_are_where_records_start() -> None:
    _, rejects = split(list(iter_records(DATA / "semantic_scholar.json")))  # a JSON array, one record a line
    assert [(r.line, r.reason) for r in rejects] == [(4, "record is not an object"), (5, "missing abstract")]
    papers, rejects = split(list(iter_records(DATA / "multiline.csv")))  # the first abstract spans two lines
    assert [p.sources[0].rsplit(":", 1)[1] for p in papers] == ["2", "4"]
    assert [(r.line, r.reason) for r in rejects] == [(5, "missing title"), (6, "missing abstract")]


def test_rejects_name_wrong_types_and_unknown_shapes() -> None:
    _, rejects = split(list(iter_records(DATA / "wrong_types.jsonl")))
    reasons = {r.line: r.reason for r in rejects}
    assert reasons[8] == "title is not a string (a JSON array)"
    assert reasons[9] == "abstract is not a string (a JSON number)"
    ((reject,),) = [split(list(iter_records(DATA / "unknown_container.json")))[1]]
    assert reject.reason == "no title or abstract field (fields: results_page, hits)"
    assert "{" not in reject.snippet or "…" in reject.snippet  # the keys, not a dict repr


def test_json_object_under_data_is_a_list_of_papers(tmp_path: Path) -> None:
    f = tmp_path / "s2.json"
    f.write_text('{"total": 1, "data": [\n  {"title": "Nested under data", "abstract": "We study LoRA on MMLU."}\n]}')
    (paper,) = list(iter_records(f))
    assert isinstance(paper, Paper) and paper.sources == (f"{f}:2",)


def test_a_single_paper_with_a_list_under_data_is_that_paper(tmp_path: Path) -> None:
    f = tmp_path / "one.json"
    f.write_text('{"title": "One paper", "abstract": "We study LoRA on MMLU.", "data": ["a", "b"]}')
    (paper,) = list(iter_records(f))
    assert isinstance(paper, Paper) and paper.title == "One paper" and paper.sources == (f"{f}:1",)


def test_an_export_with_a_title_of_its_own_is_read_for_its_papers(tmp_path: Path) -> None:
    f = tmp_path / "export.json"
    papers = ",\n".join(f'  {{"title": "Inner {i}", "abstract": "We study LoRA on MMLU {i}."}}' for i in range(3))
    f.write_text(f'{{"title": "Search results export", "papers": [\n{papers}\n]}}')
    records = list(iter_records(f))
    assert [(r.title, r.sources) for r in records if isinstance(r, Paper)] == [
        (f"Inner {i}", (f"{f}:{i + 2}",)) for i in range(3)
    ]
    assert len(records) == 3


def test_a_container_key_given_twice_loses_neither_list(tmp_path: Path) -> None:
    f = tmp_path / "twice.json"
    f.write_text(
        '{"papers": [\n{"title": "One", "abstract": "We study A."}\n],\n"total": 2,\n'
        '"papers": [\n{"title": "Two", "abstract": "We study B."}\n]}'
    )
    records = list(iter_records(f))
    assert [(r.title, r.sources) for r in records if isinstance(r, Paper)] == [
        ("One", (f"{f}:2",)),
        ("Two", (f"{f}:6",)),
    ]


def test_json_fields_named_outright_beat_their_aliases(tmp_path: Path) -> None:
    # "name" and "summary" only fill a missing title and abstract, whatever the key order
    f = tmp_path / "aliases.jsonl"
    f.write_text(
        '{"name": "NeurIPS 2020", "title": "Real Paper Title", "abstract": "Real abstract."}\n'
        '{"summary": "Short TLDR.", "abstract": "The full abstract.", "title": "Second Title"}\n'
        '{"author": "Ann Lee", "authors": ["Bo Chen", "Cy Wu"], "title": "Third", "abstract": "x y z."}\n'
        '{"name": "Only A Name", "summary": "Only a summary."}\n',
        encoding="utf-8",
    )
    papers, rejects = split(list(iter_records(f)))
    assert not rejects
    assert [(p.title, p.abstract) for p in papers] == [
        ("Real Paper Title", "Real abstract."),
        ("Second Title", "The full abstract."),
        ("Third", "x y z."),
        ("Only A Name", "Only a summary."),
    ]
    assert papers[2].authors == ("Bo Chen", "Cy Wu")


@pytest.mark.parametrize(
    "text",
    [
        '[\n {"title": "A", "abstract": "We study A."},\n {"title": "B", "abstract": "We study B."}\n]\n',
        '[{"title": "A", "abstract": "We study A."}, {"title": "B", "abstract": "We study B."}]\n',
    ],
)
def test_a_jsonl_file_that_is_one_json_array_is_read_as_json(tmp_path: Path, text: str) -> None:
    f = tmp_path / "array.jsonl"
    f.write_text(text)
    records = list(iter_records(f))
    assert [r.title for r in records if isinstance(r, Paper)] == ["A", "B"]
    assert len(records) == 2


def test_a_jsonl_file_starting_with_an_array_line_is_still_read_by_line(tmp_path: Path) -> None:
    f = tmp_path / "mixed.jsonl"
    f.write_text('[1, 2]\n{"title": "A", "abstract": "We study A."}\n')
    records = list(iter_records(f))
    assert [type(r).__name__ for r in records] == ["Reject", "Paper"]


def test_a_paper_with_titled_objects_under_results_is_that_paper(tmp_path: Path) -> None:
    f = tmp_path / "paper.json"
    f.write_text('{"title": "One paper", "abstract": "We study LoRA.", "results": [{"title": "Table 1"}]}')
    (paper,) = list(iter_records(f))
    assert isinstance(paper, Paper) and paper.title == "One paper"
