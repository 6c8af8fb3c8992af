"""A small BibTeX reader: entries with title and abstract fields, nested braces, quotes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from kg.records import Reject

from .latex import latex_to_text, strip_braces
from .records import RawRecord, snippet
from .text import read_text

__all__ = ["parse_bibtex_fields", "read_bibtex"]

_ENTRY = re.compile(r"@(\w+)\s*[{(]", re.ASCII)
#: Fields that hold ids or addresses, not prose: only their braces and escapes go.
_VERBATIM = frozenset({"doi", "url", "eprint", "arxiv_id", "archiveprefix", "isbn", "issn", "pages"})


def _balanced(text: str, start: int, open_ch: str, close_ch: str) -> int:
    """Index just past the bracket closing the one at ``start``, or -1."""
    depth = 0
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == open_ch:
            depth += 1
        elif ch == close_ch:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


def parse_bibtex_fields(body: str) -> tuple[str, dict[str, str]]:
    """Parse ``key, field = {value}, ...`` into the key and a field dict.

    LaTeX in the values becomes plain text (:func:`~kg.ingest.latex.latex_to_text`);
    ids and URLs only lose their braces.

    Examples
    --------
    >>> parse_bibtex_fields(r'k1, title = {Schr{\\"o}dinger \\emph{Bridges}}, doi = {10.1/A\\_b}')
    ('k1', {'title': 'Schrödinger Bridges', 'doi': '10.1/A_b'})
    """
    key, _, rest = body.partition(",")
    fields: dict[str, str] = {}
    i = 0
    pattern = re.compile(r"\s*([A-Za-z][\w-]*)\s*=\s*")
    while i < len(rest):
        m = pattern.match(rest, i)
        if not m:
            i += 1
            continue
        name = m.group(1).lower()
        j = m.end()
        if j < len(rest) and rest[j] == "{":
            end = _balanced(rest, j, "{", "}")
            end = len(rest) if end < 0 else end
            value = rest[j + 1 : end - 1]
        elif j < len(rest) and rest[j] == '"':
            end = rest.find('"', j + 1)
            end = len(rest) if end < 0 else end + 1
            value = rest[j + 1 : end - 1]
        else:
            m2 = re.match(r"[^,]*", rest[j:])
            value = m2.group(0) if m2 else ""
            end = j + len(value)
        fields[name] = strip_braces(value) if name in _VERBATIM else latex_to_text(value)
        i = end
    return key.strip(), fields


def read_bibtex(path: Path) -> Iterator[RawRecord | Reject]:
    """Yield the fields (a RawRecord) or a Reject of each BibTeX entry (not of @comment, @string, @preamble).

    An entry reusing an earlier entry's key is rejected, as BibTeX keeps the first.
    """
    text = read_text(path)
    first_line: dict[str, int] = {}
    for m in _ENTRY.finditer(text):
        kind = m.group(1).lower()
        line = text.count("\n", 0, m.start()) + 1
        if kind in ("comment", "string", "preamble"):
            continue
        open_at = m.end() - 1
        close_ch = "}" if text[open_at] == "{" else ")"
        end = _balanced(text, open_at, text[open_at], close_ch)
        if end < 0:
            yield Reject(str(path), line, "unterminated BibTeX entry", snippet(text[m.start() :]))
            continue
        key, fields = parse_bibtex_fields(text[open_at + 1 : end - 1])
        if key and key in first_line:  # BibTeX itself keeps the first entry of a key and reports the others
            yield Reject(
                str(path),
                line,
                f"duplicate BibTeX key {key!r} (first at line {first_line[key]}); rename it to keep this entry",
                snippet(fields.get("title") or key),
            )
            continue
        first_line.setdefault(key, line)
        fields.setdefault("id", key)
        if "eprint" in fields and "arxiv_id" not in fields:
            fields["arxiv_id"] = fields["eprint"]
        if "author" in fields:
            fields["authors"] = fields.pop("author")
        yield RawRecord(fields, line)
