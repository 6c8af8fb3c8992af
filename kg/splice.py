"""Copying the unchanged per-paper sections of a previous build's files instead of writing them again.

Most of a build's output bytes belong to one paper each: the Web Annotations of
its mentions in the three RDF files, its paper -> entity edges (which hold the
mentions) in ``graph.json`` and GraphML, and its line of ``mentions.jsonl``.
Those bytes depend only on the paper's id, title and abstract, its mentions and
the entities they resolve to; :func:`paper_fingerprints` digests exactly that.

Every build writes, beside each such file, an index of where each paper's
section is and under which fingerprint (``.graph.nt.sections`` beside
``graph.nt``), staged with the file and published (:func:`publish`) once the
file is in its place. The next build into the same directory (``--update`` or
not) copies the section of every paper whose fingerprint is unchanged from the
previous file, in the kernel (``os.copy_file_range``), and writes only the
rest; the file is the same bytes either way (tested against fresh builds).

An index is used only if it was written for this very file (size, inode,
modification and status-change times as published), by the same code (a hash
of kg's source and versions) and with the same export settings; anything else
and the file is written whole, as if there were no previous build. An index is
two lines of JSON: a small header (format, settings, file identity), checked
before the second line (the sections) is read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from kg.io import atomic_write
from kg.records import Mention, Paper

__all__ = [
    "SectionIndex",
    "copy_range",
    "index_path",
    "is_index",
    "paper_fingerprints",
    "paper_runs",
    "publish",
    "writers_version",
]

log = logging.getLogger(__name__)

_FORMAT = "kg-sections"
_FORMAT_VERSION = 3
_COPY_CHUNK = 1 << 30
_SUFFIX = ".sections"
_CODE_SUFFIXES = (".py", ".jsonld", ".ttl", ".j2")


def _code_version(root: Path | None = None) -> str:
    """A hash of kg's code, kg's version and the libraries it writes with.

    The code is every module, vocabulary and template file under ``root`` (kg's
    package by default).
    """
    root = root or Path(__file__).resolve().parent
    digest = hashlib.sha256(f"kg {_version('kg')} rdflib {_version('rdflib')} python {sys.version_info[:2]}".encode())
    for path in sorted(root.rglob("*")):
        if path.suffix in _CODE_SUFFIXES and path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\x00" + path.read_bytes() + b"\x00")
    return digest.hexdigest()[:16]


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


# Hashed at import, so a build stamps its indexes with the code that is running, even if the
# source changes while it runs.
_WRITERS_VERSION = _code_version()


def writers_version() -> str:
    """A hash of the code that writes sections: an index written by other code is not used.

    It covers every module of kg (the writers, the graph and records they
    write, the vocabulary), kg's and rdflib's versions and Python's.
    """
    return _WRITERS_VERSION


def paper_fingerprints(
    papers: Sequence[Paper], mentions: Sequence[Mention], mention_entity: Sequence[str]
) -> dict[str, str]:
    """The fingerprint of each paper's sections: a digest of everything they are written from.

    That is the paper's id, title, abstract and record id, and every field of each of its
    mentions with the entity it resolved to, in order. Node data (labels,
    counts, communities) is not in any section.

    Parameters
    ----------
    papers : sequence of Paper
    mentions : sequence of Mention
    mention_entity : sequence of str
        The entity id of each mention (``Resolution.mention_entity``).

    Examples
    --------
    >>> from kg.records import Mention, Paper
    >>> ps = [Paper("p1", "T", "A method."), Paper("p2", "U", "")]
    >>> ms = [Mention("p1", "abstract", 2, 8, "method", "Method")]
    >>> a, b = paper_fingerprints(ps, ms, ["Method:x"]), paper_fingerprints(ps, ms, ["Method:y"])
    >>> a["p2"] == b["p2"], a["p1"] == b["p1"]
    (True, False)
    """
    rows: dict[str, list[str]] = {}
    for m, entity in zip(mentions, mention_entity, strict=True):
        # Free text goes last, after its lengths, so no two mentions give one row (and faster than repr).
        row = (
            f"{m.field}\x1f{m.start}\x1f{m.end}\x1f{m.label}\x1f{m.confidence!r}\x1f{entity}\x1f{m.long_form!r}"
            f"\x1f{len(m.text)}\x1f{len(m.source)}\x1f{len(m.sentence)}\x1f{m.text}{m.source}{m.sentence}"
        )
        held = rows.get(m.paper_id)
        if held is None:
            rows[m.paper_id] = [row]
        else:
            held.append(row)
    blake2b = hashlib.blake2b
    return {
        p.id: blake2b(
            "\x00".join((_paper_key(p), *rows.get(p.id, ()))).encode("utf-8", "surrogatepass"),
            digest_size=16,
        ).hexdigest()
        for p in papers
    }


def _paper_key(paper: Paper) -> str:
    """What a paper's own sections are written from besides its mentions (``record_id``: ``mentions.jsonl``)."""
    if paper.record_id is None:  # the key of a paper without one is what it was before record ids were written
        return repr((paper.id, paper.title, paper.abstract))
    return repr((paper.id, paper.title, paper.abstract, paper.record_id))


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
    return path.with_name(f".{path.name}{_SUFFIX}")


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
        data = memoryview(os.pread(src, min(end - offset, 1 << 20), offset))
        if not data:
            raise OSError(f"the previous file ended at {offset}, before {end}")
        offset += len(data)
        while data:  # a write may take fewer bytes than it is given
            data = data[os.write(fd, data) :]


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
                header = json.loads(fh.readline())
                if not _usable(header):
                    log.info("%s: its section index is not one kg can use; writing the file whole", self.path.name)
                    return
                fd = os.open(self.path, os.O_RDONLY)
                stat = os.fstat(fd)  # of the file opened, so it cannot be swapped between the check and the reads
                if header.get("file") != _file_identity(stat, published=True):
                    os.close(fd)
                    log.info("%s: its section index is stale; writing the file whole", self.path.name)
                    return
                self._fd = fd
                sections = json.loads(fh.readline())
        except (OSError, ValueError, RecursionError):
            self.close()
            return
        if not isinstance(sections, dict):
            self.close()
            return
        self._previous_settings = header["settings"]
        size = stat.st_size
        self.previous = {
            paper: s
            for paper, s in sections.items()
            if isinstance(s, list)
            and len(s) == 4
            and isinstance(s[0], str)
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
        """Stage the index of the new file ``written`` (closed, in the staging directory), and close.

        :func:`publish` puts it beside the file once the file is in its place.
        """
        self.close()
        header = {
            "format": _FORMAT,
            "version": _FORMAT_VERSION,
            "settings": self.settings,
            "file": _file_identity(os.stat(written), published=False),
        }
        sections = {paper: list(s) for paper, s in sorted(self.new.items())}
        with atomic_write(index_path(written)) as fh:
            fh.write(_header_line(header))
            json.dump(sections, fh, ensure_ascii=False, separators=(",", ":"))
            fh.write("\n")
        if self.copied:
            log.info("%s: %d sections copied from the previous build", written.name, self.copied)

    def close(self) -> None:
        """Close the previous file."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def is_index(name: str) -> bool:
    """Whether ``name`` is a section index (``.NAME.sections``), not an output."""
    return name.startswith(".") and name.endswith(_SUFFIX)


def publish(staging: Path, out: Path) -> None:
    """Put the indexes staged in ``staging`` beside their files, now moved into ``out``.

    Each index records its file's identity as it is now, in its place: inode,
    size, modification and status-change times. Any later change to the file
    (a write, ``touch``, a rename, even one that restores the modification
    time) changes its status-change time, so the index no longer applies. An
    index whose file is not the one it was staged for is dropped.
    """
    for staged in sorted(staging.glob(f".*{_SUFFIX}")):
        name = staged.name[1 : -len(_SUFFIX)]
        target = index_path(out / name)
        try:
            with staged.open("rb") as src:
                header = json.loads(src.readline())
                stat = os.stat(out / name)
                if not _usable(header) or header.get("file") != _file_identity(stat, published=False):
                    with contextlib.suppress(OSError):
                        target.unlink()
                    continue
                header["file"] = _file_identity(stat, published=True)
                with atomic_write(target, binary=True) as dst:
                    dst.write(_header_line(header).encode("utf-8"))
                    shutil.copyfileobj(src, dst, 1 << 20)  # the sections line, as staged
        except (OSError, ValueError) as err:  # the outputs are in place; the next build just writes them whole
            log.warning("%s: cannot publish its section index (%s)", name, err)
        with contextlib.suppress(OSError):
            staged.unlink()


def _usable(header: Any) -> bool:
    """Whether an index header is one this code wrote the same way."""
    return (
        isinstance(header, dict)
        and header.get("format") == _FORMAT
        and header.get("version") == _FORMAT_VERSION
        and isinstance(header.get("settings"), str)
    )


def _header_line(header: dict[str, Any]) -> str:
    return json.dumps(header, ensure_ascii=False, separators=(",", ":")) + "\n"


def _file_identity(stat: os.stat_result, *, published: bool) -> dict[str, int]:
    identity = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "inode": stat.st_ino, "device": stat.st_dev}
    if published:
        identity["ctime_ns"] = stat.st_ctime_ns
    return identity
