"""A small BibTeX reader: entries with title and abstract fields, nested braces, quotes, ``#`` and @string macros."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from kg.records import Reject

from .latex import latex_to_text, strip_braces
from .records import RawRecord, snippet
from .text import read_text

__all__ = ["parse_bibtex_fields", "read_bibtex"]

_ENTRY = re.compile(r"@([A-Za-z]\w*)\s*[{(]", re.ASCII)  # entry types start with a letter: "R@10 (" is text
_FIELD = re.compile(r"\s*([A-Za-z][\w-]*)\s*=\s*")
#: A key followed by a field with no comma between them.
_KEY_THEN_FIELD = re.compile(r"\s*([^\s,={}]+)\s+(?=[A-Za-z][\w-]*\s*=)")
_BARE = re.compile(r"[^,]*")
_CONCAT = re.compile(r"\s*#\s*")
#: A macro name or a number: BibTeX forbids these characters in names.
_NAME = re.compile(r"[^\s\"#%'(),={}]+")
#: An escape (its character is not a bracket) or a bracket, per kind of entry delimiter.
_BRACKETS = {"{": re.compile(r"\\.|[{}]", re.DOTALL), "(": re.compile(r"\\.|[()]", re.DOTALL)}
_QUOTED = re.compile(r'\\.|[{}"]', re.DOTALL)
#: Fields that hold ids or addresses, not prose: only their braces and escapes go.
_VERBATIM = frozenset({"doi", "url", "eprint", "arxiv_id", "archiveprefix", "isbn", "issn", "pages"})
#: How much of an unterminated entry the rejects report shows (``snippet`` keeps no more).
_SNIPPET_CHARS = 200


def _balanced(text: str, start: int, open_ch: str, close_ch: str) -> int:
    """Index just past the bracket closing the one at ``start``, or -1."""
    depth = 0
    for m in _BRACKETS[open_ch].finditer(text, start):
        ch = m.group()
        if ch == open_ch:
            depth += 1
        elif ch == close_ch:
            depth -= 1
            if depth == 0:
                return m.end()
    return -1


def _quoted_end(text: str, start: int) -> int:
    """Index just past the ``"`` closing the one at ``start``, or -1.

    As in BibTeX, a quote inside braces (``"a {"b"} c"``) does not close the value; a backslash
    escapes the next character, as in :func:`_balanced`.
    """
    depth = 0
    for m in _QUOTED.finditer(text, start + 1):
        ch = m.group()
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth <= 0:
            return m.end()
    return -1


def _closing_brackets(text: str, opens: set[int], open_ch: str, close_ch: str) -> dict[int, int]:
    """For each index in ``opens``, the index just past its closing bracket; unclosed ones are left out.

    One pass over the text gives what :func:`_balanced` gives from each start, so an unterminated
    entry costs one scan of the file, not one per entry after it.
    """
    ends: dict[int, int] = {}
    unclosed: list[int] = []
    for m in _BRACKETS[open_ch].finditer(text):
        ch = m.group()
        if ch == open_ch:
            unclosed.append(m.start())
        elif ch == close_ch and unclosed:
            at = unclosed.pop()
            if at in opens:
                ends[at] = m.end()
    return ends


def _piece(text: str, start: int, macros: Mapping[str, str]) -> tuple[str, int] | None:
    """The raw text of the ``{...}``, ``"..."``, number or macro at ``start`` and the index past it."""
    if start >= len(text):
        return None
    if text[start] in '{"':
        end = _balanced(text, start, "{", "}") if text[start] == "{" else _quoted_end(text, start)
        end = len(text) if end < 0 else end
        return text[start + 1 : end - 1], end
    m = _NAME.match(text, start)
    if not m:
        return None
    # An undefined macro stays as its name (BibTeX warns and uses nothing): ``month = jan`` keeps "jan".
    return macros.get(m.group().lower(), m.group()), m.end()


def _value(text: str, start: int, macros: Mapping[str, str]) -> tuple[str, int]:
    """The raw text of the value at ``start``, its ``#``-joined pieces expanded, and the index past it."""
    first = _piece(text, start, macros)
    concat = _CONCAT.match(text, first[1]) if first else None
    if first is None or (text[start] not in '{"' and concat is None):
        # A lone bare value runs to the next comma, as it always has here ("year = 2020", "Foo Bar").
        bare = _BARE.match(text, start)
        value = bare.group() if bare else ""
        return macros.get(value.strip().lower(), value), start + len(value)
    pieces = [first[0]]
    end = first[1]
    while concat:
        piece = _piece(text, concat.end(), macros)
        if piece is None:
            break
        pieces.append(piece[0])
        end = piece[1]
        concat = _CONCAT.match(text, end)
    return "".join(pieces), end


