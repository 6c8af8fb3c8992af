"""Type coined names by how the abstract presents them.

GUIDELINES.md types a paper's own named contribution by its presentation: "PreludeNet, a
network for ..." is a Model, "CATS, a framework ..." a Method, "OVO-Bench, a benchmark" a
Dataset. One component rarely sees that: the NER has no Model label, a pattern sees only its
own cue. This module reads the cue words around every occurrence of a coined name, in three
places, and lets the occurrences of one name in one abstract vote:

* the apposition after it: "X, a lightweight network", "X is a framework", "X (Y), a benchmark",
  "Long Name (X), a framework";
* the head noun right after it: "the X dataset", "our X model", "X-based method" (not: "X-based"
  names the technique X is based on, so it does not vote);
* the words right before it: "the model X", "benchmarks such as X" (an indefinite or
  possessive noun phrase ending in a cue word right before it defines it, as an apposition
  does: "we propose a novel framework, TEMPO", "our lightweight model FastX");

plus the name's own shape ("...Bench" is a benchmark, "...Net" a network). The winning type is given to every
occurrence, so one name gets one type per abstract. Names in the gazetteer keep its type.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

__all__ = ["name_types", "presentation_type"]

#: Cue word -> the type it presents. Singular and plural.
CUES: dict[str, str] = {
    **dict.fromkeys(
        "dataset datasets benchmark benchmarks corpus corpora suite suites testbed leaderboard".split(), "Dataset"
    ),
    **dict.fromkeys(
        """model models network networks architecture architectures llm llms vlm vlms mllm mllms lvlm lvlms
        detector detectors backbone backbones transformer encoder decoder checkpoint checkpoints
        chatbot classifier""".split(),
        "Model",
    ),
    **dict.fromkeys(
        """method methods framework frameworks approach approaches technique techniques algorithm
        algorithms pipeline pipelines strategy strategies scheme schemes mechanism paradigm
        procedure system systems library toolkit engine compiler protocol""".split(),
        "Method",
    ),
    **dict.fromkeys("metric metrics measure measures score".split(), "Metric"),
}
_WORD = re.compile(r"[A-Za-z][\w\-]*")
_APPOSITION = re.compile(
    r"^\)?(?:\s*\([^()]{0,60}\))?\s*(?:,\s*(?:which is\s+|that is\s+)?|\s+is\s+|\s+as\s+)(?:a|an|the|our)\s"
)
_CLAUSE_END = re.compile(r"[.;:!?()]")
_ABBREVIATION_BRACKET = re.compile(r"\s?\([^()\s]{1,20}\)|\)")
_VERB_THEN_OBJECT = re.compile(r"\s*[\w-]+\s+(?:the|a|an|this|these|those|its|their|our|each|all)\b", re.IGNORECASE)
_DEFINING_NOUN = re.compile(r"\b(?:a|an|our)\s+(?:[\w-]+\s+){0,3}[\w-]+,?\s+$", re.IGNORECASE)
_NAMING_VERBS = frozenset("call calls called dub dubbed name named term termed coin coined".split())
_PRONOUNS = frozenset("it this them these".split())
_BENCH_SHAPE = re.compile(r"(?:Bench|bench|BENCH)(?:mark)?(?:[-_ ]?[\w.]+)?$")
# A coined network name: "FlowNet", "PreludeNet", "V-Net", "MobileNets", "FlowNet 2.0" (one word
# before the version; "Net" alone is not a name).
_NET_SHAPE = re.compile(r"^[A-Za-z0-9]*[A-Za-z0-9](?:\s?-\s?)?Nets?(?:[\s-]?[vV]?\d+(?:\.\d+)*)?$")
#: Cue strengths: an apposition defines, a head noun describes, a word before only suggests.
#: A "...Net" shape outvotes what a component said, not a presentation ("PonderNet, a method").
APPOSITION, HEAD_NOUN, BEFORE, SHAPE, NET_SHAPE, COMPONENT = 3, 2, 1, 3, 2, 1


def _first_cue(words: Iterable[str], limit: int) -> str | None:
    for i, word in enumerate(words):
        if i >= limit:
            break
        cue = CUES.get(word.lower())
        if cue is not None:
            return cue
    return None


def presentation_type(text: str, start: int, end: int) -> tuple[str, int] | None:
    """The type the context of ``text[start:end]`` presents it as, with the cue's strength.

    Examples
    --------
    >>> t = "We propose PreludeNet, a lightweight network for depth."
    >>> presentation_type(t, 11, 21)
    ('Model', 3)
    >>> presentation_type("Results on the OVO-Bench benchmark.", 15, 24)
    ('Dataset', 2)
    >>> presentation_type("We build on ViT-based methods.", 12, 15) is None
    True
    """
    after = text[end : end + 120]
    clause = _CLAUSE_END.split(after, maxsplit=1)[0] if not after.startswith((" (", "(")) else after
    apposition = _APPOSITION.match(after)
    if apposition is not None:
        rest = after[apposition.end() :]
        rest = _CLAUSE_END.split(rest, maxsplit=1)[0]
        cue = _first_cue(_WORD.findall(rest), 6)
        if cue is not None:
            return cue, APPOSITION
    if not after.startswith("-based"):
        # "ToolPrefer-LLaMA (TP-LLaMA) model", "(TP-LLaMA) model": the head noun comes after the
        # bracket of an abbreviation
        bracket = _ABBREVIATION_BRACKET.match(after)
        if bracket is not None:
            clause = _CLAUSE_END.split(after[bracket.end() :], maxsplit=1)[0]
            if _VERB_THEN_OBJECT.match(clause):  # "A Bayesian network (BN) models the joint distribution"
                clause = ""
        head = _WORD.match(clause.lstrip(" -"))
        if head is not None and head.group().lower() in CUES and clause[:1] in (" ", "-"):
            return CUES[head.group().lower()], HEAD_NOUN
    before = text[max(0, start - 60) : start]
    before = _CLAUSE_END.split(before)[-1]
    words = _WORD.findall(before)
    verb = len(words) - 1 - (bool(words) and words[-1].lower() in _PRONOUNS)  # "we call it X"
    if verb >= 0 and words[verb].lower() in _NAMING_VERBS:  # "Our model, which we call X": a definition
        cue = _first_cue(reversed(words[max(0, verb - 6) : verb]), 6)
        if cue is not None:
            return cue, APPOSITION
    if _DEFINING_NOUN.search(before):  # "we propose a novel framework, TEMPO": a definition
        cue = CUES.get(words[-1].lower())
        if cue is not None:
            return cue, APPOSITION
    cue = _first_cue(reversed(words[-3:]), 3)
    if cue is not None:
        return cue, BEFORE
    return None


def name_types(
    text: str,
    mentions: Sequence[tuple[int, int, str]],
    *,
    keep: frozenset[str] = frozenset(),
    kinds: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """Vote one type per coined name from its occurrences in ``text``.

    Parameters
    ----------
    text : str
        The doc's text.
    mentions : sequence of (start, end, label)
        Occurrences of coined names (and their current labels, which vote too).
    keep : frozenset of str
        Surfaces whose type is settled elsewhere (the gazetteer): never re-typed.
    kinds : frozenset of str
        Acronyms the abstract defines by a technique or a task ("Temporal Point Processes
        (TPP)", "Next-Block Prediction (NBP)"): a model word after one of them ("TPP models",
        "the NBP model") names models of that kind, not the acronym, so it does not vote.

    Returns
    -------
    dict
        Surface -> the type every occurrence should get, for names whose vote has a winner.

    Examples
    --------
    >>> t = "TimeX is a new model. TimeX beats others on the ETT benchmark."
    >>> name_types(t, [(0, 5, "Method"), (22, 27, "Method"), (48, 51, "Method")])
    {'TimeX': 'Model', 'ETT': 'Dataset'}
    >>> t = "Next-Block Prediction (NBP) is new. NBP models are fast."
    >>> name_types(t, [(23, 26, "Method"), (36, 39, "Method")], kinds=frozenset(["NBP"]))
    {'NBP': 'Method'}
    """
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    labels: dict[str, set[str]] = defaultdict(set)
    for start, end, label in mentions:
        surface = text[start:end]
        if surface in keep:
            continue
        labels[surface].add(label)  # what the components said counts once per label, not per use
        cue = presentation_type(text, start, end)
        if cue is not None and not (cue == ("Model", HEAD_NOUN) and surface in kinds):
            votes[surface][cue[0]] += cue[1]
    result = {}
    for surface, said in labels.items():
        counts = votes[surface]
        counts.update(dict.fromkeys(said, COMPONENT))
        if _BENCH_SHAPE.search(surface):
            counts["Dataset"] += SHAPE
        elif _NET_SHAPE.match(surface) and "Dataset" not in said:  # not "ConceptNet, a knowledge base"
            counts["Model"] += NET_SHAPE
        ranked = [*counts.most_common(2), ("", 0)]
        if ranked[0][1] > ranked[1][1]:
            result[surface] = ranked[0][0]
    return result
