"""The endpoint's guards against clients that hold connections or memory: a real server on a free port."""

from __future__ import annotations

import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.rdf.endpoint import EndpointConfig, make_app

from ..conftest import serving

COUNT = "PREFIX kg: <https://w3id.org/kg/vocab#>\nSELECT (COUNT(?p) AS ?n) WHERE { ?p a kg:Paper }"


def _address(base: str) -> tuple[str, int]:
    host, port = urllib.parse.urlsplit(base).netloc.rsplit(":", 1)
    return host, int(port)


def _count(base: str) -> str:
    url = base + "/sparql?" + urllib.parse.urlencode({"query": COUNT})
    req = urllib.request.Request(url, headers={"Accept": "text/csv"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return str(resp.read().decode().split()[-1])


def _closed_within(sock: socket.socket, seconds: float) -> float | None:
    """Seconds until the server closed ``sock`` (EOF or reset), or ``None`` if still open after ``seconds``."""
    started = time.monotonic()
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - started


@pytest.fixture(scope="module")
def guarded(sample_build: Path) -> Iterator[str]:
    config = EndpointConfig(timeout=1.5, workers=1, max_connections=4, max_memory=300)
    with serving(make_app(sample_build, config)) as base:
        yield base


def test_a_client_that_never_finishes_its_headers_is_cut_off(guarded: str) -> None:
    with socket.create_connection(_address(guarded)) as silent, socket.create_connection(_address(guarded)) as slow:
        slow.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        for sock in (silent, slow):
            closed = _closed_within(sock, 10)
            assert closed is not None, "the server still holds a connection without headers after 10 s"
            assert closed < 5
    assert _count(guarded) == "420"


def test_a_kept_alive_connection_cannot_trickle_its_next_request(guarded: str) -> None:
    with socket.create_connection(_address(guarded)) as sock:
        sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n")
        sock.settimeout(10)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        for byte in b"GET /sparql HTTP/1.1\r\n":  # a byte a quarter second: uvicorn's own keep-alive timer stops
            sock.sendall(bytes([byte]))
            time.sleep(0.25)
            if _closed_within(sock, 0.01) is not None:
                break
        else:
            pytest.fail("the server kept a connection that trickled a request's headers for 5 s")


def test_connections_past_the_cap_are_closed_at_once_and_the_server_recovers(guarded: str) -> None:
    held = [socket.create_connection(_address(guarded)) for _ in range(4)]
    try:
        time.sleep(0.2)  # all four accepted
        with socket.create_connection(_address(guarded)) as extra:
            closed = _closed_within(extra, 1.0)  # well before the 1.5 s header deadline
            assert closed is not None and closed < 1.0
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.3)
    assert _count(guarded) == "420"


def test_every_connection_within_the_cap_is_answered(guarded: str) -> None:
    # uvicorn's own limit counted the connection asking: with 4 open, the 4th request was 503
    request = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n"
    held = [socket.create_connection(_address(guarded)) for _ in range(4)]
    try:
        time.sleep(0.2)
        for sock in held:
            sock.settimeout(10)
            sock.sendall(request)
            assert sock.recv(4096).startswith(b"HTTP/1.1 200"), "a connection within --max-connections was refused"
    finally:
        for sock in held:
            sock.close()


def test_a_long_get_is_read_however_tcp_cuts_it(guarded: str) -> None:
    # h11 refused request heads over 16 KiB only when they came in pieces
    query = "ASK { FILTER(" + " || ".join(["true"] * 2500) + ") }"  # 20 KB, ~35 KB percent-encoded
    head = f"GET /sparql?{urllib.parse.urlencode({'query': query})} HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n"
    with socket.create_connection(_address(guarded)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        data = head.encode()
        for i in range(0, len(data), 1400):  # packets as on a network
            sock.sendall(data[i : i + 1400])
            time.sleep(0.001)
        sock.settimeout(10)
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]


def test_a_get_url_over_the_limit_is_414_and_says_to_post(guarded: str) -> None:
    from kg.rdf.endpoint import MAX_URL_BYTES

    query = "ASK{FILTER(" + "||".join(["true"] * (MAX_URL_BYTES // 9)) + ")}"
    url = guarded + "/sparql?" + urllib.parse.urlencode({"query": query})
    assert MAX_URL_BYTES < len(url) < MAX_URL_BYTES + 12_000  # over the limit, yet a head h11 reads whole
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(url, timeout=30)
    assert err.value.code == 414 and b"POST a query this long" in err.value.read()
    # the same query POSTed is answered
    req = urllib.request.Request(guarded + "/sparql", data=query.encode(), headers={"Accept": "text/csv"})
    req.add_header("Content-Type", "application/sparql-query")
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200


def test_a_get_whose_query_string_is_not_utf8_is_refused(guarded: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(guarded + "/sparql?query=SELECT%20(%22%FF%22%20AS%20?x)%20%7B%7D", timeout=30)
    assert err.value.code == 400 and b"not valid UTF-8" in err.value.read()


@pytest.fixture(scope="module")
def memory_guarded(sample_build: Path) -> Iterator[str]:
    # a time limit far above what the memory limit needs, so a slow machine cannot make the time limit
    # answer first (with guarded's 1.5 s it did, once, in CI)
    config = EndpointConfig(timeout=30, workers=1, max_memory=300)
    with serving(make_app(sample_build, config)) as base:
        yield base


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the memory limit is RLIMIT_DATA, Linux only")
def test_a_query_over_the_memory_limit_is_503_and_the_worker_comes_back(memory_guarded: str) -> None:
    # 10 bytes doubled 30 times: 10 GB, reached by CONCAT long before the time limit would stop it
    guarded = memory_guarded
    binds = " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(30))
    bomb = f'SELECT (STRLEN(?a30) AS ?n) WHERE {{ BIND("aaaaaaaaaa" AS ?a0) {binds} }}'
    started = time.monotonic()
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(guarded + "/sparql?" + urllib.parse.urlencode({"query": bomb}), timeout=60)
    assert err.value.code == 503
    assert b"300 MB memory limit" in err.value.read()
    assert time.monotonic() - started < 15  # cut off by the memory limit (at 300 MB), not the 30 s time limit
    deadline = time.monotonic() + 30  # the one worker is restarted in the background
    while True:
        try:
            assert _count(guarded) == "420"
            break
        except urllib.error.HTTPError as busy:
            assert busy.code == 503 and time.monotonic() < deadline
            time.sleep(0.2)