def _raw_fields(text: str, macros: Mapping[str, str]) -> dict[str, str]:
    """``name = value, ...`` into lower-case names and raw values (macros expanded, LaTeX kept)."""
    fields: dict[str, str] = {}
    i = 0
    while i < len(text):
        m = _FIELD.match(text, i)
        if not m:
            i += 1
            continue
        fields[m.group(1).lower()], i = _value(text, m.end(), macros)
    return fields


def parse_bibtex_fields(body: str, macros: Mapping[str, str] | None = None) -> tuple[str, dict[str, str]]:
    """Parse ``key, field = {value}, ...`` into the key and a field dict.

    Values joined by ``#`` are concatenated; a bare name is replaced by its value in ``macros``
    (names in lower case, as BibTeX ignores their case) and an undefined one is kept as text.
    LaTeX in the values becomes plain text (:func:`~kg.ingest.latex.latex_to_text`);
    ids and URLs only lose their braces.

    Examples
    --------
    >>> parse_bibtex_fields(r'k1, title = {Schr{\\"o}dinger \\emph{Bridges}}, doi = {10.1/A\\_b}')
    ('k1', {'title': 'Schrödinger Bridges', 'doi': '10.1/A_b'})
    >>> parse_bibtex_fields('k2, title = "At " # Conf # " {"2020"}", year = 2020', {"conf": "NeurIPS"})
    ('k2', {'title': 'At NeurIPS "2020"', 'year': '2020'})
    """
    key, _, rest = body.partition(",")
    missing_comma = _KEY_THEN_FIELD.match(key)
    if missing_comma:  # "@article{key\n title = {...}," (no comma after the key): the key, then the fields
        key, rest = missing_comma.group(1), key[missing_comma.end(1) :] + "," + rest
    fields = _raw_fields(rest, macros or {})
    return key.strip(), {
        name: strip_braces(value) if name in _VERBATIM else latex_to_text(value) for name, value in fields.items()
    }


def _starts_a_line(text: str, at: int) -> bool:
    """Whether only spaces and tabs come between the start of a line and ``at``."""
    while at > 0 and text[at - 1] in " \t":
        at -= 1
    return at == 0 or text[at - 1] in "\r\n"


def read_bibtex(path: Path) -> Iterator[RawRecord | Reject]:
    """Yield the fields (a RawRecord) or a Reject of each BibTeX entry (not of @comment, @string, @preamble).

    An entry reusing an earlier entry's key is rejected, as BibTeX keeps the first. ``@string``
    macros apply to the entries after them; an unterminated entry is rejected and the entries
    after it are still read. An ``@`` inside a whole entry is text ("Recall@10 (R@10)"), and the
    entries inside a braced ``@comment`` or ``@preamble`` are not read.
    """
    text = read_text(path)
    headers = list(_ENTRY.finditer(text))
    closes: dict[str, dict[int, int]] = {}
    for open_ch, close_ch in (("{", "}"), ("(", ")")):
        opens = {m.end() - 1 for m in headers if text[m.end() - 1] == open_ch}
        closes[open_ch] = _closing_brackets(text, opens, open_ch, close_ch) if opens else {}
    macros: dict[str, str] = {}
    first_line: dict[str, int] = {}
    line, counted_to = 1, 0
    inside_to = 0  # the end of the last whole entry: an "@" before it is text ("Recall@10 (R@10)")
    unterminated = False  # after an entry that never closes, only an "@" that starts a line starts an entry
    for m in headers:
        if m.start() < inside_to:
            continue
        if unterminated and not _starts_a_line(text, m.start()):
            continue
        line += text.count("\n", counted_to, m.start())
        counted_to = m.start()
        kind = m.group(1).lower()
        open_at = m.end() - 1
        end = closes[text[open_at]].get(open_at, -1)
        inside_to = max(inside_to, end)
        if kind in ("comment", "preamble"):  # a braced @comment hides the entries in it, as in biber
            continue
        if kind == "string":
            if end >= 0:
                macros.update(_raw_fields(text[open_at + 1 : end - 1], macros))
            continue
        unterminated = end < 0
        if end < 0:
            yield Reject(
                str(path),
                line,
                "unterminated BibTeX entry",
                snippet(text[m.start() : m.start() + _SNIPPET_CHARS], _SNIPPET_CHARS),
            )
            continue
        key, fields = parse_bibtex_fields(text[open_at + 1 : end - 1], macros)
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
        archive = (fields.get("eprinttype") or fields.get("archiveprefix") or "arxiv").strip().lower()
        if "eprint" in fields and "arxiv_id" not in fields and archive == "arxiv":  # not a PubMed id
            fields["arxiv_id"] = fields["eprint"]
        if "date" in fields and "year" not in fields:  # BibLaTeX: date = {2017-06-12}
            fields["year"] = fields["date"]
        if "author" in fields:
            fields["authors"] = fields.pop("author")
        yield RawRecord(fields, line)
