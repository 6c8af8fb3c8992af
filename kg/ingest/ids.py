"""Stable paper ids and title normalisation."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import unquote

__all__ = [
    "arxiv_id_in_url",
    "clean_arxiv_id",
    "clean_doi",
    "doi_in_url",
    "is_arxiv_id",
    "is_doi",
    "normalise_title",
    "paper_id",
]

_LATEX_MATH = re.compile(r"\$([^$]*)\$")
_LATEX_CMD = re.compile(r"\\[A-Za-z]+\*?")
_NON_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
_ARXIV_VERSION = re.compile(r"v\d+$")
_ARXIV_URL = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/(?P<id>[^?#]+?)(?:\.pdf)?/?(?:[?#].*)?$", re.IGNORECASE
)
_ARXIV_PREFIX = re.compile(r"^arxiv:\s*", re.IGNORECASE)
_PDF_SUFFIX = re.compile(r"\.pdf$", re.IGNORECASE)
_DOI_URL = re.compile(r"^(?:https?://)?(?:dx\.)?doi\.org/(?P<doi>10\..+)$", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^(?:(?:https?://)?(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_DOI_URL_PREFIX = re.compile(r"^(?:https?://)?(?:dx\.)?doi\.org/", re.IGNORECASE)
#: arXiv identifiers, version removed: 2401.01234 (since 2007), hep-th/9901001 and math.GT/0309136 (before).
_ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}", re.IGNORECASE)
#: A DOI: "10." registrant code, "/", a suffix of printable ASCII without "%" (a URL's escapes are decoded first).
_DOI = re.compile(r"10\.\d+(?:\.\d+)*/[\x21-\x24\x26-\x7e]+")


def normalise_title(title: str) -> str:
    """Fold a title to the key used for deduplication.

    NFKC, case-fold, LaTeX math delimiters and commands removed, every run of
    non-alphanumerics collapsed to one space.

    Examples
    --------
    >>> normalise_title("  $\\\\phi$-Decoding:  Adaptive  ")
    'phi decoding adaptive'
    >>> normalise_title("FP8 versus INT8") == normalise_title("fp8 VERSUS int8!")
    True
    """
    text = unicodedata.normalize("NFKC", title)
    text = _LATEX_MATH.sub(r"\1", text)
    text = _LATEX_CMD.sub(lambda m: m.group(0)[1:], text)
    text = _NON_ALNUM.sub(" ", text.casefold())
    return text.strip()


def clean_arxiv_id(raw: str) -> str:
    """The bare arXiv id: no ``arXiv:`` prefix, abs/pdf URL, ``.pdf`` or version suffix.

    Examples
    --------
    >>> [clean_arxiv_id(s) for s in ("http://arxiv.org/abs/2401.01234v2", "arXiv:2307.08691v1",
    ...                              "https://arxiv.org/pdf/2307.08691v2.pdf", "hep-th/9901001")]
    ['2401.01234', '2307.08691', '2307.08691', 'hep-th/9901001']
    """
    text = raw.strip()
    url = _ARXIV_URL.match(text)
    text = url.group("id") if url else _ARXIV_PREFIX.sub("", text)
    return _ARXIV_VERSION.sub("", _PDF_SUFFIX.sub("", text.strip()))


def clean_doi(raw: str) -> str:
    """The bare DOI, lower-cased (DOIs are case-insensitive): no ``https://doi.org/`` or ``doi:``.

    Examples
    --------
    >>> clean_doi("https://doi.org/10.1000/ABC"), clean_doi("doi:10.1000/FA2")
    ('10.1000/abc', '10.1000/fa2')
    """
    text = raw.strip()
    if _DOI_URL_PREFIX.match(text):  # a link's percent escapes are the URL's, not the DOI's
        text = unquote(text)
    return _DOI_PREFIX.sub("", text).strip().lower()


def is_arxiv_id(text: str) -> bool:
    """Whether ``text`` (as :func:`clean_arxiv_id` leaves it) is an arXiv identifier.

    Examples
    --------
    >>> [is_arxiv_id(s) for s in ("2401.01234", "hep-th/9901001", "math.GT/0309136", "2401.00001 <b>", "42")]
    [True, True, True, False, False]
    """
    return _ARXIV_ID.fullmatch(text) is not None


def is_doi(text: str) -> bool:
    """Whether ``text`` (as :func:`clean_doi` leaves it) is a DOI.

    Examples
    --------
    >>> [is_doi(s) for s in ("10.1000/abc", "10.1002/(sici)1097-4636(199706)35:4<441::aid-jbm4>3.0.co;2-l",
    ...                      "10.1000/a b", "doi", "11.1000/x")]
    [True, True, False, False, False]
    """
    return _DOI.fullmatch(text) is not None


def arxiv_id_in_url(url: str) -> str | None:
    """The arXiv id of an arXiv abs/pdf URL, else ``None``.

    Examples
    --------
    >>> arxiv_id_in_url("https://arxiv.org/abs/2307.08691"), arxiv_id_in_url("https://example.org/posts/18")
    ('2307.08691', None)
    """
    match = _ARXIV_URL.match(url.strip())
    return (clean_arxiv_id(match.group("id")) or None) if match else None


def doi_in_url(url: str) -> str | None:
    """The DOI of a ``doi.org`` URL, else ``None``.

    Examples
    --------
    >>> doi_in_url("https://doi.org/10.1000/XYZ"), doi_in_url("https://example.org/10.1000/xyz")
    ('10.1000/xyz', None)
    """
    match = _DOI_URL.match(url.strip())
    return clean_doi(unquote(match.group("doi"))) if match else None


def _safe(text: str) -> str:
    # Ids hold printable ASCII only; anything else is percent-encoded.
    return "".join(c if "\x21" <= c <= "\x7e" and c != "%" else "".join(f"%{b:02X}" for b in c.encode()) for c in text)


def paper_id(title: str, arxiv_id: str | None = None, doi: str | None = None) -> str:
    """Stable id of a paper: arXiv id, else DOI, else a hash of the normalised title.

    Examples
    --------
    >>> paper_id("Anything", arxiv_id="http://arxiv.org/abs/2401.01234v2")
    'arxiv:2401.01234'
    >>> paper_id("Anything", doi="https://doi.org/10.1000/XYZ")
    'doi:10.1000/xyz'
    >>> paper_id("Deep Layer Aggregation") == paper_id("deep layer aggregation.")
    True
    """
    if arxiv_id and clean_arxiv_id(arxiv_id):
        return "arxiv:" + _safe(clean_arxiv_id(arxiv_id))
    if doi and clean_doi(doi):
        return "doi:" + _safe(clean_doi(doi))
    digest = hashlib.sha256(normalise_title(title).encode("utf-8")).hexdigest()
    return "title:" + digest[:16]
