"""Extraction on a Dask cluster: ``kg build --dask tcp://scheduler:8786``.

The papers still to extract are cut into partitions and sent to the workers;
each worker process builds the spaCy pipeline once (the first time it gets a
partition of that mode) and keeps it for every later partition. Results come
back partition by partition and are handed on in input order, so the build
appends them to its cache exactly as a local build would, and the outputs are
byte-identical. At most a few partitions per worker thread are in flight, so
neither this process nor the scheduler ever holds the whole corpus twice.

Workers need the same kg installed (and so the same extractor); a worker whose
:func:`~kg.extract.pipeline.extractor_version` differs refuses the work rather
than mixing results of two extractors in one cache. Run them with one thread
each (``dask worker tcp://scheduler:8786 --nworkers 8 --nthreads 1``): a
pipeline is used by one thread at a time.

Dask's nanny starts each worker with ``MALLOC_TRIM_THRESHOLD_=65536``, which
turns off glibc's adaptive malloc thresholds: every allocation over 128 KB (the
pipeline's per-batch arrays) becomes an ``mmap``/``munmap`` pair and the heap is
trimmed constantly. That costs spaCy about a quarter more CPU (measured: 13.4 s
against 10.7 s for the same 1,500 abstracts). Before a worker builds its first
pipeline it raises the two thresholds to the ceilings glibc would adapt to on
its own (:func:`restore_malloc_thresholds`).

Dask is optional: ``pip install 'kg[dask]'``.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import CancelledError
from typing import TYPE_CHECKING, Any, cast

from kg.cache import mention_row
from kg.errors import ExtractError
from kg.extract.pipeline import Mode, build_pipeline, extract_papers, extractor_version
from kg.io import glibc
from kg.records import Paper

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = ["extract_on_dask", "extract_partition", "pipeline_builds", "restore_malloc_thresholds"]

Rows = list[dict[str, Any]]

# Per worker process: the pipeline of each mode, built on first use, and how often one was built.
_PIPELINES: dict[str, Language] = {}
_BUILDS: Counter[str] = Counter()
_LOCK = threading.Lock()


def pipeline_builds() -> dict[str, int]:
    """How many pipelines this process has built, per mode (run it on the workers with ``client.run``)."""
    return dict(_BUILDS)


# glibc's mallopt parameters and the ceilings its dynamic thresholds reach on 64-bit (malloc/malloc.c).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD_MAX = 32 * 2**20
_TRIM_THRESHOLD_MAX = 2 * _MMAP_THRESHOLD_MAX


def restore_malloc_thresholds() -> bool:
    """Undo a fixed ``MALLOC_TRIM_THRESHOLD_`` (Dask's nanny sets one) for this process.

    A fixed trim threshold disables glibc's adaptive mmap and trim thresholds.
    This sets both to the largest values the adaptive scheme would reach, so
    the pipeline's large, short-lived arrays are reused from the heap instead
    of being mapped and unmapped for every batch. Memory freed at the top of
    the heap beyond 64 MB is still returned to the system.

    Returns
    -------
    bool
        Whether the thresholds were changed: only on glibc, and only when
        ``MALLOC_TRIM_THRESHOLD_`` is set in the environment (otherwise glibc
        already adapts and nothing is done).
    """
    libc = glibc()
    if libc is None or "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX)) and bool(
        libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD_MAX)
    )


def _pipeline(mode: Mode) -> Language:
    nlp = _PIPELINES.get(mode)
    if nlp is None:
        if not _PIPELINES:
            restore_malloc_thresholds()
        nlp = _PIPELINES[mode] = build_pipeline(mode)
        _BUILDS[mode] += 1
    return nlp


def extract_partition(papers: Sequence[Paper], mode: Mode, version: str, batch_size: int = 64) -> list[Rows]:
    """Extract one partition on a worker: each paper's mentions as cache rows, in order.

    Raises
    ------
    ExtractError
        When this worker's extractor is not ``version`` (another kg or model installed).
    """
    here = extractor_version(mode)
    if here != version:
        raise ExtractError(
            f"a Dask worker has extractor {here}, the build needs {version}; install the same kg on every worker"
        )
    with _LOCK:  # one pipeline per process, used by one thread at a time
        nlp = _pipeline(mode)
        return [[mention_row(m) for m in ms] for _, ms in extract_papers(papers, nlp, batch_size=batch_size)]


def _one_line(err: BaseException) -> str:
    """An exception's message on one line (Dask's own can span several), for a one-line ``kg: error:``."""
    return " ".join(str(err).split()) or type(err).__name__


def _connect(address: str) -> Any:
    try:
        from distributed import Client
    except ImportError as err:
        raise ExtractError("--dask needs Dask distributed: pip install 'kg[dask]'") from err
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    try:  # before a Client exists: a half-made one waits 20 s at exit and prints a traceback
        scheme, location = parse_address(address)
        if scheme == "inproc":  # another process's in-process scheduler cannot be reached
            raise ValueError("inproc:// names a scheduler inside one process")
        get_backend(scheme)  # "http" (a dashboard's URL) is no scheme Dask speaks
        if scheme in ("tcp", "tls"):
            parse_host_port(location)
    except ValueError as err:
        raise ExtractError(
            f"--dask {address!r} is not a scheduler address ({err}); use e.g. tcp://10.0.0.5:8786"
        ) from err
    try:
        return Client(address, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError) as err:
        raise ExtractError(f"cannot reach the Dask scheduler at {address} ({err}); is it running?") from err
    except ValueError as err:  # not an address at all ("missing port number in address ...")
        raise ExtractError(
            f"--dask {address!r} is not a scheduler address ({err}); use e.g. tcp://10.0.0.5:8786"
        ) from err


def extract_on_dask(
    papers: Sequence[Paper],
    address: str,
    *,
    mode: Mode = "full",
    batch_size: int = 64,
    partition_size: int = 256,
    in_flight_per_thread: int = 3,
    worker_grace: float = 60.0,
) -> Iterator[tuple[Paper, Rows]]:
    """Extract ``papers`` on the Dask cluster at ``address``; yield each with its rows, in input order.

    Parameters
    ----------
    papers : sequence of Paper
    address : str
        Scheduler address, e.g. ``tcp://10.0.0.5:8786``.
    mode : {"full", "names", "rules"}
    batch_size : int
        ``nlp.pipe`` batch size on the workers.
    partition_size : int
        Papers per task: large enough that scheduling costs little next to
        extraction, small enough to balance load and to reach the cache often.
    in_flight_per_thread : int
        Partitions submitted ahead per worker thread (bounds memory).
    worker_grace : float
        Seconds the cluster may have no worker before the build gives up (a nanny restarts a
        dead worker within a few).

    Raises
    ------
    ExtractError
        Dask missing, scheduler unreachable, no workers (at the start, or for ``worker_grace``
        seconds later: workers that cannot import kg die on their first task), workers killed
        running a partition (out of memory), the scheduler lost, or workers with another extractor.
    """
    if not papers:
        return
    version = extractor_version(mode)
    client = _connect(address)
    try:
        from distributed import as_completed

        try:
            client.wait_for_workers(1, timeout=60)
        except TimeoutError as err:
            raise ExtractError(f"the Dask scheduler at {address} has no workers after 60 s; start some") from err
        threads = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()) or 1
        limit = max(2, in_flight_per_thread * threads)
        starts = range(0, len(papers), partition_size)
        futures = as_completed(loop=client.loop)
        index_of: dict[Any, int] = {}
        done: dict[int, list[Rows]] = {}
        submitted = emitted = 0

        def submit_more() -> None:
            nonlocal submitted
            while submitted < len(starts) and submitted - emitted < limit:
                chunk = list(papers[starts[submitted] : starts[submitted] + partition_size])
                future = client.submit(extract_partition, chunk, mode, version, batch_size, pure=False)
                index_of[future] = submitted
                futures.add(future)
                submitted += 1

        submit_more()
        while not futures.is_empty():
            future = _next_done(client, futures, address, worker_grace)
            done[index_of.pop(future)] = _result(future, address)
            future.release()
            while emitted in done:
                start = starts[emitted]
                yield from zip(papers[start : start + partition_size], done.pop(emitted), strict=True)
                emitted += 1
            submit_more()
    finally:
        client.close()


def _next_done(client: Any, futures: Any, address: str, grace: float) -> Any:
    """The next finished future of ``futures``, checking every 2 s that the cluster still has workers.

    A lost scheduler cancels the futures, which :func:`_result` reports; a cluster whose workers
    all died (and were not restarted) would otherwise be waited on for ever.
    """
    alone_since: float | None = None
    checked = time.monotonic()
    while not futures.has_ready():
        time.sleep(0.1)
        now = time.monotonic()
        if now - checked < 2.0:
            continue
        checked = now
        if client.status == "running" and client.nthreads():  # asks the scheduler
            alone_since = None
        elif alone_since is None:
            alone_since = now
        elif now - alone_since > grace:
            raise ExtractError(
                f"every Dask worker of {address} left and none came back in {grace:.0f} s; do the workers "
                "have kg installed (a worker that cannot import kg dies on its first task)? See the worker logs"
            )
    return next(futures)


def _result(future: Any, address: str) -> list[Rows]:
    """``future.result()``, with the cluster's failures as :class:`ExtractError`."""
    from distributed import KilledWorker

    try:
        return cast("list[Rows]", future.result())
    except ExtractError:
        raise
    except KilledWorker as err:
        raise ExtractError(
            f"Dask workers kept dying running a partition ({_one_line(err)}); out of memory? Give the workers more "
            "memory (dask worker --memory-limit) or see their logs; rerun to resume from the cache"
        ) from err
    except (CancelledError, OSError, TimeoutError) as err:  # the scheduler gone: FutureCancelledError, CommClosedError
        raise ExtractError(
            f"lost the connection to the Dask scheduler at {address} ({type(err).__name__}: {_one_line(err)}); "
            "rerun to resume from the cache"
        ) from err
