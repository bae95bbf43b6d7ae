"""`build`: collect the spec's sources, then write every output it names."""

from __future__ import annotations

import os
import sys

import click

from resultsbook.cli.common import (
    config_option,
    handle_errors,
    no_collect_option,
    quiet_option,
    spec_and_store,
    spec_db_option,
    verbose_option,
)


@click.command("build")
@config_option
@spec_db_option
@no_collect_option
@click.option("--table", "tables", multiple=True, help="Build only this table (repeat for several).")
@click.option(
    "--strict", is_flag=True, help="Camera-ready: exit 1 on statistical findings (they still build)."
)
@quiet_option
@verbose_option
@handle_errors
def build_command(
    config: str | None,
    db_path: str | None,
    no_collect: bool,
    tables: tuple[str, ...],
    strict: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Write every table the spec names (LaTeX, Markdown, CSV, JSON), collecting its sources first."""
    from resultsbook.outputs.build import build, finding_lines

    with spec_and_store(config, db_path, no_collect, quiet) as (spec, store):
        result = build(spec, store, tables)
    for output in result.written:
        if not quiet:
            click.echo(f"wrote {os.path.relpath(output)}")
    if result.unchanged and not quiet:
        click.echo(f"{len(result.unchanged)} output(s) unchanged")
    label = "Error" if strict else "Warning"
    for warning in finding_lines(result.findings, verbose):
        click.echo(f"{label}: {warning}", err=True)
    if strict and result.findings:
        sys.exit(1)
