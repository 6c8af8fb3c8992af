"""Small file helpers shared by every stage that writes outputs."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_write", "glibc"]


@lru_cache(maxsize=1)
def glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc on Linux (for ``mallopt``, ``prctl``), else ``None``."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # musl or another libc
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "prctl") else None


@contextlib.contextmanager
def atomic_write(path: str | Path, *, binary: bool = False, encoding: str = "utf-8") -> Iterator[IO[Any]]:
    """Write ``path`` atomically: to a temp file beside it, then ``os.replace``.

    A reader (or a crash half-way) never sees a partial file: either the old
    content or the complete new one.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_write(p) as fh:
    ...     _ = fh.write("hello")
    >>> p.read_text()
    'hello'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs are ordinary files
    try:
        mode = "wb" if binary else "w"
        kwargs: dict[str, Any] = {} if binary else {"encoding": encoding, "newline": ""}
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


_held_lock = threading.Lock()
_held = {"depth": 0, "owner": False}  # open held_objects() contexts; whether the outermost may freeze


@contextlib.contextmanager
def held_objects() -> Iterator[Callable[[], None]]:
    """Keep the objects a long job holds on to out of the garbage collector's full passes.

    A build holds millions of papers, mentions, graph nodes and edges for its
    whole run. CPython's collector scans every one of them in each full
    collection, which it starts whenever the live objects have grown by a
    quarter: at 100,000 abstracts that was a fifth of the time of building the
    graph. The function yielded freezes (:func:`gc.freeze`) everything alive when
    it is called, typically after each stage; frozen objects are still freed when
    nothing refers to them, only reference cycles among them wait.

    Contexts nest (and may be open in several threads): when the last one closes,
    everything is unfrozen. If something else had frozen objects before the first
    one opened, the yielded function does nothing, as :func:`gc.unfreeze` could not
    tell its objects from ours and whatever we froze would never be collected.
    """
    with _held_lock:
        if _held["depth"] == 0:
            _held["owner"] = gc.get_freeze_count() == 0
        _held["depth"] += 1
        owner = bool(_held["owner"])
    try:
        yield gc.freeze if owner else _no_freeze
    finally:
        with _held_lock:
            _held["depth"] -= 1
            if _held["depth"] == 0 and _held["owner"]:
                gc.unfreeze()


def _no_freeze() -> None:
    """What :func:`held_objects` yields when it may not freeze."""
