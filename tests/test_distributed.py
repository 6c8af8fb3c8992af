"""Extraction on Dask (a LocalCluster of two worker processes): the same outputs as a local build."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cache import mention_row
from kg.cli import main
from kg.distributed import extract_on_dask, extract_partition, pipeline_builds
from kg.errors import ExtractError
from kg.extract.pipeline import build_pipeline, extract_papers, extractor_version
from kg.ingest import read_papers

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = sorted((ROOT / "data" / "sample").glob("*.txt"))


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.LocalCluster]:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    ) as local:
        yield local


def build_files(out: Path, *args: str) -> dict[str, bytes]:
    result = CliRunner().invoke(main, ["-q", "build", *args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    files = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}
    files.update({f"cache/{p.name}": p.read_bytes() for p in (out / ".kg-cache").iterdir()})
    return files


def test_dask_build_is_byte_identical_to_a_local_build(cluster: distributed.LocalCluster, tmp_path: Path) -> None:
    inputs = [*map(str, SAMPLE), "--mode", "rules"]
    on_dask = build_files(tmp_path / "dask", *inputs, "--dask", cluster.scheduler_address)
    local = build_files(tmp_path / "local", *inputs)
    assert set(on_dask) == set(local) and {"graph.ttl", "graph.nt", "graph.jsonld", "report.json"} <= set(local)
    for name in local:
        assert on_dask[name] == local[name], name
    assert len(local[next(n for n in local if n.startswith("cache/"))].splitlines()) == 420  # one line a paper


def test_each_worker_builds_its_pipeline_once(cluster: distributed.LocalCluster) -> None:
    papers = read_papers(SAMPLE[:1]).papers
    pairs = list(extract_on_dask(papers, cluster.scheduler_address, mode="rules", partition_size=16))
    nlp = build_pipeline("rules")
    assert [p.id for p, _ in pairs] == [p.id for p in papers]  # input order
    assert [rows for _, rows in pairs] == [[mention_row(m) for m in ms] for _, ms in extract_papers(papers, nlp)]
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        builds = client.run(pipeline_builds)
    assert len(papers) // 16 > len(builds) == 2  # many more tasks than workers ...
    assert all(b.get("rules", 0) <= 1 for b in builds.values())  # ... and at most one pipeline per worker
    assert sum(b.get("rules", 0) for b in builds.values()) >= 1


def test_default_mode_on_dask_matches_local(cluster: distributed.LocalCluster, tmp_path: Path) -> None:
    lines = [json.dumps({"title": p.title, "abstract": p.abstract}) for p in read_papers(SAMPLE[:1]).papers[:40]]
    (tmp_path / "papers.jsonl").write_text("\n".join(lines) + "\n")
    inputs = [str(tmp_path / "papers.jsonl"), "--no-html"]
    on_dask = build_files(tmp_path / "dask", *inputs, "--dask", cluster.scheduler_address)
    local = build_files(tmp_path / "local", *inputs)
    assert on_dask == local
    assert json.loads(local["report.json"])["extractor"] == extractor_version("full")


def test_worker_with_another_extractor_refuses() -> None:
    papers = read_papers(SAMPLE[:1]).papers[:2]
    with pytest.raises(ExtractError, match="install the same kg on every worker"):
        extract_partition(papers, "rules", "0.0.0+rules.000000000000")


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["-q", "build", str(SAMPLE[0]), "--mode", "rules", "-o", str(tmp_path / "o"), "--dask", "tcp://127.0.0.1:9"],
    )
    assert result.exit_code == 1
    assert result.output.startswith("kg: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")


def test_a_scheduler_address_that_is_none_is_said_at_once_and_quietly(tmp_path: Path) -> None:
    args = ["-q", "build", str(SAMPLE[0]), "--mode", "rules", "-o", str(tmp_path / "o"), "--dask", "garbage"]
    # in a process of its own: a half-made Client printed a traceback at exit, after a 20 s wait
    done = subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=15)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "kg: error: --dask 'garbage' is not a scheduler address (missing port number in address 'garbage'); "
        "use e.g. tcp://10.0.0.5:8786"
    ]


def test_missing_dask_is_a_clear_error(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['distributed'] = None\n"  # as if kg[dask] were not installed
        "from kg.cli import main\n"
        f"main(['-q', 'build', {str(SAMPLE[0])!r}, '--mode', 'rules', '-o', {str(tmp_path / 'o')!r},"
        " '--dask', 'tcp://127.0.0.1:8786'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.strip() == "kg: error: --dask needs Dask distributed: pip install 'kg[dask]'"


def _worker_malloc_env() -> tuple[str | None, bool]:

    from kg.distributed import restore_malloc_thresholds

    return os.environ.get("MALLOC_TRIM_THRESHOLD_"), restore_malloc_thresholds()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_workers_get_glibcs_adaptive_malloc_ceilings_back(cluster: distributed.LocalCluster) -> None:
    # Dask's nanny fixes MALLOC_TRIM_THRESHOLD_, which costs spaCy ~25% CPU; the worker side undoes it.
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        seen = client.run(_worker_malloc_env)
    assert seen and all(value == ("65536", True) for value in seen.values()), seen


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_malloc_thresholds_are_left_alone_without_a_fixed_trim_threshold() -> None:
    code = "from kg.distributed import restore_malloc_thresholds as r; print(r())"
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_TRIM_THRESHOLD_"}
    plain = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    fixed = subprocess.run(
        [sys.executable, "-c", code], env={**env, "MALLOC_TRIM_THRESHOLD_": "65536"}, capture_output=True, text=True
    )
    assert (plain.stdout.strip(), fixed.stdout.strip()) == ("False", "True")


def test_workers_that_cannot_import_kg_end_the_build_with_an_error() -> None:
    # such a worker dies unpickling its first task; the build used to wait for ever
    papers = read_papers(SAMPLE[:1]).papers[:20]
    with distributed.LocalCluster(n_workers=0, dashboard_address=None, silence_logs=50) as local:
        no_kg = "import sys; sys.modules['kg'] = None; from distributed.cli.dask_worker import main; main()"
        worker = subprocess.Popen(
            [sys.executable, "-c", no_kg, local.scheduler_address, "--no-nanny", "--nthreads", "1", "--no-dashboard"],
            stderr=subprocess.DEVNULL,
        )
        try:
            with pytest.raises(ExtractError, match=r"every Dask worker of .* left and none came back in 3 s"):
                list(extract_on_dask(papers, local.scheduler_address, mode="rules", worker_grace=3))
        finally:
            worker.kill()
            worker.wait()


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("http://127.0.0.1:8787", "unknown address scheme 'http'"),  # a dashboard's URL
        ("inproc://x", "inproc:// names a scheduler inside one process"),
    ],
)
def test_an_address_of_a_scheme_dask_cannot_reach_is_said_at_once(tmp_path: Path, address: str, message: str) -> None:
    args = ["-q", "build", str(SAMPLE[0]), "--mode", "rules", "-o", str(tmp_path / "o"), "--dask", address]
    done = subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=15)
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()  # no traceback of a half-made Client after it
    assert line.startswith(f"kg: error: --dask {address!r} is not a scheduler address") and message in line


def test_an_empty_scheduler_address_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(SAMPLE[0]), "-o", str(tmp_path / "o"), "--dask", ""])
    assert result.exit_code == 2 and "is empty; give the scheduler's address" in result.output
    assert not (tmp_path / "o").exists()


_OUT_OF_MEMORY = """
import dask, distributed, sys
from pathlib import Path
from kg.distributed import extract_on_dask
from kg.errors import ExtractError
from kg.ingest import read_papers

