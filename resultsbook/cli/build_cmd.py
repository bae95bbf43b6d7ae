"""`build`: collect the spec's sources, then write every output it names."""

from __future__ import annotations

import os
import sys

import click

from resultsbook.cli.collect_cmd import show_problems
from resultsbook.cli.common import (
    config_option,
    handle_errors,
    load_required_spec,
    open_store,
    progress_bar,
    spec_db_option,
)


@click.command("build")
@config_option
@spec_db_option
@click.option(
    "--no-collect", is_flag=True, help="Use the store as it is; do not re-collect the spec's sources."
)
@click.option("--table", "tables", multiple=True, help="Build only this table (repeat for several).")
@click.option(
    "--strict", is_flag=True, help="Camera-ready: exit 1 on statistical findings (they still build)."
)
@click.option("-q", "--quiet", is_flag=True, help="Print only warnings and errors.")
@handle_errors
def build_command(
    config: str | None,
    db_path: str | None,
    no_collect: bool,
    tables: tuple[str, ...],
    strict: bool,
    quiet: bool,
) -> None:
    """Write every table the spec names (LaTeX, Markdown, CSV, JSON), collecting its sources first."""
    from resultsbook.build import build
    from resultsbook.collect import collect

    spec = load_required_spec(config)
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
    label = "Error" if strict else "Warning"
    for warning in result.warnings:
        click.echo(f"{label}: {warning}", err=True)
    if strict and result.findings:
        sys.exit(1)
