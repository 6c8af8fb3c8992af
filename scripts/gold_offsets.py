"""Turn string-level annotations into a gold JSONL file with character offsets.

Annotators write what they mark, not where: one JSON object per paper::

    {"id": "002_2fb7f3887bc14d24.txt:23",
     "mentions": [{"field": "abstract", "text": "video depth", "label": "Task"},
                  {"field": "title", "text": "DepthCrafter", "label": "Model"},
                  {"field": "abstract", "text": "SVD", "label": "Model", "occ": [1]}]}

and this script finds the offsets, with the rules of ``tests/data/gold/ANNOTATION_NOTES.md``:

* a match must sit on word boundaries (no letter or digit right before or after it);
* matches inside URLs are skipped;
* ``occ`` (0-based indices among the field's matches) selects occurrences; without it, every
  occurrence is a mention;
* where spans overlap, the longer one is kept (ties: the earlier, then the one listed first).

Usage::

    python scripts/gold_offsets.py PAPERS.jsonl ANNOTATIONS.jsonl -o GOLD.jsonl

``PAPERS.jsonl`` holds ``{"id", "title", "abstract"}``; every paper in it must be annotated
(an empty ``mentions`` list is fine). Problems (text not found, an ``occ`` index out of range,
the same span with two labels) are printed and make the script exit with status 1, so a gold
file is only written when every annotation was placed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

LABELS = frozenset({"Method", "Model", "Dataset", "Metric", "Task"})
FIELDS = ("title", "abstract")
_URL = re.compile(r"(?:https?://|www\.|github\.com/)\S+")


def occurrences(text: str, needle: str) -> list[tuple[int, int]]:
    """Word-bounded, non-URL occurrences of ``needle`` in ``text``."""
    urls = [m.span() for m in _URL.finditer(text)]
    spans = []
    for m in re.finditer(re.escape(needle), text):
        s, e = m.span()
        if s > 0 and text[s - 1].isalnum():
            continue
        if e < len(text) and text[e].isalnum():
            continue
        if any(us <= s < ue for us, ue in urls):
            continue
        spans.append((s, e))
    return spans


def place(paper: dict[str, Any], mentions: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """Offsets for one paper's mentions; returns (entities, problems)."""
    problems: list[str] = []
    candidates: list[tuple[int, int, int, int, str, str]] = []  # field idx, start, end, order, label, text
    for order, m in enumerate(mentions):
        field, text, label = m.get("field", "abstract"), m.get("text", ""), m.get("label")
        if field not in FIELDS or label not in LABELS or not text or text != text.strip():
            problems.append(f"{paper['id']}: bad mention {m}")
            continue
        found = occurrences(paper[field], text)
        if not found:
            problems.append(f"{paper['id']}: {text!r} not found in {field}")
            continue
        chosen = found
        if "occ" in m:
            try:
                chosen = [found[i] for i in m["occ"]]
            except (IndexError, TypeError):
                problems.append(f"{paper['id']}: {text!r} occ {m['occ']} but {len(found)} occurrences")
                continue
        candidates.extend((FIELDS.index(field), s, e, order, label, text) for s, e in chosen)
    labels_at: dict[tuple[int, int, int], set[str]] = {}
    for f, s, e, _, label, _ in candidates:
        labels_at.setdefault((f, s, e), set()).add(label)
    for (f, s, e), labels in labels_at.items():
        if len(labels) > 1:
            problems.append(f"{paper['id']}: {paper[FIELDS[f]][s:e]!r} has labels {sorted(labels)}")
    kept: list[tuple[int, int, int, int, str, str]] = []
    for cand in sorted(candidates, key=lambda c: (-(c[2] - c[1]), c[0], c[1], c[3])):
        if all(k[0] != cand[0] or cand[2] <= k[1] or k[2] <= cand[1] for k in kept):
            kept.append(cand)
    kept.sort(key=lambda c: (c[0], c[1]))
    entities = [
        {"field": FIELDS[f], "start": s, "end": e, "text": paper[FIELDS[f]][s:e], "label": label}
        for f, s, e, _, label, _ in kept
    ]
    return entities, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("papers", type=Path)
    parser.add_argument("annotations", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    papers = [json.loads(line) for line in args.papers.read_text(encoding="utf-8").splitlines() if line.strip()]
    notes = {}
    for line in args.annotations.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            notes[row["id"]] = row.get("mentions", [])
    problems: list[str] = []
    rows = []
    for paper in papers:
        if paper["id"] not in notes:
            problems.append(f"{paper['id']}: not annotated")
            continue
        entities, found = place(paper, notes[paper["id"]])
        problems.extend(found)
        rows.append({"id": paper["id"], "title": paper["title"], "abstract": paper["abstract"], "entities": entities})
    extra = set(notes) - {p["id"] for p in papers}
    problems.extend(f"{i}: annotated but not in {args.papers}" for i in sorted(extra))
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problems; nothing written", file=sys.stderr)
        return 1
    args.output.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {len(rows)} papers, {sum(len(r['entities']) for r in rows)} mentions to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
