"""`report` and `preview`: the HTML results page and the preview PDF of every output."""

from __future__ import annotations

import os

import click

from resultsbook.cli.common import (
    config_option,
    echo,
    no_collect_option,
    progress_bar,
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
def report_command(
    config: str | None, db_path: str | None, no_collect: bool, output: str | None, quiet: bool
) -> None:
    """Write one self-contained HTML page: every table and figure, the runs behind each cell, all runs."""
    from resultsbook.outputs.report import write_report

    with (
        spec_and_store(config, db_path, not no_collect, quiet) as (spec, store),
        progress_bar("Writing the report", minimum=1) as progress,
    ):
        target, changed = write_report(spec, store, output, progress)
    if not quiet:
        echo(f"{'wrote' if changed else 'unchanged:'} {os.path.relpath(target)}")


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
def preview_command(
    config: str | None, db_path: str | None, no_collect: bool, output: str | None, quiet: bool
) -> None:
    """Build every output, then compile one PDF showing every table, figure and number under its name."""
    from resultsbook.outputs.preview import find_latex, make_preview

    find_latex()
    with (
        spec_and_store(config, db_path, not no_collect, quiet) as (spec, store),
        progress_bar("Building the preview", minimum=1) as progress,
    ):
        result = make_preview(spec, store, output, progress)
    if not quiet:
        for path in result.build.written:
            echo(f"wrote {os.path.relpath(path)}")
    for warning in result.build.warnings:
        echo(f"Warning: {warning}", err=True)
    echo(f"preview: {os.path.relpath(result.pdf)}")
