"""``kg entity``, ``kg related`` and ``kg path``: walk a build from the shell."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from kg.errors import NotFoundError
from kg.records import Entity, Paper

if TYPE_CHECKING:
    from kg.knowledge import KnowledgeGraph

__all__ = ["entity_command", "path_command", "related_command", "viz_command"]

_DIR = click.option(
    "-d",
    "--dir",
    "outdir",
    default="output",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Build directory.",
)


def _load(outdir: Path) -> KnowledgeGraph:
    from kg.knowledge import KnowledgeGraph  # networkx loads only for the commands reading a build

    return KnowledgeGraph.load(outdir)


@click.command("entity")
@click.argument("name")
@_DIR
@click.option(
    "-n",
    "--top",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="How many papers and co-occurring entities.",
)
def entity_command(name: str, outdir: Path, top: int) -> None:
    """Show an entity: type, aliases, variants, papers and top co-occurring entities.

    NAME is a label, alias or id, e.g. `kg entity LLM` or `kg entity "Llama 2"`.
    A family (e.g. "Qwen2.5") lists its variants, and its papers include the
    variants' papers, marked "[via VARIANT]"; its mention and paper counts are
    its own, and co-occurring entities are those of its own papers.

    \b
    Examples:
      kg entity LLMs -d output
      kg entity "llama 2 7b" -d output -n 5
    """
    graph = _load(outdir)
    try:
        e = graph.entity(name)
    except NotFoundError as err:
        raise NotFoundError(f"{err} (`kg stats -d {outdir}` lists the most frequent entities)") from None
    click.echo(f"{e.label}  [{e.type}]  id={e.id}")
    others = [x for x in graph.entities_named(name) if x.id != e.id] if name != e.id else []
    if others:  # an acronym with several senses: this is the one in most papers
        click.echo(
            f"  also named {name!r} (pass the id): "
            + "; ".join(f"{x.id} ({', '.join(x.aliases[:2]) or x.label}; {_papers(x.paper_count)})" for x in others)
        )
    click.echo(f"  aliases: {', '.join(e.aliases) or '-'}")
    variants = graph.variants(e)
    papers = graph.papers_with(e)  # with its variants' papers
    own = {p.id for p in graph.papers_with(e, variants=False)}
    counts = f"  {e.mention_count} mention{'s' * (e.mention_count != 1)} in {_papers(e.paper_count)}"
    if variants:
        counts += f" of its own; {_papers(len(papers))} with its {len(variants)} variant{'s' * (len(variants) != 1)}"
    click.echo(counts)
    if e.variant_of:
        click.echo(f"  variant of: {graph.entity(e.variant_of).label}")
    if variants:
        click.echo(f"  variants ({len(variants)}): " + "; ".join(_variant_count(graph, v) for v in variants))
    if len(e.type_votes) > 1:
        click.echo("  type votes: " + ", ".join(f"{t} {n}" for t, n in e.type_votes))
    through = [p for p in papers if p.id not in own]
    click.echo(f"  papers ({len(papers)}" + (f", {len(through)} only through its variants" if through else "") + "):")
    by_variant = {v.label: {p.id for p in graph.papers_with(v, variants=False)} for v in variants} if through else {}
    for p in sorted(papers, key=lambda p: p.id not in own)[:top]:  # its own papers first
        via = [label for label, ids in by_variant.items() if p.id in ids] if p.id not in own else []
        click.echo(f"    {p.id}  {p.title}" + (f"  [via {', '.join(via)}]" if via else ""))
    co = graph.co_occurring(e)[:top]
    if co:
        click.echo("  co-occurring: " + "; ".join(f"{x.label} [{x.type}] ({n})" for x, n in co))


def _variant_count(graph: KnowledgeGraph, variant: Entity) -> str:
    """A variant's label and papers (and with its own variants', if that is more: "Llama 2-Chat")."""
    total = len(graph.papers_with(variant)) if graph.variants(variant) else variant.paper_count
    more = f", {total} with its variants" if total != variant.paper_count else ""
    return f"{variant.label} ({_papers(variant.paper_count)}{more})"


def _papers(n: int) -> str:
    return f"{n} paper{'s' * (n != 1)}"


@click.command("related")
@click.argument("paper")
@_DIR
@click.option("-k", type=click.IntRange(min=1), default=10, show_default=True, help="How many related papers.")
def related_command(paper: str, outdir: Path, k: int) -> None:
    """Papers related to PAPER (an id or a title substring), with the entities they share.

    Papers are related by the entities they share, a rare one counting more than a
    common one (IDF weights).

    \b
    Examples:
      kg related FlashAttention -d output -k 5
      kg related "title:00021551061bb8b9" -d output
    """
    graph = _load(outdir)
    p = graph.paper(paper)
    click.echo(f"{p.title}  ({p.id})")
    related = graph.related_papers(p, k=k)
    if not related:
        click.echo("  no related papers (it shares no informative entity with another paper)")
    for r in related:
        click.echo(f"  {r.weight:6.2f}  {r.paper.title}")
        click.echo(f"          shares: {', '.join(e.label for e in r.shared)}")


def _describe(node: Paper | Entity) -> str:
    if isinstance(node, Paper):
        return f"[Paper] {node.title}"
    return f"[{node.type}] {node.label}"


@click.command("path")
@click.argument("a")
@click.argument("b")
@_DIR
def path_command(a: str, b: str, outdir: Path) -> None:
    """A shortest path between A and B (entity names/aliases, paper ids or title substrings).

    Exits 1, saying so on stderr, when no path joins them.

    \b
    Examples:
      kg path FlashAttention GSM8K -d output
      kg path "Llama-2 7B" ImageNet -d output
    """
    graph = _load(outdir)
    nodes = graph.path(a, b)
    if not nodes:
        click.echo(f"kg: no path between {a!r} and {b!r}", err=True)
        raise SystemExit(1)
    for i, node in enumerate(nodes):
        click.echo(("  " * i) + ("-> " if i else "") + _describe(node))


@click.command("viz")
@click.argument("focus", required=False)
@_DIR
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML file to write  [default: OUTDIR/view.html]",
)
@click.option("--depth", type=click.IntRange(min=1), default=1, show_default=True, help="Steps around FOCUS.")
@click.option("--types", help="Node types to draw, comma-separated (Paper, Method, Model, Dataset, Metric, Task).")
@click.option(
    "--min-papers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Leave out entities in fewer papers (a family counts its variants').",
)
@click.option(
    "--max-nodes", type=click.IntRange(min=1), default=600, show_default=True, help="Node budget of the page."
)
@click.option("--similarity", is_flag=True, help="Draw the links between related papers too.")
def viz_command(
    focus: str | None,
    outdir: Path,
    output: Path | None,
    depth: int,
    types: str | None,
    min_papers: int,
    max_nodes: int,
    similarity: bool,
) -> None:
    """Draw a page of the build: the neighbourhood of FOCUS, or an overview.

    FOCUS is an entity (label, alias or id) or a paper (id or title substring);
    without it the page is an overview like the build's graph.html, with the
    filters given here. The page is one offline HTML file, as graph.html is.

    \b
    Examples:
      kg viz "Llama 2" -d output -o llama2.html          # Llama 2, its papers, variants and neighbours
      kg viz FlashAttention -d output --depth 2 --types Paper,Model,Dataset
      kg viz -d output --types Dataset,Task --min-papers 3 -o datasets.html
    """
    from kg.viz import render_html

    graph = _load(outdir)
    node = graph.node(focus) if focus is not None else None
    wanted = [t.strip() for t in types.split(",") if t.strip()] if types else None
    out = output if output is not None else outdir / "view.html"
    summary = render_html(
        graph.to_networkx(),
        out,
        focus=node,
        depth=depth,
        types=wanted,
        min_papers=min_papers,
        max_nodes=max_nodes,
        show_similarity=similarity,
        title=f"kg: {focus}" if focus is not None else "kg",
    )
    around = f" around {node}" if node is not None else ""
    click.echo(
        f"wrote {out}: {summary.nodes_shown:,} of {summary.nodes_total:,} nodes{around}, {summary.edges_shown:,} edges"
    )
