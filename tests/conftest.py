"""Shared fixtures: the sample build is made once per test session, through the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = sorted((ROOT / "data" / "sample").glob("*.txt"))
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full build of data/sample (trained NER + rules) made with `kg build`."""
    out = tmp_path_factory.mktemp("sample") / "output"
    result = CliRunner().invoke(main, ["build", *map(str, SAMPLE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    (out / "build-stdout.txt").write_text(result.output)
    # Keep a copy under output/ so the README's figures and screenshots match the tests.
    shutil.copytree(out, ROOT / "output", dirs_exist_ok=True)
    return out


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()
