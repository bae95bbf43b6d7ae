"""`report` and `preview`: the HTML results page and the preview PDF of every output."""

from __future__ import annotations

import os

import click

from resultsbook.cli.common import (
    config_option,
    handle_errors,
    no_collect_option,
    quiet_option,
    spec_and_store,
    spec_db_option,
)


@click.command("report")
@config_option
@spec_db_option
@no_collect_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="HTML file [default: [report] output, else resultsbook-report.html beside the spec].",
)
@quiet_option
@handle_errors
def report_command(
    config: str | None, db_path: str | None, no_collect: bool, output: str | None, quiet: bool
) -> None:
    """Write one self-contained HTML page: every table and figure, the runs behind each cell, all runs."""
    from resultsbook.atomic import write_if_changed
    from resultsbook.outputs.report import render_report

    with spec_and_store(config, db_path, no_collect, quiet) as (spec, store):
        html = render_report(spec, store, store.runs())
    target = output or (spec.report.output if spec.report and spec.report.output else None)
    target = target or os.path.join(spec.folder, "resultsbook-report.html")
    changed = write_if_changed(target, html.encode())
    if not quiet:
        click.echo(f"{'wrote' if changed else 'unchanged:'} {os.path.relpath(target)}")


@click.command("preview")
@config_option
@spec_db_option
@no_collect_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="PDF file [default: resultsbook-preview.pdf beside the spec].",
)
@quiet_option
@handle_errors
def preview_command(
    config: str | None, db_path: str | None, no_collect: bool, output: str | None, quiet: bool
) -> None:
    """Build every output, then compile one PDF showing every table, figure and number under its name."""
    from resultsbook.outputs.preview import find_latex, make_preview

    find_latex()
    with spec_and_store(config, db_path, no_collect, quiet) as (spec, store):
        result = make_preview(spec, store, output)
    if not quiet:
        for path in result.build.written:
            click.echo(f"wrote {os.path.relpath(path)}")
    for warning in result.build.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(f"preview: {os.path.relpath(result.pdf)}")
