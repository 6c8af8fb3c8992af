"""``kg build`` and ``kg stats``."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kg.cli.extract import MIN_CONFIDENCE_OPTION, MODE_OPTION, cap_workers, option_given
from kg.errors import ExportError
from kg.extract.modes import Mode
from kg.records import ENTITY_TYPES

if TYPE_CHECKING:
    from kg.knowledge import KnowledgeGraph
    from kg.records import Entity

__all__ = ["build_command", "stats_command"]


@click.command("build")
@click.argument("input_names", metavar="[INPUTS]...", nargs=-1, type=click.Path())
@click.option(
    "-o",
    "--output",
    "outdir_name",
    default="output",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Output directory.",
)
@click.option(
    "--format",
    "input_format",
    default=None,
    help="Input format for all files (pagedump, jsonl, json, csv, arxiv, bibtex); guessed from extensions by default.",
)
@MODE_OPTION
@MIN_CONFIDENCE_OPTION
@click.option(
    "-k",
    "--related",
    "k",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Related papers kept per paper (0: no paper links).",
)
@click.option("--base-iri", default=None, help="Base IRI for minted RDF resources.")
@click.option(
    "--provenance/--no-provenance",
    default=True,
    show_default=True,
    help="Mention-level provenance (Web Annotations) in the RDF.",
)
@click.option("--html/--no-html", default=True, show_default=True, help="Write graph.html.")
@click.option(
    "-w",
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Local processes: for extraction, and with 2+ the RDF export runs beside the other outputs.",
)
@click.option(
    "--dask",
    "dask_address",
    default=None,
    metavar="SCHEDULER_ADDRESS",
    help="Extract on a Dask cluster (e.g. tcp://10.0.0.5:8786) instead of this machine; needs kg[dask].",
)
@click.option(
    "--update",
    "update_dir",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Add INPUTS to the build in this directory (incremental: cached papers are not re-extracted). "
    "It keeps the build's --mode, --min-confidence, -k, --base-iri, --[no-]provenance and --[no-]html "
    "unless given again.",
)
@click.pass_context
def build_command(
    ctx: click.Context,
    input_names: tuple[str, ...],
    outdir_name: str,
    input_format: str | None,
    mode: Mode,
    min_confidence: float,
    k: int,
    base_iri: str | None,
    provenance: bool,
    html: bool,
    workers: int,
    dask_address: str | None,
    update_dir: Path | None,
) -> None:
    """Build a knowledge graph from INPUTS into OUTDIR.

    INPUTS are files of titles and abstracts: web-page dumps (.txt, title line
    then abstract line), JSONL/JSON, CSV, arXiv API Atom XML or BibTeX.
    Duplicates are merged; bad records go to OUTDIR/rejects.jsonl with a reason.

    Writes graph.ttl, graph.nt, graph.jsonld (RDF), graph.graphml (Gephi),
    graph.html (interactive, offline), graph.json (for kg.load), entities.csv,
    mentions.jsonl, report.json, rejects.jsonl and manifest.json (what
    --update starts from).

    \b
    Examples:
      kg build data/sample/*.txt -o output
      kg build --update output new-papers.jsonl     # add papers to an existing build
      kg build papers.jsonl --dask tcp://10.0.0.5:8786   # extract on a Dask cluster
    """
    from kg.builder import BuildOptions, build, previous_settings, require_build, update_inputs
    from kg.outputs import locked_output_dir

    # As typed: an empty name would be the working directory ("-o ''" wrote the build there).
    if not outdir_name:
        raise click.BadParameter("is empty; name the output directory, e.g. -o output", param_hint="-o")
    if "" in input_names:
        raise click.BadParameter("an input is an empty path; check for an unset shell variable", param_hint="INPUTS")
    if dask_address is not None and not dask_address.strip():  # "--dask $SCHEDULER" with the variable unset
        raise click.BadParameter(
            "is empty; give the scheduler's address, e.g. --dask tcp://10.0.0.5:8786", param_hint="--dask"
        )
    inputs, outdir = tuple(map(Path, input_names)), Path(outdir_name)
    input_format = input_format.lower() if input_format else None
    workers = cap_workers(workers)
    quiet = bool(ctx.obj and ctx.obj.get("quiet"))
    if not inputs and update_dir is None:
        raise click.UsageError("give at least one input file (or --update DIR to rebuild an existing build)")
    if update_dir is not None:
        if option_given(ctx, "outdir_name") and outdir.resolve() != update_dir.resolve():
            raise click.UsageError(f"--update writes into {update_dir}; leave out -o {outdir} (or make it the same)")
        outdir = update_dir
    with contextlib.ExitStack() as stack:
        previous_format = None
        if update_dir is not None:
            # Under the build's lock, after a killed build's outputs are moved in: its manifest is the one
            # to update (read before, it was the build before it), and no other build can change it.
            require_build(update_dir)  # first: a directory holding no build is not locked, made or cleaned
            stack.enter_context(locked_output_dir(update_dir))
            previous = previous_settings(update_dir)  # the build as it was, unless told otherwise
            mode = mode if option_given(ctx, "mode") else previous.get("mode", mode)
            min_confidence = (
                min_confidence if option_given(ctx, "min_confidence") else previous.get("min_confidence", 0.0)
            )
            k = k if option_given(ctx, "k") else previous.get("k", k)
            base_iri = base_iri if option_given(ctx, "base_iri") else previous.get("base_iri", base_iri)
            provenance = provenance if option_given(ctx, "provenance") else previous.get("provenance", True)
            html = html if option_given(ctx, "html") else previous.get("html", True)
            max_df = previous.get("max_df", BuildOptions().max_df)
            inputs_now, previous_format = update_inputs(update_dir, inputs)
            inputs = tuple(inputs_now)
        else:
            max_df = BuildOptions().max_df
        if base_iri is not None:  # before any work: a bad base used to be refused only after extraction
            from kg.rdf.iri import check_base_iri

            check_base_iri(base_iri)
        options = BuildOptions(
            mode=mode,
            k=k,
            base_iri=base_iri,
            provenance=provenance,
            html=html,
            workers=workers,
            progress=not quiet,
            dask=dask_address,
            min_confidence=min_confidence,
            max_df=max_df,
        )
        result = build(inputs, outdir, format=input_format or previous_format, options=options)
    papers = result.report["papers"]
    if not quiet:
        _print_summary(result.report, outdir, min_confidence, len(result.files))
    if papers["rejected"]:
        click.echo(f"see {outdir}/rejects.jsonl for the {papers['rejected']} rejected records", err=True)
    if not papers["kept"]:
        click.echo("kg: warning: no paper was kept, so the graph is empty; check the inputs and --format", err=True)


def _print_summary(report: dict[str, Any], outdir: Path, min_confidence: float | None, files: int) -> None:
    """The summary ``kg build`` prints on standard output when it is done (not under ``kg -q``)."""
    papers = report["papers"]
    click.echo(
        f"{papers['kept']} papers ({papers['read']} records read, {papers['merged']} duplicates merged, "
        f"{papers['rejected']} rejected)"
    )
    ents = report["entities"]
    click.echo(
        f"{ents['total']} entities: "
        + ", ".join(f"{ents[t]} {t}" for t in ("Method", "Model", "Dataset", "Metric", "Task"))
    )
    dropped = report["mentions"]["below_min_confidence"]
    left_out = f" ({dropped} below --min-confidence {min_confidence} left out)" if dropped else ""
    click.echo(
        f"{report['mentions']['total']} mentions{left_out}; "
        + ", ".join(f"{n} {r}" for r, n in report["edges"].items())
    )
    click.echo(f"wrote {files} files to {outdir}/")


@click.command("stats")
@click.argument("outdir_arg", metavar="[OUTDIR]", required=False, type=click.Path(path_type=Path))
@click.option(
    "-d",
    "--dir",
    "outdir_opt",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Build directory (as for kg entity, related and path; or give it as OUTDIR)  [default: output]",
)
@click.option(
    "--json", "as_json", is_flag=True, help='Print JSON: {"report": the build report, "graph": node and edge counts}.'
)
@click.option(
    "-n", "--top", type=click.IntRange(min=1), default=10, show_default=True, help="Top entities listed per type."
)
def stats_command(outdir_arg: Path | None, outdir_opt: Path | None, as_json: bool, top: int) -> None:
    """Summarise a build: counts by type and the most frequent entities.

    An entity's count is the papers mentioning it; a family's also says how many
    mention it or one of its variants ("Llama 2 (4; 10 with variants)").

    \b
    Examples:
      kg stats -d output -n 5
      kg stats output --json
    """
    if outdir_arg is not None and outdir_opt is not None and outdir_arg != outdir_opt:
        raise click.UsageError(f"two build directories given ({outdir_arg} and -d {outdir_opt}): give one")
    outdir = outdir_opt or outdir_arg or Path("output")
    from kg.graph import read_graph
    from kg.knowledge import KnowledgeGraph

    report_file = outdir / "report.json"
    graph = KnowledgeGraph(read_graph(outdir))
    if as_json:
        try:
            report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.exists() else {}
        except (OSError, ValueError) as err:  # cut short or not JSON: as a damaged graph.json is said
            raise ExportError(f"{report_file}: cannot be read ({err}); rebuild with kg build") from err
        top_entities = {etype: [_entity_json(graph, e) for e in graph.entities(etype)[:top]] for etype in ENTITY_TYPES}
        click.echo(json.dumps({"report": report, "graph": graph.stats(), "top": top_entities}, indent=2))
        return
    st = graph.stats()
    click.echo("nodes: " + (", ".join(f"{n} {k}" for k, n in st["nodes"].items()) or "none"))
    click.echo("edges: " + (", ".join(f"{n} {k}" for k, n in st["edges"].items()) or "none"))
    for etype in ENTITY_TYPES:
        ents = graph.entities(etype)[:top]
        if ents:
            click.echo(f"\ntop {etype}: " + "; ".join(_entity_count(graph, e) for e in ents))


def _entity_json(graph: KnowledgeGraph, entity: Entity) -> dict[str, Any]:
    """An entity of ``kg stats --json``'s top lists: what the text shows, as fields."""
    total = len(graph.papers_with(entity)) if graph.variants(entity) else entity.paper_count
    return {"id": entity.id, "label": entity.label, "papers": entity.paper_count, "papers_with_variants": total}


def _entity_count(graph: KnowledgeGraph, entity: Entity) -> str:
    """``label (papers)``, and a family's papers with its variants' if more: ``Llama 2 (4; 10 with variants)``."""
    total = len(graph.papers_with(entity)) if graph.variants(entity) else entity.paper_count
    more = f"; {total} with variants" if total != entity.paper_count else ""
    return f"{entity.label} ({entity.paper_count}{more})"