if __name__ == "__main__":
    papers = read_papers([Path(sys.argv[1])]).papers[:40]
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):  # the first death ends the task
        with distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, memory_limit="120MB", dashboard_address=None, silence_logs=50
        ) as local:
            try:
                list(extract_on_dask(papers, local.scheduler_address, mode="full", partition_size=20))
            except ExtractError as err:
                print(err)
"""


def test_a_worker_killed_for_memory_is_a_kg_error(tmp_path: Path) -> None:
    # the nanny kills a worker over its memory limit (spaCy's full pipeline needs more than 120 MB)
    script = tmp_path / "oom.py"
    script.write_text(_OUT_OF_MEMORY)
    done = subprocess.run([sys.executable, str(script), str(SAMPLE[0])], capture_output=True, text=True, timeout=180)
    assert "Dask workers kept dying running a partition" in done.stdout, done.stdout + done.stderr[-2000:]
    assert "out of memory? Give the workers more memory" in done.stdout


def _wait_for_port(port: int, timeout: float = 60.0) -> None:
    import socket
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_a_scheduler_lost_mid_build_is_a_kg_error_and_the_rerun_resumes(tmp_path: Path) -> None:
    # a real scheduler and worker in their own processes; the scheduler is killed once partitions come back
    import time

    from .conftest import free_port

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler_args = ["--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", *scheduler_args], **quiet)
    worker = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1", "--no-dashboard"], **quiet
    )
    out = tmp_path / "o"
    log = tmp_path / "stderr.txt"
    try:
        _wait_for_port(port)
        with log.open("w") as err:
            build = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "kg",
                    "build",
                    *map(str, SAMPLE),
                    "--mode",
                    "full",
                    "-o",
                    str(out),
                    "--dask",
                    address,
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
            deadline = time.monotonic() + 180
            cache = out / ".kg-cache"
            # a partition's results in the cache: the build is connected and extracting on the worker
            while build.poll() is None and time.monotonic() < deadline:
                if any(f.stat().st_size for f in cache.glob("extract-*.jsonl")):
                    break
                time.sleep(0.1)
            assert build.poll() is None, log.read_text()[-2000:]  # still extracting: 420 papers on one thread
            scheduler.kill()
            assert build.wait(timeout=120) == 1, log.read_text()[-2000:]
        last = log.read_text().strip().splitlines()[-1]
        assert last.startswith(f"kg: error: lost the connection to the Dask scheduler at {address}"), last
        assert last.endswith("rerun to resume from the cache")
        assert not (out / "graph.json").exists()  # no half-made outputs
        done = sum(1 for f in cache.glob("extract-*.jsonl") for line in f.read_text().splitlines() if line)
        assert 0 < done < 420
    finally:
        for process in (scheduler, worker):
            process.kill()
            process.wait()
    # the rerun (here without Dask) extracts only what the lost build had not finished
    rerun = subprocess.run(
        [sys.executable, "-m", "kg", "-v", "build", *map(str, SAMPLE), "--mode", "full", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert f"420 papers, {done} cached, {420 - done} to do" in rerun.stderr
    assert (out / "graph.json").exists()
