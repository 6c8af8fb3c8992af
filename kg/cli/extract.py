"""``kg extract`` and ``kg eval``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kg.errors import InputError
from kg.evaluate import SCIERC_LABEL_MAP, format_report, load_gold, predict, score
from kg.extract.pipeline import build_pipeline, extract_papers
from kg.ingest import iter_records
from kg.io import atomic_write
from kg.records import Paper

__all__ = ["eval_command", "extract_command"]


@click.command("extract")
@click.argument("input_file", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output JSONL, one record per input paper.",
)
@click.option("--format", "input_format", default=None, help="Input format (guessed by default).")
@click.option("--mode", type=click.Choice(["full", "rules"]), default="full", show_default=True)
@click.option("-w", "--workers", default=1, show_default=True, help="Extraction processes.")
def extract_command(input_file: Path, output: Path, input_format: str | None, mode: str, workers: int) -> None:
    """Extract typed mentions from the papers in INPUT_FILE.

    Writes one line per input record, in input order, in the gold format:
    {"id", "entities": [{"field", "start", "end", "text", "label", "confidence", "source"}]}.
    Rejected records are reported on stderr with their reason.
    """
    papers: list[Paper] = []
    for item in iter_records(input_file, input_format):
        if isinstance(item, Paper):
            papers.append(item)
        else:
            click.echo(f"kg: rejected {item.source}:{item.line}: {item.reason}", err=True)
    nlp = build_pipeline(mode)  # type: ignore[arg-type]
    with atomic_write(output) as fh:
        for paper, mentions in extract_papers(papers, nlp, n_process=workers):
            ents = [
                {
                    "field": m.field,
                    "start": m.start,
                    "end": m.end,
                    "text": m.text,
                    "label": m.label,
                    "confidence": m.confidence,
                    "source": m.source,
                }
                for m in mentions
            ]
            fh.write(
                json.dumps(
                    {"id": paper.id, "title": paper.title, "abstract": paper.abstract, "entities": ents},
                    ensure_ascii=False,
                )
                + "\n"
            )
    click.echo(f"wrote {len(papers)} records to {output}", err=True)


def _parse_maps(maps: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in maps:
        if "=" not in item:
            raise InputError(f"--map {item!r}: expected PRED=GOLD, e.g. --map Model=Method")
        pred, gold = item.split("=", 1)
        out[pred.strip()] = gold.strip()
    return out


@click.command("eval")
@click.argument("gold_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--pred",
    "pred_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Score these predictions instead of running the extractor.",
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="PRED=GOLD",
    help="Map a predicted label onto a gold label (repeatable). With none given and "
    "SciERC labels in the gold file, the GUIDELINES mapping is used.",
)
@click.option("--labels", default=None, help="Comma-separated gold labels to score (default: all).")
@click.option("--mode", type=click.Choice(["full", "rules"]), default="full", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def eval_command(
    gold_file: Path, pred_file: Path | None, maps: tuple[str, ...], labels: str | None, mode: str, as_json: bool
) -> None:
    """Score the extractor against GOLD_FILE (micro P/R/F1 per label and overall).

    \b
    Example (SciERC dev, the four comparable labels):
      kg eval ../shared/data/scierc/dev.jsonl --map Model=Method --map Dataset=Material \\
          --labels Method,Task,Metric,Material
    """
    gold = load_gold(gold_file)
    pred = load_gold(pred_file) if pred_file else predict(gold, mode)
    label_map = _parse_maps(maps)
    gold_labels = {s[4] for d in gold for s in d.spans}
    if not label_map and "Material" in gold_labels:
        label_map = dict(SCIERC_LABEL_MAP)
    label_list = [x.strip() for x in labels.split(",")] if labels else None
    report = score(gold, pred, label_map=label_map, labels=label_list)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        click.echo(format_report(report))
