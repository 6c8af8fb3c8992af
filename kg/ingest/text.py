"""Decoding and cleaning of untrusted input text."""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

from kg.errors import InputError

__all__ = [
    "MAX_ABSTRACT_CHARS",
    "MAX_TITLE_CHARS",
    "clean_offsets",
    "clean_text",
    "clean_title",
    "has_surrogates",
    "iter_lines",
    "read_text",
    "without_surrogates",
]

log = logging.getLogger(__name__)

#: Abstracts longer than this are rejected (a real abstract is under 5,000 characters).
MAX_ABSTRACT_CHARS = 100_000
#: Titles longer than this are rejected (a real title is under 300 characters).
MAX_TITLE_CHARS = 2_000
_WS = re.compile(r"\s+")
# Markup that abstracts carry from publishers' metadata (Crossref's JATS, HTML in JSON or CSV exports).
# A text is taken to hold markup when it has a JATS tag or a pair of one formatting tag opened and
# closed ("<i>BERT</i>"); a lone "<b>" or "p<q and r>s" is text. Then its formatting and structure
# tags go, by name, their text stays, and the five XML entities become their characters.
_TAG_NAMES = (
    r"p|b|i|u|em|strong|sub|sup|br|span|div|tt|code|italic|bold|sc|monospace|underline|inline-formula|title|"
    r"sec|list|list-item|abstract"
)
_MARKUP = re.compile(
    rf"</?(?:jats:[a-z][a-z0-9-]*|mml:[a-z][a-z0-9-]*|{_TAG_NAMES})(?:\s[^<>]{{0,200}})?/?>", re.IGNORECASE
)
_HOLDS_MARKUP = re.compile(
    rf"</?jats:[a-z]|<({_TAG_NAMES})(?:\s[^<>]{{0,200}})?>.{{0,2000}}?</\1\s*>", re.IGNORECASE | re.DOTALL
)
_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|apos|#39);")
_ENTITY_CHARS = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&#39;": "'"}


def _holds_markup(text: str) -> bool:
    return "<" in text and _HOLDS_MARKUP.search(text) is not None


def _markup_free(raw: str) -> list[tuple[int, str]]:
    """The characters of ``raw`` without its markup (if it holds any, see ``_HOLDS_MARKUP``),
    each with its index in ``raw`` (an entity's character: the index of its "&")."""
    kept = list(enumerate(raw))
    if not _holds_markup(raw):
        return kept
    drop = {i for m in _MARKUP.finditer(raw) for i in range(m.start(), m.end())}
    kept = [(i, c) for i, c in kept if i not in drop]
    text = "".join(c for _, c in kept)
    out: list[tuple[int, str]] = []
    pos = 0
    for m in _ENTITY.finditer(text):
        out.extend(kept[pos : m.start()])
        out.append((kept[m.start()][0], _ENTITY_CHARS[m.group()]))
        pos = m.end()
    return out + kept[pos:]


def _without_markup(text: str) -> str:
    """``text`` without its markup, if it holds any: what :func:`_markup_free` keeps (one
    implementation, so the offsets of :func:`clean_offsets` cannot drift from the text)."""
    if not _holds_markup(text):
        return text  # the common case, without building the per-character list
    return "".join(c for _, c in _markup_free(text))


