"""The ``kg_abbreviations`` component: long form / short form pairs (Schwartz & Hearst 2003).

"Large Language Models (LLMs)" pairs the short form "LLMs" with the long form
"Large Language Models": the short form's letters occur, in order, in the long
form, its first letter at the start of a word, and the long form has at most
``min(len(short) + 5, 2 * len(short))`` words. The reverse order, "KV (key-value)",
is tried too.

The component only annotates: pairs are stored in ``doc.user_data`` as plain
tuples ``(long_start, long_end, short_start, short_end)`` (character offsets), so
docs survive multiprocessing; typing and propagation to later bare uses of the
short form happen in ``kg_merge``.

References
----------
A. Schwartz and M. Hearst. A simple algorithm for identifying abbreviation
definitions in biomedical text. Pacific Symposium on Biocomputing, 2003.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc

from .candidates import after_spaced_hyphen, doc_text, looks_tokenized
from .vocabulary import is_plural_acronym

__all__ = [
    "ABBREVIATIONS_KEY",
    "AbbreviationPair",
    "best_long_form",
    "find_abbreviations",
    "get_abbreviations",
    "is_plural_acronym",
    "short_form_occurrences",
]

ABBREVIATIONS_KEY = "kg_abbreviations"
# "(LLMs)", and the Penn Treebank escapes of tokenized corpora ("-LRB- LLMs -RRB-").
_PAREN = re.compile(r"(?:\(|-LRB- )([^()\n]{1,60}?)(?:\)| -RRB-)")
_SENT_BREAK = re.compile(r"(?:[.!?;]\s+|\n\s*\n|:\s+)")
_LEADING = {"the", "a", "an", "of", "and", "or", "to", "in", "on", "for", "with", "by", "from", "as", "our", "we"}


@dataclass(frozen=True, slots=True)
class AbbreviationPair:
    """A long form and its short form, with character offsets into the doc."""

    long_form: str
    long_start: int
    long_end: int
    short_form: str
    short_start: int
    short_end: int


def is_short_form(text: str, *, tokenized: bool = False) -> bool:
    """Whether ``text`` can be an abbreviation: 2–10 chars, one or two words, a capital.

    Examples
    --------
    >>> [is_short_form(t) for t in ("LLMs", "PreludeNet", "2023", "i.e.", "N = 65", "see Fig. 3")]
    [True, True, False, False, False, False]
    >>> is_short_form("LS - GAN", tokenized=True), is_short_form("LS - GAN")  # tokenized text only
    (True, False)
    >>> is_short_form("re - ID", tokenized=True)  # every piece of a spaced short form is capitalised
    False
    """
    if tokenized and " - " in text:
        pieces = text.split(" - ")
        if not all(p and (p[0].isupper() or p[0].isdigit()) for p in pieces):
            return False
        text = "-".join(pieces)
    if not 2 <= len(text) <= 12 or len(text.split()) > 2 or not text[0].isalnum():
        return False
    if not any(c.isupper() for c in text) or not any(c.isalpha() for c in text):
        return False
    return not re.search(r"[=,;:<>]|\bet al\b|^(?:e\.g|i\.e|cf|Fig|Table|Eq|Sec)\b", text)


def _initials_start(short: str, long: str) -> int | None:
    """Start of the last words of ``long`` whose initials spell ``short`` (a plural "s" aside), or ``None``."""
    letters = [c.lower() for c in short if c.isalnum()]
    if len(letters) > 2 and is_plural_acronym(short):
        letters.pop()  # "LLMs"
    words = list(re.finditer(r"[^\s-]+", long))
    if len(letters) < 2 or len(words) < len(letters):
        return None
    tail = words[len(words) - len(letters) :]
    if [w.group()[0].lower() for w in tail] != letters:
        return None
    return tail[0].start()


def best_long_form(short: str, long: str) -> int | None:
    """Start index in ``long`` of the long form matching ``short``, or ``None``.

    When the initials of the last words spell the short form, those words are
    the long form; otherwise Schwartz and Hearst's shortest match, whose
    letters may come from inside words ("Proximal Policy Optimization (PPO)"
    would be "Policy Optimization": the second P is in "Optimization").

    Examples
    --------
    >>> text = "adapting Large Language Models"
    >>> text[best_long_form("LLMs", text):]
    'Large Language Models'
    >>> text = "with Proximal Policy Optimization"
    >>> text[best_long_form("PPO", text):]
    'Proximal Policy Optimization'
    >>> text = "a Contextually Aware Thresholding for Sparsity"
    >>> text[best_long_form("CATS", text):]
    'Contextually Aware Thresholding for Sparsity'
    """
    by_initials = _initials_start(short, long)
    if by_initials is not None:
        return by_initials
    s, i = len(short) - 1, len(long) - 1
    while s >= 0:
        ch = short[s].lower()
        if not ch.isalnum():
            s -= 1
            continue
        while i >= 0 and (
            long[i].lower() != ch or (s == 0 and i > 0 and (long[i - 1].isalnum() or long[i - 1] == "-"))
        ):
            i -= 1
        if i < 0:
            return None
        i -= 1
        s -= 1
    return i + 1


@lru_cache(maxsize=8)
def _breaks(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Where each sentence break of ``text`` ends, and where each starts: found in one scan per text."""
    found = [(m.end(), m.start()) for m in _SENT_BREAK.finditer(text)]
    return tuple(e for e, _ in found), tuple(s for _, s in found)


