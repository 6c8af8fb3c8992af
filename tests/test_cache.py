"""The extraction cache file: lines cut by a crash, appends after them, compaction."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from kg.builder import BuildOptions, build
from kg.cache import ExtractionCache, row_mentions
from kg.records import Mention

ROW = {"field": "abstract", "start": 0, "end": 4, "text": "BERT", "label": "Model", "sentence": "BERT works."}
KEYS = [f"{i:032x}" for i in range(6)]


def write_cache(path: Path, keys: list[str]) -> None:
    cache = ExtractionCache(path, flush_every=2)
    for key in keys:
        cache.append(key, [ROW])
    cache.close()


def test_a_line_cut_by_a_crash_is_skipped_and_not_glued_to_the_next(tmp_path: Path) -> None:
    path = tmp_path / "extract-v.jsonl"
    write_cache(path, KEYS[:3])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 20])  # the third line loses its end, as if killed mid-write
    cache = ExtractionCache(path)
    assert [key for key, _ in cache.read(set(KEYS))] == KEYS[:2]
    assert KEYS[2] not in cache
    cache.append(KEYS[2], [ROW])
    cache.close()
    again = ExtractionCache(path)
    found = dict(again.read(set(KEYS)))
    assert list(found) == KEYS[:3]
    assert row_mentions(found[KEYS[2]], "p1") == [Mention(paper_id="p1", **ROW)]


def test_only_wanted_keys_are_read_and_stale_lines_are_compacted(tmp_path: Path) -> None:
    path = tmp_path / "extract-v.jsonl"
    write_cache(path, KEYS + KEYS[:1])  # a duplicate line too
    cache = ExtractionCache(path)
    assert [key for key, _ in cache.read({KEYS[0], KEYS[1]})] == KEYS[:2]
    assert cache.compact({KEYS[0], KEYS[1]})  # 7 lines for 2 live keys
    assert [json.loads(line)["key"] for line in path.read_text().splitlines()] == KEYS[:2]
    assert not ExtractionCache(path).compact({KEYS[0]})  # nothing read yet: no count of lines, no rewrite


def test_changed_paper_misses_the_cache_and_unchanged_ones_hit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rows = [{"title": f"Paper {i}", "abstract": f"We propose Method{i} for the Bench{i} dataset."} for i in range(5)]
    papers = tmp_path / "p.jsonl"
    papers.write_text("\n".join(json.dumps(r) for r in rows))
    options = BuildOptions(mode="rules", html=False, progress=False)
    build([papers], tmp_path / "out", options=options)
    rows[3]["abstract"] = "We propose a changed method."
    papers.write_text("\n".join(json.dumps(r) for r in rows))
    caplog.set_level(logging.INFO, logger="kg.builder")
    build([papers], tmp_path / "out", options=options)
    assert "extract: 5 papers, 4 cached, 1 to do" in caplog.text
    cache_file = next((tmp_path / "out" / ".kg-cache").iterdir())
    assert len(cache_file.read_text().splitlines()) == 6  # the old result of paper 3 stays until compaction
