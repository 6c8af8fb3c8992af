"""The endpoint's time limit is the client's: slow queries do not hold up a fast one past it.

Real slow queries (a triple cross product over 2,000 triples, billions of rows
to count) against a real endpoint with real worker processes.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg.rdf.endpoint import EndpointConfig, make_app

from ..conftest import serving

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
FAST = "ASK { ?s ?p ?o }"


@pytest.fixture(scope="module")
def rdf_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("slow") / "data.nt"
    path.write_text("".join(f'<http://example.org/s{i}> <http://example.org/p> "{i}" .\n' for i in range(2000)))
    return path


def _ask(base: str, sparql: str) -> tuple[int, dict[str, str], bytes, float]:
    """Status, headers (lower-cased names), body and seconds taken of a GET of ``sparql``."""
    url = base + "/sparql?" + urllib.parse.urlencode({"query": sparql})
    req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read(), time.monotonic() - started
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read(), time.monotonic() - started


def _in_background(base: str, sparql: str, answers: list[tuple[int, dict[str, str], bytes, float]]) -> threading.Thread:
    thread = threading.Thread(target=lambda: answers.append(_ask(base, sparql)), daemon=True)
    thread.start()
    return thread


def test_a_fast_query_answers_promptly_while_slow_ones_run(rdf_file: Path) -> None:
    with serving(make_app(rdf_file, EndpointConfig(timeout=4.0, persist=False, workers=4))) as base:
        slow: list[tuple[int, dict[str, str], bytes, float]] = []
        threads = [_in_background(base, SLOW, slow) for _ in range(3)]
        time.sleep(0.5)  # the three are running
        status, _, body, seconds = _ask(base, FAST)
        assert (status, b"true" in body) == (200, True)
        assert seconds < 2.0, f"the ASK took {seconds:.1f} s behind three slow queries"
        for thread in threads:
            thread.join(30)
        assert [(code, b"time limit" in text) for code, _, text, _ in slow] == [(503, True)] * 3, slow
        assert all(taken < 4.0 + 2.0 for *_, taken in slow)


def test_waiting_for_a_worker_counts_against_the_time_limit(tmp_path: Path) -> None:
    # big enough that a restarted worker takes longer to load it than the 0.1 s between the requests
    big = tmp_path / "big.nt"
    big.write_text("".join(f'<http://example.org/s{i}> <http://example.org/p> "{i}" .\n' for i in range(200_000)))
    with serving(make_app(big, EndpointConfig(timeout=3.0, persist=False, workers=1))) as base:
        answers: list[tuple[int, dict[str, str], bytes, float]] = []
        slow = _in_background(base, SLOW, answers)
        time.sleep(0.1)
        status, headers, body, seconds = _ask(base, FAST)  # waits for the only worker, and cannot start in time
        assert status == 503 and headers["retry-after"] == "3", body
        assert body.decode() == "the endpoint is busy: no query worker came free within its time limit\n"
        assert 2.5 < seconds < 3.0 + 1.5, seconds
        slow.join(30)
        assert [(code, text) for code, _, text, _ in answers] == [(503, b"query exceeded the 3 s time limit\n")]
        assert "retry-after" not in answers[0][1]  # the same query would run over again
        # the killed worker is restarted in the background and answers again
        deadline = time.monotonic() + 30
        while (answer := _ask(base, FAST))[0] != 200:
            assert time.monotonic() < deadline, answer
            time.sleep(0.2)
        assert b"true" in answer[2]