def _left_context(text: str, end: int, max_words: int) -> tuple[int, str]:
    """The last ``max_words`` words before ``end`` within the same sentence."""
    # What scanning the text from its start for breaks would give, scanning only from the
    # last break that ends before ``end`` (from the start, 5,000 parentheses took 40 s).
    break_ends, break_starts = _breaks(text)
    i = bisect.bisect_right(break_ends, end) - 1  # the last break that ends by ``end``
    start = break_ends[i] if i >= 0 else 0
    # A match in text[:end] starts where one in the whole text does (the pattern has no lookahead
    # or anchor), so past break i only the next break, if it starts before ``end`` and so is cut
    # by it, can still end the sentence earlier: scanning from break i itself made each call scan
    # the rest of a long sentence, quadratic over its abbreviations.
    if i + 1 < len(break_starts) and break_starts[i + 1] < end:
        for m in _SENT_BREAK.finditer(text, break_starts[i + 1], end):
            start = m.end()
    # The last max_words runs of non-space characters of text[start:end], found from the end.
    offset, pos, found = end, end, 0
    while found < max_words:
        while pos > start and text[pos - 1].isspace():
            pos -= 1
        if pos == start:
            break
        while pos > start and not text[pos - 1].isspace():
            pos -= 1
        offset, found = pos, found + 1
    if not found:
        return end, ""
    return offset, text[offset:end]


def _word_before(text: str, end: int) -> tuple[int, int] | None:
    """Bounds of the last run of non-space characters before ``end``, spaces between skipped.

    What ``re.search(r"(\\S+)\\s*$", text[:end])`` finds, without scanning the text from its start.
    """
    stop = end
    while stop > 0 and text[stop - 1].isspace():
        stop -= 1
    start = stop
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return (start, stop) if stop > start else None


def _trim_long(text: str, start: int, end: int) -> tuple[int, int] | None:
    while end > start and (text[end - 1] in " ,;-~" or text.endswith("**", start, end)):
        end -= 2 if text[end - 1] == "*" else 1  # "~": LaTeX's unbreakable space; "**": Markdown bold
    words = text[start:end].split(" ")
    while len(words) > 1 and words[0].lower() in _LEADING:
        start += len(words[0]) + 1
        words = words[1:]
    return (start, end) if end > start else None


def _names_a_class(long: str, short: str) -> bool:
    """Whether ``long`` is one lower-case plural noun that ``short`` only spells from inside it.

    "Transformer-based detectors (DETRs)": the letters of DETR are in "detectors", which names
    the class, not the acronym. One-word long forms are otherwise compounds or coined names
    ("Chain-of-Thought (CoT)", "autoregressive (AR)", "Backpropagation (BP)").

    Examples
    --------
    >>> _names_a_class("detectors", "DETRs"), _names_a_class("autoregressive", "AR")
    (True, False)
    """
    return (
        " " not in long
        and long.isalpha()
        and long.islower()
        and long.endswith("s")
        and not long.endswith(("ss", "is", "us"))
        and sum(c.isupper() for c in short) > 2
    )


def _pair(text: str, short_start: int, short_end: int, long_start: int, long_end: int) -> AbbreviationPair | None:
    short = text[short_start:short_end]
    long = text[long_start:long_end]
    if len(long) <= len(short) or short.lower() in long.lower().split() or _names_a_class(long, short):
        return None
    return AbbreviationPair(long, long_start, long_end, short, short_start, short_end)


