"""The extraction cache: each paper's mentions, keyed by its text and the extractor version.

One append-only JSON Lines file per extractor version,
``OUTDIR/.kg-cache/extract-<version>.jsonl``, one ``{"key", "mentions"}`` line a
paper. Lines are appended and fsynced every few papers while extraction runs,
so a build that is killed keeps every paper it finished; a line cut short by
the kill is skipped when the file is read (that one paper is extracted again).
The key hashes the extractor version, the title and the abstract, so a changed
paper or a changed extractor never reuses a stale result.

Only the lines of the papers a build needs are parsed; the mentions are
rebuilt as :class:`~kg.records.Mention` records straight away (no second copy
as dicts), with the strings repeated across a paper's mentions (its sentences,
labels, component names) shared rather than duplicated.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from kg.io import atomic_write
from kg.records import Mention, Paper

__all__ = [
    "CACHE_DIR",
    "ExtractionCache",
    "cache_file_name",
    "content_key",
    "mention_row",
    "remove_other_versions",
    "row_mentions",
]

log = logging.getLogger(__name__)

#: The cache's directory inside an output directory.
CACHE_DIR = ".kg-cache"

_KEY_PREFIX = b'{"key": "'
_KEY_LENGTH = 32


def content_key(paper: Paper, version: str) -> str:
    """The cache key of a paper's extraction result: a hash of version, title and abstract.

    Examples
    --------
    >>> a = Paper("title:1", "A title", "An abstract.")
    >>> content_key(a, "v1") == content_key(Paper("doi:x", "A title", "An abstract."), "v1")
    True
    >>> content_key(a, "v1") == content_key(a, "v2")
    False
    """
    digest = hashlib.sha256()
    for part in (version, paper.title, paper.abstract):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()[:_KEY_LENGTH]


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # one encoder for every row (json.dumps makes one a call)


def mention_row(mention: Mention) -> dict[str, Any]:
    """A mention as a cache row: every field but ``paper_id`` (the cache is keyed by content)."""
    return mention.as_dict(paper_id=False)


def row_mentions(rows: Sequence[Mapping[str, Any]], paper_id: str) -> list[Mention]:
    """Rebuild one paper's mentions from cache rows, sharing repeated strings.

    Examples
    --------
    >>> rows = [{"field": "title", "start": 0, "end": 4, "text": "BERT", "label": "Model", "sentence": "BERT."}] * 2
    >>> a, b = row_mentions(rows, "p1")
    >>> a.paper_id, a.sentence is b.sentence
    ('p1', True)
    """
    shared: dict[str, str] = {}
    mentions = []
    for row in rows:
        sentence = row.get("sentence", "")
        mentions.append(
            Mention(
                paper_id=paper_id,
                field="title" if row["field"] == "title" else "abstract",
                start=row["start"],
                end=row["end"],
                text=row["text"],
                label=sys.intern(row["label"]),
                confidence=row.get("confidence", 1.0),
                source=sys.intern(row.get("source", "")),
                sentence=shared.setdefault(sentence, sentence),
                long_form=row.get("long_form"),
            )
        )
    return mentions


class ExtractionCache:
    """An append-only file of extraction results (see the module docstring).

    Parameters
    ----------
    path : path
        The cache file; created (with its directory) on the first append.
    flush_every : int
        Results held before they are appended and fsynced.
    """

    def __init__(self, path: Path, *, flush_every: int = 64) -> None:
        self.path = path
        self.flush_every = flush_every
        self.lines = 0  # lines in the file (valid or not), for compaction
        self._keys: set[str] = set()
        self._pending: list[str] = []
        self._out: IO[str] | None = None

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def read(self, wanted: Collection[str]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """Yield ``(key, rows)`` for each wanted key in the file (afterwards, ``key in cache`` for those).

        Lines of other keys are not parsed. A wanted key whose line does not
        parse (cut short by a crash) is left out, so its paper is extracted again.
        """
        self.lines = 0
        self._keys.clear()
        if not self.path.exists():
            return
        with self.path.open("rb") as fh:
            for line in fh:
                self.lines += 1
                key = _line_key(line)
                if key is None or key not in wanted:
                    continue
                try:
                    rows = json.loads(line)["mentions"]
                except (ValueError, KeyError, TypeError):
                    continue
                if isinstance(rows, list) and key not in self._keys:
                    self._keys.add(key)
                    yield key, rows

    def append(self, key: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Add one paper's result; written to disk every ``flush_every`` results."""
        self._pending.append(_ENCODE({"key": key, "mentions": list(rows)}) + "\n")
        self._keys.add(key)
        if len(self._pending) >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        """Append and fsync the pending results."""
        if not self._pending:
            return
        if self._out is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            ends_cleanly = _ends_with_newline(self.path)
            self._out = self.path.open("a", encoding="utf-8")
            if not ends_cleanly:  # a line cut by a crash: do not glue the next result onto it
                self._out.write("\n")
                self.lines += 1
        self._out.writelines(self._pending)
        self._out.flush()
        os.fsync(self._out.fileno())
        self.lines += len(self._pending)
        self._pending.clear()

    def close(self) -> None:
        """Flush and close the file."""
        self.flush()
        if self._out is not None:
            self._out.close()
            self._out = None

    def compact(self, live: Collection[str]) -> bool:
        """Rewrite the file with only the ``live`` keys when most of its lines are stale or broken.

        Returns whether the file was rewritten. Results of papers no longer in
        the build are dropped then; until then they stay, so removing an input
        and adding it back costs nothing.
        """
        self.close()
        if self.lines <= 2 * max(len(live), 1) or not self.path.exists():
            return False
        kept = 0
        seen: set[str] = set()
        with self.path.open("rb") as src, atomic_write(self.path, binary=True) as dst:
            for line in src:
                key = _line_key(line)
                if key is None or key not in live or key in seen or not _parses(line):
                    continue
                seen.add(key)
                dst.write(line if line.endswith(b"\n") else line + b"\n")
                kept += 1
        log.info("cache: compacted %s from %d lines to %d", self.path.name, self.lines, kept)
        self.lines = kept
        self._keys = seen
        return True