# Control characters, non-characters, and the invisible ones that copying from PDFs and web pages leaves
# inside words (soft hyphen, zero-width space, word joiner, a BOM mid-text): "Llama\u00ad2" is "Llama2".
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\u00ad\u200b\u2060\ufeff]")
# Lone surrogates come from JSON escapes such as "\ud800"; no file can hold them as UTF-8.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """``text`` with each lone surrogate (a JSON ``\\ud83d`` cut from its pair) replaced by U+FFFD.

    One character for one, so offsets into ``text`` hold; such a string cannot be
    written as UTF-8 otherwise.
    """
    return _SURROGATE.sub("\ufffd", text)


_NOT_IN_A_NAME = re.compile(r"[\x00-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def source_name(path: str | Path) -> str:
    r"""``path`` as text every output can hold, for a paper's ``sources`` and a reject's ``source``.

    A file name is bytes to the operating system: those that are not UTF-8 (which
    Python holds as lone surrogates) and control characters become U+FFFD, so the
    name can be written to JSON, XML and RDF like any other text.

    Examples
    --------
    >>> name = b"data/bad\xffname\x01.jsonl".decode("utf-8", "surrogateescape")  # as os.listdir gives it
    >>> source_name(name) == "data/bad\ufffdname\ufffd.jsonl"
    True
    """
    text = os.fsdecode(path)
    if _NOT_IN_A_NAME.search(text) is None:
        return text
    with contextlib.suppress(UnicodeEncodeError):  # a surrogate no undecodable byte made: replaced below
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")  # undecodable bytes as U+FFFD
    return _NOT_IN_A_NAME.sub("\ufffd", text)


def has_surrogates(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (see :func:`without_surrogates`)."""
    return _SURROGATE.search(text) is not None


_BOM = b"\xef\xbb\xbf"
_UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")  # tested first: the LE one starts as UTF-16's does
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", *_UTF32_BOMS)  # UTF-16 and UTF-32: text in 2- or 4-byte units


