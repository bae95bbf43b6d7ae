"""`report` and `preview`: the HTML results page and the preview PDF of every output."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from resultsbook.cli.collect_cmd import show_problems
from resultsbook.cli.common import handle_errors, open_store, progress_bar

if TYPE_CHECKING:
    from resultsbook.config import Spec
    from resultsbook.store import Store

config_option = click.option(
    "--config",
    type=click.Path(dir_okay=False, exists=True),
    help="Spec file [default: nearest resultsbook.toml].",
)
db_option = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False), help="Store [default: the spec's db]."
)
no_collect_option = click.option(
    "--no-collect", is_flag=True, help="Use the store as it is; do not re-collect the spec's sources."
)
quiet_option = click.option("-q", "--quiet", is_flag=True, help="Print only warnings and errors.")


@contextmanager
def spec_and_store(
    config: str | None, db_path: str | None, no_collect: bool, quiet: bool
) -> Iterator[tuple[Spec, Store]]:
    """Load the spec, open its store and collect its sources first (as `build` does)."""
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
        yield spec, store


@click.command("report")
@config_option
@db_option
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
    from resultsbook.report import render_report

    with spec_and_store(config, db_path, no_collect, quiet) as (spec, store):
        html = render_report(spec, store, store.runs())
    target = output or (spec.report.output if spec.report and spec.report.output else None)
    target = target or os.path.join(spec.folder, "resultsbook-report.html")
    changed = write_if_changed(target, html.encode())
    if not quiet:
        click.echo(f"{'wrote' if changed else 'unchanged:'} {os.path.relpath(target)}")


@click.command("preview")
@config_option
@db_option
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
    from resultsbook.preview import find_latex, make_preview

    find_latex()
    with spec_and_store(config, db_path, no_collect, quiet) as (spec, store):
        result = make_preview(spec, store, output)
    if not quiet:
        for path in result.build.written:
            click.echo(f"wrote {os.path.relpath(path)}")
    for warning in result.build.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(f"preview: {os.path.relpath(result.pdf)}")
