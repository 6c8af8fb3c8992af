"""Crash safety, tested by a kill: SIGKILL a build mid-extraction, then check what it left and resume it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg.ingest import read_papers

SAMPLE = sorted((Path(__file__).resolve().parent.parent / "data" / "sample").glob("*.txt"))
KG = [str(Path(sys.executable).parent / "kg")]
FLAGS = ["--no-html", "--no-provenance"]  # the default extractor; smaller exports keep the test short


def write_corpus(path: Path, n: int) -> None:
    """``n`` distinct papers made from the sample's (same abstracts, numbered titles)."""
    papers = read_papers(SAMPLE).papers
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            p = papers[i % len(papers)]
            fh.write(json.dumps({"id": f"c{i}", "title": f"{p.title} [{i}]", "abstract": p.abstract}) + "\n")


def visible(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if not p.name.startswith(".")}


def kg_build(*args: str, verbose: bool = False) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*KG, "-v" if verbose else "-q", "build", *args, *FLAGS], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done


def valid_lines(cache_dir: Path) -> int:
    count = 0
    for cache_file in cache_dir.glob("extract-*.jsonl"):
        for line in cache_file.read_text(encoding="utf-8").splitlines():
            try:
                json.loads(line)
            except ValueError:
                continue
            count += 1
    return count


@pytest.mark.slow
def test_killed_build_keeps_previous_outputs_and_resumes_from_its_cache(tmp_path: Path) -> None:
    first, full = tmp_path / "first.jsonl", tmp_path / "all.jsonl"
    write_corpus(first, 100)
    write_corpus(full, 500)  # the first 100 lines are the same papers
    out = tmp_path / "out"
    kg_build(str(first), "-o", str(out))
    before = visible(out)
    cache_dir = out / ".kg-cache"
    cached_before = valid_lines(cache_dir)
    assert cached_before == 100
    size_before = sum(f.stat().st_size for f in cache_dir.iterdir())

    proc = subprocess.Popen(
        [*KG, "-q", "build", str(full), "-o", str(out), *FLAGS], start_new_session=True, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while sum(f.stat().st_size for f in cache_dir.iterdir()) <= size_before:  # wait for the first new batch
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "extraction did not start"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    finished = valid_lines(cache_dir)
    assert cached_before < finished < 500, "the kill did not land mid-extraction"
    assert visible(out) == before  # previous outputs byte-identical
    hidden = sorted(p.name for p in out.iterdir() if p.name.startswith(".") and not p.name.endswith(".sections"))
    assert hidden == [".kg-cache", ".kg-lock"]  # no staging directory, no temporary file left

    resumed = kg_build(str(full), "-o", str(out), verbose=True)
    logged = re.search(r"extract: (\d+) papers, (\d+) cached, (\d+) to do", resumed.stderr)
    assert logged, resumed.stderr
    assert tuple(map(int, logged.groups())) == (500, finished, 500 - finished)
    assert valid_lines(cache_dir) == 500

    clean = tmp_path / "clean"
    kg_build(str(full), "-o", str(clean))
    assert visible(out).keys() == visible(clean).keys() and len(visible(clean)) >= 10
    for name, data in visible(clean).items():
        assert visible(out)[name] == data, name
