"""`status` and `explain`: what is missing before the deadline, and where a number comes from."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from resultsbook.cli.common import (
    config_option,
    handle_errors,
    load_required_spec,
    open_store,
    spec_db_option,
    verbose_option,
)

if TYPE_CHECKING:
    from resultsbook.spec import Spec


@click.command("status")
@config_option
@spec_db_option
@click.option(
    "--stale-after", default="1h", show_default=True, help="A running run silent this long looks dead."
)
@click.option(
    "--commands", is_flag=True, help="Print the command lines of missing runs (spec key `command`)."
)
@click.option("--all", "show_all", is_flag=True, help="List complete cells too.")
@verbose_option
@handle_errors
def status_command(
    config: str | None, db_path: str | None, stale_after: str, commands: bool, show_all: bool, verbose: bool
) -> None:
    """Say what is missing: replicates per cell, missing seeds, failed, running and dead runs."""
    from resultsbook.freshness.status import parse_duration, status

    spec = load_required_spec(config)
    with open_store(db_path, spec=spec) as store:
        report = status(spec, store, parse_duration(stale_after))
    for table in dict.fromkeys(cell.table for cell in report.cells):
        cells = [cell for cell in report.cells if cell.table == table]
        done = sum(1 for cell in cells if cell.found >= cell.expected)
        click.echo(f"{table}: {done} of {len(cells)} cells complete")
        for cell in cells:
            if cell.found >= cell.expected and not show_all:
                continue
            line = f"  {cell.cell}: {cell.found} of {cell.expected}"
            named = list(cell.missing) + (
                [f"{cell.unnamed} unnamed (set seeds = [...] in the spec)"] if cell.unnamed else []
            )
            if named:
                line += f", missing {', '.join(named)}"
            click.echo(line)
            for command in cell.commands if commands else ():
                click.echo(f"    {command}")
    if report.runs:
        click.echo("Runs needing attention:")
    for run in report.runs:
        click.echo(f"  {run.state:<11} {run.name}  ({run.source})")
        click.echo(f"              {run.detail}")
    from resultsbook.outputs.build import finding_lines

    for line in finding_lines(report.findings, verbose):
        click.echo(f"Warning: {line}", err=True)
    sys.exit(0 if report.complete else 1)


@click.command("explain")
@click.argument("output")
@click.argument("cell", required=False)
@config_option
@spec_db_option
@handle_errors
def explain_command(output: str, cell: str | None, config: str | None, db_path: str | None) -> None:
    """Show the runs behind a table, a cell of it, or a number quoted in the text.

    \b
    OUTPUT: a table name or output file, a cell key (table1/mlp/circles), or a number's name
    (gain_circles, \\gainCircles; or the numbers file with the name as CELL).
    CELL: the cell's label ("MLP / Moons", or part of it) or key values (model=mlp,dataset=moons).
    """
    from resultsbook.freshness.explain import explain, explain_number, find_number

    spec = load_required_spec(config)
    macros_file = spec.macros.output if spec.macros is not None else None
    number = find_number(spec, cell or "") if macros_file and os.path.abspath(output) == macros_file else None
    number = number or find_number(spec, output)
    if number is not None:
        with open_store(db_path, spec=spec) as store:
            print_number(explain_number(spec, store, number), spec)
        return
    if output.partition("/")[0] in spec.tables and "/" in output and cell is None:
        output, cell = output.partition("/")[0], _cell_key_query(spec, output)
    with open_store(db_path, spec=spec) as store:
        explanations = explain(spec, store, output, cell)
    for item in explanations:
        print_cell(item, spec.tables[item.table].query.replicate)


def print_cell(item: object, replicate: tuple[str, ...]) -> None:
    """Print one cell's explanation: value, runs with their own values, differences, marks."""
    from tabulate import tabulate

    from resultsbook.freshness.explain import CellExplanation
    from resultsbook.params import format_value

    assert isinstance(item, CellExplanation)
    n = int(item.stats["n"])
    step = f" at step {item.step:g}" if item.step is not None else ""
    click.echo(f"{item.table} / {item.cell}: {item.shown} (n = {n}, per run: {item.reduce}{step})")
    rows = [
        [run.run_id, run.name, *(format_value(run.params.get(k)) for k in replicate), run.status,
         (run.git_commit or "")[:10] + ("*" if run.git_dirty else ""), run.source, f"{value:.6g}"]
        for run, value in item.runs
    ]  # fmt: skip
    headers = ["run", "name", *replicate, "status", "commit", "source", "value"]
    click.echo("\n".join("  " + line for line in tabulate(rows, headers, disable_numparse=True).splitlines()))
    for key, values in item.differing.items():
        click.echo(f"  differ in {key}: {', '.join(format_value(v) for v in values)}")
    for text in item.marks:
        click.echo(f"  ! {text}")


def print_number(number: object, spec: Spec) -> None:
    """Print a named number: its value, then the cells or runs it comes from."""
    from resultsbook.freshness.explain import NumberExplanation

    assert isinstance(number, NumberExplanation)
    click.echo(f"\\{number.macro} ({number.name}, {number.kind}) = {number.text}")
    for item in number.cells:
        print_cell(item, spec.tables[item.table].query.replicate)
    for run, value in number.runs:
        shown = "" if value is None else f"  {value:.6g}"
        click.echo(f"  {run.run_id}  {run.name}  {run.status}  {run.source}{shown}")


def _cell_key_query(spec: object, key: str) -> str:
    from resultsbook.freshness.explain import _key_query

    table, _, rest = key.partition("/")
    return _key_query(spec, table, rest)  # type: ignore[arg-type]
