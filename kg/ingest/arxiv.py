"""Reader for arXiv API responses (Atom XML)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from xml.parsers import expat

from kg.errors import InputError
from kg.records import Reject

from .ids import arxiv_id_in_url
from .records import RawRecord
from .text import read_text

__all__ = ["read_arxiv"]

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
_API_ERROR = ("http://arxiv.org/api/errors", "https://arxiv.org/api/errors")
_UNSAFE = re.compile(r"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def _text(entry: ET.Element, tag: str) -> str | None:
    node = entry.find(tag)
    return node.text if node is not None and node.text else None


def _entry_lines(text: str) -> list[int]:
    """The line where each Atom ``entry`` that is the root or a child of the root starts."""
    lines: list[int] = []
    depth = 0
    parser = expat.ParserCreate(namespace_separator="}")

    def start(name: str, _: object) -> None:
        nonlocal depth
        if name == ATOM[1:] + "entry" and depth <= 1:
            lines.append(parser.CurrentLineNumber)
        depth += 1

    def end(_: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(text.encode("utf-8", "surrogatepass"), True)
    except expat.ExpatError:
        return []
    return lines


def read_arxiv(path: Path) -> Iterator[RawRecord | Reject]:
    """Yield the fields (a RawRecord) or a Reject of each Atom ``entry``.

    An entry is an arXiv paper when its id is an arXiv abs URL; entries of other
    Atom feeds (blogs, other archives) get the generic ``title:`` ids. The entry
    arXiv's API sends for a failed query (id ``http://arxiv.org/api/errors#…``)
    is rejected with the API's message.

    Documents with a DTD or entity declarations are refused (no XXE, no
    entity expansion bombs). ``line`` is the line where the entry starts.

    Raises
    ------
    InputError
        Unsafe or malformed XML.
    """
    text = read_text(path)
    if not text.strip():
        return
    if _UNSAFE.search(text):
        raise InputError(f"{path}: XML with a DTD or entity declarations is refused for safety; remove <!DOCTYPE>")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as err:
        raise InputError(f"{path}: malformed XML ({err}); expected an arXiv API Atom feed") from err
    entries = (
        root.findall(f"{ATOM}entry") if root.tag == f"{ATOM}feed" else ([root] if root.tag == f"{ATOM}entry" else [])
    )
    if root.tag not in (f"{ATOM}feed", f"{ATOM}entry"):
        raise InputError(f"{path}: not an Atom feed (root element {root.tag}); expected arXiv API output")
    lines = _entry_lines(text)
    if len(lines) != len(entries):
        lines = list(range(1, len(entries) + 1))
    for i, entry in zip(lines, entries, strict=True):
        entry_id = (_text(entry, f"{ATOM}id") or "").strip()
        if entry_id.startswith(_API_ERROR):
            message = " ".join((_text(entry, f"{ATOM}summary") or entry_id[len(_API_ERROR) :]).split())
            yield Reject(
                str(path), i, f"arXiv API error: {message} (the query failed; fix it and fetch again)", entry_id
            )
            continue
        link = entry.find(f"{ATOM}link[@rel='alternate']")
        url = link.get("href") if link is not None else None
        fields = {
            "title": _text(entry, f"{ATOM}title"),
            "abstract": _text(entry, f"{ATOM}summary"),
            "id": entry_id or None,
            # Only an arXiv entry's id is an arXiv id: other Atom feeds get the generic (title) ids.
            "arxiv_id": arxiv_id_in_url(entry_id) if entry_id else None,
            "url": url or (entry_id if entry_id.startswith(("http://", "https://")) else None),
            "year": _text(entry, f"{ATOM}published") or _text(entry, f"{ATOM}updated"),
            "doi": _text(entry, f"{ARXIV}doi"),
            "authors": [n.text for n in entry.findall(f"{ATOM}author/{ATOM}name") if n.text],
        }
        yield RawRecord(fields, i)