def find_abbreviations(doc: Doc | str) -> list[AbbreviationPair]:
    """Find "long form (SF)" and "SF (long form)" definitions in a doc or string."""
    text = doc if isinstance(doc, str) else doc_text(doc)
    pairs: list[AbbreviationPair] = []
    tokenized = looks_tokenized(text)
    for m in _PAREN.finditer(text):
        inner = m.group(1).strip()
        inner_start = m.start(1) + m.group(1).index(inner) if inner else m.start(1)
        if is_short_form(inner, tokenized=tokenized):
            n_chars = sum(c.isalnum() for c in inner)
            ctx_start, ctx = _left_context(text, m.start(), min(n_chars + 5, n_chars * 2))
            rel = best_long_form(inner, ctx.rstrip())
            if rel is None:
                continue
            bounds = _trim_long(text, ctx_start + rel, ctx_start + len(ctx.rstrip()))
            if bounds is None:
                continue
            pair = _pair(text, inner_start, inner_start + len(inner), *bounds)
        else:
            prev = _word_before(text, m.start())
            if prev is None:
                continue
            word = text[prev[0] : prev[1]]
            if not is_short_form(word, tokenized=tokenized) or len(inner) < len(word) + 3:
                continue
            rel = best_long_form(word, inner)
            if rel != 0:
                continue
            pair = _pair(text, prev[0], prev[1], inner_start, inner_start + len(inner))
        if pair is not None:
            pairs.append(pair)
    return pairs


def get_abbreviations(doc: Doc) -> list[AbbreviationPair]:
    """The pairs ``kg_abbreviations`` stored on ``doc``."""
    text = doc_text(doc)
    return [
        AbbreviationPair(text[ls:le], ls, le, text[ss:se], ss, se)
        for ls, le, ss, se in doc.user_data.get(ABBREVIATIONS_KEY, [])
    ]


def short_form_occurrences(doc: Doc | str, short_form: str) -> list[tuple[int, int]]:
    """Every bare use of ``short_form`` (or its plural/singular) outside its definition.

    Examples
    --------
    >>> short_form_occurrences("LLMs are big (LLMs). An LLM can reason.", "LLMs")
    [(0, 4), (24, 27)]
    >>> short_form_occurrences("A GAN ( GAN ) , the LS - GAN . Done .", "GAN")  # not in "LS - GAN"
    [(2, 5), (8, 11)]
    >>> t = "the MMD ( MMD ) loss , and MMD - GAN . Done ."
    >>> [t[s:e] for s, e in short_form_occurrences(t, "MMD")]  # a longer name across a tokenized hyphen
    ['MMD', 'MMD', 'MMD - GAN']
    """
    text = doc if isinstance(doc, str) else doc_text(doc)
    stem = short_form[:-1] if short_form.endswith("s") and len(short_form) > 2 else short_form
    tokenized = " - " in text and looks_tokenized(text)
    found = []
    for m in _occurrence_pattern(stem).finditer(text):
        if after_spaced_hyphen(text, m.start()):
            continue
        more = _SPACED_NAME_RIGHT.match(text, m.end()) if tokenized else None
        found.append((m.start(), more.end() if more else m.end()))
    return found


# The rest of a name across a tokenized hyphen after a short form ("MMD - GAN", "GHM - C").
_SPACED_NAME_RIGHT = re.compile(r" - [A-Z0-9][A-Za-z0-9]{0,5}(?![\w-]| - )")


@lru_cache(maxsize=4096)
def _occurrence_pattern(stem: str) -> re.Pattern[str]:
    # The stem comes first so that the search skips ahead to it; the left edge is checked after.
    return re.compile(re.escape(stem) + r"(?<![\w\-(]" + re.escape(stem) + r")s?(?![\w\-)])")


@Language.factory("kg_abbreviations")
def make_abbreviations(nlp: Language, name: str) -> AbbreviationDetector:
    """Create the ``kg_abbreviations`` component."""
    return AbbreviationDetector()


class AbbreviationDetector:
    """Stores Schwartz–Hearst pairs of a doc in ``doc.user_data["kg_abbreviations"]``."""

    def __call__(self, doc: Doc) -> Doc:
        doc.user_data[ABBREVIATIONS_KEY] = [
            (p.long_start, p.long_end, p.short_start, p.short_end) for p in find_abbreviations(doc_text(doc))
        ]
        return doc
