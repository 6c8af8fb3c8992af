"""Reader for arXiv API responses (Atom XML)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import NoReturn
from xml.parsers import expat

from kg.errors import InputError
from kg.records import Reject

from .ids import arxiv_id_in_url
from .records import RawRecord, snippet
from .text import read_text

__all__ = ["read_arxiv"]

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
_API_ERROR = ("http://arxiv.org/api/errors", "https://arxiv.org/api/errors")
#: Characters handed to the XML parser at a time: entries are yielded as they complete.
_CHUNK_CHARS = 1 << 16
#: Line ends as expat counts them.
_LINE_END = re.compile(r"\r\n|\r|\n")
#: Errors expat reports when the input stops in the middle of the document.
_CUT_SHORT = frozenset(
    expat.errors.codes[message]
    for message in (
        expat.errors.XML_ERROR_NO_ELEMENTS,
        expat.errors.XML_ERROR_UNCLOSED_TOKEN,
        expat.errors.XML_ERROR_PARTIAL_CHAR,
        expat.errors.XML_ERROR_UNCLOSED_CDATA_SECTION,
    )
)
#: (X)HTML elements that separate words: once the markup is gone, a space stands where they start and end.
_HTML_BREAKS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header hr "
    "li main nav ol p pre section table tbody td tfoot th thead tr ul".split()
)
#: HTML elements whose content is no text.
_HTML_HIDDEN = frozenset({"script", "style"})


class _HtmlText(HTMLParser):
    """Collects the text of an HTML fragment: tags dropped, entities and character references decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HTML_HIDDEN:
            self._hidden += 1
        elif tag in _HTML_BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HTML_HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _HTML_BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _html_text(markup: str) -> str:
    """The text of escaped HTML (an Atom ``type="html"`` text construct, RFC 4287 §3.1.1.2).

    Examples
    --------
    >>> _html_text("<b>Bold</b> &amp; <i>brave</i><br>title")
    'Bold & brave title'
    """
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def _xhtml_text(node: ET.Element) -> str:
    """The text of an element holding XHTML (``type="xhtml"``), a space where a block element starts or ends."""
    parts: list[str] = []
    # Iterative, not recursive: a hostile file may nest elements deeper than Python's recursion limit.
    stack: list[ET.Element | str] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        gap = " " if item.tag.rpartition("}")[2] in _HTML_BREAKS else ""
        parts.extend((gap, item.text or ""))
        stack.append(gap)
        for child in reversed(item):
            stack.extend((child.tail or "", child))
    return "".join(parts)


def _text(entry: ET.Element, tag: str) -> str | None:
    """All the text of ``entry``'s first ``tag`` child, markup of nested elements dropped; None if it has none.

    Atom text constructs (RFC 4287 §3.1) say what they hold in ``type``: text (the
    default, kept as it is), escaped HTML (``html``: tags dropped, entities decoded)
    or an XHTML ``div`` (``xhtml``).
    """
    node = entry.find(tag)
    if node is None:
        return None
    kind = (node.get("type") or "text").strip().lower()
    raw = _xhtml_text(node) if kind == "xhtml" else "".join(node.itertext())
    if not raw:
        return None
    return _html_text(raw) if kind in ("html", "text/html") else raw


def _clark(name: str) -> str:
    """expat's ``uri}local`` name in ElementTree's ``{uri}local`` form."""
    return "{" + name if "}" in name else name


