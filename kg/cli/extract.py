"""``kg extract`` and ``kg eval``."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click

from kg.errors import ExportError, InputError
from kg.evaluate import (
    SCIERC_LABEL_MAP,
    SCIERC_SCORED,
    GoldDoc,
    align_predictions,
    confidence_curve,
    format_curve,
    format_report,
    load_gold,
    predict,
    score,
    verbatim_mentions,
)
from kg.extract.modes import MODES, Mode
from kg.ingest import iter_raw_records
from kg.ingest.records import make_paper
from kg.ingest.text import source_name, without_surrogates
from kg.io import atomic_write
from kg.records import ENTITY_TYPES, Paper, Reject

__all__ = ["cap_workers", "check_writable", "eval_command", "extract_command"]

#: The extraction mode, shared by ``kg extract``, ``kg eval`` and ``kg build``.
MODE_OPTION = click.option(
    "--mode",
    type=click.Choice(MODES),
    default=MODES[0],
    show_default=True,
    help="full = trained NER + rules; names = only name-like NER spans; rules = no NER (fast).",
)

_MIN_CONFIDENCE_HELP = (
    "Leave out mentions below this confidence. In full mode a confidence is the estimated "
    "probability that the mention is right (0.3 trades recall for precision; see the README)."
)


def option_given(ctx: click.Context, name: str) -> bool:
    """Whether option ``name`` was given on the command line (not its default)."""
    return ctx.get_parameter_source(name) not in (None, click.core.ParameterSource.DEFAULT)


def cap_workers(workers: int) -> int:
    """``workers``, at most this machine's CPUs (with a warning): each worker holds a pipeline, and
    thousands of them ran the machine out of memory for nothing, extraction being CPU-bound."""
    cpus = os.cpu_count() or 1
    if workers > cpus:
        click.echo(f"kg: warning: --workers {workers} is more than this machine's {cpus} CPUs; using {cpus}", err=True)
        return cpus
    return workers


#: Shared by ``kg extract``, ``kg eval`` and ``kg build``.
MIN_CONFIDENCE_OPTION = click.option(
    "--min-confidence", type=click.FloatRange(0.0, 1.0), default=0.0, show_default=True, help=_MIN_CONFIDENCE_HELP
)


@click.command("extract")
@click.argument("input_file", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "output_name",
    required=True,
    type=click.Path(allow_dash=True),  # as typed (Path drops a final "/"); a directory is refused in one line
    help="Output JSONL, one record per input paper ('-': standard output).",
)
@click.option("--format", "input_format", default=None, help="Input format (guessed by default).")
@MODE_OPTION
@MIN_CONFIDENCE_OPTION
@click.option("-w", "--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Extraction processes.")
def extract_command(
    input_file: Path, output_name: str, input_format: str | None, mode: Mode, min_confidence: float, workers: int
) -> None:
    """Extract typed mentions from the papers in INPUT_FILE.

    Reads INPUT_FILE as kg build does (any input format). Writes one line per
    input record, in input order, in the gold format: {"id", "title", "abstract",
    "entities": [{"field", "start", "end", "text", "label", "confidence", "source",
    "sentence"}]} (and "long_form" for an abbreviation),
    with the record's title and abstract as they were in the input and offsets into
    them (so the output scores against a gold file with kg eval --pred). A record
    whose title and abstract are both empty gets an empty list. A record that cannot
    be read is reported on stderr with its reason and keeps its line in the output:
    {"id" (the record's, or null), "error", "line", "entities": []}, which kg eval
    skips.

    \b
    Examples:
      kg extract papers.jsonl -o mentions.jsonl
      kg extract ../shared/data/scierc/dev.jsonl --mode rules -o pred.jsonl
      kg eval ../shared/data/scierc/dev.jsonl --pred pred.jsonl
    """
    from kg.extract.pipeline import build_pipeline, extract_papers  # spaCy loads only for the commands using it

    workers = cap_workers(workers)
    input_format = input_format.lower() if input_format else None
    to_stdout = output_name == "-"
    output = Path(output_name)
    if not to_stdout:
        if not output_name or output_name.endswith(("/", os.sep)):
            raise ExportError(f"-o {output_name!r} names no file; give a file name, e.g. -o mentions.jsonl")
        check_writable(output)
        if output.exists() and input_file.exists() and output.samefile(input_file):
            raise ExportError(f"-o {output} is the input file; it would be overwritten, give another name")
    items = list(_records(input_file, input_format))
    papers = [item[0] for item in items if isinstance(item[0], Paper)]
    nlp = build_pipeline(mode)
    found = extract_papers(papers, nlp, n_process=workers, min_confidence=min_confidence)
    extracted = dict(enumerate(m for _, m in found))
    try:
        with contextlib.nullcontext(sys.stdout) if to_stdout else atomic_write(output) as fh:
            done = 0
            for item in items:
                if isinstance(item[0], Reject):
                    reject, record_id = item
                    click.echo(f"kg: rejected {reject.source}:{reject.line}: {reject.reason}", err=True)
                    row: dict[str, object] = {"id": record_id, "error": reject.reason, "line": reject.line}
                    row["entities"] = []
                else:
                    paper, title, abstract = item
                    mentions = verbatim_mentions(extracted[done], title, abstract)
                    done += 1
                    row = {
                        "id": paper.record_id or paper.id,
                        "title": title,
                        "abstract": abstract,
                        "entities": [m.to_gold() for m in mentions],
                    }
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    except OSError as err:
        raise ExportError(f"cannot write {output}: {err.strerror or err}") from err
    records = f"{len(items)} record{'' if len(items) == 1 else 's'}"
    click.echo(f"wrote {records} to {'standard output' if to_stdout else output}", err=True)


def check_writable(output: Path) -> None:
    """Raise :class:`ExportError` unless a file can be written at ``output`` (its folder may not exist yet).

    Checked before the work that produces the file, so a wrong ``-o`` fails at once.
    """
    if output.is_dir():
        raise ExportError(f"{output}: is a directory; give a file name for -o (e.g. {output}/mentions.jsonl)")
    folder = output.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise ExportError(f"cannot write {output}: {folder} is a file, not a directory")
    try:
        fd, probe = tempfile.mkstemp(prefix=".kg-probe-", dir=folder)
    except OSError as err:
        raise ExportError(f"cannot write {output}: {err.strerror or err} in {folder}") from err
    os.close(fd)
    os.unlink(probe)


def _records(path: Path, input_format: str | None) -> Iterator[tuple[Reject, str | None] | tuple[Paper, str, str]]:
    """Input records in order, read as ``kg build`` reads them: a Reject with the record's own id (``None``
    when it had none or could not be read), or a Paper with its input title and abstract.

    Records with an empty or missing title or abstract are kept (their fields are ``""``),
    so every record of a gold file gets its line.
    """
    where = source_name(path)  # the name as outputs can hold it
    for item in iter_raw_records(path, input_format):
        if isinstance(item, Reject):
            yield item, None
            continue
        paper = make_paper(item.fields, where, item.line, keep_empty=True)
        if isinstance(paper, Reject):
            record_id = item.fields.get("id")
            yield paper, str(record_id) if isinstance(record_id, str | int) and record_id != "" else None
            continue
        title, abstract = item.fields.get("title"), item.fields.get("abstract")
        # echoed as read, but a lone surrogate (one for one, so offsets hold) cannot be written as UTF-8
        yield (
            paper,
            without_surrogates(title) if isinstance(title, str) else paper.title,
            without_surrogates(abstract) if isinstance(abstract, str) else paper.abstract,
        )


def _warn_unmatched_ids(gold: list[GoldDoc], pred: list[GoldDoc], gold_file: Path, pred_file: Path) -> None:
    """Say so on stderr when predictions and gold do not share their paper ids (scores are per id)."""
    gold_ids, pred_ids = {d.id for d in gold}, {d.id for d in pred}
    if not gold_ids & pred_ids:
        click.echo(
            f"kg: warning: no id of {pred_file} is in {gold_file}, so nothing can match and every score is 0; "
            "the prediction file needs the gold file's ids (as id, or as record_id like a build's mentions.jsonl)",
            err=True,
        )
        return
    missing, extra = len(gold_ids - pred_ids), len(pred_ids - gold_ids)
    if missing:
        click.echo(
            f"kg: warning: {missing} gold papers have no prediction in {pred_file}; they count as missed", err=True
        )
    if extra:
        click.echo(f"kg: warning: {extra} predicted papers are not in {gold_file}; they are not scored", err=True)


def _parse_maps(maps: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in maps:
        if "=" not in item:
            raise click.UsageError(f"--map {item!r}: expected PRED=GOLD, e.g. --map Model=Method")
        pred, gold = (part.strip() for part in item.split("=", 1))
        if not pred or not gold:
            raise click.UsageError(f"--map {item!r}: expected PRED=GOLD with both labels, e.g. --map Model=Method")
        if pred in out and out[pred] != gold:
            raise click.UsageError(f"--map {pred}: given twice ({pred}={out[pred]} and {item}); map each label once")
        out[pred] = gold
    return out


def _check_maps(label_map: dict[str, str], pred_labels: set[str], gold_labels: set[str], where: str) -> None:
    """Refuse a ``--map`` whose predicted label no prediction can have, or whose gold label the gold lacks:
    a typo would drop that label's predictions from every score without a word."""
    for pred, gold in sorted(label_map.items()):
        if pred not in pred_labels:
            raise click.UsageError(
                f"--map {pred}={gold}: {pred} is not a label of {where} ({', '.join(sorted(pred_labels))})"
            )
        if gold not in gold_labels:
            raise click.UsageError(
                f"--map {pred}={gold}: {gold} is not a label of the gold file ({', '.join(sorted(gold_labels))})"
            )


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
@click.option(
    "--labels",
    default=None,
    help="Comma-separated gold labels to score (default: every label of the gold file and of the "
    "mapped predictions; with SciERC labels, the four GUIDELINES.md compares).",
)
@MODE_OPTION
@MIN_CONFIDENCE_OPTION
@click.option(
    "--curve",
    is_flag=True,
    help="Score every --min-confidence from 0 to 0.9 (one extraction), to choose a threshold.",
)
@click.option("-w", "--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Extraction processes.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def eval_command(
    gold_file: Path,
    pred_file: Path | None,
    maps: tuple[str, ...],
    labels: str | None,
    mode: Mode,
    min_confidence: float,
    curve: bool,
    workers: int,
    as_json: bool,
) -> None:
    """Score the extractor against GOLD_FILE (micro P/R/F1 per label and overall).

    \b
    Example (SciERC dev, the four comparable labels):
      kg eval ../shared/data/scierc/dev.jsonl --map Model=Method --map Dataset=Material \\
          --labels Method,Task,Metric,Material
    """
    if pred_file and (min_confidence or curve):
        raise click.UsageError(
            "--min-confidence and --curve filter the extractor's mentions; they do not apply to --pred"
        )
    if pred_file:
        given = [f"--{name}" for name in ("mode", "workers") if option_given(click.get_current_context(), name)]
        if given:
            raise click.UsageError(f"{' and '.join(given)} choose how the extractor runs; they do not apply to --pred")
    if curve and min_confidence:
        raise click.UsageError("--curve scores every threshold; leave out --min-confidence")
    workers = cap_workers(workers)
    label_map = _parse_maps(maps)
    user_maps = bool(label_map)  # the user's own maps; the SciERC default below needs no check
    label_list = [x.strip() for x in labels.split(",") if x.strip()] if labels is not None else None
    if label_list == []:
        raise click.UsageError(f"--labels {labels!r} names no label; e.g. --labels Method,Task")
    gold = load_gold(gold_file)
    gold_labels = {s[4] for d in gold for s in d.spans}
    if not gold_labels:
        raise InputError(f"{gold_file}: no gold spans (each line needs 'entities'); is this a gold file?")
    pred: list[GoldDoc] | None = None
    if pred_file:  # matched by id or record_id (a build's mentions.jsonl), offsets moved onto the gold text
        pred = align_predictions(gold, load_gold(pred_file))
        _warn_unmatched_ids(gold, pred, gold_file, pred_file)
    pred_labels = {s[4] for d in pred for s in d.spans} | set(ENTITY_TYPES) if pred is not None else set(ENTITY_TYPES)
    defaults = []
    if "Material" in gold_labels:  # SciERC's labels (SciREX's too): GUIDELINES.md's mapping and four labels
        if not label_map:
            label_map = dict(SCIERC_LABEL_MAP)
            defaults.append(f"mapping {', '.join(f'{k}->{v}' for k, v in label_map.items())}")
        if label_list is None:
            label_list = list(SCIERC_SCORED)
            defaults.append(f"scoring {', '.join(label_list)}")
    if user_maps:
        _check_maps(label_map, pred_labels, gold_labels, str(pred_file) if pred_file else "kg's types")
    scorable = gold_labels | {label_map.get(label, label) for label in pred_labels}
    unknown = sorted(set(label_list or ()) - scorable)
    if unknown:  # a typo, or a label mapped away, would score an empty row of zeros
        hints = [f"{k} is mapped onto {v}" for k, v in sorted(label_map.items()) if k in unknown]
        raise click.UsageError(
            f"--labels {', '.join(unknown)}: no gold span or mapped prediction has it "
            f"(labels to score: {', '.join(sorted(scorable))})" + (f"; {'; '.join(hints)}" if hints else "")
        )
    if defaults and not as_json:
        click.echo(f"SciERC labels: {', '.join(defaults)} (GUIDELINES.md)")
    if curve:
        points = confidence_curve(gold, mode, label_map=label_map, labels=label_list, n_process=workers)
        if as_json:
            click.echo(json.dumps([{"min_confidence": t, **r.as_dict()} for t, r in points], indent=2))
        else:
            click.echo(format_curve(points))
        return
    if pred is None:
        pred = predict(gold, mode, n_process=workers, min_confidence=min_confidence)
    report = score(gold, pred, label_map=label_map, labels=label_list)
    if label_list is None and not as_json:
        extra = sorted(set(report.labels) - gold_labels)
        if extra:
            click.echo(
                f"kg: note: the gold file has no {', '.join(extra)}; predictions of "
                f"{'that label' if len(extra) == 1 else 'those labels'} count as wrong (choose labels with --labels)",
                err=True,
            )
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        click.echo(format_report(report))
