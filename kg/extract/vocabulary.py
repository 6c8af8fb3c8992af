"""The curated vocabulary behind the gazetteer, and the surface forms of names: no spaCy here.

:class:`Gazetteer` looks surface forms up in ``resources/gazetteer.jsonl``
(loaded once per file by :func:`load_gazetteer`); the ``kg_gazetteer``
component (:mod:`kg.extract.gazetteer`) finds the same entries in docs, and
entity resolution (:mod:`kg.resolve`) names entities after them. Keeping the
lookups free of spaCy lets what only reads a build (``kg stats``, ``kg query``,
``kg.load``) start without loading it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from kg.errors import ExtractError
from kg.records import ENTITY_TYPES

__all__ = [
    "MODEL_VARIANT",
    "Gazetteer",
    "GazetteerEntry",
    "default_path",
    "is_plural_acronym",
    "load_gazetteer",
    "lookup_key",
    "spells_otherwise",
    "split_model_variant",
]

_DASHES = re.compile(r"[\u2010-\u2015\u2212]")

# A model's release or size variant after its name ("GPT-4-Turbo", "Gemini 2.0 Flash", "BERT-large",
# "T5-XXL", "ViT-L/16", "YOLOv6-S", a ResNet backbone: "RT-DETR-R50"). In running text
# (MODEL_VARIANT): capitalised words after a space or a hyphen, lower-case sizes and size letters
# only after a hyphen; the kg-typed training annotations mark a hyphenated size variant with the
# name in all 20 of their uses. In a name already extracted as a model (split_model_variant) case
# and separator do not matter.
_RELEASES = (
    "Preview Experimental Instruct Chat Base Turbo Pro Mini Flash Lite Ultra Plus Max Nano Large Small Medium XL "
    "Zero Omni Vision Coder Distill"
).split()
_SIZES = "large base small tiny mini medium huge giant nano XXL".split()
#: One variant after a name in running text (not followed by more of the word: "-Turbo", not "-Turbos").
MODEL_VARIANT = re.compile(
    rf"(?:(?: |-)(?:{'|'.join(_RELEASES)})|-(?:{'|'.join(_SIZES)}|[TSBLHMNX]|R(?:18|34|50|101|152)))"
    r"(?:/\d{1,2})?(?![\w-])"
)
# The run of variants that ends an extracted name, in any case and after either separator ("Gemini
# 2.0 Flash Lite" and "Gemini-2.0-Flash-Lite" split alike; "Phi-4-reasoning-plus" is a model's
# name). Each word is listed once, so a run matches one way only (no backtracking blow-up).
_WORDS = sorted({w.lower() for w in (*_RELEASES, *_SIZES)}, key=lambda w: (-len(w), w))
_VARIANT_RUN = re.compile(
    rf"(?:(?:[ -](?:{'|'.join(_WORDS)})|-[tsblhmnx]|-r(?:18|34|50|101|152))(?:/\d{{1,2}})?(?=[ -]|$))+$", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    """One curated name with its aliases."""

    canonical: str
    type: str
    aliases: tuple[str, ...] = ()
    case_sensitive: bool = False
    cue_required: bool = False
    source: str = ""
    patterns: tuple[str, ...] = ()

    @property
    def surfaces(self) -> tuple[str, ...]:
        """The canonical name followed by its aliases."""
        return (self.canonical, *self.aliases)


def default_path() -> Path:
    """The gazetteer file shipped with kg."""
    return Path(str(resources.files("kg.extract") / "resources" / "gazetteer.jsonl"))


def _entry(obj: object, where: str) -> GazetteerEntry:
    if not isinstance(obj, dict) or not isinstance(obj.get("canonical"), str) or not obj["canonical"].strip():
        raise ExtractError(f"{where}: a gazetteer entry needs a non-empty 'canonical' name")
    if obj.get("type") not in ENTITY_TYPES:
        raise ExtractError(f"{where}: type {obj.get('type')!r} is not one of {', '.join(ENTITY_TYPES)}")
    aliases = obj.get("aliases", [])
    patterns = obj.get("patterns", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise ExtractError(f"{where}: 'aliases' must be a list of strings")
    try:
        for p in patterns:
            re.compile(p)
    except (re.error, TypeError) as err:
        raise ExtractError(f"{where}: bad pattern ({err})") from err
    return GazetteerEntry(
        canonical=obj["canonical"].strip(),
        type=obj["type"],
        aliases=tuple(a.strip() for a in aliases if a.strip()),
        case_sensitive=bool(obj.get("case_sensitive", False)),
        cue_required=bool(obj.get("cue_required", False)),
        source=str(obj.get("source", "")),
        patterns=tuple(patterns),
    )


@lru_cache(maxsize=8)
def _load(path: str) -> tuple[GazetteerEntry, ...]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise ExtractError(f"{path}: cannot read the gazetteer ({err})") from err
    entries = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            obj = json.loads(line)
        except ValueError as err:
            raise ExtractError(f"{path}:{lineno}: not valid JSON ({err})") from err
        entries.append(_entry(obj, f"{path}:{lineno}"))
    return tuple(entries)


def load_gazetteer(path: str | Path | None = None) -> tuple[GazetteerEntry, ...]:
    """Load gazetteer entries (the shipped file by default).

    Raises
    ------
    ExtractError
        A line that is not a valid entry, with file and line.
    """
    return _load(str(Path(path) if path is not None else default_path()))


def lookup_key(surface: str, fold_case: bool) -> str:
    """Normalise dashes, spaces and (optionally) case for dictionary lookups."""
    text = _DASHES.sub("-", unicodedata.normalize("NFKC", surface)).strip()
    text = re.sub(r"\s+", " ", text)
    return text.casefold() if fold_case else text


def _singular(surface: str) -> str | None:
    """The form without a plural s: "LLMs" -> "LLM"; none for "FastSpeech 2s" (a name of its own)."""
    if len(surface) > 3 and surface.endswith("s") and not surface.endswith("ss") and not surface[-2].isdigit():
        return surface[:-1]
    return None


def _forms(surface: str) -> list[str]:
    """The forms a lookup tries: the surface, then its singular."""
    singular = _singular(surface)
    return [surface, singular] if singular else [surface]


class Gazetteer:
    """Look up surface forms in the curated vocabulary.

    Examples
    --------
    >>> gaz = Gazetteer()
    >>> gaz.lookup("LLaMA-2").canonical
    'Llama 2'
    >>> gaz.lookup("places") is None   # "Places" the dataset is case-sensitive
    True
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.entries = load_gazetteer(path)
        self._exact: dict[str, GazetteerEntry] = {}
        self._folded: dict[str, GazetteerEntry] = {}
        self._seen: dict[str, GazetteerEntry | None] = {}
        self._any_case: dict[str, GazetteerEntry] = {}  # every entry, case folded (for resolution only)
        for entry in self.entries:
            for surface in entry.surfaces:
                self._exact.setdefault(lookup_key(surface, False), entry)
                if not entry.case_sensitive:
                    self._folded.setdefault(lookup_key(surface, True), entry)
                self._any_case.setdefault(lookup_key(surface, True), entry)

    def lookup(self, surface: str) -> GazetteerEntry | None:
        """The entry naming ``surface`` (or its singular), or ``None``."""
        if surface in self._seen:
            return self._seen[surface]
        entry = self._lookup(surface)
        if len(self._seen) < 100_000:  # surfaces repeat across papers; the bound keeps memory flat
            self._seen[surface] = entry
        return entry

    def lookup_any_case(self, surface: str) -> GazetteerEntry | None:
        """The entry ``surface`` names when case is ignored for every entry, case-sensitive ones too.

        The fallback after :meth:`lookup` misses, for resolving surfaces that
        were already extracted ("Deepseek-R1", "NuScenes"), never for finding
        mentions in text: the case guard is what keeps "places" from being the
        Places dataset.

        Examples
        --------
        >>> Gazetteer().lookup_any_case("Deepseek-R1").canonical
        'DeepSeek-R1'
        """
        for form in _forms(surface):
            hit = self._any_case.get(lookup_key(form, True))
            if hit is not None:
                return hit
        return None

    def _lookup(self, surface: str) -> GazetteerEntry | None:
        for form in _forms(surface):
            hit = self._exact.get(lookup_key(form, False)) or self._folded.get(lookup_key(form, True))
            if hit is not None:
                return hit
        return None


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The shipped vocabulary's :class:`Gazetteer`, built once per process (its lookups are pure)."""
    return Gazetteer()