class _EntryParser:
    """The Atom entries of XML fed in pieces, each with the line it starts on.

    Only entries that are the root or a child of the root count. A document type
    declaration (where entities are declared) is refused, so no XXE and no entity
    expansion bombs; a ``<!DOCTYPE`` inside CDATA or a comment is text, not one.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        #: Entries completed since the last :meth:`take`, with the lines they start on.
        self.done: list[tuple[int, ET.Element]] = []
        #: The line where the entry being parsed starts, None between entries.
        self.entry_line: int | None = None
        self.root_seen = False
        self._builder: ET.TreeBuilder | None = None
        self._depth = 0
        self._entry_depth = 0
        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._refuse
        parser.EntityDeclHandler = self._refuse
        parser.UnparsedEntityDeclHandler = self._refuse
        parser.ExternalEntityRefHandler = self._refuse
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._data
        self._parser = parser

    def feed(self, text: str, final: bool) -> None:
        """Parse the next piece of the document (``final``: it is the last).

        Raises
        ------
        xml.parsers.expat.ExpatError
            Malformed XML, or (``final``) a document cut short.
        InputError
            A DTD, or a root element that is no Atom feed or entry.
        """
        self._parser.Parse(text, final)

    def take(self) -> list[tuple[int, ET.Element]]:
        """The entries completed since the last call."""
        done, self.done = self.done, []
        return done

    def _refuse(self, *_: object) -> NoReturn:
        raise InputError(f"{self.path}: XML with a DTD or entity declarations is refused for safety; remove <!DOCTYPE>")

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _clark(name)
        if self._depth == 0:
            if tag not in (f"{ATOM}feed", f"{ATOM}entry"):
                raise InputError(f"{self.path}: not an Atom feed (root element {tag}); expected arXiv API output")
            self.root_seen = True
        if self._builder is None and tag == f"{ATOM}entry" and self._depth <= 1:
            self._builder = ET.TreeBuilder()
            self.entry_line = self._parser.CurrentLineNumber
            self._entry_depth = self._depth
        if self._builder is not None:
            self._builder.start(tag, {_clark(key): value for key, value in attrs.items()})
        self._depth += 1

    def _end(self, name: str) -> None:
        self._depth -= 1
        if self._builder is None:
            return
        self._builder.end(_clark(name))
        if self._depth == self._entry_depth:
            self.done.append((self.entry_line or 0, self._builder.close()))
            self._builder, self.entry_line = None, None

    def _data(self, text: str) -> None:
        if self._builder is not None:
            self._builder.data(text)


def _record(path: Path, line: int, entry: ET.Element) -> RawRecord | Reject:
    """The fields of one Atom entry, or a Reject for an arXiv API error entry."""
    entry_id = (_text(entry, f"{ATOM}id") or "").strip()
    if entry_id.startswith(_API_ERROR):
        message = " ".join((_text(entry, f"{ATOM}summary") or entry_id[len(_API_ERROR) :]).split())
        reason = f"arXiv API error: {message} (the query failed; fix it and fetch again)"
        return Reject(str(path), line, reason, entry_id)
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
        "authors": [name for n in entry.findall(f"{ATOM}author/{ATOM}name") if (name := "".join(n.itertext()))],
    }
    return RawRecord(fields, line)


def _records(path: Path, entries: Iterable[tuple[int, ET.Element]]) -> Iterator[RawRecord | Reject]:
    for line, entry in entries:
        yield _record(path, line, entry)


def _from_line(text: str, line: int) -> str:
    """What ``text`` holds from the start of ``line`` (1-based), for a reject's snippet."""
    start = 0
    for number, match in enumerate(_LINE_END.finditer(text), 2):
        if number > line:
            break
        start = match.end()
    return snippet(text[start : start + 1000].strip())


def _broken(path: Path, text: str, parser: _EntryParser, err: expat.ExpatError, final: bool) -> Reject:
    """The one Reject for what follows the point where the XML breaks: an unfinished entry, the rest of the file."""
    message = expat.errors.messages[err.code]
    in_entry = parser.entry_line is not None
    line = parser.entry_line or err.lineno
    if final and err.code in _CUT_SHORT:
        where = "inside this entry" if in_entry else "before the feed is closed"
        lost = "the entry is incomplete and lost" if in_entry else "entries may be missing"
        reason = f"truncated XML: the file ends at line {err.lineno} {where} ({message}); {lost}"
        return Reject(str(path), line, f"{reason}; re-download or complete the file", _from_line(text, line))
    lost = "this entry and the rest of the file were" if in_entry else "the rest of the file was"
    reason = f"malformed XML at line {err.lineno}, column {err.offset + 1} ({message}); {lost} not read"
    return Reject(str(path), line, f"{reason}; fix the XML there", _from_line(text, line))


def read_arxiv(path: Path) -> Iterator[RawRecord | Reject]:
    """Yield the fields (a RawRecord) or a Reject of each Atom ``entry``.

    An entry is an arXiv paper when its id is an arXiv abs URL; entries of other
    Atom feeds (blogs, other archives) get the generic ``title:`` ids. The entry
    arXiv's API sends for a failed query (id ``http://arxiv.org/api/errors#…``)
    is rejected with the API's message.

    Documents with a DTD or entity declarations in their prolog are refused (no
    XXE, no entity expansion bombs). ``line`` is the line where the entry starts.
    Entries are parsed as the document is read: when the XML breaks (a file cut
    short, a stray ``&``), the entries before the break are kept and what follows
    is one Reject at the line where the unfinished entry (or else the break) starts.

    Raises
    ------
    InputError
        Unsafe XML, a root element other than an Atom feed or entry, or XML that
        breaks before its root element starts.
    """
    text = read_text(path)
    if not text.strip():
        return
    parser = _EntryParser(path)
    pieces = [(start, False) for start in range(0, len(text), _CHUNK_CHARS)] + [(len(text), True)]
    for start, final in pieces:
        try:
            parser.feed(text[start : start + _CHUNK_CHARS], final)
        except expat.ExpatError as err:
            if not parser.root_seen:
                raise InputError(f"{path}: malformed XML ({err}); expected an arXiv API Atom feed") from err
            yield from _records(path, parser.take())
            yield _broken(path, text, parser, err, final)
            return
        yield from _records(path, parser.take())
