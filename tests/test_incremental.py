"""Incremental builds: adding inputs gives the same result as a full rebuild, reusing the cache."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.build import BuildOptions, build
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
    caplog.set_level(logging.INFO, logger="kg.build")
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


def test_update_without_previous_build_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--update", str(tmp_path / "none"), str(SAMPLE[0])])
    assert result.exit_code == 1 and "no previous build to update" in result.output


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
