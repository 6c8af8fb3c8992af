"""Minting IRIs for papers, entities and annotations, deterministically and safely.

Ids come from untrusted text (titles, abstracts, user-supplied ids). Every
character outside RFC 3986's *unreserved* set (``A-Z a-z 0-9 - . _ ~``) is
percent-encoded as UTF-8, so no space, quote, angle bracket, brace, backslash,
``#`` or newline can end an IRI early or inject syntax into Turtle/N-Triples.
"""

from __future__ import annotations

import hashlib
import unicodedata
from urllib.parse import quote, urlsplit

import pyoxigraph
from rdflib import URIRef

from kg.errors import ExportError

__all__ = ["check_base_iri", "encode_path", "encode_segment", "mint_iri", "stable_hash"]

_KINDS = frozenset({"paper", "entity", "annotation", "link", "community", "extractor"})


def encode_segment(text: str) -> str:
    """Percent-encode everything but unreserved characters, and a segment of only dots.

    ``.`` and ``..`` are unreserved, but as a whole segment they are the dot-segments
    of RFC 3986, which a parser that resolves IRIs (rapper) removes: ``paper/..``
    would read as the base itself. Encoded, they are names like any other.

    Examples
    --------
    >>> encode_segment('title:3f a"b<c>\\n')
    'title%3A3f%20a%22b%3Cc%3E%0A'
    >>> encode_segment(".."), encode_segment("..."), encode_segment("a.b")
    ('%2E%2E', '...', 'a.b')
    """
    if text in (".", ".."):
        return text.replace(".", "%2E")
    return quote(text, safe="-._~")


def encode_path(text: str) -> str:
    """Percent-encode a path of ``/``-separated segments (a DOI's, an arXiv id's) for an IRI.

    Slashes, colons and unreserved characters stay; a segment of ``.`` or ``..`` is
    encoded (see :func:`encode_segment`), so ``10.1000/../../evil`` stays below the
    resolver it is appended to.

    Examples
    --------
    >>> encode_path("10.1000/../../evil")
    '10.1000/%2E%2E/%2E%2E/evil'
    >>> encode_path("10.1000/a b<c>")
    '10.1000/a%20b%3Cc%3E'
    """
    return "/".join(s.replace(".", "%2E") if s in (".", "..") else quote(s, safe=".-_~:") for s in text.split("/"))


def check_base_iri(base: str) -> str:
    """Validate a base IRI: absolute http(s), no unsafe characters, ending in ``/`` or ``#``.

    Raises
    ------
    ExportError
        With what is wrong and an example of a good base.
    """
    scheme, sep, rest = base.partition("://")
    if scheme.lower() in ("http", "https") and sep:
        base = scheme.lower() + sep + rest  # the scheme is case-insensitive; IRIs compare as strings
    if not base.startswith(("http://", "https://")) or any(c in base for c in ' <>"{}|\\^`\n\r\t'):
        raise ExportError(f"base IRI {base!r} must be an absolute http(s) IRI, e.g. https://example.org/kg/")
    try:
        parts = urlsplit(base)
        parts.port  # noqa: B018 (parsed on access: "https://e.org:x/" is refused here)
    except ValueError as err:  # "https://[::1/kg/": an IPv6 host without its bracket
        raise ExportError(f"base IRI {base!r} is not a valid IRI ({err}), e.g. https://example.org/kg/") from None
    if not parts.hostname:
        raise ExportError(f"base IRI {base!r} names no host, e.g. https://example.org/kg/")
    if any(segment in (".", "..") for segment in parts.path.split("/")):
        # resolved by some parsers and not by others: the same file would be two graphs
        raise ExportError(f"base IRI {base!r} has a '.' or '..' segment; resolve it, e.g. https://example.org/kg/")
    # a space of any kind (U+00A0, U+3000, U+2028) or an invisible format character: RFC 3987 allows
    # some, but N-Triples readers (rdflib's among them) end an IRI at white space, so the build would not load
    odd = next((c for c in base if c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Zs", "Zl", "Zp")), None)
    if odd is not None:
        raise ExportError(
            f"base IRI {base!r} holds U+{ord(odd):04X} ({unicodedata.name(odd, 'a control character')}); "
            "percent-encode it or leave it out, e.g. https://example.org/kg/"
        )
    base = base if base.endswith(("/", "#")) else base + "/"
    try:  # what the query engine will parse: "%zz" or a control character would make the build unloadable
        pyoxigraph.NamedNode(base + "paper/x")
    except ValueError as err:
        raise ExportError(f"base IRI {base!r} is not a valid IRI ({err}), e.g. https://example.org/kg/") from None
    return base


def mint_iri(base: str, kind: str, local_id: str) -> URIRef:
    """The IRI of a kg resource.

    Parameters
    ----------
    base : str
        Base IRI (see :func:`check_base_iri`).
    kind : str
        ``paper``, ``entity``, ``annotation``, ``link``, ``community`` or ``extractor``.
    local_id : str
        Any text; encoded with :func:`encode_segment`.

    Examples
    --------
    >>> str(mint_iri("https://w3id.org/kg/id/", "entity", "Model:llama-2-7b"))
    'https://w3id.org/kg/id/entity/Model%3Allama-2-7b'
    """
    if kind not in _KINDS:
        raise ValueError(f"unknown IRI kind {kind!r}")
    return URIRef(f"{base}{kind}/{encode_segment(local_id)}")


def stable_hash(*parts: object) -> str:
    """A short hash of ``parts``, the same on every run and machine."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:20]
