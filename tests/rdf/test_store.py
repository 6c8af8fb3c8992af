"""The on-disk oxigraph store kept in a build directory (kg.rdf.store)."""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

import pytest

from kg.rdf.store import STORE_DIR, load_store, query

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
PAPERS = "SELECT ?p WHERE { ?p a <https://w3id.org/kg/vocab#Paper> } ORDER BY ?p"


def _copy_build(sample_build: Path, to: Path) -> Path:
    to.mkdir()
    for name in ("graph.nt", "manifest.json"):
        shutil.copy(sample_build / name, to / name)
    return to


def _count(store: object) -> int:
    return int(query(store, COUNT).rows[0][0] or 0)


def test_a_build_is_loaded_once_then_opened_read_only(
    sample_build: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    build = _copy_build(sample_build, tmp_path / "b")
    in_memory = load_store(build, persist=False)
    assert not (build / STORE_DIR).exists()
    umask = os.umask(0o022)  # a usual umask, whatever this process was started with
    try:
        with caplog.at_level(logging.INFO, logger="kg.rdf.store"):
            first = load_store(build)
    finally:
        os.umask(umask)
    assert "loaded into" in caplog.text
    [kept] = (build / STORE_DIR).iterdir()  # no temporary directory left beside it
    assert kept.name.startswith("graph.nt-")
    # readable by whoever may read the build, not 0700 as the temporary directory was made
    assert kept.stat().st_mode & 0o777 == (build / STORE_DIR).stat().st_mode & 0o777 == 0o755
    assert query(first, PAPERS).rows == query(in_memory, PAPERS).rows
    assert _count(first) == _count(in_memory) > 1000
    del first
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="kg.rdf.store"):
        again = load_store(build)
    assert "loaded into" not in caplog.text  # opened, not parsed again
    assert _count(again) == _count(in_memory)
    with pytest.raises((RuntimeError, OSError)):  # the store on disk cannot be written
        again.update("INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }")
    assert _count(load_store(build)) == _count(in_memory)


def test_a_rebuilt_file_gets_a_fresh_store_and_the_stale_one_goes(sample_build: Path, tmp_path: Path) -> None:
    build = _copy_build(sample_build, tmp_path / "b")
    before = _count(load_store(build))
    [old] = (build / STORE_DIR).iterdir()
    # what a build does: a new file renamed over the old one
    new = build / ".graph.nt.new"
    new.write_bytes(
        (build / "graph.nt").read_bytes() + b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n"
    )
    os.replace(new, build / "graph.nt")
    assert _count(load_store(build)) == before + 1
    [fresh] = (build / STORE_DIR).iterdir()
    assert fresh != old and not old.exists()


def test_leftovers_of_a_killed_load_go_once_old(sample_build: Path, tmp_path: Path) -> None:
    build = _copy_build(sample_build, tmp_path / "b")
    root = build / STORE_DIR
    root.mkdir()
    killed, running = root / ".graph.nt-0000-killed", root / ".graph.nt-1111-running"
    killed.mkdir()
    running.mkdir()
    day_ago = time.time() - 86_400
    os.utime(killed, (day_ago, day_ago))
    load_store(build)
    assert not killed.exists() and running.exists()  # a load still running elsewhere keeps its directory


def test_falls_back_to_memory_where_no_store_can_be_kept(sample_build: Path, tmp_path: Path) -> None:
    build = _copy_build(sample_build, tmp_path / "b")
    (build / STORE_DIR).write_text("not a directory")
    expected = _count(load_store(sample_build, persist=False))
    assert _count(load_store(build)) == expected
    assert (build / STORE_DIR).read_text() == "not a directory"
    # an RDF file that is not part of a build: nothing is written beside it
    loose = tmp_path / "loose"
    loose.mkdir()
    shutil.copy(sample_build / "graph.nt", loose / "g.nt")
    assert _count(load_store(loose / "g.nt")) == expected
    assert sorted(p.name for p in loose.iterdir()) == ["g.nt"]


def test_an_undefined_prefix_is_said_alike_by_both_stores(tmp_path: Path) -> None:
    from kg.errors import QueryError

    small = tmp_path / "small.nt"
    small.write_text("<http://e.org/s> <http://e.org/p> <http://e.org/o> .\n", encoding="utf-8")
    for store in ("oxigraph", "rdflib"):
        with pytest.raises(QueryError, match=r"undefined prefix foo: \(declare it: PREFIX foo: <\.\.\.>\)"):
            query(load_store(small, store), "SELECT ?s WHERE { ?s foo:bar ?o }")
