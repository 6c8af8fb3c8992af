"""CSV rows that used to be misread silently: an unclosed quote, a row wider than the header."""

from __future__ import annotations

from pathlib import Path

from kg.ingest import read_papers


def _read(tmp_path: Path, text: str) -> tuple[list[tuple[str, str, int]], list[tuple[int, str]]]:
    path = tmp_path / "in.csv"
    path.write_text(text)
    result = read_papers([path])
    assert result.records_read == len(result.papers) + result.merged + len(result.rejects)
    papers = [(p.title, p.abstract, int(p.sources[0].rsplit(":", 1)[1])) for p in result.papers]
    return papers, [(r.line, r.reason) for r in result.rejects]


def test_an_unclosed_quote_is_a_reject_and_the_rows_after_it_are_kept(tmp_path: Path) -> None:
    # (one that the next quote closes cannot be told from a field over lines; one that never closes can)
    text = 'title,abstract\nFirst,"Abstract\none."\nUnclosed,"starts quote\nR2,Abstract two. Yes.\nR3,Three. Yes.\n'
    papers, rejects = _read(tmp_path, text)
    assert papers == [("First", "Abstract\none.", 2), ("R2", "Abstract two. Yes.", 5), ("R3", "Three. Yes.", 6)]
    reason = "unclosed quote: the field opened on line 4 never closes; the rows after it are read without it"
    assert rejects == [(4, reason)]


def test_a_quoted_field_over_lines_and_a_stray_quote_are_still_read(tmp_path: Path) -> None:
    papers, rejects = _read(
        tmp_path, 'title,abstract\n"Two\nline title","An ""abstract"". Yes."\nA 5" screen,Text here. Yes.\n'
    )
    assert papers == [("Two line title", 'An "abstract". Yes.', 2), ('A 5" screen', "Text here. Yes.", 4)]
    assert rejects == []


def test_a_row_wider_than_the_header_is_a_reject_not_shifted_fields(tmp_path: Path) -> None:
    papers, rejects = _read(
        tmp_path, "title,abstract\nComma, in title,Abstract here. Works.\nOk,Fine abstract. Yes.,,\n"
    )
    assert papers == [("Ok", "Fine abstract. Yes.", 3)]  # empty trailing cells are no shift
    assert rejects == [
        (2, "row has 3 columns, header has 2 (an unquoted delimiter in a field? quote fields that hold one)")
    ]


def test_spelled_out_column_names_and_excel_s_sep_line(tmp_path: Path) -> None:
    papers, rejects = _read(tmp_path, "sep=;\nPaper Title;Abstract\nA title;An abstract. Yes.\n")
    assert (papers, rejects) == ([("A title", "An abstract. Yes.", 3)], [])
    papers, _ = _read(tmp_path, "paper-title,summary\nOther,Text here. Yes.\n")
    assert papers == [("Other", "Text here. Yes.", 2)]


def test_a_stray_quote_before_a_quoted_field_over_lines_is_no_unclosed_quote(tmp_path: Path) -> None:
    papers, rejects = _read(tmp_path, 'title,abstract\nA 5" screen,"We study\nscreens.\n"\nSecond,Plain abstract.\n')
    assert papers == [('A 5" screen', "We study\nscreens.", 2), ("Second", "Plain abstract.", 5)]
    assert rejects == []


def test_a_stray_quote_that_a_later_quote_closes_loses_no_rows(tmp_path: Path) -> None:
    # csv used to read lines 3-5 as one row (a garbled paper) and line 6 as a one-column reject
    text = (
        "title,abstract\nGood One,First abstract.\n"
        '"Broken Title,Abstract of broken\nGood Two,Second abstract.\n'
        'Good Three,"Third, with ""quote"" and\nnewline."\n'
    )
    papers, rejects = _read(tmp_path, text)
    assert papers == [
        ("Good One", "First abstract.", 2),
        ("Good Two", "Second abstract.", 4),
        ("Good Three", 'Third, with "quote" and\nnewline.', 5),
    ]
    reason = "stray quote: the field opened on line 3 closes only on a later row; the rows after it are read"
    assert rejects == [(3, reason)]


def test_many_bad_quotes_in_one_file_are_each_a_reject(tmp_path: Path) -> None:
    # each is re-read from its next line without recursion, so thousands cannot overflow the stack
    bad = '"Oops,no close\n' * 3000
    papers, rejects = _read(tmp_path, f"title,abstract\n{bad}Last,Kept abstract. Yes.\n")
    assert papers == [("Last", "Kept abstract. Yes.", 3002)]
    assert len(rejects) == 3000 and [line for line, _ in rejects] == list(range(2, 3002))
