"""Decoding and cleaning of untrusted input text."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from kg.errors import InputError

__all__ = ["MAX_ABSTRACT_CHARS", "clean_text", "clean_title", "read_text"]

log = logging.getLogger(__name__)

#: Abstracts longer than this are rejected (a real abstract is under 5,000 characters).
MAX_ABSTRACT_CHARS = 100_000
_WS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _decode_line(raw: bytes, path: Path, lineno: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        log.warning("%s:%d: not UTF-8; decoded as cp1252/latin-1", path, lineno)
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")


def read_text(path: Path) -> str:
    """Read a text file written in UTF-8 (with or without BOM), tolerating bad lines.

    Lines that are not valid UTF-8 are decoded as cp1252 (then latin-1) with a
    warning naming the line, so one mis-encoded record loses no data.

    Raises
    ------
    InputError
        Missing, unreadable or binary files.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise InputError(f"{path}: no such file; check the path") from err
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror or err})") from err
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise InputError(f"{path}: broken UTF-16 text; re-save it as UTF-8") from err
    sample = data[:8192]
    if sample and (sample.count(b"\x00") > len(sample) // 100 or _looks_binary(sample)):
        raise InputError(f"{path}: looks like a binary file, not text; give a .txt/.jsonl/.csv/.xml/.bib file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        lines = data.split(b"\n")
        return "\n".join(_decode_line(raw, path, i) for i, raw in enumerate(lines, 1))


def _looks_binary(sample: bytes) -> bool:
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls > len(sample) // 20


def clean_text(text: str) -> str:
    """Strip NUL and control characters and surrounding whitespace (newlines inside stay)."""
    return _CONTROL.sub("", text).strip()


def clean_title(text: str) -> str:
    """Clean a title: control characters removed, all whitespace collapsed to single spaces."""
    return _WS.sub(" ", _CONTROL.sub("", text)).strip()