def is_plural_acronym(word: str) -> bool:
    """Whether ``word`` is an upper-case acronym with a plural s ("LLMs", "CNNs"; not "Ms").

    Examples
    --------
    >>> [is_plural_acronym(w) for w in ("LLMs", "CNNs", "Ms", "Models", "LLM")]
    [True, True, False, False, False]
    """
    return len(word) > 2 and word.endswith("s") and word[:-1].isupper()


def split_model_variant(name: str) -> tuple[str, str] | None:
    """Split a model name that ends in variants into (family, variants), or ``None``.

    The variants are those of :data:`MODEL_VARIANT`, in any case and after a space or a hyphen
    alike (the name is already a model's), with the separator before them; the family is at
    least two characters.

    Examples
    --------
    >>> split_model_variant("BERT-large"), split_model_variant("YOLOv10-S")
    (('BERT', '-large'), ('YOLOv10', '-S'))
    >>> split_model_variant("DeepSeek-R1-Distill"), split_model_variant("ViT-L/16")
    (('DeepSeek-R1', '-Distill'), ('ViT', '-L/16'))
    >>> split_model_variant("Gemini 2.0 Flash Lite"), split_model_variant("Gemini-2.0-Flash-Lite")
    (('Gemini 2.0', ' Flash Lite'), ('Gemini-2.0', '-Flash-Lite'))
    >>> split_model_variant("BERT-base-uncased") is None, split_model_variant("BERT") is None
    (True, True)
    >>> split_model_variant("RT-DETR-R50")  # a ResNet backbone
    ('RT-DETR', '-R50')
    """
    m = _VARIANT_RUN.search(name, 2)
    return (name[: m.start()], name[m.start() :]) if m is not None else None


