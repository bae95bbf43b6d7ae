"""`build`: collect the spec's sources, then write every output it names."""

from __future__ import annotations

import os

import click

from resultsbook.cli.collect_cmd import show_problems
from resultsbook.cli.common import handle_errors, open_store, progress_bar


@click.command("build")
@click.option(
    "--config",
    type=click.Path(dir_okay=False, exists=True),
    help="Spec file [default: nearest resultsbook.toml].",
)
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Store [default: the spec's db].")
@click.option(
    "--no-collect", is_flag=True, help="Use the store as it is; do not re-collect the spec's sources."
)
@click.option("--table", "tables", multiple=True, help="Build only this table (repeat for several).")
@click.option("-q", "--quiet", is_flag=True, help="Print only warnings and errors.")
@handle_errors
def build_command(
    config: str | None, db_path: str | None, no_collect: bool, tables: tuple[str, ...], quiet: bool
) -> None:
    """Write every table the spec names (LaTeX, Markdown, CSV, JSON), collecting its sources first."""
    from resultsbook.build import build
    from resultsbook.collect import collect
    from resultsbook.config import find_spec, load_spec
    from resultsbook.errors import SpecError

    path = config or find_spec()
    if path is None:
        raise SpecError("no resultsbook.toml here or in any parent folder; create one or pass --config FILE")
    spec = load_spec(path)
    with open_store(db_path, create=True, spec=spec) as store:
        if spec.sources and not no_collect:
            with progress_bar("Reading runs") as progress:
                report = collect(store, spec.sources, progress)
            if not quiet:
                click.echo(f"Collected: {report.summary_line()}")
            show_problems(report.problems)
        result = build(spec, store, tables)
    for output in result.written:
        if not quiet:
            click.echo(f"wrote {os.path.relpath(output)}")
    if result.unchanged and not quiet:
        click.echo(f"{len(result.unchanged)} output(s) unchanged")
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
