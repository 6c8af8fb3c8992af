"""The exports researchers have: Zotero (CSV, BibTeX/BibLaTeX), Scopus CSV, OpenAlex, Papers with Code.

The files in ``tests/data/ingest/exports/`` follow each tool's documented layout (column names,
field names, escapes), written by hand; no record in them is copied from a real export.
"""

from __future__ import annotations

from pathlib import Path

from kg.ingest import read_papers

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "ingest" / "exports"


def test_a_zotero_csv_export_is_read_with_its_own_column_names() -> None:
    # "Abstract Note" and "Publication Year": the whole file was refused ("no abstract column")
    result = read_papers([EXPORTS / "zotero.csv"])
    assert [(p.id, p.year) for p in result.papers] == [("arxiv:2106.09685", 2021), ("doi:10.1109/cvpr.2016.90", 2016)]
    assert result.papers[0].authors[:2] == ("Hu, Edward J.", "Shen, Yelong")
    assert "\n" in result.papers[0].abstract or len(result.papers[0].abstract) > 100  # the quoted multiline cell


def test_openalex_abstracts_are_rebuilt_from_their_inverted_index() -> None:
    result = read_papers([EXPORTS / "openalex.json"])
    [paper] = result.papers
    assert paper.abstract.startswith("Deeper neural networks are more difficult to train.")
    assert (paper.year, paper.authors[:1]) == (2016, ("Kaiming He",))  # publication_year, authorships
    assert [r.reason for r in result.rejects] == ["missing abstract"]  # the record without any abstract


def test_biblatex_dates_names_and_zotero_escapes() -> None:
    papers = {p.title: p for p in read_papers([EXPORTS / "zotero.bib"]).papers}
    lora = papers["LoRA: Low-Rank Adaptation of Large Language Models"]
    assert (lora.arxiv_id, lora.year) == ("2106.09685", 2021)
    assert all(p.year is not None for p in papers.values())  # date = {2017-06-12}, no year field
    schrodinger = next(p for p in papers.values() if p.title.startswith("Schrödinger"))
    assert schrodinger.authors == ("Müller, Jörg",)  # one author, last name first: not two
    [escaped] = read_papers([EXPORTS / "zotero_escapes.bib"]).papers
    assert escaped.title.startswith("Small Models > Large Models?")
    assert "<1B" in escaped.abstract and "~10× lower" in escaped.abstract and "; \\alpha is" in escaped.abstract
    assert "\\text" not in escaped.abstract + escaped.title


def test_a_scopus_placeholder_abstract_is_a_reject() -> None:
    result = read_papers([EXPORTS / "scopus.csv"])
    assert [p.id for p in result.papers] == ["doi:10.1109/cvpr.2016.90"]
    assert [r.reason for r in result.rejects] == ["no abstract (the placeholder '[No abstract available]')"]


def test_papers_with_code_dates_are_years() -> None:
    papers = read_papers([EXPORTS / "pwc_papers-with-abstracts.json"]).papers
    assert [p.year for p in papers] == [2021, 2023]
    assert papers[0].url is not None


def test_arxivs_own_doi_is_the_arxiv_id_so_the_two_records_merge() -> None:
    # 10.48550/arXiv.2106.09685 (OpenAlex, Crossref, Zotero) and the bare arXiv id: one paper
    result = read_papers([EXPORTS / "dup_openalex_arxivdoi.jsonl", EXPORTS / "dup_arxiv_nodoi.jsonl"])
    ids = [p.id for p in result.papers]
    assert "arxiv:2106.09685" in ids and not any(i.startswith("doi:10.48550") for i in ids)
    assert len(ids) == len(set(ids))


def test_a_web_of_science_export_is_read_by_its_field_tags() -> None:
    # savedrecs.txt was read as a page dump: one paper titled "PT AU BA BE ..." and a reject
    result = read_papers([EXPORTS / "wos_savedrecs.txt"])
    assert [(p.title, p.year, p.record_id) for p in result.papers] == [
        ("Deep Residual Learning for Image Recognition", 2016, "WOS:000400012300001"),
        ("Attention Is All You Need", 2017, "WOS:000452649406008"),
    ]
    assert result.papers[0].doi == "10.1109/cvpr.2016.90" and result.rejects == ()
    assert result.papers[1].authors == ("Vaswani, A",)  # AU where the row has no AF


def test_the_arxiv_metadata_snapshot_is_read_with_its_ids_and_years() -> None:
    # JSON Lines named .json: the whole build stopped ("not valid JSON (Extra data)"); its "id" is the arXiv id
    result = read_papers([EXPORTS / "arxiv-metadata-oai-snapshot.json"])
    assert [(p.id, p.year) for p in result.papers] == [("arxiv:2106.09685", 2021), ("arxiv:hep-th/9901001", 1999)]
    assert result.papers[1].doi == "10.1000/old" and result.rejects == ()
