"""Helpers shared by the benchmarks: run a function in a fresh process and measure it."""

from __future__ import annotations

import multiprocessing as mp
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _own_peak_kb() -> int:
    """This process's peak RSS in kB: Linux's ``VmHWM``, which starts afresh at ``exec``, unlike
    ``ru_maxrss``, which keeps the high-water mark of the parent's pages the process was forked with."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _child(fn: Callable[..., Any], args: tuple[Any, ...], conn: Any) -> None:
    started = time.perf_counter()
    value = fn(*args)
    elapsed = time.perf_counter() - started
    peak_kb = _own_peak_kb()
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    conn.send((value, elapsed, max(peak_kb, children_kb) / 1024))


def measure(fn: Callable[..., Any], *args: Any) -> tuple[Any, float, float]:
    """Run ``fn(*args)`` in a fresh process; return (value, seconds, peak RSS in MB).

    The process is spawned, not forked, and its own peak is read from ``VmHWM``: a forked child's
    peak RSS starts at the parent's resident pages (a graph the benchmark built before measuring
    would count against the store it measures). ``fn`` and ``args`` must therefore be picklable: a
    module-level function of the script. Processes ``fn`` starts itself count with their own peak.
    """
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(fn, args, child))
    proc.start()
    result = parent.recv()
    proc.join()
    return result
