"""Copying unchanged per-paper sections from a previous build: same bytes as a fresh build, always."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from kg import splice
from kg.builder import BuildOptions, build
from kg.splice import SectionIndex, copy_range, index_path, paper_runs

SAMPLE = sorted((Path(__file__).resolve().parent.parent / "data" / "sample").glob("*.txt"))
RULES = BuildOptions(mode="rules", html=False, progress=False)
SPLICED = ("graph.nt", "graph.ttl", "graph.jsonld", "graph.json", "graph.graphml", "mentions.jsonl")


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file() and not p.name.startswith(".")}


def _copied(caplog: pytest.LogCaptureFixture) -> dict[str, int]:
    counts = {}
    for record in caplog.records:
        if record.name == "kg.splice" and "sections copied" in record.getMessage():
            name, _, rest = record.getMessage().partition(": ")
            counts[name] = int(rest.split()[0])
    return counts


def _index(path: Path) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """The header and the sections of ``path``'s index (two lines of JSON)."""
    header, sections = index_path(path).read_text(encoding="utf-8").splitlines()
    return json.loads(header), json.loads(sections)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A build of the whole sample into an empty directory (nothing to copy from)."""
    out = tmp_path_factory.mktemp("fresh")
    build(SAMPLE, out, options=RULES)
    return _outputs(out)


def test_paper_runs_key_a_paper_only_when_its_entity_edges_are_one_run() -> None:
    edges = [("p1", "E:a"), ("p1", "p0"), ("p1", "E:b"), ("p2", "E:a"), ("p2", "E:b"), ("p3", "p1")]
    in_section = [True, False, True, True, True, False]
    assert list(paper_runs(edges, in_section)) == [(None, 0, 3), ("p2", 3, 5), (None, 5, 6)]
    assert list(paper_runs([], [])) == []
    assert list(paper_runs(edges[5:], [False])) == [(None, 0, 1)]


@pytest.mark.parametrize("workers", [1, 2])
def test_rebuild_copies_every_section_and_writes_the_same_bytes(
    tmp_path: Path, fresh: dict[str, bytes], caplog: pytest.LogCaptureFixture, workers: int
) -> None:
    out = tmp_path / "out"
    options = BuildOptions(mode="rules", html=False, progress=False, workers=workers)
    build(SAMPLE, out, options=options)
    for name in SPLICED:
        assert index_path(out / name).is_file(), name
    caplog.set_level(logging.INFO, logger="kg.splice")
    build(SAMPLE, out, options=options)
    assert _outputs(out) == fresh
    copied = _copied(caplog)
    if workers == 1:  # the RDF child's log records do not reach this process
        assert set(copied) == set(SPLICED)
    assert copied["mentions.jsonl"] == 420
    assert copied["graph.json"] >= 400


def test_update_with_new_papers_equals_a_fresh_build(
    tmp_path: Path, fresh: dict[str, bytes], caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "out"
    build(SAMPLE[:1], out, options=RULES)
    caplog.set_level(logging.INFO, logger="kg.splice")
    build(SAMPLE, out, options=RULES)
    assert _outputs(out) == fresh
    copied = _copied(caplog)
    assert 0 < copied["graph.nt"] < 420  # the first file's papers, less those whose entities changed


def test_changed_paper_is_written_again(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for p in SAMPLE:
        shutil.copy(p, inputs / p.name)
    out = tmp_path / "out"
    build(sorted(inputs.iterdir()), out, options=RULES)
    first = inputs / SAMPLE[0].name
    lines = first.read_text(encoding="utf-8").splitlines()
    # An abstract line gains a named dataset: that paper's mentions change.
    i = max(range(len(lines)), key=lambda i: len(lines[i]))
    lines[i] += " We evaluate on ImageNet and COCO."
    first.write_text("\n".join(lines) + "\n", encoding="utf-8")
    caplog.set_level(logging.INFO, logger="kg.splice")
    build(sorted(inputs.iterdir()), out, options=RULES)
    reference = tmp_path / "reference"
    build(sorted(inputs.iterdir()), reference, options=RULES)
    assert _outputs(out) == _outputs(reference)
    assert b"ImageNet and COCO" in (out / "mentions.jsonl").read_bytes()
    assert 0 < _copied(caplog)["mentions.jsonl"] < 420


@pytest.mark.parametrize("mtime", ["new", "restored"])
def test_edited_previous_file_is_not_copied_from(
    tmp_path: Path, fresh: dict[str, bytes], caplog: pytest.LogCaptureFixture, mtime: str
) -> None:
    out = tmp_path / "out"
    build(SAMPLE, out, options=RULES)
    nt = out / "graph.nt"
    before = nt.stat()
    _, offset, _, _ = next(iter(_index(nt)[1].values()))
    with nt.open("r+b") as fh:  # bytes inside a paper's section, in place: same size, same inode
        fh.seek(offset + 1)
        fh.write(b"#" * 20)
    stamp = before.st_mtime_ns if mtime == "restored" else before.st_mtime_ns + 10**9
    os.utime(nt, ns=(before.st_atime_ns, stamp))
    assert nt.stat().st_size == before.st_size and nt.stat().st_ino == before.st_ino
    index_path(out / "graph.json").write_text("{not json", encoding="utf-8")
    index_path(out / "graph.graphml").write_text("[[[]]]", encoding="utf-8")  # JSON, not an index
    caplog.set_level(logging.INFO, logger="kg.splice")
    build(SAMPLE, out, options=RULES)
    assert _outputs(out) == fresh
    copied = _copied(caplog)
    assert not {"graph.nt", "graph.json", "graph.graphml"} & set(copied)
    assert copied["graph.ttl"] > 400  # the untouched files are still copied from
    assert "graph.nt: its section index is stale" in caplog.text


def test_other_export_settings_are_not_copied_from(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "out"
    build(SAMPLE, out, options=RULES)
    other = BuildOptions(mode="rules", html=False, progress=False, base_iri="https://example.org/id/")
    caplog.set_level(logging.INFO, logger="kg.splice")
    build(SAMPLE, out, options=other)
    reference = tmp_path / "reference"
    build(SAMPLE, reference, options=other)
    assert _outputs(out) == _outputs(reference)
    assert "example.org" in (out / "graph.nt").read_text(encoding="utf-8")
    copied = _copied(caplog)
    assert "graph.nt" not in copied and copied["graph.json"] >= 400  # graph.json does not hold IRIs


def test_index_of_a_build_names_every_paper_section_inside_the_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(SAMPLE, out, options=RULES)
    data = (out / "graph.nt").read_bytes()
    header, sections = _index(out / "graph.nt")
    assert header["file"]["size"] == len(data) and header["file"]["inode"] == (out / "graph.nt").stat().st_ino
    assert len(sections) > 400
    for paper, (fingerprint, offset, length, statements) in sections.items():
        chunk = data[offset : offset + length].decode("utf-8")
        assert len(fingerprint) == 32
        assert chunk.count(" .\n") == statements > 0
        assert f"/paper/{paper}> ." in chunk or f"/paper/{paper.replace(':', '%3A')}> ." in chunk
    lines = (out / "mentions.jsonl").read_bytes()
    mentions = _index(out / "mentions.jsonl")[1]
    for paper, (_, offset, length, _) in mentions.items():
        assert json.loads(lines[offset : offset + length])["id"] == paper


def test_copy_range_copies_between_open_files(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.write_bytes(b"0123456789" * 1000)
    fd = os.open(src, os.O_RDONLY)
    try:
        with (tmp_path / "dst").open("w", encoding="utf-8") as fh:
            fh.write("head:")
            copy_range(fd, fh, 5, 12)
            fh.write(":tail")
    finally:
        os.close(fd)
    assert (tmp_path / "dst").read_text() == "head:567890123456:tail"


def test_code_version_covers_every_module(tmp_path: Path) -> None:
    package = Path(splice.__file__).resolve().parent
    copy = tmp_path / "kg"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "resources"))
    same = splice._code_version(copy)
    assert same == splice._code_version(copy)
    export = copy / "rdf" / "export.py"  # the Turtle prefixes are written into every section
    export.write_text(export.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert splice._code_version(copy) != same


def test_index_without_previous_build_reuses_nothing(tmp_path: Path) -> None:
    index = SectionIndex(tmp_path / "graph.nt", {"p1": "f"}, "")
    assert index.reusable("p1") is None
    index.close()
