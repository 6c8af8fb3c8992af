"""Reader for arXiv API responses (Atom XML)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from kg.errors import InputError
from kg.records import Reject

from .records import RawRecord
from .text import read_text

__all__ = ["read_arxiv"]

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
_UNSAFE = re.compile(r"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def _text(entry: ET.Element, tag: str) -> str | None:
    node = entry.find(tag)
    return node.text if node is not None and node.text else None


def read_arxiv(path: Path) -> Iterator[RawRecord | Reject]:
    """Yield the fields (a RawRecord) or a Reject of each Atom ``entry``.

    Documents with a DTD or entity declarations are refused (no XXE, no
    entity expansion bombs). ``line`` in rejects is the entry's position.

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
    for i, entry in enumerate(entries, 1):
        fields = {
            "title": _text(entry, f"{ATOM}title"),
            "abstract": _text(entry, f"{ATOM}summary"),
            "id": _text(entry, f"{ATOM}id"),
            "arxiv_id": _text(entry, f"{ATOM}id"),
            "url": _text(entry, f"{ATOM}id"),
            "year": _text(entry, f"{ATOM}published"),
            "doi": _text(entry, f"{ARXIV}doi"),
            "authors": [n.text for n in entry.findall(f"{ATOM}author/{ATOM}name") if n.text],
        }
        yield RawRecord(fields, i)
