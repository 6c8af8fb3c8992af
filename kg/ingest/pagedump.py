"""Reader for web-page dumps: a title line, then an abstract line, with page chrome around.

This is the shape of text copied from paper-listing pages (``data/sample``)::

    Get trending papers in your email inbox!
    SubscribeSource-free Depth for Object Pop-out
    Depth cues are known to be useful for visual perception. However, ...
    Learning Invariant World State Representations with Predictive Coding
    Self-supervised learning methods overcome ...

Lines are classified rather than paired blindly: chrome is skipped, an
abstract is long prose, a title is a short line. A title followed by another
title (its abstract is missing) is rejected with that reason, so one missing
line does not shift every later pair.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from kg.records import Reject

from .records import RawRecord, snippet
from .text import iter_lines

__all__ = ["is_abstract_line", "is_chrome", "read_pagedump"]

_CHROME = re.compile(
    r"^(?:new|subscribe|get trending papers.*|by\s*ak and the research community|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:,?\s+\d{4})?)$",
    re.IGNORECASE,
)
_GLUED_SUBSCRIBE = re.compile(r"^Subscribe(?=[A-Z0-9])")


def is_chrome(line: str) -> bool:
    """Whether a line is page chrome (navigation, dates, sign-up prompts)."""
    return bool(_CHROME.match(line.strip()))


def is_abstract_line(line: str) -> bool:
    """Whether a line reads as an abstract: long prose, usually several sentences."""
    text = line.strip()
    if len(text) >= 400:
        return True
    sentences = len(re.findall(r"[.!?](?:\s|$)", text))
    return (len(text) >= 200 and sentences >= 2) or (len(text) >= 300 and sentences >= 1)


def _follows_as_abstract(title: str, line: str) -> bool:
    """A shorter abstract still reads as prose after a title: twice as long, with a full stop."""
    return len(line) >= 100 and len(line) >= 2 * len(title) and bool(re.search(r"[.!?](?:\s|$)", line))


def read_pagedump(path: Path) -> Iterator[RawRecord | Reject]:
    """Yield the papers (and rejects) of a page dump (streamed: any size)."""
    pending: tuple[int, str] | None = None
    for lineno, raw in enumerate(iter_lines(path), 1):
        line = raw.strip()
        if not line or is_chrome(line):
            continue
        line = _GLUED_SUBSCRIBE.sub("", line)
        if is_abstract_line(line) or (pending is not None and _follows_as_abstract(pending[1], line)):
            if pending is None:
                yield Reject(str(path), lineno, "abstract without title", snippet(line))
            else:
                yield RawRecord({"title": pending[1], "abstract": line}, pending[0])
                pending = None
        else:
            if pending is not None:
                yield Reject(str(path), pending[0], "title without abstract", snippet(pending[1]))
            pending = (lineno, line)
    if pending is not None:
        yield Reject(str(path), pending[0], "title without abstract", snippet(pending[1]))
