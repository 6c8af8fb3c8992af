"""Copying the unchanged per-paper sections of a previous build's files instead of writing them again.

Most of a build's output bytes belong to one paper each: the Web Annotations of
its mentions in the three RDF files, its paper -> entity edges (which hold the
mentions) in ``graph.json``, and its line of ``mentions.jsonl``. Those bytes
depend only on the paper's id, its text (which, under one extractor version,
fixes its mentions: the premise of :mod:`kg.cache`) and the entities its mentions
resolve to. :func:`paper_fingerprints` digests exactly that.

Every build writes, beside each such file, an index of where each paper's
section is and under which fingerprint (``.graph.nt.sections`` beside
``graph.nt``, moved into the output directory with the file). The next build
into the same directory (``--update`` or not) copies the section of every paper
whose fingerprint is unchanged from the previous file, in the kernel
(``os.copy_file_range``), and writes only the rest; the file is the same bytes
either way (tested against full rebuilds).

An index is used only if it was written for this very file (size, modification
time and inode as recorded), by this version of kg's writers (a hash of their
source) and with the same export settings; anything else and the file is
written whole, as if there were no previous build.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import IO, Any

from kg.io import atomic_write

__all__ = ["SectionIndex", "copy_range", "index_path", "paper_fingerprints", "paper_runs", "writers_version"]

log = logging.getLogger(__name__)

_FORMAT = "kg-sections"
_FORMAT_VERSION = 1
# The modules whose code decides the bytes of a section.
_WRITER_MODULES = (
    ("kg", "graph_io.py"),
    ("kg", "outputs.py"),
    ("kg", "records.py"),
    ("kg", "splice.py"),
    ("kg.rdf", "statements.py"),
    ("kg.rdf", "writers.py"),
    ("kg.rdf", "iri.py"),
    ("kg.rdf", "vocab.py"),
    ("kg.rdf", "context.jsonld"),
)
_COPY_CHUNK = 1 << 30


def writers_version() -> str:
    """A hash of the writers' source: an index written by other writer code is not used."""
    digest = hashlib.sha256()
    for package, name in _WRITER_MODULES:
        digest.update((resources.files(package) / name).read_bytes())
    return digest.hexdigest()[:16]


def paper_fingerprints(
    keys: Mapping[str, str], paper_ids: Sequence[str], mention_entity: Sequence[str]
) -> dict[str, str]:
    """The fingerprint of each paper's sections: a digest of its text's cache key and its mentions' entities.

    Parameters
    ----------
    keys : mapping of paper id -> content key
        :func:`kg.cache.content_key` of each paper (its text and the extractor version).
    paper_ids, mention_entity : sequence of str
        The paper and the entity of every mention of the build, aligned, each
        paper's mentions in their order.

    Examples
    --------
    >>> a = paper_fingerprints({"p1": "k1", "p2": "k2"}, ["p1", "p1"], ["Method:x", "Task:y"])
    >>> b = paper_fingerprints({"p1": "k1", "p2": "k2"}, ["p1", "p1"], ["Method:x", "Task:z"])
    >>> a["p2"] == b["p2"], a["p1"] == b["p1"]
    (True, False)
    """
    entities: dict[str, list[str]] = {}
    for paper, entity in zip(paper_ids, mention_entity, strict=True):
        held = entities.get(paper)
        if held is None:
            entities[paper] = [entity]
        else:
            held.append(entity)
    blake2b = hashlib.blake2b
    return {
        paper: blake2b(
            "\x00".join((key, *entities.get(paper, ()))).encode("utf-8", "surrogatepass"), digest_size=16
        ).hexdigest()
        for paper, key in keys.items()
    }


def paper_runs(edges: Sequence[tuple[str, str]], in_section: Sequence[bool]) -> Iterator[tuple[str | None, int, int]]:
    """Split sorted ``edges`` into runs: ``(paper, start, end)`` per paper section, ``(None, start, end)`` between.

    A paper's section is the run of its consecutive section edges
    (``in_section[i]``: its edges to entities). It is keyed by the paper only
    when it is the paper's only such run (in kg's ids entities sort before papers,
    so a paper's links follow its entity edges); otherwise none of its runs is.

    Examples
    --------
    >>> e = [("E:a", "E:b"), ("p1", "E:a"), ("p1", "E:c"), ("p1", "p2"), ("p2", "E:a")]
    >>> list(paper_runs(e, [False, True, True, False, True]))
    [(None, 0, 1), ('p1', 1, 3), (None, 3, 4), ('p2', 4, 5)]
    """
    runs: list[tuple[str, int, int]] = []
    n = len(edges)
    i = 0
    while i < n:
        if in_section[i]:
            u = edges[i][0]
            j = i + 1
            while j < n and in_section[j] and edges[j][0] == u:
                j += 1
            runs.append((u, i, j))
            i = j
        else:
            i += 1
    per_paper: dict[str, int] = {}
    for u, _, _ in runs:
        per_paper[u] = per_paper.get(u, 0) + 1
    done = 0
    for u, start, end in runs:
        if per_paper[u] == 1:
            if done < start:
                yield None, done, start
            yield u, start, end
            done = end
    if done < n:
        yield None, done, n


