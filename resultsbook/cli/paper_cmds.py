"""`report` and `preview`: the HTML results page and the preview PDF of every output."""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

import click

from resultsbook.cli.common import (
    config_option,
    echo,
    no_collect_option,
    progress_bar,
    quiet_option,
    spec_and_store,
    spec_db_option,
    verbose_option,
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
    from resultsbook.cli.outcome import not_built_failure
    from resultsbook.outputs.report import write_report

    with (
        spec_and_store(config, db_path, not no_collect, quiet) as (spec, store),
        progress_bar("Writing the report", minimum=1) as progress,
    ):
        target, changed, failed = write_report(spec, store, output, progress)
    if not quiet:
        echo(f"{'wrote' if changed else 'unchanged:'} {os.path.relpath(target)}")
    for entry in failed:  # each is a box on the page too
        echo(f"Error: {entry.line()}", err=True)
    not_built = not_built_failure(failed)
    if not_built is not None:
        sys.exit(not_built.code)


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
@click.option(
    "--preset",
    help="Set the preview on a venue's page: icml, neurips, iclr, aaai, acl, ieee, lncs, cvpr.",
)
@quiet_option
@verbose_option
def preview_command(
    config: str | None,
    db_path: str | None,
    no_collect: bool,
    output: str | None,
    preset: str | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Build every output, then compile one PDF showing every table, figure and number under its name."""
    from resultsbook.errors import BuildError, RenderError, SpecError
    from resultsbook.outputs.build import finding_lines
    from resultsbook.outputs.preview import find_latex, make_preview
    from resultsbook.render.venues import venue_preset

    find_latex()
    if preset:
        try:
            venue_preset(preset)  # an unknown preset is refused before anything is built
        except RenderError as error:
            raise SpecError(f"--preset: {error}") from error
    with (
        spec_and_store(config, db_path, not no_collect, quiet) as (spec, store),
        progress_bar("Building the preview", minimum=1) as progress,
    ):
        try:
            result = make_preview(spec, store, output, preset, progress)
        except BuildError as error:  # no PDF: it would show old or missing files in their place
            report_not_built(error, quiet)
    if not quiet:
        for path in result.build.written:
            echo(f"wrote {os.path.relpath(path)}")
    for warning in [*finding_lines(result.build.findings, verbose), *result.too_wide]:
        echo(f"Warning: {warning}", err=True)
    echo(f"preview: {os.path.relpath(result.pdf)}")


def report_not_built(error: Any, quiet: bool = False) -> NoReturn:
    """End a command whose build could not build every entry: what was written, one line per entry
    not built, and the exit code of the most pressing."""
    from resultsbook.cli.outcome import failure_of

    if not quiet:
        for path in error.report.written:
            echo(f"wrote {os.path.relpath(path)}")
    for entry in error.report.failed:
        echo(f"Error: {entry.line()}", err=True)
    sys.exit(failure_of(error).code)
