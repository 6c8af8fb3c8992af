"""Incremental builds: adding inputs gives the same result as a full rebuild, reusing the cache."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.builder import BuildOptions, build
from kg.cli import main

SAMPLE = sorted((Path(__file__).resolve().parent.parent / "data" / "sample").glob("*.txt"))
RULES = BuildOptions(mode="rules", html=False, progress=False)


def test_update_equals_full_rebuild_and_reuses_cache(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    first, rest = SAMPLE[:1], SAMPLE[1:]
    inc = tmp_path / "inc"
    build(first, inc, options=RULES)
    runner = CliRunner()
    result = runner.invoke(main, ["build", "--mode", "rules", "--no-html", "--update", str(inc), *map(str, rest)])
    assert result.exit_code == 0, result.output
    assert "420 papers" in result.output
    full = tmp_path / "full"
    build(SAMPLE, full, options=RULES)
    outputs = sorted(p.name for p in full.iterdir() if p.is_file() and not p.name.startswith("."))
    assert len(outputs) == 10  # no graph.html (--no-html)
    for name in outputs:
        assert (inc / name).read_bytes() == (full / name).read_bytes(), name
    caplog.set_level(logging.INFO, logger="kg.builder")
    build(SAMPLE, inc, options=RULES)
    assert "420 papers, 420 cached, 0 to do" in caplog.text


def test_removed_input_leaves_the_graph(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(SAMPLE[0].read_text())
    b.write_text(SAMPLE[1].read_text())
    out = tmp_path / "out"
    build([a, b], out, options=RULES)
    b.unlink()
    result = CliRunner().invoke(main, ["build", "--mode", "rules", "--no-html", "--update", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("288 papers")  # only a.txt's papers remain


def test_update_without_previous_build_is_a_clear_error_and_touches_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--update", str(tmp_path / "none" / "deeper"), str(SAMPLE[0])])
    assert result.exit_code == 1 and "no previous build to update" in result.output
    assert not (tmp_path / "none").exists()  # no directory made for it
    project = tmp_path / "project"  # e.g. a mistyped `kg build --update .`
    (project / ".staging-x").mkdir(parents=True)
    (project / ".notes.tmp").write_text("mine")
    (project / "keep.txt").write_text("mine")
    result = CliRunner().invoke(main, ["build", "--update", str(project)])
    assert result.exit_code == 1 and "no previous build to update" in result.output
    assert sorted(p.name for p in project.iterdir()) == [".notes.tmp", ".staging-x", "keep.txt"]


def test_update_from_another_directory_keeps_the_previous_papers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.txt").write_text(SAMPLE[0].read_text())
    (data / "b.txt").write_text(SAMPLE[1].read_text())
    monkeypatch.chdir(data)
    build([Path("a.txt")], tmp_path / "out", options=RULES)  # named relative to data/
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["input_paths"] == [str(data / "a.txt")]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    args = ["build", "--mode", "rules", "--no-html", "--update", str(tmp_path / "out"), str(data / "b.txt")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "gone" not in result.output
    # the same as a build of both, a.txt named where the update found it
    full = build([data / "a.txt", data / "b.txt"], tmp_path / "full", options=RULES)
    assert f"{len(full.graph.papers())} papers (" in result.output
    for name in ("graph.nt", "graph.json", "entities.csv"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "full" / name).read_bytes(), name


def test_update_of_a_moved_project_finds_its_inputs_as_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "a.txt").write_text(SAMPLE[0].read_text())
    (project / "b.txt").write_text(SAMPLE[1].read_text())
    monkeypatch.chdir(project)
    build([Path("a.txt")], Path("out"), options=RULES)
    moved = project.rename(tmp_path / "moved")  # the recorded absolute paths are gone; the names still work
    monkeypatch.chdir(moved)
    result = CliRunner().invoke(main, ["build", "--mode", "rules", "--no-html", "--update", "out", "b.txt"])
    assert result.exit_code == 0, result.output
    assert "gone" not in result.output
    full = build([Path("a.txt"), Path("b.txt")], Path("full"), options=RULES)
    assert (moved / "out" / "graph.nt").read_bytes() == (moved / "full" / "graph.nt").read_bytes()
    assert f"{len(full.graph.papers())} papers (" in result.output


def _jsonl(path: Path, first: int, count: int) -> Path:
    """``count`` sample papers from the ``first``-th on, as JSONL (fast to build in rules mode)."""
    from kg.ingest import read_papers

    papers = read_papers(SAMPLE[:1]).papers[first : first + count]
    path.write_text("".join(json.dumps({"title": p.title, "abstract": p.abstract}) + "\n" for p in papers))
    return path


def _visible(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file() and not p.name.startswith(".")}


def _kg(*args: str) -> None:
    result = CliRunner().invoke(main, ["-q", "build", *args])
    assert result.exit_code == 0, result.output


def test_an_update_after_a_build_killed_while_moving_its_outputs_updates_that_build(tmp_path: Path) -> None:
    from kg.outputs import COMPLETE_MARKER

    a, b, c = (_jsonl(tmp_path / f"{n}.jsonl", i * 20, 20) for i, n in enumerate("abc"))
    out, killed = tmp_path / "out", tmp_path / "killed"
    _kg(str(a), "-o", str(out), "--mode", "rules")
    _kg(str(b), "-o", str(killed), "--mode", "rules", "-k", "3", "--no-html")
    # That second build, into out, killed after staging everything and before moving anything in.
    staged = out / ".staging-99999"
    staged.mkdir()
    for name, data in _visible(killed).items():
        (staged / name).write_bytes(data)
    (staged / COMPLETE_MARKER).write_text("staged\n")
    _kg("--update", str(out), str(c))
    fresh = tmp_path / "fresh"
    _kg(str(b), str(c), "-o", str(fresh), "--mode", "rules", "-k", "3", "--no-html")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["inputs"] == [str(b), str(c)] and manifest["k"] == 3 and manifest["html"] is False
    assert _visible(out).keys() == _visible(fresh).keys()  # graph.html of the first build is gone
    assert _visible(out) == _visible(fresh)


def test_an_update_can_turn_provenance_and_the_html_page_back_on(tmp_path: Path) -> None:
    a, b = _jsonl(tmp_path / "a.jsonl", 0, 15), _jsonl(tmp_path / "b.jsonl", 15, 15)
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    _kg(str(a), "-o", str(out), "--mode", "rules", "--no-provenance", "--no-html")
    _kg("--update", str(out), str(b))
    assert "graph.html" not in _visible(out)  # kept off
    _kg("--update", str(out), "--provenance", "--html")
    _kg(str(a), str(b), "-o", str(fresh), "--mode", "rules")
    assert _visible(out) == _visible(fresh)


def test_an_input_given_again_under_another_spelling_is_not_added_twice(tmp_path: Path) -> None:
    a = _jsonl(tmp_path / "a.jsonl", 0, 15)
    (tmp_path / "link.jsonl").symlink_to(a)
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    _kg(str(a), "-o", str(out), "--mode", "rules")
    _kg("--update", str(out), str(tmp_path / "sub" / ".." / "a.jsonl"), str(tmp_path / "link.jsonl"))
    _kg(str(a), "-o", str(fresh), "--mode", "rules")
    assert json.loads((out / "manifest.json").read_text())["inputs"] == [str(a)]
    assert json.loads((out / "report.json").read_text())["papers"]["merged"] == 0
    assert _visible(out) == _visible(fresh)


def test_an_update_keeps_a_python_build_s_max_df(tmp_path: Path) -> None:
    a, b = _jsonl(tmp_path / "a.jsonl", 0, 20), _jsonl(tmp_path / "b.jsonl", 20, 20)
    options = BuildOptions(mode="rules", html=False, progress=False, max_df=0.05)
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    build([a], out, options=options)
    _kg("--update", str(out), str(b))
    build([a, b], fresh, options=options)
    assert json.loads((out / "manifest.json").read_text())["max_df"] == 0.05
    assert _visible(out) == _visible(fresh)


def test_cache_files_of_older_extractors_are_removed(tmp_path: Path) -> None:
    from kg.extract.pipeline import extractor_version

    a = _jsonl(tmp_path / "a.jsonl", 0, 5)
    out = tmp_path / "out"
    _kg(str(a), "-o", str(out), "--mode", "rules")
    cache = out / ".kg-cache"
    stale = cache / "extract-0.0.9+rules.0123456789ab.jsonl"
    stale.write_text('{"key": "x", "mentions": []}\n')
    other_mode = cache / f"extract-{extractor_version('names')}.jsonl"
    other_mode.write_text("")  # another mode's current file: switching back re-extracts nothing
    _kg("--update", str(out))
    assert not stale.exists() and other_mode.exists()
    assert (cache / f"extract-{extractor_version('rules')}.jsonl").stat().st_size > 0


def test_the_extractor_version_changes_with_spacy_s(monkeypatch: pytest.MonkeyPatch) -> None:
    import spacy

    from kg.extract.pipeline import extractor_version

    before = extractor_version("full")
    monkeypatch.setattr(spacy, "__version__", "9.9.9")
    extractor_version.cache_clear()
    try:
        assert extractor_version("full") != before
    finally:
        monkeypatch.undo()
        extractor_version.cache_clear()
    assert extractor_version("full") == before