def index_path(path: Path) -> Path:
    """Where the section index of ``path`` lives: ``.NAME.sections`` beside it."""
    return path.with_name(f".{path.name}.sections")


def copy_range(src: int, dst: IO[Any], offset: int, length: int) -> None:
    """Append ``length`` bytes of file descriptor ``src`` from ``offset`` to the open file ``dst``.

    ``dst`` is flushed first; the copy is done by the kernel where it can
    (``os.copy_file_range``), else through a buffer.
    """
    dst.flush()
    fd = dst.fileno()
    end = offset + length
    try:
        while offset < end:
            copied = os.copy_file_range(src, fd, min(end - offset, _COPY_CHUNK), offset)
            if copied <= 0:
                raise OSError("copy_file_range copied nothing")
            offset += copied
        return
    except (AttributeError, OSError):  # no copy_file_range here, or not between these files
        pass
    while offset < end:
        data = os.pread(src, min(end - offset, 1 << 20), offset)
        if not data:
            raise OSError(f"the previous file ended at {offset}, before {end}")
        os.write(fd, data)
        offset += len(data)


class SectionIndex:
    """The sections of one output file: those of its previous version to copy, and where the new ones go.

    Parameters
    ----------
    path : path
        The output file as it is in the output directory (the previous build's),
        whose index is read if present and valid.
    fingerprints : mapping of paper id -> fingerprint
        This build's (:func:`paper_fingerprints`).
    settings : str
        Everything else that changes the bytes of a section (export options).
    """

    def __init__(self, path: Path, fingerprints: Mapping[str, str], settings: str) -> None:
        self.path = path
        self.fingerprints = fingerprints
        self.settings = f"{writers_version()} {settings}"
        self.previous: dict[str, list[Any]] = {}
        self.new: dict[str, tuple[str, int, int, int]] = {}
        self.copied = 0
        self._fd: int | None = None
        self._previous_settings: str | None = None
        self._checked = False
        self._load()

    def _load(self) -> None:
        try:
            with index_path(self.path).open(encoding="utf-8") as fh:
                index = json.load(fh)
            stat = os.stat(self.path)
        except (OSError, ValueError):
            return
        recorded = index.get("file", {}) if isinstance(index, dict) else {}
        sections = index.get("sections") if isinstance(index, dict) else None
        if (
            index.get("format") != _FORMAT
            or index.get("version") != _FORMAT_VERSION
            or not isinstance(index.get("settings"), str)
            or recorded != _file_identity(stat)
            or not isinstance(sections, dict)
        ):
            log.info("%s: its section index is stale; writing the file whole", self.path.name)
            return
        self._previous_settings = index["settings"]
        try:
            self._fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return
        size = stat.st_size
        self.previous = {
            paper: s
            for paper, s in sections.items()
            if isinstance(s, list)
            and len(s) == 4
            and all(isinstance(x, int) and x >= 0 for x in s[1:])
            and s[1] + s[2] <= size
        }

    def extend_settings(self, extra: str) -> None:
        """Add to the settings, before the first :meth:`reusable` (for what a writer learns only as it writes)."""
        if self._checked:
            raise RuntimeError("settings extended after sections were looked up")
        self.settings += " " + extra

    def reusable(self, paper: str) -> tuple[int, int, int] | None:
        """``(offset, length, items)`` of ``paper``'s section in the previous file, if its fingerprint is unchanged.

        ``items`` is what the writer counted in it (statements, lines).
        """
        if not self._checked:
            self._checked = True
            if self.previous and self._previous_settings != self.settings:
                log.info("%s: written with other settings; writing the file whole", self.path.name)
                self.previous = {}
                self.close()
        old = self.previous.get(paper)
        if old is None or old[0] != self.fingerprints.get(paper):
            return None
        return old[1], old[2], old[3]

    def copy(self, dst: IO[Any], span: tuple[int, int, int]) -> None:
        """Append a previous section (from :meth:`reusable`) to ``dst``."""
        assert self._fd is not None
        copy_range(self._fd, dst, span[0], span[1])
        self.copied += 1

    def record(self, paper: str, offset: int, length: int, items: int) -> None:
        """Note where ``paper``'s section went in the new file, and how many items it holds."""
        fingerprint = self.fingerprints.get(paper)
        if fingerprint is not None:
            self.new[paper] = (fingerprint, offset, length, items)

    def save(self, written: Path) -> None:
        """Write the index of the new file ``written`` (closed, where the build staged it), and close."""
        self.close()
        stat = os.stat(written)
        index = {
            "format": _FORMAT,
            "version": _FORMAT_VERSION,
            "settings": self.settings,
            "file": _file_identity(stat),
            "sections": {paper: list(s) for paper, s in sorted(self.new.items())},
        }
        with atomic_write(index_path(written)) as fh:
            json.dump(index, fh, ensure_ascii=False, separators=(",", ":"))
        if self.copied:
            log.info("%s: %d sections copied from the previous build", written.name, self.copied)

    def close(self) -> None:
        """Close the previous file."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def _file_identity(stat: os.stat_result) -> dict[str, int]:
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "inode": stat.st_ino}
