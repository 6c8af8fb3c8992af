"""Reader for arXiv API responses (Atom XML)."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import NoReturn
from xml.parsers import expat
from xml.sax.saxutils import quoteattr

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
    """All the text of ``entry``'s first ``tag`` child, markup of nested elements dropped; None if there is none.

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
        return ""  # there, but empty: "empty title", not "missing title"
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

    def __init__(self, path: Path, first_line: int = 1) -> None:
        self.path = path
        #: Added to expat's line numbers: the file's line that the fed text's first line is.
        self.line_offset = first_line - 1
        #: Entries completed since the last :meth:`take`, with the lines they start on.
        self.done: list[tuple[int, ET.Element]] = []
        #: The line where the entry being parsed starts, None between entries.
        self.entry_line: int | None = None
        self.root_seen = False
        self.root_is_feed = False
        #: Where the root element and the entry being parsed start (byte offsets into what was fed).
        self.root_byte = 0
        self.entry_byte = 0
        #: The namespaces the root element declares, prefix (None: the default) to URI.
        self.namespaces: dict[str | None, str] = {}
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
        parser.StartNamespaceDeclHandler = self._namespace
        self._parser = parser

    def feed(self, text: str | bytes, final: bool) -> None:
        """Parse the next piece of the document (``final``: it is the last).

        Raises
        ------
        xml.parsers.expat.ExpatError
            Malformed XML, or (``final``) a document cut short.
        InputError
            A DTD, or a root element that is no Atom feed or entry.
        """
        self._parser.Parse(text, final)

    @property
    def error_byte(self) -> int:
        """The byte offset (into what was fed) where the last error was found."""
        return int(self._parser.ErrorByteIndex)

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
                if tag in ("feed", "entry"):  # the Atom names without their namespace
                    raise InputError(
                        f"{self.path}: <{tag}> without the Atom namespace; arXiv API output declares it: add "
                        f'xmlns="{ATOM[1:-1]}" to <{tag}>'
                    )
                raise InputError(f"{self.path}: not an Atom feed (root element {tag}); expected arXiv API output")
            self.root_seen = True
            self.root_is_feed = tag == f"{ATOM}feed"
            self.root_byte = self._parser.CurrentByteIndex
        if self._builder is None and tag == f"{ATOM}entry" and self._depth <= 1:
            self._builder = ET.TreeBuilder()
            self.entry_line = self._parser.CurrentLineNumber + self.line_offset
            self.entry_byte = self._parser.CurrentByteIndex
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

    def _namespace(self, prefix: str | None, uri: str) -> None:
        if self._depth == 0:
            self.namespaces[prefix] = uri


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


def _pieces(document: str | bytes, start: int = 0) -> Iterator[tuple[str | bytes, bool]]:
    """``document`` from ``start`` on, in pieces for the parser (made as they are fed), then the final one."""
    for at in range(start, len(document), _CHUNK_CHARS):
        yield document[at : at + _CHUNK_CHARS], False
    yield document[:0], True


def _broken(
    path: Path, shown: str, parser: _EntryParser, err: expat.ExpatError, final: bool, resumes_at: int | None
) -> Reject:
    """The one Reject for the XML from where it breaks: the unfinished entry (or else the break) up to
    ``resumes_at``, the line of the next entry, where reading goes on; ``None``: no entry follows."""
    message = expat.errors.messages[err.code]
    in_entry = parser.entry_line is not None
    error_line = err.lineno + parser.line_offset
    line = parser.entry_line or error_line
    if final and err.code in _CUT_SHORT:
        where = "inside this entry" if in_entry else "before the feed is closed"
        lost = "the entry is incomplete and lost" if in_entry else "entries may be missing"
        reason = f"truncated XML: the file ends at line {error_line} {where} ({message}); {lost}"
        return Reject(str(path), line, f"{reason}; re-download or complete the file", shown)
    if resumes_at is not None:
        lost = "this entry was" if in_entry else f"lines {line} to {resumes_at - 1} were"
        lost += f" not read (reading goes on with the entry at line {resumes_at})"
    else:
        lost = "this entry and the rest of the file were" if in_entry else "the rest of the file was"
        lost += " not read (no entry follows)"
    column = f", column {err.offset + 1}" if err.lineno > 1 or parser.line_offset == 0 else ""  # not the stand-in's
    reason = f"malformed XML at line {error_line}{column} ({message}); {lost}"
    return Reject(str(path), line, f"{reason}; fix the XML there", shown)