def _content_words(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z0-9]+", text.casefold()) if len(w) > 2}


def _initials(text: str) -> str:
    return "".join(w[0] for w in re.findall(r"[^\W_]+", text.casefold()))


@lru_cache(maxsize=1 << 16)  # resolution asks once per mention: the same few pairs, corpus-wide
def spells_otherwise(entry: GazetteerEntry, short: str, long_form: str) -> bool:
    """Whether the vocabulary spells ``short`` out (an alias of ``entry`` whose initials are its
    letters) and ``long_form`` shares no word with any such spelling.

    An abstract that defines an acronym so ("Sparse Access Memory (SAM)") uses it in another
    sense than the vocabulary's (the Segment Anything Model); one that shares a word ("Neural
    Rendering Fields (NeRF)") or that the vocabulary never spells out means the same thing.

    Examples
    --------
    >>> sam = GazetteerEntry("SAM", "Model", aliases=("Segment Anything", "Segment Anything Model"))
    >>> spells_otherwise(sam, "SAM", "Sparse Access Memory"), spells_otherwise(sam, "SAM", "segment-anything models")
    (True, False)
    >>> spells_otherwise(GazetteerEntry("DCGAN", "Model"), "DCGAN", "deep convolutional GAN")  # nothing to compare
    False
    """
    letters = "".join(c for c in short.casefold() if c.isalnum())
    spellings = [s for s in entry.surfaces if _initials(s) in (letters, letters.removesuffix("s"))]
    words = _content_words(long_form)
    return bool(spellings) and not any(words & _content_words(s) for s in spellings)
