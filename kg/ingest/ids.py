"""Stable paper ids and title normalisation."""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["normalise_title", "paper_id"]

_LATEX_MATH = re.compile(r"\$([^$]*)\$")
_LATEX_CMD = re.compile(r"\\[A-Za-z]+\*?")
_NON_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
_ARXIV_VERSION = re.compile(r"v\d+$")
_ARXIV_PREFIX = re.compile(r"^(?:https?://arxiv\.org/(?:abs|pdf)/|arxiv:)", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", re.IGNORECASE)


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
    """``http://arxiv.org/abs/2401.01234v2`` -> ``2401.01234``."""
    raw = _ARXIV_PREFIX.sub("", raw.strip())
    return _ARXIV_VERSION.sub("", raw)


def clean_doi(raw: str) -> str:
    """``https://doi.org/10.1000/ABC`` -> ``10.1000/abc``."""
    return _DOI_PREFIX.sub("", raw.strip()).lower()


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
