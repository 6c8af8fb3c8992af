"""The Atom reader: all the text of an element, Atom text types, truncated files and the DTD check."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import InputError
from kg.ingest import read_papers
from kg.ingest.arxiv import _CHUNK_CHARS
from kg.records import Paper

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"
FEED = '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
ABSTRACT = "We propose a method and evaluate it on a benchmark."


def entry(number: int, title: str, abstract: str = ABSTRACT) -> str:
    return f"<entry><id>http://arxiv.org/abs/2501.{number:05d}v1</id><title>{title}</title><summary>{abstract}</summary></entry>\n"


def by_title(papers: tuple[Paper, ...]) -> dict[str, Paper]:
    return {p.title: p for p in papers}


def test_text_of_nested_elements_is_kept() -> None:
    result = read_papers([DATA / "atom_markup.xml"])
    assert result.rejects == ()
    papers = {p.arxiv_id: p for p in result.papers}
    assert (papers["2501.10001"].title, papers["2501.10001"].abstract) == (
        "Outer bold rest",
        "We use BERT here. Works.",
    )


def test_xhtml_summary_is_its_text() -> None:
    papers = {p.arxiv_id: p for p in read_papers([DATA / "atom_markup.xml"]).papers}
    assert papers["2501.10002"].abstract == "We use ResNet here."


def test_html_text_has_its_tags_stripped_and_entities_decoded() -> None:
    papers = {p.arxiv_id: p for p in read_papers([DATA / "atom_markup.xml"]).papers}
    assert papers["2501.10003"].title == "Bold title"
    assert papers["2501.10003"].abstract == "We train GPT-2 & T5. It works."


def test_plain_text_keeps_angle_brackets_and_author_markup_is_dropped() -> None:
    papers = {p.arxiv_id: p for p in read_papers([DATA / "atom_markup.xml"]).papers}
    assert papers["2501.10004"].title == "Plain <b> Stays"
    assert papers["2501.10004"].abstract == "Text content keeps its <angle> brackets."
    assert papers["2501.10004"].authors == ("Ann Lee",)


def test_xhtml_blocks_are_separated(tmp_path: Path) -> None:
    f = tmp_path / "blocks.xml"
    xhtml = '<div xmlns="http://www.w3.org/1999/xhtml"><p>One <em>a</em>b.</p><p>Two.</p></div>'
    f.write_text(FEED + entry(1, "Blocks", "").replace("<summary>", f'<summary type="xhtml">{xhtml}') + "</feed>\n")
    (paper,) = read_papers([f]).papers
    assert paper.abstract == "One ab.  Two."


def test_truncated_file_keeps_the_entries_before_the_cut() -> None:
    result = read_papers([DATA / "atom_truncated.xml"])
    assert [p.title for p in result.papers] == ["A Complete First Entry"]
    (reject,) = result.rejects
    assert reject.line == 8  # where the unfinished entry starts
    # expat counts the empty line after the last newline: that is where the file ends.
    assert reject.reason.startswith("truncated XML: the file ends at line 9 inside this entry")
    assert reject.snippet.startswith("<entry><id>x</id><title>Cut")
    assert result.records_read == len(result.papers) + result.merged + len(result.rejects) == 2


def test_file_cut_between_entries_is_one_reject_at_the_end(tmp_path: Path) -> None:
    f = tmp_path / "cut.xml"
    f.write_text(FEED + entry(1, "First") + entry(2, "Second"))
    result = read_papers([f])
    assert [p.title for p in result.papers] == ["First", "Second"]
    (reject,) = result.rejects
    assert (reject.line, reject.reason.split(";")[0]) == (
        5,
        "truncated XML: the file ends at line 5 before the feed is closed (no element found)",
    )


def test_a_malformed_entry_is_rejected_and_reading_goes_on_with_the_next(tmp_path: Path) -> None:
    f = tmp_path / "broken.xml"
    f.write_text(FEED + entry(1, "First") + entry(2, "Fish & Chips") + entry(3, "Third") + "</feed>\n")
    result = read_papers([f])
    assert [p.title for p in result.papers] == ["First", "Third"]
    assert [p.sources[0].rsplit(":", 1)[1] for p in result.papers] == ["3", "5"]  # the lines they are on
    (reject,) = result.rejects
    assert reject.line == 4
    assert reject.reason.startswith("malformed XML at line 4, column ")
    assert "this entry was not read (reading goes on with the entry at line 5)" in reject.reason
    assert result.records_read == 3


def test_a_malformed_last_entry_rejects_the_rest_once(tmp_path: Path) -> None:
    f = tmp_path / "broken.xml"
    f.write_text(FEED + entry(1, "First") + entry(2, "Fish & Chips") + "</feed>\n")
    result = read_papers([f])
    assert [p.title for p in result.papers] == ["First"]
    (reject,) = result.rejects
    assert "this entry and the rest of the file were not read (no entry follows)" in reject.reason


def test_entries_after_several_breaks_keep_their_namespaces_and_lines(tmp_path: Path) -> None:
    # a prefixed Atom root with an arXiv namespace; an unclosed entry, a stray "&", a bad tag, one long line
    feed = '<a:feed xmlns:a="http://www.w3.org/2005/Atom"\n  xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
    prefixed = [
        "<a:entry><a:id>http://arxiv.org/abs/2501.{0:05d}v1</a:id><a:title>{1}</a:title>"
        "<a:summary>Abstract of {1}, é ü 漢字.</a:summary><arxiv:doi>10.1/{0}</arxiv:doi>{2}\n"
    ]
    rows = [(1, "One", "</a:entry>"), (2, "Unclosed", ""), (3, "Three", "</a:entry>"), (4, "A & B", "</a:entry>")]
    rows += [(5, "Five", "</a:entry>"), (6, "Bad <x> tag", "</a:entry>"), (7, "Seven", "</a:entry>")]
    body = "".join(prefixed[0].format(*row) for row in rows)
    one_line = prefixed[0].format(8, "Eight", "</a:entry>").rstrip("\n") + prefixed[0].format(9, "C & D", "</a:entry>")
    f = tmp_path / "breaks.xml"
    f.write_text(feed + body + one_line.replace("\n", "") + prefixed[0].format(10, "Ten", "</a:entry>") + "</a:feed>")
    result = read_papers([f])
    titles = {p.title: (p.doi, p.sources[0].rsplit(":", 1)[1]) for p in result.papers}
    assert titles == {
        "One": ("10.1/1", "3"),
        "Three": ("10.1/3", "5"),
        "Five": ("10.1/5", "7"),
        "Seven": ("10.1/7", "9"),
        "Eight": ("10.1/8", "10"),
        "Ten": ("10.1/10", "10"),  # on the line of Eight and Nine
    }
    assert [r.line for r in result.rejects] == [4, 6, 8, 10]
    assert all("reading goes on with the entry at line" in r.reason for r in result.rejects)
    assert result.records_read == len(result.papers) + len(result.rejects) == 10


def test_two_feeds_in_one_file_are_both_read(tmp_path: Path) -> None:
    f = tmp_path / "two.xml"
    f.write_text(FEED + entry(1, "First") + "</feed>\n" + FEED + entry(2, "Second") + "</feed>\n")
    result = read_papers([f])
    assert [p.title for p in result.papers] == ["First", "Second"]
    (reject,) = result.rejects  # what lies between: the second prolog and root
    assert reject.reason.startswith("malformed XML at line 5, column 1 (junk after document element)")
    assert "lines 5 to 6 were not read (reading goes on with the entry at line 7)" in reject.reason


def test_entries_across_parser_chunks_keep_their_lines_and_text(tmp_path: Path) -> None:
    f = tmp_path / "big.xml"
    filler = "x" * 500
    count = 3 * _CHUNK_CHARS // 600
    body = "".join(entry(i, f"Paper é{i} <b>bold</b>", f"{filler} {i}.") for i in range(count))
    f.write_text(FEED + body + entry(count, "Cut", "half"[:2]).removesuffix("</summary></entry>\n"))
    result = read_papers([f])
    assert len(result.papers) == count and len(result.rejects) == 1
    papers = by_title(result.papers)
    assert papers["Paper é7 bold"].sources[0].endswith(":10")  # the feed starts on line 2, entry 0 on line 3
    assert result.rejects[0].line == count + 3


def test_cut_before_the_root_element_is_still_a_file_error(tmp_path: Path) -> None:
    f = tmp_path / "prolog.xml"
    f.write_text('<?xml version="1.0"?>\n<fee')
    with pytest.raises(InputError, match="malformed XML"):
        read_papers([f])


def test_doctype_inside_cdata_or_a_comment_is_text() -> None:
    result = read_papers([DATA / "atom_cdata_doctype.xml"])
    assert result.rejects == ()
    (paper,) = result.papers
    assert paper.abstract == 'We parse pages that start with <!DOCTYPE html> and <!ENTITY x "y"> declarations.'


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE feed [<!ENTITY a "aaaa">]>',
        "<!-- a comment first --><!DOCTYPE feed>",
        '<!DOCTYPE feed SYSTEM "file:///etc/passwd">',
        '<!DOCTYPE feed [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>',
    ],
)
def test_a_doctype_in_the_prolog_is_still_refused(tmp_path: Path, prolog: str) -> None:
    f = tmp_path / "evil.xml"
    f.write_text(f'<?xml version="1.0"?>{prolog}<feed xmlns="http://www.w3.org/2005/Atom">{entry(1, "T")}</feed>')
    with pytest.raises(InputError, match="DTD or entity"):
        read_papers([f])


def test_a_lowercase_doctype_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "evil.xml"
    f.write_text(f'<!doctype feed [<!ENTITY a "b">]><feed xmlns="http://www.w3.org/2005/Atom">{entry(1, "&a;")}</feed>')
    with pytest.raises(InputError, match=r"DTD or entity|malformed XML"):  # not XML: expat stops at it
        read_papers([f])


def test_a_doctype_after_the_root_starts_is_malformed_not_expanded(tmp_path: Path) -> None:
    f = tmp_path / "late.xml"
    f.write_text(FEED + entry(1, "First") + '<!DOCTYPE x [<!ENTITY a "b">]>' + entry(2, "Second") + "</feed>\n")
    result = read_papers([f])
    assert [p.title for p in result.papers] == ["First", "Second"]  # the declaration is not read, the entry after it is
    (reject,) = result.rejects
    assert reject.reason.startswith("malformed XML at line 4")


def test_every_other_entry_broken_keeps_every_good_one(tmp_path: Path) -> None:
    f = tmp_path / "many.xml"
    f.write_text(FEED + "".join(entry(i, f"T{i} & x" if i % 2 else f"T{i}") for i in range(2000)) + "</feed>\n")
    result = read_papers([f])
    assert [p.title for p in result.papers] == [f"T{i}" for i in range(0, 2000, 2)]
    assert [r.line for r in result.rejects] == list(range(4, 2003, 2))  # entry i is on line i + 3
    assert result.records_read == 2000


def test_an_empty_title_is_empty_not_missing_and_a_feed_without_namespace_says_so(tmp_path: Path) -> None:
    f = tmp_path / "empty.xml"
    f.write_text(FEED + entry(1, "") + "</feed>\n")
    (reject,) = read_papers([f]).rejects
    assert reject.reason.startswith("empty title")
    bare = tmp_path / "bare.xml"
    bare.write_text("<feed><entry><id>x</id><title>T</title><summary>S</summary></entry></feed>\n")
    with pytest.raises(InputError, match=r'<feed> without the Atom namespace.*xmlns="http://www.w3.org/2005/Atom"'):
        read_papers([bare])