def _decode_line(raw: bytes, lineno: int, not_utf8: list[int]) -> str:
    """One line as UTF-8, else cp1252, else latin-1 (``lineno`` is added to ``not_utf8`` then)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        not_utf8.append(lineno)
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")


def _warn_not_utf8(path: Path, not_utf8: list[int]) -> None:
    """One warning per file for its lines that were not UTF-8."""
    if not_utf8:
        lines = ", ".join(map(str, not_utf8[:5])) + (", …" if len(not_utf8) > 5 else "")
        log.warning(
            "%s: %d line%s not UTF-8 (line %s); decoded as cp1252/latin-1",
            path,
            len(not_utf8),
            "" if len(not_utf8) == 1 else "s",
            lines,
        )


def read_text(path: Path) -> str:
    """Read a text file written in UTF-8 (with or without BOM), tolerating bad lines.

    Lines that are not valid UTF-8 are decoded as cp1252 (then latin-1), with one
    warning for the file naming the lines, so one mis-encoded record loses no data.

    Raises
    ------
    InputError
        Missing, unreadable or binary files.
    """
    try:
        data = path.read_bytes()
    except OSError as err:
        raise _read_error(path, err) from err
    if data.startswith(_BOM):
        data = data[3:]
    if data.startswith(_WIDE_BOMS):
        return _decode_utf16(data, path)
    _check_not_binary(data[:8192], path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        not_utf8: list[int] = []
        text = "\n".join(_decode_line(raw, i, not_utf8) for i, raw in enumerate(data.split(b"\n"), 1))
        _warn_not_utf8(path, not_utf8)
        return text


def iter_lines(path: Path) -> Iterator[str]:
    """Stream the lines of a text file, without line ends, decoded as :func:`read_text` does.

    The file is read a line at a time, so its size does not matter. Only
    ``\\n`` (or ``\\r\\n``) ends a line: a U+2028 inside a JSON string does not
    split a record.

    Raises
    ------
    InputError
        Missing, unreadable or binary files.
    """
    try:
        fh = path.open("rb")
    except OSError as err:
        raise _read_error(path, err) from err
    with fh:
        head = fh.read(8192)
        bom = head.startswith(_BOM)
        if head.startswith(_WIDE_BOMS):
            lines = _decode_utf16(head + fh.read(), path).split("\n")
            yield from (line.removesuffix("\r") for line in lines[: -1 if lines[-1] == "" else None])
            return
        _check_not_binary(head[3:] if bom else head, path)
        fh.seek(3 if bom else 0)
        not_utf8: list[int] = []
        try:
            for lineno, raw in enumerate(fh, 1):
                yield _decode_line(raw.rstrip(b"\n").removesuffix(b"\r"), lineno, not_utf8)
        except OSError as err:
            raise _read_error(path, err) from err
        _warn_not_utf8(path, not_utf8)


def _read_error(path: Path, err: OSError) -> InputError:
    if isinstance(err, FileNotFoundError):
        return InputError(f"{path}: no such file; check the path")
    if isinstance(err, IsADirectoryError):
        return InputError(f"{path}: is a directory; pass the files inside it")
    return InputError(f"{path}: cannot read ({err.strerror or err})")


def _decode_utf16(data: bytes, path: Path) -> str:
    """Text with a UTF-16 or UTF-32 byte order mark (Windows tools save both)."""
    encoding = "UTF-32" if data.startswith(_UTF32_BOMS) else "UTF-16"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: broken {encoding} text; re-save it as UTF-8") from err


def _check_not_binary(sample: bytes, path: Path) -> None:
    # A few stray NULs are not a binary file (they are cleaned out of the records); many are.
    if sample and (sample.count(b"\x00") > max(len(sample) // 100, 8) or _looks_binary(sample)):
        raise InputError(f"{path}: looks like a binary file, not text; give a .txt/.jsonl/.csv/.xml/.bib file")


def _looks_binary(sample: bytes) -> bool:
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls > max(len(sample) // 20, 16)


def clean_text(text: str) -> str:
    """Strip NUL, control characters, non-characters, invisible characters (soft hyphen, zero-width
    space, word joiner), publishers' markup (``<jats:p>``, ``<i>BERT</i>``: the tags go, their text
    stays, ``&amp;`` and the other XML entities become characters) and surrounding whitespace
    (newlines inside stay).

    Lone surrogates become U+FFFD, so every text can be written as UTF-8.

    Examples
    --------
    >>> clean_text(" a\\x00b\\ud800 "), clean_text("Llama\\u00ad2 and Llama\\u200b-2")
    ('ab\ufffd', 'Llama2 and Llama-2')
    >>> clean_text("<jats:p>We fine-tune <i>BERT</i> on R&amp;D text, p<q and r>s.</jats:p>")
    'We fine-tune BERT on R&D text, p<q and r>s.'
    >>> clean_text("A lone <b> and R&amp;D stay")
    'A lone <b> and R&amp;D stay'
    """
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", _without_markup(text))).strip()


def clean_title(text: str) -> str:
    """Clean a title as :func:`clean_text` does, with all whitespace collapsed to single spaces."""
    return _WS.sub(" ", clean_text(text))


def clean_offsets(raw: str, *, title: bool = False) -> tuple[str, list[int]]:
    """:func:`clean_text` (or, with ``title``, :func:`clean_title`) of ``raw`` with where each character came from.

    Returns the cleaned text and, for each of its characters, the index in ``raw``
    of the character it was made from (a collapsed run of whitespace: the run's
    first), so a span ``[s, e)`` of the cleaned text is ``[pos[s], pos[e - 1] + 1)`` of ``raw``.

    Examples
    --------
    >>> text, pos = clean_offsets("  Training  BERT", title=True)
    >>> text, pos[9], "  Training  BERT"[pos[9] : pos[12] + 1]
    ('Training BERT', 12, 'BERT')
    """
    chars: list[str] = []
    where: list[int] = []
    in_space = False
    for i, c in _markup_free(raw):
        if _CONTROL.match(c):
            continue
        if _SURROGATE.match(c):
            c = "\ufffd"
        if title and c.isspace():
            if in_space:
                continue
            in_space, c = True, " "
        else:
            in_space = False
        chars.append(c)
        where.append(i)
    start, end = 0, len(chars)
    while start < end and chars[start].isspace():
        start += 1
    while end > start and chars[end - 1].isspace():
        end -= 1
    return "".join(chars[start:end]), where[start:end]
