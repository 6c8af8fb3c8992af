"""BibTeX values: ``#`` concatenation, @string macros, quotes inside braces; reading in linear time."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kg.ingest import bibtex, iter_records
from kg.ingest.bibtex import parse_bibtex_fields, read_bibtex
from kg.ingest.records import RawRecord
from kg.records import Paper, Reject


def _read(tmp_path: Path, source: str) -> list[RawRecord | Reject]:
    f = tmp_path / "refs.bib"
    f.write_text(source, encoding="utf-8")
    return list(read_bibtex(f))


def _fields(tmp_path: Path, source: str) -> list[dict[str, str]]:
    items = _read(tmp_path, source)
    assert all(isinstance(i, RawRecord) for i in items), items
    return [i.fields for i in items if isinstance(i, RawRecord)]


def test_concatenation_and_string_macros(tmp_path: Path) -> None:
    (fields,) = _fields(
        tmp_path,
        '@string{conf="NeurIPS"}\n'
        '@article{c, title = "Part one " # conf # " part two", abstract = "We use " # "BERT. Works."}\n',
    )
    assert fields["title"] == "Part one NeurIPS part two"
    assert fields["abstract"] == "We use BERT. Works."


def test_macro_names_ignore_case_and_macros_build_on_macros(tmp_path: Path) -> None:
    (fields,) = _fields(
        tmp_path,
        "@STRING(Conf = {Neur{IPS}})\n"
        '@string{ venue = CONF # " 20" # {24} }\n'
        "@article{k,\n  title = {A} # { } # Venue,\n  booktitle = VENUE,\n  year = 2020,\n  abstract = {x}\n}\n",
    )
    assert fields["title"] == "A NeurIPS 2024"
    assert fields["booktitle"] == "NeurIPS 2024"
    assert fields["year"] == "2020"


def test_undefined_macro_is_kept_as_its_name(tmp_path: Path) -> None:
    """BibTeX warns and uses nothing; keeping the name loses no text (``month = jan`` stays "jan")."""
    (early, late) = _fields(
        tmp_path,
        '@article{a, title = "On " # later, month = jan, abstract = {x}}\n'
        '@string{later = "Macros"}\n'
        '@article{b, title = "On " # later, abstract = {x}}\n',
    )
    assert early["title"] == "On later"  # defined only after this entry
    assert early["month"] == "jan"
    assert late["title"] == "On Macros"


def test_quote_inside_braces_does_not_end_a_quoted_value(tmp_path: Path) -> None:
    (fields,) = _fields(
        tmp_path,
        '@article{q, title = "Quote {with "inner"} title", abstract = "Uses {\\"o} and {"}. Ends here.", year = 1}\n',
    )
    assert fields["title"] == 'Quote with "inner" title'
    assert fields["abstract"] == 'Uses ö and ". Ends here.'
    assert fields["year"] == "1"


def test_parse_bibtex_fields_takes_macros() -> None:
    key, fields = parse_bibtex_fields('k, title = "At " # conf, note = conf', {"conf": "ACL"})
    assert (key, fields) == ("k", {"title": "At ACL", "note": "ACL"})
    assert parse_bibtex_fields("k, title = A # B")[1] == {"title": "AB"}


def test_concatenated_paper_goes_through_the_reader(tmp_path: Path) -> None:
    f = tmp_path / "refs.bib"
    f.write_text(
        '@string{bert = "BERT"}\n'
        '@article{c, title = "Pre-training " # bert, abstract = "We use " # bert # ". It works on GLUE."}\n'
    )
    (paper,) = list(iter_records(f))
    assert isinstance(paper, Paper)
    assert paper.title == "Pre-training BERT"
    assert paper.abstract == "We use BERT. It works on GLUE."


def test_unterminated_entry_is_rejected_and_later_entries_kept(tmp_path: Path) -> None:
    items = _read(
        tmp_path,
        "@article{ok1, title={One}, abstract={x}}\n"
        "@article{broken, title={Never closed\n"
        "@article{ok2,\n  title={Two},\n  abstract={y}\n}\n",
    )
    assert [type(i) for i in items] == [RawRecord, Reject, RawRecord]
    broken, ok2 = items[1], items[2]
    assert isinstance(broken, Reject) and isinstance(ok2, RawRecord)
    assert (broken.line, broken.reason) == (2, "unterminated BibTeX entry")
    assert broken.snippet.startswith("@article{broken, title={Never closed")
    assert (ok2.line, ok2.fields["title"]) == (3, "Two")


class _CountingText(str):
    """A file's text that counts the characters the reader reads through Python: line counts, slices, indexing.

    It raises once the count passes ``budget``, so a quadratic reader fails fast instead of running for minutes.
    """

    budget = 0
    spent = 0

    def _spend(self, chars: int) -> None:
        type(self).spent += chars
        if type(self).spent > type(self).budget:
            raise AssertionError(f"read more than {type(self).budget} characters of a {len(self)}-character file")

    def count(self, sub: str, start: object = None, end: object = None) -> int:  # type: ignore[override]
        lo, hi, _ = slice(start, end).indices(len(self))  # type: ignore[arg-type]
        self._spend(max(hi - lo, 0))
        return str.count(self, sub, lo, hi)

    def __getitem__(self, key: object) -> str:  # type: ignore[override]
        if isinstance(key, slice):
            lo, hi, _ = key.indices(len(self))
            self._spend(max(hi - lo, 0))
        else:
            self._spend(1)
        return str.__getitem__(self, key)  # type: ignore[index]


@pytest.mark.parametrize(
    "entry",
    [
        "@article{{k{i},\n  title = {{Title {i}}},\n  abstract = {{We study thing {i}. It works.}}\n}}\n",
        "@article{{k{i}, title={{T{i}\n",  # unterminated: each one used to be scanned, and copied, to the end
    ],
)
def test_reading_is_linear_in_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: str) -> None:
    n = 3000
    source = "".join(entry.format(i=i) for i in range(n))
    f = tmp_path / "many.bib"
    f.write_text(source)
    # A line count and a body per entry read the file about twice; a reject's snippet is at most 200 characters.
    _CountingText.budget, _CountingText.spent = 4 * len(source) + 250 * n, 0
    monkeypatch.setattr(bibtex, "read_text", lambda path: _CountingText(source))
    items = list(read_bibtex(f))
    assert len(items) == n
    assert items[-1].line == source.count("\n", 0, source.rindex("@article")) + 1


def test_twenty_thousand_unterminated_entries_take_seconds(tmp_path: Path) -> None:
    f = tmp_path / "unterminated.bib"
    f.write_text("".join(f"@article{{k{i}, title={{T{i}\n" for i in range(20_000)))
    start, count = time.monotonic(), 0
    for item in read_bibtex(f):
        count += 1
        assert isinstance(item, Reject) and item.reason == "unterminated BibTeX entry"
        assert len(item.snippet) <= 200
        assert time.monotonic() - start < 20, f"{count} entries in 20 s; reading is not linear"
    assert count == 20_000


def test_an_at_sign_inside_a_value_is_text_not_an_entry(tmp_path: Path) -> None:
    # "Recall@100 (R@100)" and "@dataclass(frozen=True)" looked like entry headers and became rejects
    fields, after = _fields(
        tmp_path,
        "@article{ir, title = {Dense Retrieval at Scale},\n"
        "  abstract = {Recall@100 (R@100) rises by 5 points; MRR@10 {the main metric} by 2. See @dataclass(x).},\n}\n"
        "@article{next, title = {Second}, abstract = {Still read.}}\n",
    )
    assert fields["abstract"].startswith("Recall@100 (R@100) rises") and fields["abstract"].endswith("@dataclass(x).")
    assert after["title"] == "Second"
    source = "@article{a, title={T}, abstract={x@y(z) and w@v{u}}}\n@article{b, title={U}, abstract={v}}"
    items = _read(tmp_path, source)
    assert [i.fields["id"] for i in items if isinstance(i, RawRecord)] == ["a", "b"] and len(items) == 2


def test_entries_inside_a_braced_comment_are_not_read(tmp_path: Path) -> None:
    items = _read(
        tmp_path,
        "@comment{old: @article{fake, title={Fake}, abstract={Fake abs}}}\n"
        "@preamble{ {@article{pre, title={P}, abstract={Q}}} }\n"
        "@article{real, title={Real}, abstract={Kept.}}\n",
    )
    assert [i.fields["title"] for i in items if isinstance(i, RawRecord)] == ["Real"] and len(items) == 1


def test_an_at_sign_inside_an_unterminated_entry_starts_no_entry(tmp_path: Path) -> None:
    f = tmp_path / "open.bib"
    f.write_text(
        "@article{good1,\n title={Good Paper},\n abstract={We propose a method.}\n}\n\n"
        "@article{bad1,\n title={Open Paper},\n abstract={We report Recall@10 (R@10) and MRR@5{x} on MS MARCO.\n"
        "  see @misc{inline, title={Not at a line start}}\n"
        "@misc{next,\n title={Next Paper},\n abstract={Read after the open one.}\n}\n",
        encoding="utf-8",
    )
    from kg.ingest import read_papers

    result = read_papers([f])
    assert [p.title for p in result.papers] == ["Good Paper", "Next Paper"]
    assert [(r.line, r.reason) for r in result.rejects] == [(6, "unterminated BibTeX entry")]
    assert result.records_read == 3


def test_a_missing_comma_after_the_key_loses_no_field() -> None:
    assert parse_bibtex_fields("key\n title={Missing Comma},\n abstract={We study it.}") == (
        "key",
        {"title": "Missing Comma", "abstract": "We study it."},
    )
