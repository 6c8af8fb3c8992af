"""The ``kg`` command line: a thin layer over the library.

Each subcommand lives in its own module under :mod:`kg.cli` and only parses
arguments, calls the library and prints. Errors kg raises on purpose
(:class:`kg.errors.KgError`) become one line on stderr and exit status 1.
"""

from __future__ import annotations

import errno
import logging
import sys

import click

from kg.errors import KgError

__all__ = ["main"]


#: Options of ``kg`` itself, which users also put after the subcommand.
_GLOBAL_OPTIONS = frozenset({"-q", "--quiet", "-v", "--verbose", "-vv", "--version"})


class KgGroup(click.Group):
    """A click group that turns :class:`KgError` into a one-line message."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KgError as err:
            click.echo(f"kg: error: {err}", err=True)
            sys.exit(1)
        except OSError as err:  # the system's refusal (stdout on a full disk, /dev/full): said in one line
            if err.errno == errno.EPIPE:  # "| head" stopped reading: nothing to say
                sys.exit(1)
            where = f" ({err.filename})" if err.filename else " (writing the output)"
            click.echo(f"kg: error: {err.strerror or err}{where}", err=True)
            if logging.getLogger().isEnabledFor(logging.DEBUG):
                raise
            sys.exit(1)
        except click.NoSuchOption as err:
            name = err.option_name
            if name in _GLOBAL_OPTIONS:  # "kg build -q ...": say where it goes
                where = f"kg {name} {ctx.invoked_subcommand} ..."
                message = f"No such option {name!r} here: it is kg's own and goes before the command ({where})"
                raise click.UsageError(message, ctx=err.ctx) from None
            raise


@click.group(cls=KgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kg", prog_name="kg")
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="No progress bars, logging or build summary: only errors, results "
    "and the warnings of a build that rejected records or kept none.",
)
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """kg: build a knowledge graph of methods, models, datasets, metrics and tasks
    from research paper titles and abstracts.

    \b
    Typical use:
      kg build data/sample/*.txt -o output     # ingest, extract, resolve, graph, export
      kg stats -d output                       # what the build contains
      kg entity LLM -d output                  # one entity, its aliases and papers
      kg viz "Llama 2" -d output -o llama2.html   # a page of one entity's neighbourhood
      kg query output "SELECT ..."             # SPARQL over the build
      kg serve output                          # SPARQL endpoint on 127.0.0.1
      kg eval gold.jsonl                       # score the extractor against gold spans
    """
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet


# Subcommands register themselves below, one import per module.
# --- commands ---
from kg.cli.build import build_command, stats_command  # noqa: E402
from kg.cli.explore import entity_command, path_command, related_command, viz_command  # noqa: E402
from kg.cli.extract import eval_command, extract_command  # noqa: E402
from kg.cli.rdf import query_command, serve_command, validate_command  # noqa: E402

for _command in (
    build_command,
    extract_command,
    eval_command,
    stats_command,
    entity_command,
    related_command,
    path_command,
    viz_command,
    query_command,
    validate_command,
    serve_command,
):
    main.add_command(_command)
# --- end commands ---