def cache_file_name(version: str) -> str:
    """The name of the cache file of one extractor version."""
    return f"extract-{version}.jsonl"


def remove_other_versions(cache_dir: Path, versions: Collection[str]) -> list[str]:
    """Delete the cache files of extractor versions other than ``versions`` (the current ones).

    Their results can never be read again: any change to the extractor, its
    resources or kg's version makes a new file, and the old one would otherwise
    stay for good (about 7 KB per paper). Returns the names removed.
    """
    keep = {cache_file_name(v) for v in versions}
    removed = []
    for path in sorted(cache_dir.glob("extract-*.jsonl")):
        if path.name not in keep:
            try:
                path.unlink()
            except OSError as err:
                log.warning("cache: could not remove %s of an older extractor: %s", path, err)
                continue
            log.info("cache: removed %s, of an older extractor", path.name)
            removed.append(path.name)
    return removed


def _line_key(line: bytes) -> str | None:
    """The key of a cache line, read without parsing the line (None for a broken line)."""
    if not line.startswith(_KEY_PREFIX) or len(line) < len(_KEY_PREFIX) + _KEY_LENGTH + 1:
        return None
    key = line[len(_KEY_PREFIX) : len(_KEY_PREFIX) + _KEY_LENGTH]
    if line[len(_KEY_PREFIX) + _KEY_LENGTH : len(_KEY_PREFIX) + _KEY_LENGTH + 1] != b'"':
        return None
    try:
        return key.decode("ascii")
    except UnicodeDecodeError:
        return None


def _parses(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line).get("mentions"), list)
    except (ValueError, AttributeError):
        return False


def _ends_with_newline(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) == b"\n"
    except OSError:  # missing or empty
        return True