#: The start tag of an Atom entry, with or without a namespace prefix, in the UTF-8 bytes of a document.
_ENTRY_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?entry[\s/>]")
#: The qualified name of the element whose start tag begins here.
_QNAME = re.compile(rb"<([^\s/>]+)")
#: Line ends as expat counts them, in bytes.
_LINE_END_BYTES = re.compile(rb"\r\n|\r|\n")


class _Resume:
    """Where reading goes on after the XML breaks: the next entry's start tag, inside a stand-in for the root.

    The stand-in is the root's start tag (its name and namespace declarations)
    with the entry right after it on the same line, so the entries read after a
    break keep their namespaces; their lines are expat's plus the line the entry
    is on (:attr:`_EntryParser.line_offset`).
    """

    def __init__(self, text: str) -> None:
        self.data = text.encode("utf-8")  # what expat was fed, as it counts bytes
        self._line_at = (0, 1)  # a byte offset and its line: lines are counted on from the last resume

    def _line(self, offset: int) -> int:
        at, line = self._line_at
        line += sum(1 for _ in _LINE_END_BYTES.finditer(self.data, at, offset))
        self._line_at = (offset, line)
        return line

    def next_entry(self, after: int) -> tuple[int, int] | None:
        """The byte offset and line of the first entry start tag after byte ``after``, if any."""
        found = _ENTRY_START.search(self.data, after)
        return None if found is None else (found.start(), self._line(found.start()))

    def stand_in(self, root_name: bytes, namespaces: dict[str | None, str]) -> bytes:
        """The stand-in root's start tag (on one line), fed before the entry where reading goes on."""
        declared = "".join(
            f" xmlns{'' if prefix is None else ':' + prefix}={quoteattr(uri)}" for prefix, uri in namespaces.items()
        )
        return b"<" + root_name + declared.encode("utf-8") + b">"

    def snippet(self, offset: int) -> str:
        """The file from the start of the line of byte ``offset`` (looking back 1,000 bytes at most), for a reject."""
        offset = max(offset, 0)
        lower = max(offset - 1000, 0)
        start = max(self.data.rfind(b"\n", lower, offset), self.data.rfind(b"\r", lower, offset)) + 1 or lower
        return snippet(self.data[start : start + 4000].decode("utf-8", errors="replace").strip())

    def root_name(self, offset: int) -> bytes | None:
        found = _QNAME.match(self.data, offset)
        return found.group(1) if found else None


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
    resume: _Resume | None = None  # made at the first break
    root_name: bytes | None = None
    pieces: Iterator[tuple[str | bytes, bool]] = _pieces(text)
    shift = 0  # the file's byte offset of byte 0 of what the parser is fed (a stand-in root comes before it)
    first_line = 1
    while True:
        parser = _EntryParser(path, first_line)
        for piece, final in pieces:
            try:
                parser.feed(piece, final)
            except expat.ExpatError as err:
                if not parser.root_seen:
                    raise InputError(f"{path}: malformed XML ({err}); expected an arXiv API Atom feed") from err
                yield from _records(path, parser.take())
                resume = resume or _Resume(text)
                root_name = root_name or resume.root_name(parser.root_byte + shift)
                in_entry = parser.entry_line is not None
                broken_at = (parser.entry_byte if in_entry else parser.error_byte) + shift
                # the next entry from just after the broken one's start tag (an unclosed entry holds the next)
                goes_on = not (final and err.code in _CUT_SHORT) and parser.root_is_feed and root_name is not None
                entry_at = resume.next_entry(max(broken_at + 1, 0)) if goes_on else None
                resumes_at = entry_at[1] if entry_at else None
                yield _broken(path, resume.snippet(broken_at), parser, err, final, resumes_at)
                if entry_at is None or root_name is None:
                    return
                stand_in = resume.stand_in(root_name, parser.namespaces)
                shift = entry_at[0] - len(stand_in)
                pieces = itertools.chain([(stand_in, False)], _pieces(resume.data, entry_at[0]))
                first_line = entry_at[1]
                break
            yield from _records(path, parser.take())
        else:
            return
