"""Shared fixtures: the sample build is made once per test session, through the CLI."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
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


def free_port() -> int:
    """A localhost port nothing listens on (the OS's pick)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(app: object) -> Iterator[str]:
    """Serve a Starlette ``app`` with uvicorn on a free localhost port; yields its base URL."""
    import threading
    import time

    import uvicorn

    from kg.rdf.endpoint import server_config

    port = free_port()
    # as `kg serve` serves it: the header deadline and connection cap of the app's EndpointConfig
    server = uvicorn.Server(server_config(app, "127.0.0.1", port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 60
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "the endpoint did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
