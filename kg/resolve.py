"""Resolve mentions into canonical entities.

Rules, applied in this order to every mention:

1. **Abbreviations.** A short form defined in a paper ("Large Language Models
   (LLMs)") resolves to its long form there. A bare short form in another paper
   resolves to the long form when, across the corpus, that short form was only
   ever defined with one long form; when it was defined with several (one "SQL",
   two expansions) the bare uses stay apart and the clash is reported. A short form
   the vocabulary knows keeps the vocabulary's sense in bare uses when the corpus
   defines it otherwise ("Sparse Access Memory (SAM)" is that paper's own).
2. **Gazetteer.** A surface form the curated vocabulary knows resolves to its
   canonical name ("LLaMA-2" -> "Llama 2"), also when it differs from one of the
   entry's names only by spaces, hyphens, underscores, case or a plural
   ("depth-estimation", "AIME2024"), behind a case guard for case-sensitive
   entries ("math" is not MATH). A vocabulary model that is another's variant
   ("Llama 2-Chat", "o3-mini") links to it.
3. **Model variants.** A name with a size ("Llama-2 7B", "Llama2-7B",
   "LLaMA-2-7B") is parsed into family + size; the sized model becomes its own
   entity with a ``variant_of`` link to the family ("Llama 2"). So does a name
   with a size letter or a release ("BERT-large", "YOLOv10-S", "GPT-4 Vision")
   when the corpus mostly calls it a Model and its family is one too; every
   spelling and type of such a name joins it.
4. **Normalisation.** Unicode (NFKC), dashes, case, spaces and hyphens,
   possessives and plurals are folded into a key: "Flash Attention",
   "FlashAttention" and "flash-attention" share the key ``flashattention``.

An entity's type is the majority type over its mentions (ties go to the
higher-ranked type in :data:`kg.records.ENTITY_TYPES`), with the votes kept in
``Entity.type_votes``; its label is the gazetteer's canonical name, else the most
frequent surface form.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from kg.extract.vocabulary import (
    Gazetteer,
    GazetteerEntry,
    default_gazetteer,
    is_plural_acronym,
    spells_otherwise,
    split_model_variant,
)
from kg.records import ENTITY_TYPES, Entity, Mention

__all__ = [
    "Ambiguity",
    "Resolution",
    "normalise_key",
    "parse_model_name",
    "resolve",
    "slugify",
]

#: Soft hyphen, zero-width space and joiners, word joiner, BOM: nothing to see, nothing to match on.
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff]")
_DASHES = re.compile(r"[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]")
_SIZE = re.compile(  # "8x7B": a mixture of eight 7B experts
    r"^(?P<family>.*?[A-Za-z].*?)(?P<sep>[\s\-_]*)(?P<size>(?:\d+x)?\d+(?:\.\d+)?)\s?(?P<unit>[BMbm])"
    r"(?:[\s\-_]+(?P<suffix>[A-Za-z][\w.\-]*))?$"
)
#: Longer names are not split into family and size (the longest in the vocabulary has 40 characters).
_LONGEST_MODEL_NAME = 200
#: The short forms of ranking metrics at a cutoff: "R@1" is "Recall@1", "P@10" is "Precision@10".
_AT_K = re.compile(r"^([RP])@(?=\d+$)", re.IGNORECASE)
_AT_K_NAMES = {"R": "Recall", "P": "Precision"}
_NOT_PLURAL = ("ss", "us", "is", "ics", "ous", "as")
#: Share of a short form's definitions one long form needs to be taken as its meaning.
DOMINANT_SHARE = 0.75


@dataclass(frozen=True, slots=True)
class Ambiguity:
    """A short form defined with different long forms in different papers."""

    short_form: str
    long_forms: tuple[str, ...]
    papers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Resolution:
    """The result of :func:`resolve`.

    Attributes
    ----------
    entities : tuple of Entity
        Sorted by id.
    mention_entity : tuple of str
        The entity id of each input mention, aligned with the input order.
    ambiguities : tuple of Ambiguity
        Short forms that were kept apart because their expansions disagree.
    type_conflicts : tuple of Entity
        Entities whose mentions disagreed on the type (see ``type_votes``).
    """

    entities: tuple[Entity, ...]
    mention_entity: tuple[str, ...]
    ambiguities: tuple[Ambiguity, ...] = ()
    type_conflicts: tuple[Entity, ...] = field(default_factory=tuple)


def _singular(word: str) -> str:
    # An "s" after a digit is a size letter, not a plural ("YOLOv8s" is not YOLOv8), as in the vocabulary.
    if len(word) <= 3 or not word.endswith("s") or word.endswith(_NOT_PLURAL) or word[-2].isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    return word[:-1]


@lru_cache(maxsize=1 << 18)  # surface forms repeat across papers; pure
def _fold(text: str) -> str:
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    text = _DASHES.sub("-", text).replace("’", "'")
    return re.sub(r"'s\b", "", text).strip()


@lru_cache(maxsize=1 << 18)
def normalise_key(text: str) -> str:
    """Return the matching key of a surface form.

    Case, Unicode dashes, spaces, hyphens, invisible characters, possessives and a
    final plural are folded away; ``+``, ``#`` and ``@`` stay ("C++", "R@1" is not "R1").

    Examples
    --------
    >>> normalise_key("Flash Attention") == normalise_key("FlashAttention")
    True
    >>> normalise_key("Large Language Models") == normalise_key("large language model")
    True
    >>> normalise_key("LLMs") == normalise_key("LLM")
    True
    >>> normalise_key("LARGE LANGUAGE MODELS") == normalise_key("large language model")
    True
    """
    return re.sub(r"[^\w+#@]+|_", "", _singular_form(text))


@lru_cache(maxsize=1 << 18)
def _singular_form(text: str) -> str:
    """``text`` folded (see :func:`_fold`), case folded, with its last word made singular."""
    words = _fold(text).split()
    if words:
        last = words[-1]
        # "LLMs", "CNNs": an upper-case acronym with a plural s. A word in capitals is a word
        # ("LARGE LANGUAGE MODELS") when it is all letters ("YOLOX-S" is a size) and longer than an
        # acronym that ends in S ("ADAS", "SIRS").
        if is_plural_acronym(last):
            words[-1] = last[:-1]
        elif last.isalpha() and last.isupper() and len(last) > 5:
            words[-1] = _singular(last.lower())
        else:
            words[-1] = _singular(last)
    return " ".join(words).casefold()


def _spelling_key(text: str) -> str:
    """The key of :func:`normalise_key` with only spaces, hyphens and underscores taken out: the
    spellings of one name ("depth-estimation", "AIME2024"), not names apart by a sign ("R@1", "R1")."""
    return re.sub(r"[\s\-_]+", "", _singular_form(text))


def slugify(text: str) -> str:
    """Return an id-safe slug: lower-case ASCII letters, digits and single hyphens.

    Examples
    --------
    >>> slugify("Llama 2 7B")
    'llama-2-7b'
    >>> slugify("δ1 accuracy")
    'd1-accuracy'
    >>> slugify("UNet++"), slugify("UNet")  # "+" is spelt out: another name, another id
    ('unet-plus-plus', 'unet')
    """
    text = unicodedata.normalize("NFKD", _fold(text).replace("δ", "d").replace("Δ", "d").replace("+", " plus "))
    text = text.encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug or "x" + format(abs(hash_text(text)) % 16**8, "08x")


def hash_text(text: str) -> int:
    """Deterministic small hash (Python's ``hash`` is salted per process)."""
    value = 0
    for ch in text:
        value = (value * 131 + ord(ch)) % (1 << 61)
    return value


def parse_model_name(text: str) -> tuple[str, str, str | None] | None:
    """Split a sized model name into (family, size, suffix).

    Examples
    --------
    >>> parse_model_name("Llama-2 7B")
    ('Llama-2', '7B', None)
    >>> parse_model_name("Qwen2.5-72B-Instruct")
    ('Qwen2.5', '72B', 'Instruct')
    >>> parse_model_name("ResNet-50") is None
    True
    >>> parse_model_name("Mixtral-8x22B"), parse_model_name("YOLOv8m")  # the "8" of "v8" is a version
    (('Mixtral', '8x22B', None), None)
    """
    if len(text) > _LONGEST_MODEL_NAME:  # no model is named so; and _SIZE's lazy runs are quadratic in it
        return None
    match = _SIZE.match(_fold(text))
    if match is None or (not match["sep"] and match["family"][-1] in "vV"):
        return None
    family = match["family"].strip(" -_")
    if not family or len(family) < 2:
        return None
    return family, f"{match['size']}{match['unit'].upper()}", match["suffix"]


@dataclass
class _Group:
    """Mutable accumulator for one entity while resolving."""

    key: str
    canonical: str | None = None
    canonical_type: str | None = None
    surfaces: Counter[str] = field(default_factory=Counter)
    votes: Counter[str] = field(default_factory=Counter)
    papers: set[str] = field(default_factory=set)
    family_key: str | None = None
    fallback: str | None = None
    is_family: bool = False


def _names_entry(surface: str, label: str, entry_type: str) -> bool:
    """Whether an extracted surface that matches a case-sensitive gazetteer entry only up to case names it.

    Name-shaped surfaces do ("Deepseek-R1", "NuScenes", "O1", "LLAMA": a digit or
    a capital after the first letter); a capitalised word does when its mention's
    type agrees with the entry's ("Llama" found as a Method, as the NER calls
    models, is the Llama model); so does a lower-case phrase of several words typed
    as the entry is ("stable diffusion" found as a Model); a lower-case word never
    does ("math" the task is not MATH the dataset).

    Examples
    --------
    >>> _names_entry("NuScenes", "Dataset", "Dataset"), _names_entry("math", "Task", "Dataset")
    (True, False)
    >>> _names_entry("Llama", "Method", "Model"), _names_entry("Math", "Task", "Dataset")
    (True, False)
    >>> _names_entry("stable diffusion", "Model", "Model"), _names_entry("stable diffusion", "Method", "Model")
    (True, False)
    """
    if any(c.isdigit() for c in surface) or any(c.isupper() for c in surface[1:]):
        return True
    if not surface[:1].isupper():
        return " " in surface.strip() and label == entry_type
    return label == entry_type or (entry_type == "Model" and label == "Method")


def _entries_by_spelling(gazetteer: Gazetteer) -> dict[str, GazetteerEntry | None]:
    """Every surface of the vocabulary under its :func:`_spelling_key`; ``None`` where two entries share one."""
    by_key: dict[str, GazetteerEntry | None] = {}
    for entry in gazetteer.entries:
        for surface in entry.surfaces:
            key = _spelling_key(surface)
            by_key[key] = entry if by_key.get(key, entry) is entry else None
    return by_key


#: A release's tuning named before its size ("Qwen2.5-Instruct-7B" is Qwen2.5 7B Instruct). Not
#: "Base", which also names models of their own ("StarCoder-Base-15B" is StarCoderBase 15B).
_TUNING_BEFORE_SIZE = re.compile(r"^(?P<family>.+?)[\s\-_]+(?P<tuning>instruct|chat|it)$", re.IGNORECASE)
#: A checkpoint's Hugging Face format after its name: the same model ("Llama-2-7b-chat-hf").
_FORMAT_SUFFIX = re.compile(r"(?:^|[\s\-_]+)hf$", re.IGNORECASE)


def _release_order(
    family: str, size: str, suffix: str | None, *, known: Callable[[str], bool]
) -> tuple[str, str, str | None]:
    """A sized name's (family, size, suffix) in one order, whichever its spelling.

    A tuning before the size is moved after it only when what precedes it is a model ``known``
    to the vocabulary: "OpenChat-7B" and "Open-Chat-7B" are one model, not a Chat of "Open".

    Examples
    --------
    >>> known = {"Qwen2.5", "Llama-2"}.__contains__
    >>> _release_order("Qwen2.5-Instruct", "7B", None, known=known)
    ('Qwen2.5', '7B', 'Instruct')
    >>> _release_order("Open-Chat", "7B", None, known=known)
    ('Open-Chat', '7B', None)
    >>> _release_order("Llama-2", "7B", "chat-hf", known=known), _release_order("Llama-2", "7B", "hf", known=known)
    (('Llama-2', '7B', 'chat'), ('Llama-2', '7B', None))
    """
    if suffix is not None:
        suffix = _FORMAT_SUFFIX.sub("", suffix) or None
    if suffix is None:
        tuned = _TUNING_BEFORE_SIZE.match(family)
        if tuned is not None and known(tuned["family"]):
            return tuned["family"], size, tuned["tuning"]
    return family, size, suffix


def _names_a_family(text: str) -> bool:
    """A model family is a name: a capital first or a digit inside ("Llama-2", "o3"; not "serving")."""
    return text[:1].isupper() or any(c.isdigit() for c in text)


class _Resolver:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.by_spelling = _entries_by_spelling(gazetteer)
        self.groups: dict[str, _Group] = {}
        # The key of every short form with one meaning in the corpus, to its long form's surface.
        self.long_forms: dict[str, str] = {}
        # The key of every such long form whose short form keeps its vocabulary sense, to that
        # short form ("Generative Pre-trained Transformer" -> "GPT").
        self.short_forms: dict[str, str] = {}
        # The key of every name that is a family + a letter or release variant, to that split
        # (decided once over the corpus by :meth:`plan_variants`).
        self.variants: dict[str, tuple[str, str]] = {}
        self._memo: dict[tuple[str, str], _Group] = {}

    def lookup(self, surface: str, label: str) -> GazetteerEntry | None:
        """The vocabulary entry an extracted surface names, if any.

        The extractor's own lookup first; then, since the surface is already a mention, one that
        ignores case for case-sensitive entries too ("Deepseek-R1") and then one that also folds
        spaces, hyphens and a plural (:func:`_spelling_key`: "depth-estimation", "AIME2024",
        "CityScape" are the entries "depth estimation", "AIME 2024", "Cityscapes"), both behind the
        case guard of :func:`_names_entry` ("math" the task is not MATH the dataset).
        """
        entry = self.gazetteer.lookup(surface)
        if entry is not None:
            return entry
        entry = self.gazetteer.lookup_any_case(surface)
        if entry is not None:
            return entry if _names_entry(surface, label, entry.type) else None
        entry = self.by_spelling.get(_spelling_key(surface))
        if entry is not None and entry.case_sensitive and not _names_entry(surface, label, entry.type):
            return None
        return entry

    def surface_of(self, mention: Mention) -> str:
        """The surface a mention resolves by: its long form, or the one its short form has in the corpus.

        A short form the vocabulary knows keeps the vocabulary's sense when the long form it was
        defined with here is no vocabulary name and shares a word with the vocabulary's spelling
        ("Neural Rendering Fields (NeRF)" is NeRF; "Sparse Access Memory (SAM)" is not the
        Segment Anything Model: :func:`~kg.extract.vocabulary.spells_otherwise`).
        """
        if mention.long_form:
            return mention.text if self.keeps_vocabulary_sense(mention) else mention.long_form
        key = normalise_key(mention.text)
        long_form = self.long_forms.get(key)
        if long_form is None:
            # A long form whose short form keeps the vocabulary's sense is that name too.
            return self.short_forms.get(key, mention.text)
        # A bare use elsewhere takes the corpus's long form, unless that is another sense of a
        # vocabulary acronym (one paper's "Sparse Access Memory (SAM)" leaves other SAMs alone) or
        # the acronym keeps its vocabulary sense, as where it was defined.
        entry = self.gazetteer.lookup(mention.text)
        if entry is not None and (
            spells_otherwise(entry, mention.text, long_form) or self.lookup(long_form, mention.label) is None
        ):
            return mention.text
        # A long form whose short form keeps its vocabulary sense where it is defined is that name
        # ("long chains of thought (long CoT)": a bare "Long-CoT" elsewhere is long chain-of-thought).
        return self.short_forms.get(normalise_key(long_form), long_form)

    def keeps_vocabulary_sense(self, mention: Mention) -> bool:
        """Whether a short form defined with ``mention.long_form`` keeps its vocabulary sense: the
        long form is no vocabulary name and does not spell the acronym otherwise ("Generative
        Pre-trained Transformer (GPT)" is GPT; "Sparse Access Memory (SAM)" is not SAM)."""
        entry = self.gazetteer.lookup(mention.text)  # as written: "CoLa" (chain-of-layers) is not CoLA
        return (
            entry is not None
            and mention.long_form is not None
            and self.lookup(mention.long_form, mention.label) is None
            and not spells_otherwise(entry, mention.text, mention.long_form)
        )

    def plan_variants(self, surfaces: Sequence[str], labels: Sequence[str]) -> None:
        """Decide, per matching key, which names are a model family + a letter or release variant.

        A key is one when most of its mentions are Models, one of its spellings splits
        (:func:`split_model_variant`; the commonest such spelling decides) and the family is a
        model too: a vocabulary Model, or a name most of whose own mentions are Models, or one
        never mentioned alone. So "Self-Instruct" (mostly a Method), "Objaverse-XL" (mostly a
        Dataset) and "GRPO-Zero" (GRPO being a Method) stay names of their own, whatever one
        mention's type; every spelling and type of a planned key joins its variant
        ("SwinB", "Swin-B" and "Swin B"), in any mention order.
        """
        votes: dict[str, Counter[str]] = defaultdict(Counter)
        spellings: dict[str, Counter[str]] = defaultdict(Counter)
        for surface, label in zip(surfaces, labels, strict=True):
            key = normalise_key(surface)
            votes[key][label] += 1
            spellings[key][surface] += 1
        for key in sorted(votes):
            if _majority(votes[key]) != "Model":
                continue
            for surface, _ in sorted(spellings[key].items(), key=lambda kv: (-kv[1], kv[0])):
                if self.lookup(surface, "Model") is not None:
                    break  # the vocabulary's own name ("o3-mini", "GPT-4 Turbo")
                split = split_model_variant(_fold(surface))
                if split is None or not _names_a_family(split[0]):
                    continue
                family = self.long_forms.get(normalise_key(split[0]), split[0])
                entry = self.lookup(family, "Model")
                family_votes = votes.get(normalise_key(family))
                if (
                    (entry.type == "Model")
                    if entry is not None
                    else (not family_votes or _majority(family_votes) == "Model")
                ):
                    self.variants[key] = split
                break

    def group_for(self, surface: str, label: str) -> _Group:
        """Find or create the group a surface form (of a given type) belongs to."""
        memo = (surface, label)
        group = self._memo.get(memo)
        if group is None:
            group = self._memo[memo] = self._group_for(surface, label)
        return group

    def _group_for(self, surface: str, label: str) -> _Group:
        spelled = _AT_K.sub(lambda m: _AT_K_NAMES[m[1].upper()] + "@", surface)  # "R@1" is Recall@1
        if spelled != surface:
            group = self._group(f"key:{normalise_key(spelled)}")
            group.canonical = group.canonical or spelled  # named so, whichever spelling came first
            return group
        entry = self.lookup(surface, label)
        if entry is not None:
            return self._vocabulary_group(entry)
        if label == "Model":
            parsed = parse_model_name(surface)
            # Only names parse into family + size ("Llama-2 7B"), not phrases ("serving 7B").
            if parsed is not None and (_names_a_family(parsed[0]) or self._is_vocabulary_model(parsed[0])):
                family, size, suffix = _release_order(*parsed, known=self._is_vocabulary_model)
                if suffix and self._is_vocabulary_model(f"{family}-{suffix}"):
                    family, suffix = f"{family}-{suffix}", None  # "Llama-2-7B-chat" is Llama 2-Chat 7B
                group = self._variant(family, f"{size}|{(suffix or '').lower()}")
                group.canonical = group.canonical or (
                    f"{self._groups_name(family)} {size}" + (f" {suffix}" if suffix else "")
                )
                return group
        split = self.variants.get(normalise_key(surface))
        if split is not None:  # "BERT-large", "YOLOv10-S", "GPT-4 Vision": named by their commonest spelling
            group = self._variant(split[0], _spelling_key(split[1]))
            group.fallback = group.fallback or "".join(split)
            return group
        return self._group(f"key:{normalise_key(surface)}")

    def _is_vocabulary_model(self, name: str) -> bool:
        """Whether the vocabulary lists ``name`` as a model ("gpt-oss": a family in lower case)."""
        entry = self.lookup(name, "Model")
        return entry is not None and entry.type == "Model"

    def _vocabulary_group(self, entry: GazetteerEntry) -> _Group:
        """The group of a vocabulary entry; a Model entry that is another's variant ("Llama 2-Chat",
        "o3-mini", "Mixtral 8x22B") links to it."""
        group = self._group(f"gaz:{normalise_key(entry.canonical)}", entry.canonical, entry.type)
        if entry.type == "Model" and group.family_key is None:
            split = split_model_variant(entry.canonical) or parse_model_name(entry.canonical)  # "Mixtral 8x22B"
            family = self.gazetteer.lookup(split[0]) if split is not None else None
            if family is not None and family.type == "Model" and family is not entry:
                family_group = self._vocabulary_group(family)
                family_group.is_family = True
                group.family_key = family_group.key
        return group

    def _family_surface(self, family: str) -> str:
        """The surface a family resolves by, as its own mentions do (:meth:`surface_of`): its long form
        when it is an abbreviation ("LeaP" in "LeaP-T"), unless the long form's short form keeps its
        vocabulary sense ("RT-DETR", defined as "Real-Time DEtection TRansformer", is the vocabulary's)."""
        long_form = self.long_forms.get(normalise_key(family))
        if long_form is None:
            return family
        return self.short_forms.get(normalise_key(long_form), long_form)

    def _groups_name(self, family: str) -> str:
        """How a variant names its family: the vocabulary's name, else as written."""
        return self.group_for(self._family_surface(family), "Model").canonical or family

    def _variant(self, family: str, variant_key: str) -> _Group:
        """The group of a model ``family`` + a variant (by its key), linked to the family."""
        # A family defined as an abbreviation ("LeaP" in "LeaP-T") is the entity of its long form.
        fam_group = self.group_for(self._family_surface(family), "Model")
        fam_group.fallback = fam_group.fallback or family
        fam_group.is_family = True
        group = self._group(f"var:{fam_group.key}|{variant_key}")
        group.family_key = fam_group.key
        return group

    def _group(self, key: str, canonical: str | None = None, ctype: str | None = None) -> _Group:
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = _Group(key, canonical, ctype)
        return group


def _majority(votes: Counter[str]) -> str:
    """The commonest label; ties go to the higher-ranked type in :data:`kg.records.ENTITY_TYPES`."""
    rank = {t: i for i, t in enumerate(ENTITY_TYPES)}
    return min(votes.items(), key=lambda kv: (-kv[1], rank.get(kv[0], 99)))[0]


def _abbreviation_map(mentions: Sequence[Mention]) -> tuple[dict[str, str], list[Ambiguity]]:
    """Map short-form keys to the single long form they were defined with."""
    definitions: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    long_surfaces_of: dict[str, set[str]] = defaultdict(set)
    first_short: dict[str, str] = {}  # the first surface of each short form, in mention order
    for m in mentions:
        if m.long_form:
            short_key = normalise_key(m.text)
            definitions[short_key][normalise_key(m.long_form)].add(m.paper_id)
            long_surfaces_of[short_key].add(m.long_form)
            first_short.setdefault(short_key, m.text)
    unique: dict[str, str] = {}
    ambiguous: list[Ambiguity] = []
    for short_key, longs in sorted(definitions.items()):
        ranked = sorted(longs.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        total = sum(len(papers) for papers in longs.values())
        top_key, top_papers = ranked[0]
        # One expansion, or one that most definitions agree on (NeRF: 5 "neural radiance
        # fields" vs 1 "neural rendering fields"): bare uses follow it.
        if len(longs) == 1 or (len(top_papers) >= 2 and len(top_papers) >= DOMINANT_SHARE * total):
            unique[short_key] = top_key
            continue
        papers = sorted({p for ps in longs.values() for p in ps})
        long_surfaces = sorted(long_surfaces_of[short_key])
        ambiguous.append(Ambiguity(first_short[short_key], tuple(long_surfaces), tuple(papers)))
    return unique, ambiguous


def _long_form_surfaces(mentions: Sequence[Mention]) -> dict[str, str]:
    return {normalise_key(m.long_form): m.long_form for m in mentions if m.long_form}


def resolve(mentions: Iterable[Mention], gazetteer: Gazetteer | None = None) -> Resolution:
    """Resolve mentions into canonical entities.

    Parameters
    ----------
    mentions : iterable of Mention
        All mentions of the corpus (order is kept in ``mention_entity``).
    gazetteer : Gazetteer, optional
        The curated vocabulary; the one shipped with kg by default.

    Returns
    -------
    Resolution

    Examples
    --------
    >>> from kg.records import Mention
    >>> ms = [Mention("p1", "abstract", 0, 21, "Large Language Models", "Method"),
    ...       Mention("p1", "abstract", 23, 27, "LLMs", "Method",
    ...               long_form="Large Language Models"),
    ...       Mention("p2", "abstract", 0, 4, "LLMs", "Method")]
    >>> res = resolve(ms)
    >>> len(set(res.mention_entity))
    1
    """
    mentions = list(mentions)
    resolver = _Resolver(gazetteer if gazetteer is not None else default_gazetteer())
    short_to_long, ambiguities = _abbreviation_map(mentions)
    long_surface = _long_form_surfaces(mentions)
    ambiguous_keys = {normalise_key(a.short_form) for a in ambiguities}

    resolver.long_forms = {k: long_surface[v] for k, v in short_to_long.items() if k not in ambiguous_keys}
    resolver.short_forms = {
        normalise_key(m.long_form): m.text
        for m in mentions
        if m.long_form and normalise_key(m.text) in resolver.long_forms and resolver.keeps_vocabulary_sense(m)
    }
    surfaces = [resolver.surface_of(m) for m in mentions]
    resolver.plan_variants(surfaces, [m.label for m in mentions])
    member: list[_Group] = []
    for m, surface in zip(mentions, surfaces, strict=True):
        group = resolver.group_for(surface, m.label)
        group.surfaces[m.text] += 1
        group.votes[m.label] += 1
        group.papers.add(m.paper_id)
        member.append(group)

    ids = _assign_ids(resolver.groups)
    entities = {g.key: _entity(g, ids) for g in resolver.groups.values() if g.surfaces}
    # Families created only through their variants still need an entity.
    family_keys = {x.family_key for x in resolver.groups.values()}
    for g in resolver.groups.values():
        if not g.surfaces and g.key in family_keys:
            entities[g.key] = _entity(g, ids)
    ordered = tuple(sorted(entities.values(), key=lambda e: e.id))
    conflicts = tuple(e for e in ordered if len(e.type_votes) > 1)
    return Resolution(
        entities=ordered,
        mention_entity=tuple(ids[g.key] for g in member),
        ambiguities=tuple(ambiguities),
        type_conflicts=conflicts,
    )


def _decide_type(group: _Group) -> str:
    if group.canonical_type:
        return group.canonical_type
    if group.family_key is not None or group.is_family or not group.votes:
        return "Model"  # sized models and the families they are variants of
    return _majority(group.votes)


def _label(group: _Group) -> str:
    if group.canonical:
        return group.canonical
    if not group.surfaces:
        return group.fallback or group.key
    # Most frequent surface; ties prefer forms with capitals (names), then text order.
    return min(group.surfaces.items(), key=lambda kv: (-kv[1], kv[0].islower(), kv[0]))[0]


def _assign_ids(groups: dict[str, _Group]) -> dict[str, str]:
    ids: dict[str, str] = {}
    used: set[str] = set()
    for key in sorted(groups):
        group = groups[key]
        base = f"{_decide_type(group)}:{slugify(_label(group))}"
        candidate = base
        # Two entities with one label (an abbreviation with two senses, "LVMs"): the later one
        # gets a suffix from its group key. Slugs never hold "--", so the id cannot be mistaken
        # for another name ("llama-4" would read as Llama 4).
        while candidate in used:
            candidate = f"{base}--{hash_text(key + candidate) % 16**6:06x}"
        used.add(candidate)
        ids[key] = candidate
    return ids


def _entity(group: _Group, ids: dict[str, str]) -> Entity:
    label = _label(group)
    aliases = tuple(sorted(s for s in group.surfaces if s != label))
    votes = tuple(sorted(group.votes.items(), key=lambda kv: (-kv[1], kv[0])))
    return Entity(
        id=ids[group.key],
        type=_decide_type(group),
        label=label,
        aliases=aliases,
        mention_count=sum(group.surfaces.values()),
        paper_count=len(group.papers),
        variant_of=ids.get(group.family_key) if group.family_key else None,
        type_votes=votes,
    )
